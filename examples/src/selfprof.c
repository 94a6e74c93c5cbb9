/* SPDX-License-Identifier: MIT */
/* selfprof: a program that profiles itself with LWP (events 2 and 3), polling its own
 * ring buffer while it works, then prints its profile and checks it against the spec:
 * sample counts of a loop of known length within ±1, record fields, nothing missed. */
#include <stdio.h>
#include "../../include/lwp.h"

#define N_ITER 300000u
#define INSN_INTERVAL 9999u /* a record every 10000 instructions */
#define BR_INTERVAL 999u    /* a record every 1000 branches */

/* A loop of known length: 3 instructions and 1 branch per iteration. */
extern void known_loop(unsigned n);
extern char known_loop_body[], known_loop_branch[], known_loop_end[];
__asm__(".text\n.globl known_loop\nknown_loop:\n mov %edi, %ecx\n"
        ".globl known_loop_body\nknown_loop_body:\n add $1, %eax\n dec %ecx\n"
        ".globl known_loop_branch\nknown_loop_branch:\n jnz known_loop_body\n"
        ".globl known_loop_end\nknown_loop_end:\n ret\n");

static struct lwpcb cb;
static struct lwp_record ring[2048] __attribute__((aligned(64)));

struct profile {
  unsigned long by_event[256], in_loop[256], bad_fields, taken;
};

static void count(const struct lwp_record *r, void *arg) {
  struct profile *p = arg;
  uintptr_t ip = (uintptr_t)r->InstructionAddress;
  p->by_event[r->EventId]++;
  if (ip >= (uintptr_t)known_loop_body && ip < (uintptr_t)known_loop_end) p->in_loop[r->EventId]++;
  if (r->EventId == LWP_EVENT_BRANCHES) {
    if (ip == (uintptr_t)known_loop_branch && (r->Flags & LWP_BR_TAKEN) && r->Data2 != (uintptr_t)known_loop_body) p->bad_fields++;
    if (r->Flags & LWP_BR_TAKEN) p->taken++;
  }
  if (r->EventId == LWP_EVENT_INSTRUCTIONS && (r->Data1 != 0 || r->Data2 != 0)) p->bad_fields++;
}

static int check(const char *what, long got, long want, long slack) {
  int ok = got >= want - slack && got <= want + slack;
  printf("[%s] %s: %ld (expected %ld +/- %ld)\n", ok ? "OK" : "FAIL", what, got, want, slack);
  return ok;
}

int main(void) {
  struct lwp_caps caps = lwp_query();
  printf("CPUID 8000_001C: supported events:");
  for (int e = 1; e <= 6; e++) if (caps.supported & LWP_FLAG_EVENT(e)) printf(" %d", e);
  printf("; max events %u, LWPCB %u bytes\n", caps.max_events, caps.cb_size);
  if (!caps.available) {
    puts("LWP is not available (CPU or OS)");
    return 1;
  }
  struct profile p;
  memset(&p, 0, sizeof p);
  lwp_init(&cb, ring, sizeof ring, LWP_FLAG_EVENT(LWP_EVENT_INSTRUCTIONS) | LWP_FLAG_EVENT(LWP_EVENT_BRANCHES));
  lwp_set_interval(&cb, LWP_EVENT_INSTRUCTIONS, INSN_INTERVAL);
  lwp_set_interval(&cb, LWP_EVENT_BRANCHES, BR_INTERVAL);
  lwp_start(&cb);
  for (int round = 0; round < 4; round++) {
    known_loop(N_ITER);
    lwp_drain(&cb, count, &p); /* the polling consumer */
  }
  void *active = __slwpcb();
  lwp_drain(&cb, count, &p);
  lwp_stop();
  void *after = __slwpcb();

  printf("profile: %lu instruction samples (%lu in known_loop), %lu branch samples (%lu in known_loop, %lu taken)\n",
         p.by_event[2], p.in_loop[2], p.by_event[3], p.in_loop[3], p.taken);
  int ok = 1;
  ok &= check("instruction samples in known_loop", (long)p.in_loop[2], 4L * 3 * N_ITER / (INSN_INTERVAL + 1), 4);
  ok &= check("branch samples in known_loop", (long)p.in_loop[3], 4L * N_ITER / (BR_INTERVAL + 1), 4);
  ok &= check("records with wrong fields", (long)p.bad_fields, 0, 0);
  ok &= check("MissedEvents (a polling consumer loses nothing)", (long)cb.MissedEvents, 0, 0);
  ok &= check("SLWPCB while active returns the LWPCB", active == &cb, 1, 0);
  ok &= check("SLWPCB after LLWPCB(0) returns 0", after == 0, 1, 0);
  puts(ok ? "selfprof: PASS" : "selfprof: FAIL");
  return ok ? 0 : 1;
}
