/* SPDX-License-Identifier: MIT */
/* The bench's stopwatch: runs a command (stdin, stdout and stderr inherited) and, after
 * it ends, appends one line to stderr with what wait4(2) reports for it and the
 * children it waited for: wall time, user and system CPU time, peak resident set.
 *   runstat TIMEOUT_S COMMAND [ARGS...]
 *   -> "@runstat wall_ns=N user_us=N sys_us=N maxrss_kb=N status=S" (S: exit status,
 *      128+signal, or "timeout" after TIMEOUT_S seconds, when the command is killed). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child;
static volatile sig_atomic_t timed_out;

static void on_alarm(int sig) {
  (void)sig;
  timed_out = 1;
  kill(child, SIGKILL);
}

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: runstat TIMEOUT_S COMMAND [ARGS...]\n");
    return 2;
  }
  unsigned timeout = (unsigned)strtoul(argv[1], 0, 10);
  long long t0 = now_ns();
  child = fork();
  if (child < 0) { perror("runstat: fork"); return 2; }
  if (child == 0) {
    execvp(argv[2], argv + 2);
    fprintf(stderr, "runstat: %s: %s\n", argv[2], strerror(errno));
    _exit(127);
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, 0);
  if (timeout > 0) alarm(timeout);
  int status = 0;
  struct rusage ru;
  while (wait4(child, &status, 0, &ru) < 0) {
    if (errno != EINTR) { perror("runstat: wait4"); return 2; }
  }
  long long wall = now_ns() - t0;
  char end[16];
  if (timed_out) snprintf(end, sizeof end, "timeout");
  else snprintf(end, sizeof end, "%d", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  fprintf(stderr, "\n@runstat wall_ns=%lld user_us=%lld sys_us=%lld maxrss_kb=%ld status=%s\n", wall,
          (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
          (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec, ru.ru_maxrss, end);
  return 0;
}
