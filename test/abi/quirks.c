/* SPDX-License-Identifier: MIT */
/* Pins this kernel's documented deviations from Linux (docs/quirks.md): run under lwp
 * only — natively several of these would stop or block the process. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  abi_init();
  if (argc > 1 && !strcmp(argv[1], "deadlock")) {
    /* Q-DEADLOCK: every task blocked with no timeout ends the run with status 137. */
    printf("[RUN] deadlock\n");
    pause();
    printf("[FAIL] woke up\n");
    return 1;
  }
  RUN("Q-SIG-STOP");
  raise(SIGSTOP);
  raise(SIGTSTP);
  OK("Q-SIG-STOP");
  RUN("Q-ITIMER-VIRT");
  struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
  CHECK(setitimer(ITIMER_VIRTUAL, &it, NULL) == 0);
  for (volatile int i = 0; i < 100000; i++) { }
  OK("Q-ITIMER-VIRT");
  RUN("Q-CLONE3");
  CHECK(syscall(435, NULL, 0) == -1 && errno == ENOSYS);
  OK("Q-CLONE3");
  RUN("Q-PIPE-SIZE");
  int fd[2];
  CHECK(pipe(fd) == 0);
  static char big[256 * 1024];
  CHECK(write(fd[1], big, sizeof big) == (ssize_t)sizeof big);
  OK("Q-PIPE-SIZE");
  RUN("Q-WAIT-RUSAGE");
  pid_t child = fork();
  if (child == 0) {
    for (volatile int i = 0; i < 200000; i++) { }
    _exit(3);
  }
  struct rusage ru;
  memset(&ru, 0xff, sizeof ru);
  int st = 0;
  CHECK(wait4(child, &st, 0, &ru) == child && WIFEXITED(st) && WEXITSTATUS(st) == 3);
  CHECK(ru.ru_utime.tv_sec == 0 && ru.ru_utime.tv_usec == 0 && ru.ru_maxrss == 0);
  CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0 && ru.ru_utime.tv_usec == 0 && ru.ru_maxrss == 0);
  CHECK(getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_utime.tv_usec > 0 && ru.ru_stime.tv_usec == 0 && ru.ru_maxrss == 0);
  OK("Q-WAIT-RUSAGE");
  RUN("Q-SIG-UID");
  siginfo_t si;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
  CHECK(getuid() == 0);
  gid_t groups[4] = { 7, 7, 7, 7 };
  CHECK(getgroups(0, NULL) == 1 && getgroups(4, groups) == 1 && groups[0] == 0);
  raise(SIGUSR1);
  CHECK(sigwaitinfo(&set, &si) == SIGUSR1 && si.si_uid == 0);
  OK("Q-SIG-UID");
  RUN("Q-SYSINFO");
  struct sysinfo inf;
  CHECK(sysinfo(&inf) == 0 && inf.mem_unit == 1 && inf.totalram == 4ul << 30 && inf.loads[0] == 0 && inf.totalswap == 0);
  CHECK(inf.freeram < inf.totalram && inf.freeram > inf.totalram - (64ul << 20)); /* this process maps less than 64 MiB */
  OK("Q-SYSINFO");
  DONE();
}
