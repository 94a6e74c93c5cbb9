// SPDX-License-Identifier: MIT
// Benchmark workload: libc string routines in loops (strlen, strcmp, memcpy, strchr)
// and a hand-written tokeniser over generated text; deterministic, prints a checksum.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TEXT 400000
static char text[TEXT + 1], copy[TEXT + 1];
static uint32_t seed = 12345;
static uint32_t rnd(void) { seed = seed * 1103515245u + 12345u; return seed >> 16; }

static void gen(void) {
  static const char *words[] = {"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "lorem",
                                "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "x"};
  size_t n = 0;
  while (n < TEXT - 32) {
    const char *w = words[rnd() % 17];
    size_t l = strlen(w);
    memcpy(text + n, w, l); n += l;
    uint32_t r = rnd() % 20;
    text[n++] = r == 0 ? '\n' : r == 1 ? ',' : r == 2 ? '.' : ' ';
  }
  text[n] = 0;
}

/* Splits into tokens of [a-z]+ and counts them into a tiny hash of token lengths/letters. */
static uint64_t tokenise(const char *s) {
  uint64_t h = 0, tokens = 0;
  while (*s) {
    while (*s && (*s < 'a' || *s > 'z')) s++;
    const char *start = s;
    uint32_t th = 0;
    while (*s >= 'a' && *s <= 'z') th = th * 31 + (uint8_t)*s++;
    if (s > start) { tokens++; h += th ^ (uint64_t)(s - start) << 40; }
  }
  return h ^ tokens << 48;
}

int main(void) {
  gen();
  uint64_t acc = 0;
  for (int round = 0; round < 10; round++) {
    acc += tokenise(text);
    memcpy(copy, text, TEXT + 1);
    copy[TEXT / 2 + round] ^= 1;
    acc += (uint64_t)(strcmp(text, copy) > 0) + strlen(copy) * 3;
    size_t lines = 0;
    for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++) lines++;
    acc = acc * 1000003u + lines;
    /* Many short operations: compare and measure every word start against the next. */
    for (size_t i = 0; i + 64 < TEXT / 8; i += 7) {
      acc += strlen(text + (TEXT - 1 - (i & 31)) ) + (uint64_t)(strncmp(text + i, text + i + 13, 8) < 0);
      acc += (uint64_t)(memcmp(text + i, copy + i, 16) != 0);
      memcpy(copy + (i & 1023), text + i, 24);
    }
  }
  printf("checksum %016llx\n", (unsigned long long)acc);
  return 0;
}
