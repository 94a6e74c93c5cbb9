/* SPDX-License-Identifier: MIT */
/* Threads on the green-thread scheduler: create/join with return values, a mutex
 * protected counter, a condition-variable queue, atomics, thread-local storage,
 * gettid/tgkill to one thread, FP state kept per thread across switches. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NT 4
#define ITER 2000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;
static long atomic_counter;
static __thread long tls_value = 5;

static void *adder(void *arg) {
  long id = (long)arg;
  tls_value = id * 100;
  for (int i = 0; i < ITER; i++) {
    pthread_mutex_lock(&mu);
    counter++;
    pthread_mutex_unlock(&mu);
    __atomic_fetch_add(&atomic_counter, 1, __ATOMIC_SEQ_CST);
    if (i % 500 == 0) sched_yield();
  }
  return (void *)(tls_value + id);
}

static void test_mutex_atomic_tls(void) {
  RUN("mutex-atomic-tls");
  pthread_t t[NT];
  for (long i = 0; i < NT; i++) CHECK(pthread_create(&t[i], NULL, adder, (void *)i) == 0);
  for (long i = 0; i < NT; i++) {
    void *r;
    CHECK(pthread_join(t[i], &r) == 0);
    CHECK((long)r == i * 100 + i);
  }
  CHECK(counter == NT * ITER);
  CHECK(atomic_counter == NT * ITER);
  CHECK(tls_value == 5);
  OK("mutex-atomic-tls");
}

#define QN 64
static int queue[QN], qhead, qtail, done;
static void *producer(void *arg) {
  (void)arg;
  for (int i = 1; i <= 200; i++) {
    pthread_mutex_lock(&mu);
    while (qtail - qhead == QN) pthread_cond_wait(&cv, &mu);
    queue[qtail++ % QN] = i;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
  }
  pthread_mutex_lock(&mu);
  done = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  return NULL;
}

static void *consumer(void *arg) {
  long sum = 0;
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&mu);
    while (qtail == qhead && !done) pthread_cond_wait(&cv, &mu);
    if (qtail == qhead && done) { pthread_mutex_unlock(&mu); break; }
    sum += queue[qhead++ % QN];
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
  }
  return (void *)sum;
}

static void test_condvar(void) {
  RUN("condvar");
  pthread_t p, c1, c2;
  pthread_create(&c1, NULL, consumer, NULL);
  pthread_create(&c2, NULL, consumer, NULL);
  pthread_create(&p, NULL, producer, NULL);
  void *s1, *s2;
  pthread_join(p, NULL);
  pthread_join(c1, &s1);
  pthread_join(c2, &s2);
  CHECK((long)s1 + (long)s2 == 200 * 201 / 2);
  OK("condvar");
}

static volatile double fp_out[NT];
static void *fp_worker(void *arg) {
  long id = (long)arg;
  volatile double x = (double)id + 0.5;
  for (int i = 0; i < 20000; i++) x = x * 1.0000001 + 0.25 / (double)(id + 1);
  fp_out[id] = x;
  return NULL;
}

static void test_fp_per_thread(void) {
  RUN("fp-per-thread");
  double expect[NT];
  for (long i = 0; i < NT; i++) { fp_worker((void *)i); expect[i] = fp_out[i]; fp_out[i] = 0; }
  pthread_t t[NT];
  for (long i = 0; i < NT; i++) pthread_create(&t[i], NULL, fp_worker, (void *)i);
  for (long i = 0; i < NT; i++) pthread_join(t[i], NULL);
  for (long i = 0; i < NT; i++) CHECK(fp_out[i] == expect[i]);
  OK("fp-per-thread");
}

static volatile pid_t worker_tid;
static volatile int usr1_tid_ok;
static void usr1(int sig) { (void)sig; usr1_tid_ok = (pid_t)syscall(SYS_gettid) == worker_tid; }
static volatile int stop;
static void *spinner(void *arg) {
  (void)arg;
  worker_tid = (pid_t)syscall(SYS_gettid);
  while (!stop) sched_yield();
  return NULL;
}

static void test_tgkill(void) {
  RUN("tgkill");
  signal(SIGUSR1, usr1);
  pthread_t t;
  pthread_create(&t, NULL, spinner, NULL);
  while (worker_tid == 0) sched_yield();
  CHECK(worker_tid != getpid());
  pthread_kill(t, SIGUSR1);
  while (!usr1_tid_ok) sched_yield();
  stop = 1;
  pthread_join(t, NULL);
  CHECK(usr1_tid_ok == 1);
  OK("tgkill");
}

static pthread_mutex_t robust_mu;

static void *die_holding(void *arg) {
  (void)arg;
  pthread_mutex_lock(&robust_mu);
  return NULL; /* exits owning the lock: the kernel marks it FUTEX_OWNER_DIED */
}

static void test_robust(void) {
  RUN("robust-mutex");
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&robust_mu, &a);
  pthread_t t;
  pthread_create(&t, NULL, die_holding, NULL);
  pthread_join(t, NULL);
  CHECK(pthread_mutex_lock(&robust_mu) == EOWNERDEAD);
  CHECK(pthread_mutex_consistent(&robust_mu) == 0);
  CHECK(pthread_mutex_unlock(&robust_mu) == 0);
  CHECK(pthread_mutex_lock(&robust_mu) == 0);
  CHECK(pthread_mutex_unlock(&robust_mu) == 0);
  OK("robust-mutex");
}

int main(void) {
  abi_init();
  test_mutex_atomic_tls();
  test_condvar();
  test_fp_per_thread();
  test_tgkill();
  test_robust();
  DONE();
}
