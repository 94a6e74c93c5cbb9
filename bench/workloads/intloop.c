// SPDX-License-Identifier: MIT
// Benchmark workload: integer and branch-heavy code (sieve of Eratosthenes, Collatz
// chains, bit tricks); deterministic, prints a checksum.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SIEVE 1000000
static uint8_t composite[SIEVE + 1];

static uint64_t sieve(void) {
  memset(composite, 0, sizeof composite);
  uint64_t count = 0, sum = 0;
  for (uint32_t i = 2; i <= SIEVE; i++) {
    if (composite[i]) continue;
    count++; sum += i;
    for (uint64_t j = (uint64_t)i * i; j <= SIEVE; j += i) composite[j] = 1;
  }
  return count * 1000003u ^ sum;
}

static uint64_t collatz(uint32_t limit) {
  uint64_t best = 0, best_n = 0, total = 0;
  for (uint32_t n = 1; n < limit; n++) {
    uint64_t x = n, steps = 0;
    while (x != 1) { x = (x & 1) ? 3 * x + 1 : x >> 1; steps++; }
    total += steps;
    if (steps > best) { best = steps; best_n = n; }
  }
  return best_n << 32 ^ best << 16 ^ total;
}

static uint64_t bits(uint32_t rounds) {
  uint64_t x = 0x9e3779b97f4a7c15ull, acc = 0;
  for (uint32_t i = 0; i < rounds; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    uint64_t y = x & (x - 1);                   /* clear lowest bit */
    acc += (uint64_t)__builtin_popcountll(x) + (uint64_t)__builtin_ctzll(x | 1) + (y >> 60);
    acc ^= (x >> 32) * (uint32_t)x;
    acc = (acc << 7) | (acc >> 57);
    if ((int64_t)x < 0) acc += i; else acc -= i >> 1;
    acc += (x % 7 == 0) ? 3 : (x % 11 == 0 ? 5 : 1);
  }
  return acc;
}

int main(void) {
  uint64_t a = sieve(), b = collatz(60000), c = bits(1000000);
  printf("sieve %016llx collatz %016llx bits %016llx\n", (unsigned long long)a, (unsigned long long)b,
         (unsigned long long)c);
  printf("checksum %016llx\n", (unsigned long long)(a ^ (b * 31) ^ (c * 131)));
  return 0;
}
