/* SPDX-License-Identifier: MIT */
/* The guest's clocks and random bits, for the virtual-clock tests: every line is a
 * value the kernel chooses (time, randomness), so two runs print the same text
 * exactly when they are the same run. */
#include <stdio.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>

int main(void) {
  struct timespec real, mono;
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_MONOTONIC, &mono);
  printf("realtime %lld.%09ld\n", (long long)real.tv_sec, real.tv_nsec);
  printf("monotonic %lld.%09ld\n", (long long)mono.tv_sec, mono.tv_nsec);
  struct timeval tv;
  gettimeofday(&tv, 0);
  printf("gettimeofday %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
  printf("time %lld\n", (long long)time(0));
  unsigned char r[8];
  if (getrandom(r, sizeof r, 0) != sizeof r) return 1;
  printf("random %02x%02x%02x%02x%02x%02x%02x%02x\n", r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
  return 0;
}
