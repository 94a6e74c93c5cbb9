// SPDX-License-Identifier: MIT
// Guest oracle: unsigned and signed __int128 multiply, divide, modulo and shifts
// (libgcc's __udivti3/__divti3 paths), printed through our own conversion routine.
#include <stdint.h>
#include <stdio.h>

typedef unsigned __int128 u128;
typedef __int128 s128;

static void put_u128(u128 v, unsigned base) {
  char buf[140];
  int i = (int)sizeof buf - 1;
  buf[i] = 0;
  do { unsigned d = (unsigned)(v % base); buf[--i] = (char)(d < 10 ? '0' + d : 'a' + d - 10); v /= base; } while (v);
  fputs(buf + i, stdout);
}
static void put_s128(s128 v) {
  if (v < 0) { putchar('-'); put_u128(-(u128)v, 10); } else put_u128((u128)v, 10);
}

static u128 mk(uint64_t hi, uint64_t lo) { return (u128)hi << 64 | lo; }

u128 vals[32];
unsigned nvals;

static void add(u128 v) { vals[nvals++] = v; }

static void pair(u128 a, u128 b) {
  s128 sa = (s128)a, sb = (s128)b;
  put_u128(a, 16); putchar(' '); put_u128(b, 16);
  fputs(": + ", stdout); put_u128(a + b, 16);
  fputs(" - ", stdout); put_u128(a - b, 16);
  fputs(" * ", stdout); put_u128(a * b, 16);
  if (b) { fputs(" u/ ", stdout); put_u128(a / b, 10); fputs(" u% ", stdout); put_u128(a % b, 10); }
  s128 smin = (s128)((u128)1 << 127);
  if (sb && !(sa == smin && sb == -1)) {
    fputs(" s/ ", stdout); put_s128(sa / sb); fputs(" s% ", stdout); put_s128(sa % sb);
  }
  printf(" lt %d%d\n", a < b, sa < sb);
}

int main(void) {
  add(0); add(1); add(2); add(3); add(10);
  add(mk(0, ~0ull)); add(mk(1, 0)); add(mk(1, 1)); add(mk(0x7fffffffffffffffull, ~0ull));
  add(mk(0x8000000000000000ull, 0)); add(~(u128)0); add(~(u128)1);
  add(mk(0x0123456789abcdefull, 0xfedcba9876543210ull)); add(mk(0, 0x8000000000000000ull));
  add(mk(0xffffffffull, 0xffffffff00000000ull)); add(mk(0xdeadbeefull, 0xcafebabe12345678ull));
  add(mk(0, 1000000007ull)); add(mk(0x10, 0x5)); add(-(u128)7); add(-(u128)1000000000000ull);
  for (unsigned i = 0; i < nvals; i++)
    for (unsigned j = 0; j < nvals; j++) pair(vals[i], vals[j]);
  for (unsigned i = 0; i < nvals; i++) {
    u128 a = vals[i];
    for (unsigned s = 0; s < 128; s += 9) {
      fputs("sh ", stdout); put_u128(a, 16); printf(" %u: ", s);
      put_u128(a << s, 16); putchar(' '); put_u128(a >> s, 16); putchar(' ');
      put_u128((u128)((s128)a >> s), 16); putchar('\n');
    }
    fputs("dec ", stdout); put_u128(a, 10); fputs(" oct ", stdout); put_u128(a, 8);
    fputs(" sdec ", stdout); put_s128((s128)a); putchar('\n');
  }
  /* Factorials and a 128-bit LCG. */
  u128 f = 1, x = 12345;
  for (unsigned i = 1; i <= 34; i++) {
    f *= i;
    x = x * mk(0x2360ed051fc65da4ull, 0x4385df649fccf645ull) + mk(0x5851f42d4c957f2dull, 0x14057b7ef767814full);
    printf("%2u! = ", i); put_u128(f, 10); fputs(" lcg ", stdout); put_u128(x, 16);
    fputs(" lcg%f ", stdout); put_u128(x % f, 10); putchar('\n');
  }
  return 0;
}
