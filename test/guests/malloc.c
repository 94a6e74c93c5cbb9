// SPDX-License-Identifier: MIT
// Guest oracle: malloc/realloc/free churn driven by an LCG, calloc zeroing, and
// large (> 128 KiB, mmap-backed) blocks; contents are verified and checksummed.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 1024
static unsigned char *blk[SLOTS];
static size_t len[SLOTS];
static uint32_t seed = 777;
static uint32_t rnd(void) { seed = seed * 1103515245u + 12345u; return seed >> 8; }
static unsigned errors;

/* Blocks are memset to a per-slot byte, then probed every 127 bytes and at both ends
   with a position-dependent pattern: cheap, yet catches lost or misplaced copies. */
static inline unsigned char pat(unsigned slot, size_t i) { return (unsigned char)(slot * 31 + i * 7 + (i >> 8)); }
static inline int probe(size_t i, size_t n) { return i % 127 == 0 || i + 8 >= n; }
static void fillb(unsigned s) {
  size_t n = len[s];
  memset(blk[s], (int)(s & 0xff), n);
  for (size_t i = 0; i < n; i += 127) blk[s][i] = pat(s, i);
  for (size_t i = n > 8 ? n - 8 : 0; i < n; i++) blk[s][i] = pat(s, i);
}
static uint32_t verify(unsigned s, size_t i, size_t full, uint32_t h) {
  unsigned char want = probe(i, full) ? pat(s, i) : (unsigned char)(s & 0xff);
  if (blk[s][i] != want) errors++;
  return h * 33 + blk[s][i];
}
/* Verifies what is left of a block that fillb() filled when it was `full` long and is
   still valid for n bytes: the probes, the tail, and a few memset bytes. */
static uint32_t check(unsigned s, size_t n, size_t full) {
  uint32_t h = 0;
  size_t tail = full > 8 ? full - 8 : 0;
  for (size_t i = 0; i < n && i < tail; i += 127) h = verify(s, i, full, h);
  for (size_t i = tail; i < n; i++) h = verify(s, i, full, h);
  for (size_t i = 1; i < n; i += n / 3 + 1) h = verify(s, i, full, h);
  return h;
}
static size_t pick_size(void) {
  uint32_t r = rnd() % 1000;
  if (r < 600) return rnd() % 64;
  if (r < 900) return 64 + rnd() % 1024;
  if (r < 997) return 1024 + rnd() % 8192;
  return 130 * 1024 + rnd() % (96 * 1024);  /* mmap threshold territory */
}

int main(void) {
  uint32_t total = 0;
  unsigned mallocs = 0, frees = 0, reallocs = 0, big = 0;
  for (int op = 0; op < 10000; op++) {
    unsigned s = rnd() % SLOTS;
    uint32_t what = rnd() % 10;
    if (!blk[s]) {
      len[s] = pick_size();
      if (len[s] >= 128 * 1024) big++;
      blk[s] = malloc(len[s] ? len[s] : 1);
      if (!blk[s]) { puts("malloc failed"); return 1; }
      fillb(s); mallocs++;
    } else if (what < 6) {
      total += check(s, len[s], len[s]);
      free(blk[s]); blk[s] = NULL; frees++;
    } else {
      size_t old = len[s], nl = pick_size();
      if (nl >= 128 * 1024) big++;
      unsigned char *p = realloc(blk[s], nl ? nl : 1);
      if (!p) { puts("realloc failed"); return 1; }
      blk[s] = p; len[s] = nl; reallocs++;
      total += check(s, old < nl ? old : nl, old);
      fillb(s);
    }
  }
  for (unsigned s = 0; s < SLOTS; s++) if (blk[s]) { total += check(s, len[s], len[s]); free(blk[s]); }
  printf("churn: mallocs %u frees %u reallocs %u big %u errors %u checksum %08x\n",
         mallocs, frees, reallocs, big, errors, total);

  unsigned nonzero = 0;
  for (int i = 0; i < 200; i++) {
    size_t n = 1 + rnd() % (i % 20 == 0 ? 300000 : 2000);
    unsigned char *p = calloc(n, 1);
    if (!p) { puts("calloc failed"); return 1; }
    for (size_t j = 0; j < n; j += (n > 4096 ? 97 : 1)) nonzero += p[j] != 0;
    memset(p, 0xa5, n);
    free(p);
  }
  printf("calloc nonzero bytes %u\n", nonzero);

  /* A few really large blocks, touched sparsely; grown by realloc (mremap path). */
  size_t n = 1 << 20;
  unsigned char *p = malloc(n);
  for (size_t i = 0; i < n; i += 4096) p[i] = (unsigned char)(i >> 12);
  for (int step = 0; step < 4; step++) {
    n *= 2;
    p = realloc(p, n);
    if (!p) { puts("big realloc failed"); return 1; }
    for (size_t i = n / 2; i < n; i += 4096) p[i] = (unsigned char)(i >> 12);
  }
  uint32_t hb = 0;
  for (size_t i = 0; i < n; i += 4096) hb = hb * 31 + p[i];
  free(p);
  printf("large realloc to %zu bytes: %08x\n", n, hb);
  void *z = malloc(0);
  printf("malloc(0) %s\n", z ? "non-null" : "null");
  free(z);
  return errors != 0;
}
