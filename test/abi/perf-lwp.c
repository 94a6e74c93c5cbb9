/* SPDX-License-Identifier: MIT */
/* The waitable LWP buffer (perf_event_open with the "lwp" PMU; docs/kernel.md): the
 * type comes from sysfs; a parent consumes a child's instructions-retired samples
 * through the mmap'ed perf ring with poll(), and a thread consumes another thread's.
 * The ring is tiny, so the kernel must hold records back: every loop sample must
 * arrive exactly once (count = 2 × iterations ÷ period ± 1, no PERF_RECORD_LOST).
 * No native oracle (no LWP PMU on the host): the program checks itself. */
#define _GNU_SOURCE
#include "common.h"
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct attr { uint32_t type, size; uint64_t config, period, sample_type, read_format, flags; uint32_t wakeup, bp_type; uint64_t pad[12]; };
#define PAGE_DATA_HEAD 1024
#define PAGE_DATA_TAIL 1032
#define PAGE_DATA_OFFSET 1040
#define PAGE_DATA_SIZE 1048
#define SAMPLE_IP 1u
#define SAMPLE_TID 2u
#define SAMPLE_PERIOD 256u
#define SAMPLE_RAW 1024u
#define PERIOD 1000
#define ITER 100000L

__attribute__((noinline)) static void spin(long n) { __asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n)); }
__attribute__((noinline)) static void spin_end(void) { __asm__ volatile(""); }

static int lwp_type(void) {
  FILE *f = fopen("/sys/bus/event_source/devices/lwp/type", "r");
  int t = -1;
  if (f) { if (fscanf(f, "%d", &t) != 1) t = -1; fclose(f); }
  return t;
}

static int open_lwp(int type, pid_t pid) {
  struct attr a;
  memset(&a, 0, sizeof a);
  a.type = type; a.size = sizeof a; a.config = 2; a.period = PERIOD;
  a.sample_type = SAMPLE_IP | SAMPLE_TID | SAMPLE_PERIOD | SAMPLE_RAW;
  return (int)syscall(SYS_perf_event_open, &a, pid, -1, -1, 0);
}

struct tally { long samples, in_spin, lost, other_tid, bad; };

/* Consumes records between data_tail and data_head; returns bytes consumed. */
static uint64_t consume(volatile unsigned char *page, struct tally *t, pid_t tid) {
  uint64_t head = *(volatile uint64_t *)(page + PAGE_DATA_HEAD);
  __sync_synchronize();
  uint64_t tail = *(volatile uint64_t *)(page + PAGE_DATA_TAIL);
  uint64_t off = *(volatile uint64_t *)(page + PAGE_DATA_OFFSET), size = *(volatile uint64_t *)(page + PAGE_DATA_SIZE);
  uint64_t start = tail;
  while (tail < head) {
    unsigned char rec[128];
    for (int i = 0; i < 8; i++) rec[i] = page[off + (tail + i) % size];
    uint16_t len = *(uint16_t *)(rec + 6);
    uint32_t type = *(uint32_t *)rec;
    if (len < 8 || len > sizeof rec) { t->bad++; break; }
    for (int i = 8; i < len; i++) rec[i] = page[off + (tail + i) % size];
    if (type == 9) {
      uint64_t ip = *(uint64_t *)(rec + 8);
      uint32_t rtid = *(uint32_t *)(rec + 20);
      uint64_t period = *(uint64_t *)(rec + 24);
      uint32_t raw = *(uint32_t *)(rec + 32);
      t->samples++;
      if (ip >= (uint64_t)(uintptr_t)spin && ip < (uint64_t)(uintptr_t)spin_end) t->in_spin++;
      if (rtid != (uint32_t)tid) t->other_tid++;
      if (period != PERIOD || raw != 36 || rec[36] != 2 || *(uint64_t *)(rec + 44) != ip) t->bad++;
    } else if (type == 2) t->lost += *(uint64_t *)(rec + 16);
    tail += len;
  }
  __sync_synchronize();
  *(volatile uint64_t *)(page + PAGE_DATA_TAIL) = tail;
  return tail - start;
}

static int close_enough(long got, long want) { return got >= want - 1 && got <= want + 1; }

static void drain_until_hup(int fd, volatile unsigned char *page, struct tally *t, pid_t tid) {
  for (;;) {
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, -1) != 1) { t->bad++; return; }
    consume(page, t, tid);
    if ((p.revents & POLLHUP) && !(p.revents & POLLIN)) return;
  }
}

static volatile int go;
static volatile pid_t worker_tid;
static void *worker(void *arg) {
  (void)arg;
  worker_tid = (pid_t)syscall(SYS_gettid);
  while (!go) sched_yield();
  spin(ITER);
  return 0;
}

int main(void) {
  abi_init();
  int type = lwp_type();
  RUN("sysfs type");
  CHECK(type > 5);
  OK("sysfs type");

  RUN("parent consumes child");
  int pipefd[2];
  CHECK(pipe(pipefd) == 0);
  pid_t child = fork();
  if (child == 0) {
    char c;
    close(pipefd[1]);
    if (read(pipefd[0], &c, 1) != 1) _exit(1);
    spin(ITER);
    _exit(0);
  }
  close(pipefd[0]);
  int fd = open_lwp(type, child);
  CHECK(fd >= 0);
  size_t len = 2 * 4096; /* header + one data page: about 85 records, far fewer than the samples */
  volatile unsigned char *page = mmap(0, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(page != MAP_FAILED);
  CHECK(*(volatile uint64_t *)(page + PAGE_DATA_SIZE) == 4096);
  struct tally t = { 0 };
  CHECK(write(pipefd[1], "x", 1) == 1);
  drain_until_hup(fd, page, &t, child);
  int st = 0;
  CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  printf("child: %ld samples, %ld in spin, %ld lost\n", t.samples, t.in_spin, t.lost);
  CHECK(close_enough(t.in_spin, 2 * ITER / PERIOD));
  CHECK(t.lost == 0 && t.other_tid == 0 && t.bad == 0);
  uint64_t count = 0;
  CHECK(read(fd, &count, 8) == 8 && count == (uint64_t)t.samples * PERIOD);
  close(fd);
  OK("parent consumes child");

  RUN("late consumer: the child exits before anything is read");
  CHECK(pipe(pipefd) == 0);
  child = fork();
  if (child == 0) {
    char c;
    close(pipefd[1]);
    if (read(pipefd[0], &c, 1) != 1) _exit(1);
    spin(ITER);
    _exit(0);
  }
  close(pipefd[0]);
  fd = open_lwp(type, child);
  page = mmap(0, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(fd >= 0 && page != MAP_FAILED);
  struct tally l = { 0 };
  CHECK(write(pipefd[1], "x", 1) == 1);
  CHECK(waitpid(child, &st, 0) == child);
  drain_until_hup(fd, page, &l, child);
  printf("late: %ld samples, %ld in spin, %ld lost\n", l.samples, l.in_spin, l.lost);
  CHECK(close_enough(l.in_spin, 2 * ITER / PERIOD) && l.samples == t.samples);
  CHECK(l.lost == 0 && l.other_tid == 0 && l.bad == 0);
  close(fd);
  OK("late consumer: the child exits before anything is read");

  RUN("thread consumes thread");
  pthread_t th;
  pid_t wtid = 0;
  CHECK(pthread_create(&th, 0, worker, 0) == 0);
  while (worker_tid == 0) sched_yield();
  wtid = worker_tid;
  fd = open_lwp(type, wtid);
  CHECK(fd >= 0);
  page = mmap(0, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(page != MAP_FAILED);
  struct tally u = { 0 };
  go = 1;
  drain_until_hup(fd, page, &u, wtid);
  pthread_join(th, 0);
  printf("thread: %ld samples, %ld in spin, %ld lost\n", u.samples, u.in_spin, u.lost);
  CHECK(close_enough(u.in_spin, 2 * ITER / PERIOD));
  CHECK(u.lost == 0 && u.other_tid == 0 && u.bad == 0);
  OK("thread consumes thread");

  RUN("errors");
  struct attr a;
  memset(&a, 0, sizeof a);
  a.type = type; a.size = sizeof a; a.config = 9; a.period = PERIOD;
  CHECK(syscall(SYS_perf_event_open, &a, 0, -1, -1, 0) == -1);
  a.config = 2;
  CHECK(syscall(SYS_perf_event_open, &a, 999999, -1, -1, 0) == -1);
  OK("errors");
  DONE();
}
