/* SPDX-License-Identifier: MIT */
/* A loop of known length for lwp record/stat: argv[1] iterations of a 2-instruction
 * asm loop (dec; jnz) in one thread, then argv[2] (optional) in a second thread. */
#include <pthread.h>
#include <stdlib.h>

__attribute__((noinline)) static void spin(long n) {
  __asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n));
}

static void *worker(void *arg) {
  spin((long)arg);
  return 0;
}

int main(int argc, char **argv) {
  long a = argc > 1 ? atol(argv[1]) : 1000000;
  long b = argc > 2 ? atol(argv[2]) : 0;
  pthread_t t;
  if (b > 0 && pthread_create(&t, 0, worker, (void *)b) != 0) return 1;
  spin(a);
  if (b > 0) pthread_join(t, 0);
  return 3;
}
