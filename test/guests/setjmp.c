// SPDX-License-Identifier: MIT
// Guest oracle: setjmp/longjmp across several frames, nested jump buffers, and
// the values of volatile locals after the jump.
#include <setjmp.h>
#include <stdio.h>

static jmp_buf outer, inner;
static int depth_reached;

static int __attribute__((noinline)) dive(int depth, int target, jmp_buf *env) {
  volatile int local[16];
  for (int i = 0; i < 16; i++) local[i] = depth * 100 + i;
  depth_reached = depth;
  if (depth == target) longjmp(*env, depth * 10 + local[3] % 7 + 1);
  if (depth > 64) return 0;
  return dive(depth + 1, target, env) + local[depth % 16];
}

static int __attribute__((noinline)) nested(int n) {
  volatile int trips = 0;
  int r = setjmp(inner);
  if (r == 0) {
    dive(0, n, &inner);
    puts("not reached (inner)");
  }
  trips++;
  printf("  inner caught %d (trips %d, depth %d)\n", r, trips, depth_reached);
  if (n > 3) longjmp(outer, n);
  return r;
}

int main(void) {
  volatile int count = 0;
  for (volatile int target = 0; target < 8; target++) {
    int r = setjmp(outer);
    if (r == 0) {
      int v = nested(target);
      printf("nested(%d) returned %d\n", target, v);
    } else {
      printf("outer caught %d at target %d\n", r, target);
    }
    count++;
  }
  /* longjmp with value 0 must make setjmp return 1. */
  static jmp_buf z;
  volatile int seen = 0;
  int r = setjmp(z);
  if (!seen) { seen = 1; longjmp(z, 0); }
  printf("longjmp(0) gave %d\n", r);
  /* Re-entering the same buffer many times. */
  static jmp_buf loop;
  volatile int k = 0;
  volatile unsigned sum = 0;
  int v = setjmp(loop);
  sum = sum * 3 + (unsigned)v;
  if (++k < 1000) longjmp(loop, k);
  printf("loop k=%d sum=%u count=%d\n", k, sum, count);
  return 0;
}
