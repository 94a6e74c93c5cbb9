/* SPDX-License-Identifier: MIT */
/* Start-up: the smallest useful program (musl, static): one line out, exit 0. */
#include <stdio.h>

int main(void) {
  puts("hello, world");
  return 0;
}
