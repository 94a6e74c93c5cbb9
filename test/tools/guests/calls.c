/* SPDX-License-Identifier: MIT */
/* Call stacks for lwp record --call-graph: main -> outer -> middle -> leaf (the hot
 * loop), plus a longjmp out of a deep recursion that skips every RET. */
#include <setjmp.h>
#include <stdlib.h>

static jmp_buf jb;
static volatile long sink;

__attribute__((noinline)) void leaf(long n) {
  __asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n));
}
__attribute__((noinline)) void middle(long n) { leaf(n); sink++; }
__attribute__((noinline)) void outer(long n) { middle(n); sink++; }

__attribute__((noinline)) void dive(int depth) {
  if (depth == 0) longjmp(jb, 1);
  dive(depth - 1);
  sink++;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  for (int i = 0; i < 20; i++) {
    if (setjmp(jb) == 0) dive(50);
  }
  outer(n);
  return 0;
}
