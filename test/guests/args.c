// SPDX-License-Identifier: MIT
// Guest oracle: the initial stack as the program sees it (argc, argv, selected
// environment variables) and stdin read to EOF (byte count and checksum).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  printf("argc %d\n", argc);
  for (int i = 1; i < argc; i++) printf("argv[%d] = \"%s\" (%zu bytes)\n", i, argv[i], strlen(argv[i]));
  printf("argv[argc] is %s\n", argv[argc] ? "non-null" : "null");
  const char *names[] = {"LWP_TEST_A", "LWP_TEST_B", "LWP_TEST_EMPTY", "LWP_TEST_UNSET", "LC_ALL"};
  for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
    const char *v = getenv(names[i]);
    printf("env %s %s%s%s\n", names[i], v ? "= \"" : "unset", v ? v : "", v ? "\"" : "");
  }
  unsigned char buf[4096];
  uint64_t total = 0;
  uint32_t sum = 0, lines = 0;
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n < 0) { perror("read"); return 1; }
    if (n == 0) break;
    for (ssize_t i = 0; i < n; i++) { sum = (sum << 5 | sum >> 27) ^ buf[i]; lines += buf[i] == '\n'; }
    total += (uint64_t)n;
  }
  printf("stdin %llu bytes, %u lines, checksum %08x\n", (unsigned long long)total, lines, sum);
  return argc == 1 ? 3 : 0;
}
