// SPDX-License-Identifier: MIT
// Guest oracle: printf of doubles and floats (%f %e %g %a at many precisions) and
// strtod/strtof on tricky inputs (subnormals, halfway cases, hex floats, overflow).
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double vals[] = {
  0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1.5, 2.5, -2.5, 3.141592653589793, 2.718281828459045,
  1e-5, 123456.789, 1e15, 1e16, 1e17, 9007199254740993.0, 1e21, 1e22, 1e23, 1e100, 1e308,
  DBL_MAX, DBL_MIN, DBL_TRUE_MIN, 4.9406564584124654e-324, 2.2250738585072009e-308,
  0.3, 2.0 / 3.0, 1.0 / 3.0, 5e-324, 0.000123456789, 999999.5, 9.5, 0.05, 0.15, 0.25, 0.35,
  1.0e-7, 65536.0, 4294967296.0, 18446744073709551616.0, 1.7976931348623157e308,
};
static const char *fmts[] = {"%f", "%e", "%g", "%a", "%A", "%E", "%G"};
static const char *tricky[] = {
  "0", "-0", "1", "0.1", "1e23", "8.98846567431158e307", "1.7976931348623157e308",
  "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "-1e309",
  "2.2250738585072011e-308", "2.2250738585072012e-308", "4.9406564584124654e-324",
  "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-400", "0x1p-1074", "0x1p-1075",
  "0x1.fffffffffffffp1023", "0x1.fffffffffffff8p1023", "0X1.8P+1", "0x.8p1", "inf", "-Infinity",
  "nan", "  +12.5e+2xyz", "123456789012345678901234567890", "9007199254740993",
  "9007199254740992.5", "0.000000000000000000000000000000000000001", "1.00000000000000011102230246251565404236316680908203125",
  "1.00000000000000011102230246251565404236316680908203124", "6.9294956446009195e15", "3.4028235e38",
  "3.4028236e38", "1.17549435e-38", "1.4e-45", "7e-46", ".5", "5.", "e5", "0x", "1e", "-.e1",
  "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791", 
};

int main(void) {
  char buf[512];
  for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    double v = vals[i];
    printf("[%u] %.17g\n", i, v);
    for (unsigned f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
      fputs("  ", stdout);
      for (int prec = 0; prec <= 20; prec += (prec < 6 ? 1 : 7)) {
        char spec[16];
        snprintf(spec, sizeof spec, "%%.%d%s ", prec, fmts[f] + 1);
        snprintf(buf, sizeof buf, spec, v);
        fputs(buf, stdout);
      }
      putchar('\n');
    }
    printf("  widths [%12.3f] [%-12.3e] [%+g] [% g] [%#g] [%#.0f] [%012.4f] [%#a]\n", v, v, v, v, v, v, v, v);
    float fv = (float)v;
    printf("  float %.9g %a %e %f\n", (double)fv, (double)fv, (double)fv, (double)fv);
  }
  printf("special %f %e %g %a %F %E %G %A\n", INFINITY, -INFINITY, NAN, -INFINITY, INFINITY, INFINITY, INFINITY, INFINITY);
  printf("big %.0f\n", DBL_MAX);
  printf("tiny %.1100f\n", DBL_TRUE_MIN);
  for (unsigned i = 0; i < sizeof tricky / sizeof tricky[0]; i++) {
    char *end;
    errno = 0;
    double d = strtod(tricky[i], &end);
    int e1 = errno;
    errno = 0;
    float f = strtof(tricky[i], &end);
    int e2 = errno;
    printf("strtod(\"%.40s\") = %a %.17g errno %s consumed %d | strtof %a %.9g errno %s\n",
           tricky[i], d, d, e1 == ERANGE ? "ERANGE" : e1 ? "other" : "0",
           (int)(end - tricky[i]), (double)f, (double)f, e2 == ERANGE ? "ERANGE" : e2 ? "other" : "0");
    if (isfinite(d)) {
      snprintf(buf, sizeof buf, "%.17g", d);
      double back = strtod(buf, NULL);
      if (memcmp(&back, &d, sizeof d) != 0) printf("  round trip failed: %s\n", buf);
    }
  }
  /* Round-trip a stream of LCG doubles through %.17g and %a. */
  unsigned long long s = 88172645463325252ull, bad = 0, hsum = 0;
  for (int i = 0; i < 400; i++) {
    s ^= s << 13; s ^= s >> 7; s ^= s << 17;
    double d;
    unsigned long long bits = s & 0x7fefffffffffffffull;
    memcpy(&d, &bits, sizeof d);
    snprintf(buf, sizeof buf, i & 1 ? "%.17g" : "%a", d);
    for (char *c = buf; *c; c++) hsum = hsum * 31 + (unsigned char)*c;
    double back = strtod(buf, NULL);
    if (memcmp(&back, &d, sizeof d) != 0) bad++;
  }
  printf("random round trips: bad %llu text hash %016llx\n", bad, hsum);
  return 0;
}
