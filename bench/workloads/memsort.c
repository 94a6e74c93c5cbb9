// SPDX-License-Identifier: MIT
// Benchmark workload: memory-bound code (merge sort of 2e5 keys, an open-addressing
// hash table of 1e5 items with lookups and deletes); deterministic, prints a checksum.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NKEYS 200000
#define NITEMS 100000
#define TBITS 18
#define TSIZE (1u << TBITS)

static uint64_t state = 0x853c49e6748fea9bull;
static uint32_t rnd(void) {
  uint64_t old = state;
  state = old * 6364136223846793005ull + 1442695040888963407ull;
  uint32_t xs = (uint32_t)(((old >> 18) ^ old) >> 27), rot = (uint32_t)(old >> 59);
  return (xs >> rot) | (xs << ((-rot) & 31));
}

static void merge_sort(uint32_t *a, uint32_t *tmp, size_t n) {
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
      while (i < mid) tmp[k++] = a[i++];
      while (j < hi) tmp[k++] = a[j++];
    }
    uint32_t *t = a; a = tmp; tmp = t;
    for (size_t i = 0; i < n; i++) tmp[i] = a[i];  /* keep the result in the caller's array */
    t = a; a = tmp; tmp = t;
  }
}

struct slot { uint64_t key; uint64_t value; uint8_t used; };
static struct slot table[TSIZE];

static uint64_t hash64(uint64_t k) { k ^= k >> 33; k *= 0xff51afd7ed558ccdull; k ^= k >> 33; return k; }
static struct slot *find(uint64_t key, int insert) {
  for (uint32_t i = (uint32_t)hash64(key) & (TSIZE - 1);; i = (i + 1) & (TSIZE - 1)) {
    struct slot *s = &table[i];
    if (s->used == 1 && s->key == key) return s;
    if (s->used == 0) { if (!insert) return NULL; s->used = 1; s->key = key; s->value = 0; return s; }
  }
}

int main(void) {
  uint32_t *keys = malloc(NKEYS * sizeof *keys), *tmp = malloc(NKEYS * sizeof *tmp);
  if (!keys || !tmp) return 1;
  for (size_t i = 0; i < NKEYS; i++) keys[i] = rnd();
  merge_sort(keys, tmp, NKEYS);
  uint64_t sorted_sum = 0;
  int ok = 1;
  for (size_t i = 0; i < NKEYS; i++) { sorted_sum = sorted_sum * 31 + keys[i]; if (i && keys[i - 1] > keys[i]) ok = 0; }
  uint64_t hits = 0, misses = 0, vsum = 0;
  for (uint32_t round = 0; round < 3; round++) {
    memset(table, 0, sizeof table);
    for (uint32_t i = 0; i < NITEMS; i++) find(keys[(i * 7919u) % NKEYS] ^ round, 1)->value += i;
    for (uint32_t i = 0; i < NITEMS; i++) {
      struct slot *s = find(keys[(i * 104729u) % NKEYS] ^ round, 0);
      if (s) { hits++; vsum += s->value; if (i % 3 == 0) s->used = 2; } else misses++;
    }
  }
  printf("sorted %d sum %016llx hits %llu misses %llu vsum %llu\n", ok, (unsigned long long)sorted_sum,
         (unsigned long long)hits, (unsigned long long)misses, (unsigned long long)vsum);
  printf("checksum %016llx\n", (unsigned long long)(sorted_sum ^ hits * 1000003u ^ vsum));
  free(keys); free(tmp);
  return 0;
}
