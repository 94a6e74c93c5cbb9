/* SPDX-License-Identifier: MIT */
/* Runs each program named on the command line (fork + execv, its output to
 * /dev/null, an alarm of 2 s that survives the exec) and prints how it ended:
 * the execve errno, the exit status, or the signal. Run natively and under
 * `lwp run`, the two outputs must be the same (test/fuzz/elf-fuzz.test.ts). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 1; i < argc; i++) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return 1;
    pid_t c = fork();
    if (c == 0) {
      int null = open("/dev/null", O_RDWR);
      dup2(null, 0); dup2(null, 1); dup2(null, 2);
      alarm(2);
      char *args[] = { argv[i], NULL };
      char *env[] = { NULL };
      execve(argv[i], args, env);
      int e = errno;
      if (write(p[1], &e, sizeof e) != sizeof e) _exit(126);
      _exit(127);
    }
    close(p[1]);
    int e = 0, st = 0;
    ssize_t n = read(p[0], &e, sizeof e);
    close(p[0]);
    waitpid(c, &st, 0);
    const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
    if (n == sizeof e) printf("%s: execve %s\n", name, strerrorname_np(e) ? strerrorname_np(e) : "?");
    else if (WIFSIGNALED(st)) printf("%s: signal %d\n", name, WTERMSIG(st));
    else printf("%s: exit %d\n", name, WEXITSTATUS(st));
  }
  return 0;
}
