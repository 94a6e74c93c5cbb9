/* SPDX-License-Identifier: MIT */
/* The real program the ELF fuzzer mutates: a little libc start-up, output and an exit status. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  char buf[64];
  snprintf(buf, sizeof buf, "%d %s", argc, argv[0] != NULL ? "args" : "none");
  puts(buf);
  return (int)strlen(buf) + 3;
}
