/* SPDX-License-Identifier: MIT */
/* Priority-inheritance futexes (FUTEX_LOCK_PI, LOCK_PI2, TRYLOCK_PI, UNLOCK_PI)
 * and the pthread PI mutexes built on them: a free lock, the owner locking again,
 * unlock by a non-owner, OWNER_DIED kept, an owner TID that names no task, a
 * contended lock handed to its waiter, timeouts on both clocks, FUTEX_WAKE on a
 * PI lock, an owner that exits holding the lock (plain and robust), two
 * threads counting under a PI mutex, and the condition-variable pair
 * FUTEX_WAIT_REQUEUE_PI / FUTEX_CMP_REQUEUE_PI. Each line is compared with the native run;
 * TIDs print as "self"/"other". */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

/* <linux/futex.h>, which musl's headers lack. */
#define FUTEX_WAKE 1
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI 12
#define FUTEX_LOCK_PI2 13
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_LOCK_PI_PRIVATE (FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG)
#define FUTEX_UNLOCK_PI_PRIVATE (FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG)
#define FUTEX_TRYLOCK_PI_PRIVATE (FUTEX_TRYLOCK_PI | FUTEX_PRIVATE_FLAG)
#define FUTEX_LOCK_PI2_PRIVATE (FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu

static long fx(uint32_t *w, int op, const struct timespec *ts) {
  long r = syscall(SYS_futex, w, op, 0, ts, 0, 0);
  return r < 0 ? -errno : r;
}

static const char *err(long r) {
  static char b[32];
  switch (r) {
  case 0: return "0";
  case -EDEADLK: return "EDEADLK";
  case -EPERM: return "EPERM";
  case -ESRCH: return "ESRCH";
  case -EAGAIN: return "EAGAIN";
  case -ETIMEDOUT: return "ETIMEDOUT";
  case -EINVAL: return "EINVAL";
  case -EFAULT: return "EFAULT";
  case -ENOSYS: return "ENOSYS";
  default: snprintf(b, sizeof b, "%ld", r); return b;
  }
}

static pid_t tid(void) { return (pid_t)syscall(SYS_gettid); }

/* The lock word with its TID named relative to `self` and `other`. */
static const char *word(uint32_t v, pid_t self, pid_t other) {
  static char b[64];
  uint32_t t = v & FUTEX_TID_MASK;
  const char *who = t == 0 ? "0" : t == (uint32_t)self ? "self" : t == (uint32_t)other ? "other" : "?";
  snprintf(b, sizeof b, "%s%s%s", who, v & FUTEX_WAITERS ? "|WAITERS" : "", v & FUTEX_OWNER_DIED ? "|OWNER_DIED" : "");
  return b;
}

static void test_uncontended(void) {
  RUN("uncontended: take, again, unlock, unlock by a non-owner, trylock, OWNER_DIED kept");
  uint32_t w = 0;
  pid_t me = tid();
  long r = fx(&w, FUTEX_LOCK_PI_PRIVATE, 0);
  printf("lock %s word %s\n", err(r), word(w, me, 0));
  printf("again %s\n", err(fx(&w, FUTEX_LOCK_PI_PRIVATE, 0)));
  printf("trylock own %s\n", err(fx(&w, FUTEX_TRYLOCK_PI_PRIVATE, 0)));
  r = fx(&w, FUTEX_UNLOCK_PI_PRIVATE, 0);
  printf("unlock %s word %s\n", err(r), word(w, me, 0));
  printf("unlock free %s\n", err(fx(&w, FUTEX_UNLOCK_PI_PRIVATE, 0)));
  r = fx(&w, FUTEX_TRYLOCK_PI_PRIVATE, 0);
  printf("trylock %s word %s\n", err(r), word(w, me, 0));
  fx(&w, FUTEX_UNLOCK_PI_PRIVATE, 0);
  w = FUTEX_OWNER_DIED;
  r = fx(&w, FUTEX_LOCK_PI, 0);
  printf("owner died: lock %s word %s\n", err(r), word(w, me, 0));
  r = fx(&w, FUTEX_UNLOCK_PI, 0);
  printf("owner died: unlock %s word %s\n", err(r), word(w, me, 0));
  w = 0;
  r = fx(&w, FUTEX_LOCK_PI2_PRIVATE, 0);
  printf("lock_pi2 %s word %s\n", err(r), word(w, me, 0));
  fx(&w, FUTEX_UNLOCK_PI_PRIVATE, 0);
  uint32_t *odd = (uint32_t *)((char *)&w + 1);
  printf("misaligned %s\n", err(fx(odd, FUTEX_LOCK_PI_PRIVATE, 0)));
  printf("null %s\n", err(fx(0, FUTEX_LOCK_PI_PRIVATE, 0)));
  OK("uncontended");
}

static void test_dead_owner(void) {
  RUN("an owner TID that names no task: ESRCH, WAITERS left set");
  uint32_t w = 0x3ffffff0;
  printf("lock %s", err(fx(&w, FUTEX_LOCK_PI_PRIVATE, 0)));
  printf(" word %s\n", w == (0x3ffffff0 | FUTEX_WAITERS) ? "tid|WAITERS" : "changed");
  w = 0x3ffffff0;
  printf("trylock %s\n", err(fx(&w, FUTEX_TRYLOCK_PI_PRIVATE, 0)));
  OK("dead owner");
}

/* A second thread that takes `g_w` with LOCK_PI, then waits for `g_go` before acting. */
static uint32_t g_w;
static volatile int g_go, g_held;
static pid_t g_other;
static long g_wake;
/* What the holder does once the main thread waits in LOCK_PI (WAITERS set after g_go), or at g_go (HOLD). */
enum { UNLOCK, EXIT, WAKE_THEN_UNLOCK, HOLD };
static void *holder(void *arg) {
  int what = (int)(intptr_t)arg;
  g_other = tid();
  fx(&g_w, FUTEX_LOCK_PI_PRIVATE, 0);
  g_held = 1;
  while (!g_go) sched_yield();
  while (what != HOLD && !(__atomic_load_n(&g_w, __ATOMIC_SEQ_CST) & FUTEX_WAITERS)) sched_yield();
  if (what == WAKE_THEN_UNLOCK) g_wake = syscall(SYS_futex, &g_w, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0) < 0 ? -errno : 0;
  if (what == EXIT) return 0; /* ends holding the lock: the kernel hands it over */
  fx(&g_w, FUTEX_UNLOCK_PI_PRIVATE, 0);
  return 0;
}

static pthread_t start_holder(int what) {
  pthread_t th;
  g_w = 0;
  g_go = g_held = 0;
  pthread_create(&th, 0, holder, (void *)(intptr_t)what);
  while (!g_held) sched_yield();
  return th;
}

static void test_contended(void) {
  RUN("contended: the waiter gets the lock at unlock, at the owner's exit, and FUTEX_WAKE is EINVAL");
  pid_t me = tid();
  for (int what = UNLOCK; what <= WAKE_THEN_UNLOCK; what++) {
    pthread_t th = start_holder(what);
    printf("trylock held %s", err(fx(&g_w, FUTEX_TRYLOCK_PI_PRIVATE, 0)));
    printf(" word %s\n", word(g_w, me, g_other));
    printf("unlock by non-owner %s\n", err(fx(&g_w, FUTEX_UNLOCK_PI_PRIVATE, 0)));
    __atomic_store_n(&g_w, (uint32_t)g_other, __ATOMIC_SEQ_CST); /* the failed trylock's WAITERS off again */
    g_go = 1;
    long r = fx(&g_w, FUTEX_LOCK_PI_PRIVATE, 0);
    printf("case %d: lock %s word %s", what, err(r), word(g_w, me, g_other));
    if (what == WAKE_THEN_UNLOCK) printf(" wake %s", err(g_wake));
    printf("\n");
    pthread_join(th, 0);
    r = fx(&g_w, FUTEX_UNLOCK_PI_PRIVATE, 0);
    printf("case %d: unlock %s word %s\n", what, err(r), word(g_w, me, g_other));
  }
  OK("contended");
}

static void test_timeouts(void) {
  RUN("timeouts: LOCK_PI (CLOCK_REALTIME), LOCK_PI2 (CLOCK_MONOTONIC or REALTIME), TRYLOCK_PI ignores it");
  pid_t me = tid();
  pthread_t th = start_holder(HOLD);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += 20000000;
  if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
  printf("lock_pi %s\n", err(fx(&g_w, FUTEX_LOCK_PI_PRIVATE, &ts)));
  printf("lock_pi2 realtime %s\n", err(fx(&g_w, FUTEX_LOCK_PI2_PRIVATE | FUTEX_CLOCK_REALTIME, &ts)));
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ts.tv_nsec += 20000000;
  if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
  printf("lock_pi2 monotonic %s\n", err(fx(&g_w, FUTEX_LOCK_PI2_PRIVATE, &ts)));
  struct timespec past = {0, 0};
  printf("lock_pi past %s word %s\n", err(fx(&g_w, FUTEX_LOCK_PI_PRIVATE, &past)), word(g_w, me, g_other));
  g_go = 1;
  pthread_join(th, 0);
  printf("after the owner unlocked: word %s\n", word(g_w, me, g_other));
  OK("timeouts");
}

static pthread_mutex_t g_m;
static long g_count;
static void *counter(void *arg) {
  (void)arg;
  for (int i = 0; i < 2000; i++) {
    pthread_mutex_lock(&g_m);
    long v = g_count;
    if (i % 64 == 0) sched_yield();
    g_count = v + 1;
    pthread_mutex_unlock(&g_m);
  }
  return 0;
}

static void *robust_owner(void *arg) {
  (void)arg;
  pthread_mutex_lock(&g_m);
  g_held = 1;
  while (!g_go) sched_yield();
  return 0; /* dies holding it */
}

static void test_pthread(void) {
  RUN("pthread PI mutexes: two threads counting, a robust owner dying while the other waits");
  pthread_mutexattr_t at;
  pthread_mutexattr_init(&at);
  pthread_mutexattr_setprotocol(&at, PTHREAD_PRIO_INHERIT);
  pthread_mutex_init(&g_m, &at);
  pthread_t a, b;
  pthread_create(&a, 0, counter, 0);
  pthread_create(&b, 0, counter, 0);
  pthread_join(a, 0);
  pthread_join(b, 0);
  printf("count %ld\n", g_count);
  pthread_mutex_destroy(&g_m);
  pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&g_m, &at);
  g_go = g_held = 0;
  pthread_create(&a, 0, robust_owner, 0);
  while (!g_held) sched_yield();
  g_go = 1;
  int r = pthread_mutex_lock(&g_m);
  printf("robust: lock %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : r == 0 ? "0" : strerror(r));
  if (r == EOWNERDEAD) pthread_mutex_consistent(&g_m);
  printf("robust: unlock %d\n", pthread_mutex_unlock(&g_m));
  pthread_join(a, 0);
  OK("pthread");
}

static long rq(uint32_t *w, int op, long n2, uint32_t *w2, uint32_t v3, int nwake) {
  long r = syscall(SYS_futex, w, op, nwake, n2, w2, v3);
  return r < 0 ? -errno : r;
}

static uint32_t g_cond, g_lock;
static long g_res[3];
static uint32_t g_seen[3];
static void *requeue_waiter(void *arg) {
  int k = (int)(intptr_t)arg;
  g_res[k] = syscall(SYS_futex, &g_cond, FUTEX_WAIT_REQUEUE_PI | FUTEX_PRIVATE_FLAG, 0, 0, &g_lock, 0) < 0 ? -errno : 0;
  g_seen[k] = (g_lock & FUTEX_TID_MASK) == (uint32_t)tid() ? 1 : 0;
  if (g_res[k] == 0) fx(&g_lock, FUTEX_UNLOCK_PI_PRIVATE, 0);
  return 0;
}

static void *requeue_timeout(void *arg) {
  (void)arg;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ts.tv_nsec += 50000000;
  if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
  g_res[0] = syscall(SYS_futex, &g_cond, FUTEX_WAIT_REQUEUE_PI | FUTEX_PRIVATE_FLAG, 0, &ts, &g_lock, 0) < 0 ? -errno : 0;
  g_go = 1;
  return 0;
}

static void test_requeue_pi(void) {
  RUN("FUTEX_WAIT_REQUEUE_PI / FUTEX_CMP_REQUEUE_PI: errors, a free lock taken for the waiter, waiters moved to a held lock");
  const int W = FUTEX_WAIT_REQUEUE_PI | FUTEX_PRIVATE_FLAG, C = FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE_FLAG;
  pid_t me = tid();
  g_cond = 0;
  g_lock = 0;
  printf("wait same word %s\n", err(syscall(SYS_futex, &g_cond, W, 0, 0, &g_cond, 0) < 0 ? -errno : 0));
  printf("wait other value %s\n", err(syscall(SYS_futex, &g_cond, W, 1, 0, &g_lock, 0) < 0 ? -errno : 0));
  printf("requeue nr_wake 2 %s\n", err(rq(&g_cond, C, 1, &g_lock, 0, 2)));
  printf("requeue same word %s\n", err(rq(&g_cond, C, 1, &g_cond, 0, 1)));
  printf("requeue other value %s\n", err(rq(&g_cond, C, 1, &g_lock, 1, 1)));
  printf("requeue nobody %s word %s\n", err(rq(&g_cond, C, 1, &g_lock, 0, 1)), word(g_lock, me, 0));
  /* A free lock: the waiter gets it and is woken. */
  pthread_t a, b;
  pthread_create(&a, 0, requeue_waiter, (void *)0);
  long r;
  while ((r = rq(&g_cond, C, 0, &g_lock, 0, 1)) == 0) sched_yield();
  printf("free lock: requeue %s\n", err(r));
  pthread_join(a, 0);
  printf("free lock: waiter %s owned %u word %s\n", err(g_res[0]), g_seen[0], word(g_lock, me, 0));
  /* A held lock: both waiters move to it and get it in turn at each unlock. */
  fx(&g_lock, FUTEX_LOCK_PI_PRIVATE, 0);
  pthread_create(&a, 0, requeue_waiter, (void *)1);
  pthread_create(&b, 0, requeue_waiter, (void *)2);
  long moved = 0;
  while (moved < 2) {
    r = rq(&g_cond, C, 1000, &g_lock, 0, 1);
    if (r < 0) break;
    moved += r;
    sched_yield();
  }
  printf("held lock: moved %ld (%s) word %s\n", moved, err(r < 0 ? r : 0), word(g_lock, me, 0));
  printf("held lock: FUTEX_WAKE on the lock %s\n", err(syscall(SYS_futex, &g_lock, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0) < 0 ? -errno : 0));
  printf("held lock: unlock %s\n", err(fx(&g_lock, FUTEX_UNLOCK_PI_PRIVATE, 0)));
  pthread_join(a, 0);
  pthread_join(b, 0);
  printf("held lock: waiters %s %s owned %u %u word %s\n", err(g_res[1]), err(g_res[2]), g_seen[1], g_seen[2], word(g_lock, me, 0));
  /* A waiter still on the condition word: FUTEX_WAKE and FUTEX_REQUEUE may not touch it; it times out. */
  g_go = 0;
  pthread_create(&a, 0, requeue_timeout, 0);
  int einval = 0;
  while (!g_go) {
    if (syscall(SYS_futex, &g_cond, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0) < 0 && errno == EINVAL) einval = 1;
    sched_yield();
  }
  pthread_join(a, 0);
  printf("timeout: waiter %s, FUTEX_WAKE saw EINVAL %d\n", err(g_res[0]), einval);
  OK("requeue pi");
}

int main(void) {
  abi_init();
  test_uncontended();
  test_dead_owner();
  test_contended();
  test_timeouts();
  test_pthread();
  test_requeue_pi();
  DONE();
}
