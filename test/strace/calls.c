/* SPDX-License-Identifier: MIT */
/* A fixed sequence of system calls whose --strace lines are compared with
 * strace(1)'s for the same program (test/strace/strace.test.ts): strings,
 * buffers, flags, structs, errors, a blocked call, a signal and the exit. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void on_usr1(int sig) { (void)sig; }

int main(void) {
  char buf[256];
  int fd = open("/nonexistent/lwp-strace", O_RDONLY);
  fd = openat(AT_FDCWD, "/proc/self/exe", O_RDONLY | O_CLOEXEC);
  ssize_t n = read(fd, buf, 64);
  struct stat st;
  fstat(fd, &st);
  lseek(fd, 4, SEEK_SET);
  pread(fd, buf, 16, 0);
  close(fd);
  access("/", R_OK | X_OK);
  char cwd[128];
  syscall(SYS_getcwd, cwd, sizeof cwd);
  int p[2];
  pipe2(p, O_CLOEXEC);
  struct iovec iov[2] = { { "hello ", 6 }, { "strace\n", 7 } };
  writev(p[1], iov, 2);
  n = read(p[0], buf, sizeof buf);
  write(p[1], "\0\1\2\377 tail\n", 10);
  close(p[0]);
  close(p[1]);
  void *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  mprotect(m, 4096, PROT_READ);
  munmap(m, 8192);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigaddset(&sa.sa_mask, SIGTERM);
  sigaction(SIGUSR1, &sa, NULL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8);
  struct timespec ts;
  syscall(SYS_clock_getres, CLOCK_MONOTONIC, &ts);
  struct timespec nap = { 0, 1000 };
  syscall(SYS_nanosleep, &nap, NULL);
  struct utsname u;
  syscall(SYS_uname, &u);
  syscall(SYS_kill, syscall(SYS_getpid), SIGUSR1);
  syscall(SYS_unlinkat, AT_FDCWD, "/nonexistent/lwp-strace", AT_REMOVEDIR);
  syscall(SYS_exit_group, (int)(n & 0));
}
