// SPDX-License-Identifier: MIT
// Guest oracle: output on both streams, then a non-zero exit status (42) from main.
#include <stdio.h>

int main(void) {
  printf("to stdout before exit\n");
  fprintf(stderr, "to stderr: exiting with 42\n");
  fflush(stdout);
  printf("buffered line flushed by exit\n");
  return 42;
}
