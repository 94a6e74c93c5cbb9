/* SPDX-License-Identifier: MIT */
/* LWP state per task, in the shape of Linux selftests/x86/xstate.c (no native oracle:
 * checked against docs/kernel.md "Signals"/"LWP as an OS feature" and docs/lwp.md
 * decisions 9, 17, 19): per-thread LWPCBs across context switches, LWP off inside a
 * signal handler and back after it, the threshold interrupt relayed as a signal. */
#define _GNU_SOURCE
#include "common.h"
#include "../../include/lwp.h"
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>

#define PR_LWP_SET_SIGNAL 0x4c575003
#define PR_LWP_GET_SIGNAL 0x4c575004
#define INTERVAL 999u /* one event-2 record per 1000 instructions (decision 9) */

/* Two distinct loops of known length: 3 instructions per iteration each. */
extern void loop_a(unsigned n), loop_b(unsigned n);
extern char loop_a_start[], loop_a_end[], loop_b_start[], loop_b_end[];
__asm__(".text\n"
        ".globl loop_a\nloop_a:\n mov %edi, %ecx\n"
        ".globl loop_a_start\nloop_a_start:\n add $1, %eax\n dec %ecx\n jnz loop_a_start\n"
        ".globl loop_a_end\nloop_a_end:\n ret\n"
        ".globl loop_b\nloop_b:\n mov %edi, %ecx\n"
        ".globl loop_b_start\nloop_b_start:\n sub $1, %edx\n dec %ecx\n jnz loop_b_start\n"
        ".globl loop_b_end\nloop_b_end:\n ret\n");

static int in(uint64_t ip, const char *lo, const char *hi) { return ip >= (uintptr_t)lo && ip < (uintptr_t)hi; }

struct tally {
  unsigned long total, in_a, in_b, other, bad;
  uint64_t tsc_min, tsc_max;
};

static void tally_rec(const struct lwp_record *r, void *arg) {
  struct tally *t = arg;
  t->total++;
  if (r->EventId != LWP_EVENT_INSTRUCTIONS) t->bad++;
  if (in(r->InstructionAddress, loop_a_start, loop_a_end)) t->in_a++;
  else if (in(r->InstructionAddress, loop_b_start, loop_b_end)) t->in_b++;
  else t->other++;
  if (t->tsc_min == 0 || r->Data3 < t->tsc_min) t->tsc_min = r->Data3;
  if (r->Data3 > t->tsc_max) t->tsc_max = r->Data3;
}

static int near(long got, long want, long slack) {
  int ok = got >= want - slack && got <= want + slack;
  if (!ok) printf("  got %ld, expected %ld +/- %ld\n", got, want, slack);
  return ok;
}

/* ---- threads ---- */
#define ITER_A 400000u /* 1.2M instructions: 12 quanta of 100k */
#define ITER_B 600000u
#define RING_RECS 4096
static struct lwpcb tcb[2];
static struct lwp_record tring[2][RING_RECS] __attribute__((aligned(64)));
static struct tally tt[2];
static void *tslw[2];

static void *worker(void *arg) {
  int i = (int)(intptr_t)arg;
  lwp_init(&tcb[i], tring[i], sizeof tring[i], LWP_FLAG_EVENT(LWP_EVENT_INSTRUCTIONS) | LWP_FLAG_PTSC);
  lwp_set_interval(&tcb[i], LWP_EVENT_INSTRUCTIONS, INTERVAL);
  lwp_start(&tcb[i]);
  if (i == 0) loop_a(ITER_A);
  else loop_b(ITER_B);
  tslw[i] = __slwpcb();
  lwp_stop();
  lwp_drain(&tcb[i], tally_rec, &tt[i]);
  return NULL;
}

static void test_threads(void) {
  RUN("threads");
  pthread_t th[2];
  for (int i = 0; i < 2; i++) CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0);
  for (int i = 0; i < 2; i++) CHECK(pthread_join(th[i], NULL) == 0);
  for (int i = 0; i < 2; i++) {
    printf("  thread %d: %lu records, %lu in loop_a, %lu in loop_b, %lu elsewhere, tsc %llu..%llu, missed %llu\n", i,
           tt[i].total, tt[i].in_a, tt[i].in_b, tt[i].other, (unsigned long long)tt[i].tsc_min,
           (unsigned long long)tt[i].tsc_max, (unsigned long long)tcb[i].MissedEvents);
    CHECK(tslw[i] == &tcb[i]);
    CHECK(tcb[i].MissedEvents == 0 && tt[i].bad == 0);
    CHECK(tt[i].other <= 2); /* LLWPCB..call and ret..LLWPCB(0): a few dozen instructions */
  }
  CHECK(tt[0].in_b == 0 && tt[1].in_a == 0); /* never the other thread's loop */
  CHECK(near((long)tt[0].in_a, 3L * ITER_A / (INTERVAL + 1), 2));
  CHECK(near((long)tt[1].in_b, 3L * ITER_B / (INTERVAL + 1), 2));
  /* Virtual TSC = instructions retired by all tasks: overlapping ranges mean the two
   * loops were interleaved by the scheduler, i.e. LWP state crossed context switches. */
  CHECK(tt[0].tsc_min < tt[1].tsc_max && tt[1].tsc_min < tt[0].tsc_max);
  OK("threads");
}

/* ---- signal ---- */
#define ITER_SIG 100000u
static struct lwpcb scb;
static struct lwp_record sring[2048] __attribute__((aligned(64)));
static volatile void *in_handler_slwpcb = (void *)1;
static volatile int handled;

static void on_usr1(int sig) {
  (void)sig;
  in_handler_slwpcb = __slwpcb();
  loop_b(ITER_SIG); /* work that would leave ~300 records if LWP were on */
  handled++;
}

static void test_signal(void) {
  RUN("signal");
  struct tally before, after;
  memset(&before, 0, sizeof before);
  memset(&after, 0, sizeof after);
  CHECK(signal(SIGUSR1, on_usr1) != SIG_ERR);
  lwp_init(&scb, sring, sizeof sring, LWP_FLAG_EVENT(LWP_EVENT_INSTRUCTIONS));
  lwp_set_interval(&scb, LWP_EVENT_INSTRUCTIONS, INTERVAL);
  lwp_start(&scb);
  loop_a(ITER_SIG);
  lwp_drain(&scb, tally_rec, &before);
  raise(SIGUSR1);
  void *back = __slwpcb();
  loop_a(ITER_SIG);
  void *end = __slwpcb();
  lwp_stop();
  lwp_drain(&scb, tally_rec, &after);
  printf("  handler SLWPCB %p; before %lu (%lu in loop_a), after %lu (%lu in loop_a, %lu in loop_b)\n",
         (void *)in_handler_slwpcb, before.total, before.in_a, after.total, after.in_a, after.in_b);
  CHECK(handled == 1);
  CHECK(in_handler_slwpcb == NULL); /* docs/kernel.md: LWP is off inside a handler */
  CHECK(back == &scb && end == &scb);
  CHECK(after.in_b == 0 && before.in_b == 0);
  CHECK(near((long)before.in_a, 3L * ITER_SIG / (INTERVAL + 1), 2));
  CHECK(near((long)after.in_a, 3L * ITER_SIG / (INTERVAL + 1), 2)); /* counting continues */
  CHECK(scb.MissedEvents == 0);
  OK("signal");
}

/* ---- threshold ---- */
#define K 8u           /* Threshold = K records */
#define N_REC 203u     /* records the loop produces: 25 batches of K and 3 left */
static struct lwpcb hcb;
static struct lwp_record hring[64] __attribute__((aligned(64)));
static volatile unsigned sigs, drained, bad_batches;

static void count_only(const struct lwp_record *r, void *arg) { (void)r; (void)arg; }

static void on_usr2(int sig, siginfo_t *si, void *uc) {
  (void)sig; (void)uc;
  unsigned n = lwp_drain(&hcb, count_only, NULL); /* tail := head */
  sigs++;
  drained += n;
  if (n != K || si->si_code != SI_KERNEL) bad_batches++;
}

static void test_threshold(void) {
  RUN("threshold");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_usr2;
  sa.sa_flags = SA_SIGINFO;
  CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
  /* Before LLWPCB: the effective Flags are Flags ∧ LWP_CFG, and INT is in LWP_CFG only
   * once a signal is chosen (docs/kernel.md). */
  CHECK(prctl(PR_LWP_SET_SIGNAL, SIGUSR2, 0, 0, 0) == 0);
  CHECK(prctl(PR_LWP_GET_SIGNAL, 0, 0, 0, 0) == SIGUSR2);
  lwp_init(&hcb, hring, sizeof hring, LWP_FLAG_EVENT(LWP_EVENT_INSTRUCTIONS) | LWP_FLAG_INT);
  lwp_set_interval(&hcb, LWP_EVENT_INSTRUCTIONS, INTERVAL);
  hcb.Threshold = K * 32;
  lwp_start(&hcb);
  uint32_t eff = hcb.Flags; /* LLWPCB writes the effective Flags back (decision 8) */
  loop_a(N_REC * (INTERVAL + 1) / 3);
  lwp_stop();
  unsigned sigs_at_stop = sigs;
  unsigned rest = lwp_drain(&hcb, count_only, NULL);
  unsigned total = drained + rest;
  printf("  effective Flags %#x; %u records (%u drained by %u signals, %u left), missed %llu\n", eff, total, drained,
         sigs_at_stop, rest, (unsigned long long)hcb.MissedEvents);
  CHECK(eff & LWP_FLAG_INT);
  /* Decision 19: one interrupt when a store takes (head - tail) mod size from < T to
   * >= T. The handler drains to empty at once (the next record is ~1000 instructions
   * later), so every K-th record crosses: signals = floor(total / K) exactly, and the
   * last partial batch (total mod K < K records) stays in the ring without a signal. */
  CHECK(total + 1 >= N_REC && total <= N_REC + 2);
  CHECK(sigs_at_stop == total / K);
  CHECK(rest == total % K);
  CHECK(bad_batches == 0);
  CHECK(hcb.MissedEvents == 0);
  CHECK(prctl(PR_LWP_SET_SIGNAL, 0, 0, 0, 0) == 0);
  OK("threshold");
}

int main(void) {
  abi_init();
  struct lwp_caps caps = lwp_query();
  if (!caps.available || !(caps.supported & LWP_FLAG_INT) || !(caps.supported & LWP_FLAG_PTSC)) {
    printf("[FAIL] LWP with INT and PTSC is not available\n");
    return 1;
  }
  test_threads();
  test_signal();
  test_threshold();
  DONE();
}
