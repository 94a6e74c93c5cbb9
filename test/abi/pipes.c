/* SPDX-License-Identifier: MIT */
/* Pipes as fs/pipe.c has them: 16 page-sized buffers (64 KiB) by default, a write's
 * tail merged into the last buffer, PIPE_BUF atomicity, writers that wait for room
 * or get EAGAIN, a signal ending a blocked write with the count so far,
 * F_GETPIPE_SZ/F_SETPIPE_SZ, poll's POLLOUT/POLLERR, SIGPIPE. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

#define FAILS(call, e) ((call) == -1 && errno == (e))

static char big[256 * 1024];

static int nonblocking_pipe(int fd[2]) {
  return pipe2(fd, O_NONBLOCK);
}

static long fill_bytewise(int w) {
  long n = 0;
  while (write(w, "x", 1) == 1) n++;
  return errno == EAGAIN ? n : -1;
}

static void capacity(void) {
  RUN("capacity");
  int fd[2];
  CHECK(nonblocking_pipe(fd) == 0);
  CHECK(fcntl(fd[0], F_GETPIPE_SZ) == 65536 && fcntl(fd[1], F_GETPIPE_SZ) == 65536);
  CHECK(fill_bytewise(fd[1]) == 65536);
  CHECK(FAILS(write(fd[1], big, 4096), EAGAIN) && FAILS(write(fd[1], big, 100000), EAGAIN));
  char buf[4096];
  CHECK(read(fd[0], buf, 1) == 1 && FAILS(write(fd[1], "y", 1), EAGAIN)); /* the first page is still in use */
  CHECK(read(fd[0], buf, 4095) == 4095 && write(fd[1], "y", 1) == 1);
  CHECK(write(fd[1], big, 4096) == -1 && errno == EAGAIN);
  close(fd[0]); close(fd[1]);
  CHECK(nonblocking_pipe(fd) == 0);
  CHECK(write(fd[1], big, sizeof big) == 65536);
  CHECK(read(fd[0], big, sizeof big) == 65536 && FAILS(read(fd[0], buf, 1), EAGAIN));
  close(fd[0]); close(fd[1]);
  OK("capacity");
}

static void merging(void) {
  RUN("merging");
  int fd[2];
  CHECK(nonblocking_pipe(fd) == 0);
  CHECK(fcntl(fd[1], F_SETPIPE_SZ, 1) == 4096 && fcntl(fd[0], F_GETPIPE_SZ) == 4096);
  CHECK(write(fd[1], big, 100) == 100);
  CHECK(write(fd[1], big, 5000) == 904);  /* 5000 mod 4096 merged; no free slot for the page */
  CHECK(write(fd[1], big, 10) == 10);
  CHECK(FAILS(write(fd[1], big, 4096), EAGAIN));
  CHECK(write(fd[1], big, 3000) == 3000); /* 1014 + 3000 fit: merged whole */
  char buf[8192];
  CHECK(read(fd[0], buf, sizeof buf) == 4014);
  CHECK(write(fd[1], big, 4000) == 4000);
  CHECK(FAILS(write(fd[1], big, 200), EAGAIN)); /* atomic: 96 bytes would fit, 200 do not */
  CHECK(write(fd[1], big, 96) == 96);
  close(fd[0]); close(fd[1]);
  OK("merging");
}

static void set_size(void) {
  RUN("set_size");
  int fd[2];
  CHECK(pipe(fd) == 0);
  CHECK(fcntl(fd[0], F_SETPIPE_SZ, 5000) == 8192 && fcntl(fd[1], F_GETPIPE_SZ) == 8192);
  CHECK(fcntl(fd[0], F_SETPIPE_SZ, 0) == 4096);
  CHECK(fcntl(fd[0], F_SETPIPE_SZ, 1 << 20) == 1 << 20);
  CHECK(fcntl(fd[0], F_SETPIPE_SZ, (1 << 20) - 4095) == 1 << 20);
  CHECK(FAILS(fcntl(fd[0], F_SETPIPE_SZ, -1), EINVAL));
  CHECK(write(fd[1], big, 3 * 4096) == 3 * 4096);
  CHECK(FAILS(fcntl(fd[0], F_SETPIPE_SZ, 8192), EBUSY));
  CHECK(fcntl(fd[0], F_SETPIPE_SZ, 16384) == 16384);
  int file = open("/proc/self/exe", O_RDONLY);
  CHECK(file >= 0 && FAILS(fcntl(file, F_GETPIPE_SZ), EBADF) && FAILS(fcntl(file, F_SETPIPE_SZ, 4096), EBADF));
  close(file); close(fd[0]); close(fd[1]);
  OK("set_size");
}

static void blocking(void) {
  RUN("blocking");
  int fd[2];
  CHECK(pipe(fd) == 0);
  for (size_t i = 0; i < sizeof big; i++) big[i] = (char)(i * 7 + i / 4096);
  pid_t c = fork();
  if (c == 0) {
    close(fd[0]);
    _exit(write(fd[1], big, sizeof big) == (ssize_t)sizeof big ? 0 : 1); /* waits for the reader four times */
  }
  close(fd[1]);
  static char got[sizeof big];
  size_t n = 0;
  ssize_t r;
  while ((r = read(fd[0], got + n, sizeof got - n)) > 0) n += (size_t)r;
  int st;
  CHECK(r == 0 && n == sizeof big && memcmp(got, big, sizeof big) == 0);
  CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  close(fd[0]);
  OK("blocking");
}

static void on_alarm(int sig) { (void)sig; }

static void interrupted(void) {
  RUN("interrupted");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm; /* no SA_RESTART */
  CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
  int fd[2];
  CHECK(pipe(fd) == 0);
  struct itimerval it = { { 0, 0 }, { 0, 20000 } };
  CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
  CHECK(write(fd[1], big, 100000) == 65536); /* the count so far, not EINTR */
  CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
  CHECK(FAILS(write(fd[1], big, 10), EINTR));
  char buf[4096];
  CHECK(read(fd[0], buf, sizeof buf) == sizeof buf);
  CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
  CHECK(write(fd[1], big, 5000) == 4096); /* one page went in, then the wait */
  sa.sa_flags = SA_RESTART;
  CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
  pid_t c = fork();
  if (c == 0) {
    usleep(50000);
    char drain[8192];
    _exit(read(fd[0], drain, sizeof drain) == sizeof drain ? 0 : 1);
  }
  CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
  CHECK(write(fd[1], big, 4096) == 4096); /* restarted after the handler, done once the child reads */
  int st;
  CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  signal(SIGALRM, SIG_DFL);
  close(fd[0]); close(fd[1]);
  OK("interrupted");
}

static void polling(void) {
  RUN("polling");
  int fd[2];
  CHECK(nonblocking_pipe(fd) == 0);
  struct pollfd p[2] = { { fd[0], POLLIN | POLLOUT, 0 }, { fd[1], POLLIN | POLLOUT, 0 } };
  CHECK(poll(p, 2, 0) == 1 && p[0].revents == 0 && p[1].revents == POLLOUT);
  CHECK(write(fd[1], big, 65536) == 65536);
  CHECK(poll(p, 2, 0) == 1 && p[0].revents == POLLIN && p[1].revents == 0);
  char buf[4096];
  CHECK(read(fd[0], buf, 100) == 100 && poll(p, 2, 0) == 1 && p[1].revents == 0);
  CHECK(read(fd[0], buf, 3996) == 3996 && poll(p, 2, 0) == 2 && p[1].revents == POLLOUT);
  close(fd[0]);
  struct pollfd w = { fd[1], POLLOUT, 0 };
  CHECK(poll(&w, 1, 0) == 1 && w.revents == (POLLOUT | POLLERR));
  signal(SIGPIPE, SIG_IGN);
  CHECK(FAILS(write(fd[1], "x", 1), EPIPE));
  signal(SIGPIPE, SIG_DFL);
  close(fd[1]);
  OK("polling");
}

static void vectors(void) {
  RUN("vectors");
  int fd[2];
  CHECK(nonblocking_pipe(fd) == 0);
  CHECK(fcntl(fd[1], F_SETPIPE_SZ, 4096) == 4096);
  CHECK(write(fd[1], big, 4000) == 4000);
  struct iovec v[2] = { { big, 50 }, { big, 50 } };
  CHECK(FAILS(writev(fd[1], v, 2), EAGAIN)); /* 100 bytes in all: atomic */
  v[1].iov_len = 46;
  CHECK(writev(fd[1], v, 2) == 96);
  char buf[16];
  CHECK(FAILS(pread(fd[0], buf, 1, 0), ESPIPE) && FAILS(pwrite(fd[1], buf, 1, 0), ESPIPE));
  close(fd[0]); close(fd[1]);
  OK("vectors");
}

int main(void) {
  abi_init();
  capacity();
  merging();
  set_size();
  blocking();
  interrupted();
  polling();
  vectors();
  DONE();
}
