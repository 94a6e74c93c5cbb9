/* SPDX-License-Identifier: MIT */
/* A 6-instruction asm loop (argv[1] iterations): with a period that is a multiple of
 * 6 an exact sampling period hits the same instruction every time (aliasing). */
#include <stdlib.h>

__attribute__((noinline)) static long six(long n) {
  long a = 0, b = 0;
  __asm__ volatile("1: add $1, %1\n\tadd $2, %2\n\txor %1, %2\n\tnop\n\tdec %0\n\tjnz 1b"
                   : "+r"(n), "+r"(a), "+r"(b));
  return a + b;
}

int main(int argc, char **argv) {
  return (int)(six(argc > 1 ? atol(argv[1]) : 1000000) & 1);
}
