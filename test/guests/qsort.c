// SPDX-License-Identifier: MIT
// Guest oracle: qsort and bsearch on 10k LCG-generated ints, 6k strings, 2k records (indirect
// calls through comparators, recursion, many small memory moves).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 10000
static uint32_t seed = 20240601u;
static uint32_t rnd(void) { seed = seed * 1664525u + 1013904223u; return seed; }

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}
static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}
struct rec { int key; unsigned idx; };
static int cmp_rec(const void *a, const void *b) {
  const struct rec *x = a, *y = b;
  if (x->key != y->key) return (x->key > y->key) - (x->key < y->key);
  return (x->idx > y->idx) - (x->idx < y->idx);
}

static int ints[N];
#define NSTR 6000
static char strs[NSTR][16];
static char *sp[NSTR];
#define NREC 2000
static struct rec recs[NREC];

int main(void) {
  uint32_t h = 0;
  for (int i = 0; i < N; i++) ints[i] = (int)rnd() >> (i % 7);
  qsort(ints, N, sizeof ints[0], cmp_int);
  int sorted = 1;
  for (int i = 1; i < N; i++) if (ints[i - 1] > ints[i]) sorted = 0;
  for (int i = 0; i < N; i++) h = h * 31 + (uint32_t)ints[i];
  printf("ints sorted %d hash %08x min %d max %d median %d\n", sorted, h, ints[0], ints[N - 1], ints[N / 2]);
  int found = 0, missing = 0;
  for (int i = 0; i < N / 2; i++) {
    int key = (i & 1) ? ints[rnd() % N] : (int)rnd();
    int *p = bsearch(&key, ints, N, sizeof ints[0], cmp_int);
    if (p) { found++; if (*p != key) printf("bsearch wrong at %d\n", i); } else missing++;
  }
  printf("bsearch found %d missing %d\n", found, missing);

  for (int i = 0; i < NSTR; i++) {
    int len = 1 + (int)(rnd() % 14);
    for (int j = 0; j < len; j++) strs[i][j] = (char)('a' + (rnd() >> 8) % ((i % 3) ? 26 : 3));
    strs[i][len] = 0;
    sp[i] = strs[i];
  }
  qsort(sp, NSTR, sizeof sp[0], cmp_str);
  h = 0;
  for (int i = 0; i < NSTR; i++) for (const char *c = sp[i]; *c; c++) h = h * 131 + (uint8_t)*c;
  printf("strings hash %08x first %s last %s mid %s\n", h, sp[0], sp[NSTR - 1], sp[NSTR / 2]);
  found = 0;
  for (int i = 0; i < NSTR; i += 3) {
    char *key = strs[(i * 7) % NSTR];
    char **p = bsearch(&key, sp, NSTR, sizeof sp[0], cmp_str);
    if (p && strcmp(*p, key) == 0) found++;
  }
  printf("string bsearch found %d\n", found);

  for (int i = 0; i < NREC; i++) { recs[i].key = (int)(rnd() % 100) - 50; recs[i].idx = (unsigned)i; }
  qsort(recs, NREC, sizeof recs[0], cmp_rec);
  h = 0;
  for (int i = 0; i < NREC; i++) h = h * 17 + (uint32_t)recs[i].key * 65537u + recs[i].idx;
  printf("records hash %08x\n", h);
  for (int i = 0; i < NREC; i += NREC / 10) printf("  rec[%d] = {%d, %u}\n", i, recs[i].key, recs[i].idx);
  return 0;
}
