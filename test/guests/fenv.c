// SPDX-License-Identifier: MIT
// Guest oracle: the four rounding modes (MXCSR.RC and x87 RC via fesetround),
// rint/nearbyint/lrint under each, and the sticky exception flags.
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdio.h>

/* Operands are read through volatile inside noinline functions so the compiler
   can neither fold the arithmetic nor move it across fesetround. */
static volatile double vd[] = {1.0, 3.0, -1.0, 10.0, 0.1, 2.5, -2.5, 0.5, 1.5, -0.5, 1e308, 1e-308, 7.0, 0.0};
static volatile float vf[] = {1.0f, 3.0f, -1.0f, 10.0f, 2.5f, -3.5f};
static volatile long double vl[] = {1.0L, 3.0L, -1.0L, 10.0L};

static double __attribute__((noinline)) ddiv(int i, int j) { return vd[i] / vd[j]; }
static double __attribute__((noinline)) dmul(int i, int j) { return vd[i] * vd[j]; }
static double __attribute__((noinline)) dadd(int i, int j) { return vd[i] + vd[j]; }
static double __attribute__((noinline)) dsqrt(int i) { return sqrt(vd[i]); }
static float __attribute__((noinline)) fdiv(int i, int j) { return vf[i] / vf[j]; }
static long double __attribute__((noinline)) ldiv_(int i, int j) { return vl[i] / vl[j]; }
static double __attribute__((noinline)) cvt(int i) { return (double)(vf[i] / 3.0f); }
static float __attribute__((noinline)) narrow(int i, int j) { return (float)(vd[i] / vd[j]); }
static long __attribute__((noinline)) to_int(int i, int j) { return (long)(vd[i] / vd[j] * 1e6); }

/* Called through volatile pointers so the real libm routines run (gcc may otherwise
   expand rint inline, assuming round-to-nearest; that inline form is printed too). */
static double (*volatile p_rint)(double) = rint;
static double (*volatile p_nearbyint)(double) = nearbyint;
static long (*volatile p_lrint)(double) = lrint;
static float (*volatile p_rintf)(float) = rintf;
static long double (*volatile p_rintl)(long double) = rintl;
static double (*volatile p_floor)(double) = floor;
static double (*volatile p_ceil)(double) = ceil;

static const struct { int mode; const char *name; } modes[] = {
  {FE_TONEAREST, "nearest"}, {FE_DOWNWARD, "down"}, {FE_UPWARD, "up"}, {FE_TOWARDZERO, "zero"},
};

static void flags(const char *what) {
  int f = fetestexcept(FE_ALL_EXCEPT);
  printf("  %-14s inexact %d divbyzero %d invalid %d overflow %d underflow %d\n", what,
         !!(f & FE_INEXACT), !!(f & FE_DIVBYZERO), !!(f & FE_INVALID), !!(f & FE_OVERFLOW),
         !!(f & FE_UNDERFLOW));
  feclearexcept(FE_ALL_EXCEPT);
}

int main(void) {
  for (unsigned m = 0; m < 4; m++) {
    if (fesetround(modes[m].mode) != 0) { printf("fesetround %s failed\n", modes[m].name); continue; }
    printf("mode %s (fegetround ok %d)\n", modes[m].name, fegetround() == modes[m].mode);
    printf("  1/3 %a -1/3 %a 10/3 %a 0.1/3 %a -1/10 %a\n", ddiv(0, 1), ddiv(2, 1), ddiv(3, 1), ddiv(4, 1), ddiv(2, 3));
    printf("  0.1*3 %a 1e308*10 %a 1e-308*0.1 %a 1+1e-308 %a -1-1e-308 %a\n", dmul(4, 1), dmul(10, 3), dmul(11, 4), dadd(0, 11), dadd(2, 11) - 0.0);
    printf("  sqrt(3) %a sqrt(0.1) %a sqrt(7) %a\n", dsqrt(1), dsqrt(4), dsqrt(12));
    printf("  float 1/3 %a -1/3 %a 10/3 %a cvt %a narrow %a\n", (double)fdiv(0, 1), (double)fdiv(2, 1), (double)fdiv(3, 1), cvt(4), (double)narrow(0, 1));
    printf("  long double 1/3 %La -1/3 %La 10/3 %La\n", ldiv_(0, 1), ldiv_(2, 1), ldiv_(3, 1));
    printf("  (long)(x*1e6) %ld %ld\n", to_int(0, 1), to_int(2, 1));
    for (int i = 5; i <= 9; i++) {
      double x = vd[i];
      printf("  x=%g inline rint %g nearbyint %g lrint %ld llrint %lld rintf %g lrintf %ld rintl %Lg\n", x,
             rint(x), nearbyint(x), lrint(x), llrint(x), (double)rintf((float)x), lrintf((float)x),
             rintl((long double)x));
      printf("  x=%g libm rint %g nearbyint %g lrint %ld rintf %g rintl %Lg floor %g ceil %g\n", x,
             p_rint(x), p_nearbyint(x), p_lrint(x), (double)p_rintf((float)x),
             p_rintl((long double)x), p_floor(x), p_ceil(x));
    }
    feclearexcept(FE_ALL_EXCEPT);
  }
  fesetround(FE_TONEAREST);
  feclearexcept(FE_ALL_EXCEPT);
  flags("clean");
  volatile double r;
  r = ddiv(0, 1); flags("1/3");
  r = ddiv(0, 13); flags("1/0");
  r = ddiv(13, 13); flags("0/0");
  r = dmul(10, 10); flags("1e308*1e308");
  r = dmul(11, 11); flags("1e-308^2");
  r = dadd(0, 0); flags("1+1");
  r = dsqrt(2); flags("sqrt(-1)");
  r = (double)fdiv(0, 1); flags("float 1/3");
  r = (double)ldiv_(0, 1); flags("ldbl 1/3");
  r = (double)narrow(10, 0); flags("(float)1e308");
  (void)r;
  printf("nearbyint raises inexact? ");
  feclearexcept(FE_ALL_EXCEPT);
  r = nearbyint(vd[5]);
  printf("%d; rint? ", !!fetestexcept(FE_INEXACT));
  r = rint(vd[5]);
  printf("%d\n", !!fetestexcept(FE_INEXACT));
  feraiseexcept(FE_OVERFLOW | FE_INEXACT); flags("feraiseexcept");
  fenv_t env;
  fegetenv(&env);
  fesetround(FE_UPWARD);
  fesetenv(&env);
  printf("after fesetenv mode nearest %d\n", fegetround() == FE_TONEAREST);
  return 0;
}
