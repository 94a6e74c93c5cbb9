// SPDX-License-Identifier: MIT
// Guest oracle: 80-bit x87 long double arithmetic, conversions to and from
// integers, sqrtl, printf %Lf/%Le/%Lg/%La and strtold.
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

long double lv[] = {
  0.0L, -0.0L, 1.0L, -1.0L, 0.1L, 1.0L / 3.0L, 2.5L, -2.5L, 3.14159265358979323846264338327950288L,
  1e-10L, 1e20L, 18446744073709551615.0L, 9223372036854775807.0L, -9223372036854775808.0L,
  LDBL_MAX, LDBL_MIN, LDBL_EPSILON, 1e-4940L, 123456789.987654321L, 0.5L, 1e4000L, -7.75L,
};
#define NL (sizeof lv / sizeof lv[0])
static const char *strs[] = {
  "0.1", "-123.456e-7", "nan", "-inf", "0x1p-16445", "0xf.fffffffffffffffp+16380", "1e1000",
  "1.5e-1000", "1.00000000000000000005421010862427522170037264004349708557128906250",
  "18446744073709551616", "0.30000000000000000001", "5e-324",
#ifdef __GLIBC__
  /* Decimal inputs at the extremes of the exponent range: cheap in glibc, but tens of
     millions of instructions each in musl's decimal scanner. */
  "1e4932", "1.18973149535723176502e+4932", "1.18973149535723176509e+4932", "3.6e-4951", "1e-4960",
#endif
};

int main(void) {
  printf("sizeof %zu mant %d dig %d\n", sizeof(long double), LDBL_MANT_DIG, LDBL_DIG);
  for (unsigned i = 0; i < NL; i++) {
    long double a = lv[i];
    printf("[%u] %.21Lg %La %.10Le %.3Lf\n", i, a, a, a, fabsl(a) < 1e30L ? a : 0.0L);
    for (unsigned j = 0; j < NL; j += 3) {
      long double b = lv[j];
      printf("   op %u: %La %La %La %La\n", j, a + b, a - b, a * b, b != 0 ? a / b : 0.0L);
    }
    printf("   sqrtl %La floorl %La ceill %La roundl %La truncl %La rintl %La\n", sqrtl(fabsl(a)),
           floorl(a), ceill(a), roundl(a), truncl(a), rintl(a));
    if (isfinite(a) && fabsl(a) < 9e18L) {
      long long ll = (long long)a;
      long long lr = llrintl(a);
      printf("   to ll %lld llrintl %lld\n", ll, lr);
    }
    if (isfinite(a) && a >= 0 && a < 18446744073709551616.0L)
      printf("   to ull %llu\n", (unsigned long long)a);
    printf("   to double %a float %a\n", (double)a, (double)(float)a);
  }
  long long ints[] = {0, 1, -1, 9007199254740993LL, -9007199254740993LL, INT64_MAX, INT64_MIN, 1234567890123456789LL};
  for (unsigned i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    long double x = (long double)ints[i];
    unsigned long long u = (unsigned long long)ints[i];
    printf("from ll %lld = %La, from ull %llu = %La back %lld\n", ints[i], x, u, (long double)u, (long long)x == ints[i] ? 1LL : 0LL);
  }
  for (unsigned i = 0; i < sizeof strs / sizeof strs[0]; i++) {
    errno = 0;
    char *end;
    long double x = strtold(strs[i], &end);
    printf("strtold(%s) = %La %.25Lg errno %s end %d\n", strs[i], x, x, errno == ERANGE ? "ERANGE" : errno ? "other" : "0", (int)(end - strs[i]));
  }
  /* A series: harmonic sum and a Newton iteration for sqrt(2) in long double. */
  long double h = 0, r = 1;
  for (int i = 1; i <= 20000; i++) h += 1.0L / i;
  for (int i = 0; i < 8; i++) r = (r + 2.0L / r) / 2.0L;
  printf("harmonic %.20Lg %La newton %.20Lg %La diff %La\n", h, h, r, r, r - sqrtl(2.0L));
  long double p = 1;
  for (int i = 0; i < 70; i++) { p *= 3.0L; if (i % 10 == 9) printf("3^%d = %.0Lf %La\n", i + 1, p, p); }
  return 0;
}
