/* SPDX-License-Identifier: MIT */
/* A program that writes its kernel-prepared LWPCB (found with SLWPCB) as a hostile one
 * could: argv[1] iterations of a loop (samples are stored), then BufferHeadOffset set
 * to argv[2] (e.g. 5: off the records' grid) and _exit(0) before another record is
 * stored, so the kernel's last drain reads that head. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "../../../include/lwp.h"

__attribute__((noinline)) static void spin(long n) {
  __asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n));
}

int main(int argc, char **argv) {
  spin(argc > 1 ? atol(argv[1]) : 100000);
  struct lwpcb *cb = (struct lwpcb *)__slwpcb();
  if (cb == 0) return 2;
  cb->BufferHeadOffset = (uint32_t)strtoul(argc > 2 ? argv[2] : "5", 0, 0);
  _exit(0);
}
