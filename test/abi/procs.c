/* SPDX-License-Identifier: MIT */
/* Processes: fork and wait statuses, a child killed by a signal, pipes between
 * processes with blocking reads, SIGCHLD, vfork, execve of this program, process groups. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char self[4096];

static void test_fork_wait(void) {
  RUN("fork-wait");
  int shared = 1;
  pid_t parent = getpid();
  pid_t c = fork();
  if (c == 0) { shared = 2; _exit(getppid() == parent ? 42 : 1); }
  CHECK(c > 0);
  int st;
  CHECK(waitpid(c, &st, 0) == c);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42);
  CHECK(shared == 1);
  CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);
  OK("fork-wait");
}

static void test_killed_child(void) {
  RUN("killed-child");
  pid_t c = fork();
  if (c == 0) { for (;;) pause(); }
  int st;
  CHECK(waitpid(c, &st, WNOHANG) == 0);
  kill(c, SIGTERM);
  CHECK(waitpid(c, &st, 0) == c);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
  c = fork();
  if (c == 0) { *(volatile int *)0 = 1; _exit(0); }
  CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
  OK("killed-child");
}

static void test_pipe(void) {
  RUN("pipe");
  int to[2], back[2];
  CHECK(pipe(to) == 0 && pipe(back) == 0);
  pid_t c = fork();
  if (c == 0) {
    close(to[1]);
    close(back[0]);
    char buf[64];
    long sum = 0;
    ssize_t n;
    while ((n = read(to[0], buf, sizeof buf)) > 0) for (ssize_t i = 0; i < n; i++) sum += buf[i];
    char out[32];
    int len = snprintf(out, sizeof out, "%ld", sum);
    if (write(back[1], out, len) != len) _exit(2);
    _exit(0);
  }
  close(to[0]);
  close(back[1]);
  long expect = 0;
  for (int i = 0; i < 1000; i++) {
    char ch = (char)('a' + i % 26);
    expect += ch;
    CHECK(write(to[1], &ch, 1) == 1);
  }
  close(to[1]);
  char in[32] = { 0 };
  CHECK(read(back[0], in, sizeof in - 1) > 0);
  CHECK(atol(in) == expect);
  int st;
  CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  close(back[0]);
  OK("pipe");
}

static volatile int chld;
static void on_chld(int sig) { (void)sig; chld++; }

static void test_sigchld(void) {
  RUN("sigchld");
  signal(SIGCHLD, on_chld);
  pid_t c = fork();
  if (c == 0) _exit(3);
  int st;
  CHECK(waitpid(c, &st, 0) == c);
  CHECK(chld == 1);
  signal(SIGCHLD, SIG_DFL);
  OK("sigchld");
}

static void test_vfork_exec(void) {
  RUN("vfork-exec");
  pid_t c = vfork();
  if (c == 0) {
    char *argv[] = { self, "child", NULL };
    execv(self, argv);
    _exit(127);
  }
  int st;
  CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 9);
  c = vfork();
  if (c == 0) _exit(5);
  CHECK(waitpid(c, &st, 0) == c && WEXITSTATUS(st) == 5);
  OK("vfork-exec");
}

static void test_pgrp(void) {
  RUN("pgrp");
  pid_t c = fork();
  if (c == 0) {
    if (setpgid(0, 0) != 0) _exit(1);
    _exit(getpgrp() == getpid() ? 0 : 2);
  }
  int st;
  CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  CHECK(getpgid(0) == getpgrp());
  OK("pgrp");
}

/* execve from a non-leader thread: the new image runs as the thread-group
 * leader, with tid == pid == the old pid (Linux de_thread). */
static void *exec_from_thread(void *arg) {
  char pid[32];
  snprintf(pid, sizeof pid, "%d", (int)(long)arg);
  char *av[] = { self, "exec-tid", pid, NULL };
  execv(self, av);
  _exit(99);
}

static void test_exec_from_thread(void) {
  RUN("exec-from-thread");
  pid_t c = fork();
  if (c == 0) {
    pthread_t t;
    pthread_create(&t, NULL, exec_from_thread, (void *)(long)getpid());
    pthread_join(t, NULL);
    _exit(98);
  }
  int st = 0;
  CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 7);
  OK("exec-from-thread");
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "child")) return 9;
  if (argc > 2 && !strcmp(argv[1], "exec-tid")) {
    pid_t tid = (pid_t)syscall(SYS_gettid);
    return tid == getpid() && getpid() == atoi(argv[2]) ? 7 : 8;
  }
  abi_init();
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) self[n] = 0;
  test_fork_wait();
  test_killed_child();
  test_pipe();
  test_sigchld();
  test_vfork_exec();
  test_pgrp();
  test_exec_from_thread();
  DONE();
}
