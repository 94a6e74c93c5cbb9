/* SPDX-License-Identifier: MIT */
/* Runs out of memory on purpose (lwp run --memory-limit): "self" touches memory
 * until the OOM killer ends it, "child" lets a child do so and reports how it
 * died, "syscall" runs out inside read(2) while a bigger child exists (docs/
 * quirks.md Q-OOM), "ram" prints what sysinfo and /proc/meminfo say the machine
 * has and whether mappings larger than it are refused (the overcommit heuristic). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static void eat(int upto) {
  for (int mib = 1; upto == 0 || mib <= upto; mib++) {
    char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) { printf("mmap failed\n"); exit(1); }
    memset(p, 1, 1 << 20);
    if (mib % 8 == 0) printf("%d MiB\n", mib);
  }
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *mode = argc > 1 ? argv[1] : "self";
  if (!strcmp(mode, "self")) eat(0);
  if (!strcmp(mode, "syscall")) {
    int p[2];
    if (pipe(p) != 0) return 1;
    pid_t c = fork();
    if (c == 0) {
      eat(14);
      (void)!write(p[1], "x", 1);
      for (;;) pause();
    }
    char x;
    (void)!read(p[0], &x, 1);
    char *buf = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    int zero = open("/dev/zero", O_RDONLY);
    ssize_t n = read(zero, buf, 16 << 20);
    printf("read: %s\n", n < 0 ? strerror(errno) : "all of it");
    int st;
    waitpid(c, &st, 0);
    printf("child %s %d\n", WIFSIGNALED(st) ? "killed by signal" : "exited", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    return 0;
  }
  if (!strcmp(mode, "child")) {
    pid_t c = fork();
    if (c == 0) eat(0);
    int st;
    waitpid(c, &st, 0);
    printf("child %s %d\n", WIFSIGNALED(st) ? "killed by signal" : "exited", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    return 0;
  }
  struct sysinfo si;
  sysinfo(&si);
  printf("totalram %lu MiB\n", si.totalram * si.mem_unit >> 20);
  FILE *f = fopen("/proc/meminfo", "r");
  char line[128];
  if (f != NULL && fgets(line, sizeof line, f) != NULL) printf("%s", line);
  unsigned long more = si.totalram * si.mem_unit * 2;
  void *a = mmap(NULL, more, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  void *b = mmap(NULL, more, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  printf("twice the RAM: %s, with MAP_NORESERVE: %s\n", a == MAP_FAILED ? "refused" : "mapped", b == MAP_FAILED ? "refused" : "mapped");
  return 0;
}
