// SPDX-License-Identifier: MIT
// Guest oracle: libm (double and float) on a grid of arguments, printed with
// %.17g / %.9g so any last-bit difference in the SSE/x87 paths shows.
#include <math.h>
#include <stdio.h>

double grid[] = {
  0.0, -0.0, 1e-310, 1e-300, 1e-20, 1e-8, 0.001, 0.1, 0.25, 0.5, 0.7853981633974483, 1.0,
  1.5, 1.5707963267948966, 2.0, 2.5, 3.0, 3.141592653589793, 4.0, 5.5, 10.0, 22.0, 100.0,
  709.5, 710.0, 1000.0, 1e10, 1e22, 1e300, -0.1, -0.5, -1.0, -1.5, -2.5, -3.75, -10.0,
  -100.0, -745.5, 1e6 + 0.5, 123456.789, 0.49999999999999994, 2.5e-5, INFINITY, -INFINITY,
  NAN,
};
#define NG (sizeof grid / sizeof grid[0])

typedef double (*f1)(double);
typedef float (*f1f)(float);
struct fn1 { const char *name; f1 d; f1f f; };
static double my_lround(double x) { return (double)lround(fabs(x) < 1e15 ? x : 0.0); }
static float my_lroundf(float x) { return (float)lroundf(fabsf(x) < 1e7f ? x : 0.0f); }
static const struct fn1 fns[] = {
  {"sin", sin, sinf}, {"cos", cos, cosf}, {"tan", tan, tanf}, {"exp", exp, expf},
  {"log", log, logf}, {"sqrt", sqrt, sqrtf}, {"floor", floor, floorf}, {"ceil", ceil, ceilf},
  {"round", round, roundf}, {"trunc", trunc, truncf}, {"cbrt", cbrt, cbrtf},
  {"lround", my_lround, my_lroundf}, {"atan", atan, atanf}, {"asin", asin, asinf},
  {"log10", log10, log10f}, {"log2", log2, log2f}, {"expm1", expm1, expm1f},
  {"log1p", log1p, log1pf}, {"sinh", sinh, sinhf}, {"tanh", tanh, tanhf}, {"exp2", exp2, exp2f},
  {"fabs", fabs, fabsf}, {"rint", rint, rintf},
};
typedef double (*f2)(double, double);
typedef float (*f2f)(float, float);
struct fn2 { const char *name; f2 d; f2f f; };
static const struct fn2 fns2[] = {
  {"pow", pow, powf}, {"atan2", atan2, atan2f}, {"fmod", fmod, fmodf}, {"hypot", hypot, hypotf},
  {"fmin", fmin, fminf}, {"copysign", copysign, copysignf}, {"remainder", remainder, remainderf},
};
double second[] = {-2.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 0.1, 7.25, 1e10, INFINITY};
#define NS (sizeof second / sizeof second[0])

int main(void) {
  for (unsigned k = 0; k < sizeof fns / sizeof fns[0]; k++) {
    printf("%s:\n", fns[k].name);
    for (unsigned i = 0; i < NG; i++) {
      double x = grid[i];
      float xf = (float)x;
      printf("  %.17g -> %.17g | %.9g -> %.9g\n", x, fns[k].d(x), (double)xf, (double)fns[k].f(xf));
    }
  }
  for (unsigned k = 0; k < sizeof fns2 / sizeof fns2[0]; k++) {
    printf("%s:\n", fns2[k].name);
    for (unsigned i = 0; i < NG; i += 2)
      for (unsigned j = 0; j < NS; j++) {
        double x = grid[i], y = second[j];
        printf("  %.17g %.17g -> %.17g | %.9g\n", x, y, fns2[k].d(x, y),
               (double)fns2[k].f((float)x, (float)y));
      }
  }
  /* Dense sweep, summarised: sum of results and of their bit patterns. */
  double acc = 0;
  for (int i = -2000; i <= 2000; i++) {
    double x = i * 0.01234567;
    acc += sin(x) + cos(x) * 0.5 + exp(x / 1000.0) + atan2(x, 1.5) + sqrt(fabs(x)) + cbrt(x)
           + hypot(x, 3.0) + pow(fabs(x) + 0.5, 0.75) + log(fabs(x) + 1e-3);
  }
  printf("sweep %.17g\n", acc);
  int e;
  double m = frexp(123.456, &e);
  printf("frexp %.17g %d ldexp %.17g modf ", m, e, ldexp(0.75, -1070));
  double ip;
  double fp = modf(-3.75, &ip);
  printf("%.17g %.17g scalbn %.17g ilogb %d logb %.17g\n", fp, ip, scalbn(1.0, 1023), ilogb(1e-310), logb(3e300));
  return 0;
}
