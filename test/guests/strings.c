// SPDX-License-Identifier: MIT
// Guest oracle: libc string and memory routines (the vectorised ones touch page
// and alignment edges) on lengths 0..64 and alignments 0..15, printed as checksums.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static unsigned char bufa[4096 + 256], bufb[4096 + 256];
static uint32_t h = 2166136261u;
static void mix(uint64_t x) { h = (h ^ (uint32_t)x ^ (uint32_t)(x >> 32)) * 16777619u; h ^= h >> 15; }
static void mixbuf(const unsigned char *p, size_t n) { for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 16777619u; } }
static int sgn(int x) { return (x > 0) - (x < 0); }

static uint32_t lcg = 1;
static unsigned rnd(void) { lcg = lcg * 1103515245u + 12345u; return (lcg >> 16) & 0x7fff; }

static void fill(unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)('a' + (i * 7 + seed) % 26);
}

static void test_len_cmp(void) {
  for (unsigned al = 0; al < 16; al++)
    for (unsigned len = 0; len <= 64; len++) {
      unsigned char *a = bufa + al, *b = bufb + (al * 3 % 16);
      fill(a, len, 0); a[len] = 0; fill(b, len, 0); b[len] = 0;
      mix(strlen((char *)a)); mix(sgn(strcmp((char *)a, (char *)b)));
      mix(sgn(memcmp(a, b, len)));
      for (unsigned k = 0; k < len; k += 7) {
        b[k]++;
        mix(sgn(strcmp((char *)a, (char *)b)) + 4); mix(sgn(strncmp((char *)a, (char *)b, k)));
        mix(sgn(strncmp((char *)a, (char *)b, k + 1))); mix(sgn(memcmp(a, b, len)) + 8);
        b[k] = (unsigned char)(b[k] + 200);
        mix(sgn(memcmp(a, b, len)) + 12); mix(sgn(strcmp((char *)a, (char *)b)) + 16);
        b[k] = (unsigned char)(b[k] - 201);
      }
    }
  printf("strlen/strcmp/strncmp/memcmp: %08x\n", h);
}

static void test_copy(void) {
  for (unsigned sa = 0; sa < 16; sa++)
    for (unsigned da = 0; da < 16; da += (da < 4 ? 1 : 3))
      for (unsigned len = 0; len <= 64; len += (len < 20 ? 1 : 7)) {
        fill(bufa + sa, len, sa + len); memset(bufb, 0x5a, 200);
        size_t span = da + len + 8;
        memcpy(bufb + da, bufa + sa, len);
        mixbuf(bufb, span);
        memmove(bufb + da + 3, bufb + da, len); mixbuf(bufb, span);
        memmove(bufb + da, bufb + da + 5, len); mixbuf(bufb, span);
        memset(bufb + da, (int)(sa * 16 + len), len); mixbuf(bufb, span);
      }
  printf("memcpy/memmove/memset: %08x\n", h);
  for (size_t len = 64; len <= 4096; len *= 2) {
    fill(bufa + 1, len, (unsigned)len); memcpy(bufb + 3, bufa + 1, len); mixbuf(bufb, len + 8);
    memmove(bufb + 64, bufb, len); mixbuf(bufb, len + 72);
    memmove(bufb, bufb + 17, len); mixbuf(bufb, len + 32);
  }
  printf("large copies: %08x\n", h);
}

static void test_search(void) {
  for (unsigned al = 0; al < 16; al++)
    for (unsigned len = 0; len <= 64; len++) {
      char *s = (char *)bufa + al;
      fill((unsigned char *)s, len, al); s[len] = 0;
      for (int c = 'a'; c <= 'z'; c += 3) {
        char *p = strchr(s, c), *q = strrchr(s, c);
        void *m = memchr(s, c, len);
        mix(p ? (uint64_t)(p - s) : 999); mix(q ? (uint64_t)(q - s) : 999);
        mix(m ? (uint64_t)((char *)m - s) : 999);
      }
      mix(strchr(s, 0) - s);
      const char *needles[] = {"", "a", "hov", "ovc", "zgnu", "bipw", "xyz", "hovcjq"};
      for (unsigned n = 0; n < sizeof needles / sizeof needles[0]; n++) {
        char *p = strstr(s, needles[n]);
        mix(p ? (uint64_t)(p - s) : 999);
      }
      mix(strspn(s, "abcdefghij")); mix(strcspn(s, "xyz")); mix(strspn(s, "ahovcjqx"));
    }
  printf("strchr/strrchr/memchr/strstr/strspn: %08x\n", h);
}

static void test_tok_sprintf(void) {
  char line[512], out[256];
  for (int round = 0; round < 200; round++) {
    int n = 0;
    for (int w = 0; w < 12; w++) {
      int wl = rnd() % 9;
      for (int i = 0; i < wl; i++) line[n++] = (char)('a' + rnd() % 26);
      int seps = 1 + rnd() % 3;
      for (int i = 0; i < seps; i++) line[n++] = " ,;\t"[rnd() % 4];
    }
    line[n] = 0;
    int count = 0;
    for (char *t = strtok(line, " ,;\t"); t; t = strtok(NULL, " ,;\t")) {
      count++; mixbuf((unsigned char *)t, strlen(t));
    }
    int k = sprintf(out, "%d|%5d|%-5x|%08lX|%s|%.3s|%c|%+d|%u", round, count, (unsigned)round * 37,
                    (unsigned long)round * 123456789ul, "str", "truncated", 'A' + round % 26,
                    -round, (unsigned)-round);
    mix((uint64_t)k); mixbuf((unsigned char *)out, (size_t)k);
    if (round % 40 == 0) printf("tok round %d: %d tokens, sprintf \"%s\"\n", round, count, out);
  }
  printf("strtok/sprintf: %08x\n", h);
}

/* Strings that end right before an inaccessible page: vectorised routines must not fault. */
static void test_page_edge(void) {
  long pg = sysconf(_SC_PAGESIZE);
  unsigned char *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED || mprotect(m + pg, (size_t)pg, PROT_NONE) != 0) { puts("mmap failed"); return; }
  unsigned char *end = m + pg;
  for (unsigned len = 0; len <= 80; len++) {
    char *s = (char *)end - len - 1;
    fill((unsigned char *)s, len, len); s[len] = 0;
    mix(strlen(s)); mix(strchr(s, 'q') ? 1 : 0); mix(strrchr(s, 'b') ? 2 : 0);
    mix(memchr(s, 'z', len + 1) ? 3 : 0); mix(sgn(strcmp(s, (char *)end - len - 1)));
    mix(strnlen(s, 1000));
    memcpy(bufb, s, len + 1); mix(sgn(memcmp(bufb, s, len + 1))); mix(sgn(strcmp((char *)bufb, s)));
  }
  munmap(m, (size_t)pg * 2);
  printf("page edge: %08x\n", h);
}

int main(void) {
  test_page_edge();
  test_len_cmp();
  test_copy();
  test_search();
  test_tok_sprintf();
  char big[300];
  for (int i = 0; i < 299; i++) big[i] = (char)('A' + i % 26);
  big[299] = 0;
  char cat[700] = "";
  size_t extra = 40 + rnd() % 20;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-truncation" /* truncating is the point */
  strcat(cat, big); strncat(cat, big + 100, extra); strcpy(cat + 400, "tail");
#pragma GCC diagnostic pop
  printf("strcat %zu %zu %s\n", strlen(cat), strlen(cat + 400), cat + 330);
  printf("final %08x\n", h);
  return 0;
}
