// SPDX-License-Identifier: MIT
// Guest oracle: x87 packed decimal (FBSTP under each rounding mode, the
// indefinite for NaN, infinity and |x| >= 10^18; FBLD of signed, zero, nine-filled
// and non-decimal digits) and the status word after each.
#include <stdio.h>
#include <string.h>
static void st(long double v, unsigned cw) { unsigned char b[10]; unsigned short sw; unsigned short c = cw;
  __asm__ volatile("fldcw %3\n fldt %2\n fbstp %0\n fnstsw %1\n fninit" : "=m"(b), "=m"(sw) : "m"(v), "m"(c));
  printf("%Lg cw=%x ->", v, cw); for (int i = 9; i >= 0; i--) printf(" %02x", b[i]); printf(" sw=%04x\n", sw & 0x3fff); }
static void ld(const unsigned char *b) { long double v; unsigned short sw;
  __asm__ volatile("fbld %2\n fstpt %0\n fnstsw %1" : "=m"(v), "=m"(sw) : "m"(*(const unsigned char (*)[10])b));
  printf("fbld -> %.21Lg sw=%04x\n", v, sw); }
int main(void){ long double vals[] = {0, -0.0L, 1, -1, 2.5L, 3.5L, -2.5L, 123456789012345678.0L, 999999999999999999.0L, 1e18L, -1e18L, 0.4L, -0.4L, 1.0L/0.0L, 0.0L/0.0L, 1e30L};
  for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) { st(vals[i], 0x37f); st(vals[i], 0x77f); st(vals[i], 0xf7f); }
  unsigned char a[10] = {0x21,0x43,0x65,0x87,0x09,0,0,0,0,0x80}; ld(a);
  unsigned char z[10] = {0,0,0,0,0,0,0,0,0,0x80}; ld(z);
  unsigned char m[10] = {0x99,0x99,0x99,0x99,0x99,0x99,0x99,0x99,0x99,0}; ld(m);
  unsigned char bad[10] = {0xab,0xcd,0xef,0,0,0,0,0,0,0}; ld(bad);
  return 0; }
