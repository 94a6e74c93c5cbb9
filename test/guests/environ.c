// SPDX-License-Identifier: MIT
// Guest oracle: the whole environment, in the order the program received it.
#include <stdio.h>

extern char **environ;

int main(void) {
  for (char **e = environ; *e != NULL; e++) printf("%s\n", *e);
  return 0;
}
