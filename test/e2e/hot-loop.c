// SPDX-License-Identifier: MIT
// Guest for startup-tiering.test.ts: a hot arithmetic loop of argv[1] iterations (about
// eight instructions each) that ends by printing its checksum.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  uint64_t x = 88172645463325252ull, sum = 0;
  for (long i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    sum += x & 0xffff;
  }
  printf("%llu\n", (unsigned long long)sum);
  return 0;
}
