/* SPDX-License-Identifier: MIT */
/* Waiting for events, against Linux: pipes of the pipe size (blocking and
 * non-blocking writers), poll/select/epoll on pipes, eventfd, timerfd,
 * signalfd and memfd, and tasks that keep running while one blocks. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char big[1 << 20];
static int tick_fd[2];

static const char *en(int e) {
  switch (e) {
  case EAGAIN: return "EAGAIN"; case EINVAL: return "EINVAL"; case EBADF: return "EBADF"; case EBUSY: return "EBUSY";
  case EEXIST: return "EEXIST"; case ENOENT: return "ENOENT"; case EPERM: return "EPERM"; case EFAULT: return "EFAULT";
  case ELOOP: return "ELOOP"; case EINTR: return "EINTR"; case ESPIPE: return "ESPIPE"; case EPIPE: return "EPIPE";
  default: { static char b[16]; snprintf(b, sizeof b, "errno %d", e); return b; }
  }
}

/* One call, then its result (and errno name on failure) on a line of its own. */
#define SHOW(label, expr) do { errno = 0; long r_ = (long)(expr); \
  printf("%s = %ld%s%s\n", label, r_, r_ < 0 ? " " : "", r_ < 0 ? en(errno) : ""); } while (0)

static void pipe_size(void) {
  RUN("pipe-size");
  int p[2];
  CHECK(pipe2(p, O_NONBLOCK) == 0);
  long total = 0, n;
  while ((n = write(p[1], big, 100)) > 0) total += n;
  CHECK(n == -1 && errno == EAGAIN);
  printf("100-byte writes fill %ld bytes\n", total);
  int avail = -1;
  CHECK(ioctl(p[0], FIONREAD, &avail) == 0);
  printf("FIONREAD %d\n", avail);
  SHOW("F_GETPIPE_SZ", fcntl(p[1], F_GETPIPE_SZ));
  SHOW("F_SETPIPE_SZ 4096 with data", fcntl(p[1], F_SETPIPE_SZ, 4096));
  SHOW("F_SETPIPE_SZ 2^31+1", fcntl(p[1], F_SETPIPE_SZ, (1u << 31) + 1));
  SHOW("F_SETPIPE_SZ on a non-pipe", fcntl(0 == 1, F_GETPIPE_SZ) + fcntl(open("/proc/self/exe", O_RDONLY), F_SETPIPE_SZ, 4096));
  close(p[0]);
  close(p[1]);
  CHECK(pipe2(p, O_NONBLOCK) == 0);
  SHOW("F_SETPIPE_SZ 5000", fcntl(p[1], F_SETPIPE_SZ, 5000));
  SHOW("one big write", write(p[1], big, sizeof big));
  SHOW("then 1 byte", write(p[1], big, 1));
  char b[16];
  SHOW("read 10", read(p[0], b, 10));
  SHOW("1-byte write", write(p[1], big, 1));
  SHOW("pread on a pipe", pread(p[0], b, 1, 0));
  SHOW("lseek on a pipe", lseek(p[0], 0, SEEK_SET));
  close(p[0]);
  close(p[1]);
  /* A blocking writer of 1 MiB finishes once a child drains the pipe. */
  CHECK(pipe(p) == 0);
  pid_t c = fork();
  if (c == 0) {
    close(p[1]);
    long got = 0;
    char buf[7000];
    while ((n = read(p[0], buf, sizeof buf)) > 0) got += n;
    printf("child read %ld\n", got);
    _exit(0);
  }
  close(p[0]);
  SHOW("parent wrote", write(p[1], big, sizeof big));
  close(p[1]);
  int st;
  CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st));
  OK("pipe-size");
}

static void polls(void) {
  RUN("poll-select");
  int p[2];
  CHECK(pipe(p) == 0);
  struct pollfd fds[3] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT | POLLIN, 0 }, { 99, POLLIN, 0 } };
  SHOW("poll", poll(fds, 3, 0));
  printf("revents %x %x %x\n", fds[0].revents, fds[1].revents, fds[2].revents);
  CHECK(write(p[1], "x", 1) == 1);
  SHOW("poll", poll(fds, 2, 100));
  printf("revents %x %x\n", fds[0].revents, fds[1].revents);
  fd_set r, w;
  FD_ZERO(&r); FD_ZERO(&w);
  FD_SET(p[0], &r); FD_SET(p[1], &w);
  struct timeval tv = { 1, 0 };
  SHOW("select", select(p[1] + 1, &r, &w, NULL, &tv));
  printf("r=%d w=%d\n", FD_ISSET(p[0], &r), FD_ISSET(p[1], &w));
  FD_ZERO(&r); FD_SET(42, &r);
  SHOW("select bad fd", select(43, &r, NULL, NULL, &tv));
  SHOW("select nfds -1", select(-1, NULL, NULL, NULL, &tv));
  tv.tv_usec = 1000000;
  SHOW("select bad timeval", select(0, NULL, NULL, NULL, &tv));
  close(p[1]);
  char c;
  CHECK(read(p[0], &c, 1) == 1);
  fds[0].events = POLLIN;
  SHOW("poll after close", poll(fds, 1, -1));
  printf("revents %x\n", fds[0].revents);
  struct timespec ts = { 0, 20 * 1000 * 1000 };
  int q[2];
  CHECK(pipe(q) == 0);
  struct pollfd one = { q[0], POLLIN, 0 };
  SHOW("ppoll timeout", ppoll(&one, 1, &ts, NULL));
  ts.tv_nsec = 1000000000;
  SHOW("ppoll bad timespec", ppoll(&one, 1, &ts, NULL));
  SHOW("poll nfds too big", syscall(SYS_poll, &one, 1u << 20, 0));
  SHOW("poll bad pointer", syscall(SYS_poll, (void *)8, 1, 0));
  SHOW("ppoll bad sigset size", syscall(SYS_ppoll, &one, 1, NULL, &ts, 4));
  close(p[0]); close(q[0]); close(q[1]);
  OK("poll-select");
}

static void epolls(void) {
  RUN("epoll");
  int ep = epoll_create1(EPOLL_CLOEXEC);
  CHECK(ep >= 0);
  SHOW("epoll_create(0)", epoll_create(0));
  SHOW("epoll_create1(bad)", epoll_create1(1));
  int p[2], q[2];
  CHECK(pipe(p) == 0 && pipe(q) == 0);
  struct epoll_event e = { .events = EPOLLIN, .data.u64 = 1 };
  SHOW("add", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
  SHOW("add again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
  SHOW("add to a non-epoll", epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &e));
  SHOW("bad op", epoll_ctl(ep, 7, p[0], &e));
  SHOW("bad event pointer", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], (void *)8));
  SHOW("bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 77, &e));
  e.data.u64 = 2; e.events = EPOLLIN | EPOLLET;
  CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &e) == 0);
  SHOW("add self", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &e));
  SHOW("mod missing", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &e));
  SHOW("del missing", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
  int reg = open("/proc/self/exe", O_RDONLY);
  SHOW("add regular file", epoll_ctl(ep, EPOLL_CTL_ADD, reg, &e));
  int ep2 = epoll_create1(0);
  SHOW("nest", epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &e));
  SHOW("loop", epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &e));
  close(ep2);
  close(reg);
  struct epoll_event out[4];
  SHOW("wait empty", epoll_wait(ep, out, 4, 10));
  CHECK(write(q[1], "a", 1) == 1 && write(p[1], "b", 1) == 1);
  int n = epoll_wait(ep, out, 4, -1);
  printf("wait: %d", n);
  for (int i = 0; i < n; i++) printf(" [%llu %x]", (unsigned long long)out[i].data.u64, out[i].events);
  n = epoll_wait(ep, out, 4, 0);
  printf("\nagain (q is edge-triggered): %d", n);
  for (int i = 0; i < n; i++) printf(" [%llu %x]", (unsigned long long)out[i].data.u64, out[i].events);
  CHECK(write(q[1], "c", 1) == 1);
  n = epoll_wait(ep, out, 1, 0);
  printf("\nafter another write, maxevents 1: %d [%llu]\n", n, (unsigned long long)out[0].data.u64);
  SHOW("maxevents 0", epoll_wait(ep, out, 0, 0));
  SHOW("wait on a pipe", epoll_wait(p[0], out, 1, 0));
  e.events = EPOLLIN | EPOLLONESHOT; e.data.u64 = 3;
  CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e) == 0);
  SHOW("oneshot", epoll_wait(ep, out, 4, 0));
  SHOW("then", epoll_wait(ep, out, 4, 0));
  close(p[1]);
  CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, q[0], NULL) == 0);
  e.events = EPOLLIN; e.data.u64 = 4;
  CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e) == 0);
  n = epoll_wait(ep, out, 4, 0);
  printf("writer closed: %d [%llu %x]\n", n, (unsigned long long)out[0].data.u64, out[0].events);
  close(ep); close(p[0]); close(q[0]); close(q[1]);
  OK("epoll");
}

static void counters(void) {
  RUN("eventfd-timerfd");
  int e = eventfd(3, EFD_NONBLOCK);
  uint64_t v = 0;
  SHOW("eventfd read", read(e, &v, 8));
  printf("v=%llu\n", (unsigned long long)v);
  SHOW("again", read(e, &v, 8));
  v = 5;
  SHOW("write", write(e, &v, 8));
  SHOW("short read", read(e, &v, 4));
  SHOW("short write", write(e, &v, 7));
  v = UINT64_MAX;
  SHOW("write max", write(e, &v, 8));
  v = UINT64_MAX - 1;
  SHOW("overflow write", write(e, &v, 8));
  close(e);
  e = eventfd(2, EFD_SEMAPHORE);
  SHOW("semaphore read", read(e, &v, 8));
  printf("v=%llu\n", (unsigned long long)v);
  SHOW("eventfd bad flags", eventfd(0, 0x100));
  close(e);
  int t = timerfd_create(CLOCK_MONOTONIC, 0);
  /* An interval far longer than the first expiry: a native run delayed by a loaded machine still reads one tick. */
  struct itimerspec its = { { 0, 500 * 1000 * 1000 }, { 0, 30 * 1000 * 1000 } }, cur;
  CHECK(timerfd_settime(t, 0, &its, NULL) == 0);
  CHECK(timerfd_gettime(t, &cur) == 0);
  printf("armed: interval %ld ms, value > 0: %d\n", cur.it_interval.tv_nsec / 1000000, cur.it_value.tv_nsec > 0);
  SHOW("first read", read(t, &v, 8));
  printf("ticks=%llu\n", (unsigned long long)v);
  its.it_value.tv_nsec = 0;
  CHECK(timerfd_settime(t, 0, &its, &cur) == 0);
  CHECK(timerfd_gettime(t, &cur) == 0);
  printf("disarmed: %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
  SHOW("timerfd bad clock", timerfd_create(12345, 0));
  SHOW("timerfd bad flags", timerfd_create(CLOCK_MONOTONIC, 1));
  SHOW("settime on a non-timer", timerfd_settime(0, 0, &its, NULL));
  SHOW("settime bad flags", timerfd_settime(t, 8, &its, NULL));
  its.it_value.tv_nsec = -1;
  SHOW("settime bad value", timerfd_settime(t, 0, &its, NULL));
  its.it_value.tv_nsec = 0;
  SHOW("settime bad fd", timerfd_settime(99, 0, &its, NULL));
  close(t);
  OK("eventfd-timerfd");
}

static void sigfd(void) {
  RUN("signalfd");
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigaddset(&s, SIGUSR2);
  CHECK(sigprocmask(SIG_BLOCK, &s, NULL) == 0);
  int f = signalfd(-1, &s, SFD_NONBLOCK);
  struct signalfd_siginfo si[2];
  SHOW("empty", read(f, si, sizeof si));
  kill(getpid(), SIGUSR2);
  kill(getpid(), SIGUSR1);
  struct pollfd pf = { f, POLLIN, 0 };
  SHOW("poll", poll(&pf, 1, 0));
  printf("revents %x\n", pf.revents);
  SHOW("read", read(f, si, sizeof si));
  printf("signals %u %u code %d pid ok %d\n", si[0].ssi_signo, si[1].ssi_signo, si[0].ssi_code, si[0].ssi_pid == (uint32_t)getpid());
  SHOW("short buffer", read(f, si, 100));
  SHOW("bad size", signalfd(-1, &s, 4));
  SHOW("bad flags", syscall(SYS_signalfd4, -1, &s, 8, 1));
  SHOW("not a signalfd", signalfd(0, &s, 8));
  close(f);
  CHECK(sigprocmask(SIG_UNBLOCK, &s, NULL) == 0);
  OK("signalfd");
}

static void memfds(void) {
  RUN("memfd");
  int m = memfd_create("lwp", MFD_ALLOW_SEALING);
  CHECK(m >= 0);
  SHOW("write", write(m, "hello", 5));
  SHOW("lseek", lseek(m, 1, SEEK_SET));
  char b[8] = { 0 };
  SHOW("read", read(m, b, 7));
  printf("'%s'\n", b);
  SHOW("lseek end", lseek(m, 0, SEEK_END));
  struct stat st;
  CHECK(fstat(m, &st) == 0);
  printf("size %ld regular %d mode %o\n", (long)st.st_size, S_ISREG(st.st_mode), st.st_mode & 0777);
  CHECK(ftruncate(m, 8192) == 0);
  SHOW("pread past old end", pread(m, b, 4, 6000));
  printf("b[0] %d\n", b[0]);
  SHOW("seal grow", fcntl(m, F_ADD_SEALS, F_SEAL_GROW));
  SHOW("write past end", pwrite(m, "x", 1, 9000));
  SHOW("grow", ftruncate(m, 10000));
  SHOW("shrink", ftruncate(m, 100));
  SHOW("seals", fcntl(m, F_GET_SEALS));
  SHOW("seal seal", fcntl(m, F_ADD_SEALS, F_SEAL_SEAL));
  SHOW("then add", fcntl(m, F_ADD_SEALS, F_SEAL_WRITE));
  close(m);
  m = memfd_create("plain", 0);
  SHOW("unsealable", fcntl(m, F_ADD_SEALS, F_SEAL_WRITE));
  SHOW("its seals", fcntl(m, F_GET_SEALS));
  SHOW("seals of a pipe", fcntl(0 == 1, F_GET_SEALS) + fcntl(tick_fd[0] + 1000, F_GET_SEALS));
  SHOW("bad flags", memfd_create("x", 0x100));
  char name[300];
  memset(name, 'a', sizeof name - 1);
  name[sizeof name - 1] = 0;
  SHOW("long name", memfd_create(name, 0));
  close(m);
  OK("memfd");
}

#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x20
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 8
#endif

/* One memfd inode behind every open file of it: a reopen through /proc/self/fd,
 * SCM_RIGHTS (kept while in flight after the sender closed it), and the exec seals. */
static void memfd_inode(void) {
  RUN("memfd-inode");
  int m = memfd_create("x", MFD_ALLOW_SEALING);
  CHECK(m >= 0 && write(m, "hello", 5) == 5);
  SHOW("seal exec", fcntl(m, F_ADD_SEALS, F_SEAL_EXEC));
  SHOW("seals it implies", fcntl(m, F_GET_SEALS));
  SHOW("write after", write(m, "x", 1));
  close(m);
  m = memfd_create("y", MFD_NOEXEC_SEAL);
  struct stat st;
  CHECK(fstat(m, &st) == 0);
  printf("noexec: mode %o seals %d\n", st.st_mode & 07777, fcntl(m, F_GET_SEALS));
  SHOW("noexec then seal write", fcntl(m, F_ADD_SEALS, F_SEAL_WRITE));
  close(m);
  m = memfd_create("z", MFD_ALLOW_SEALING);
  CHECK(m >= 0 && write(m, "hello", 5) == 5);
  char path[64], b[8] = { 0 };
  snprintf(path, sizeof path, "/proc/self/fd/%d", m);
  int r = open(path, O_RDONLY);
  SHOW("reopen read", read(r, b, 5));
  printf("'%s'\n", b);
  SHOW("first file's position", lseek(m, 0, SEEK_CUR));
  SHOW("seal through a read-only file", fcntl(r, F_ADD_SEALS, F_SEAL_GROW));
  SHOW("seal grow", fcntl(m, F_ADD_SEALS, F_SEAL_GROW));
  SHOW("seals seen through the other file", fcntl(r, F_GET_SEALS));
  int w = open(path, O_RDWR | O_TRUNC);
  SHOW("reopen with O_TRUNC", w >= 0);
  CHECK(fstat(m, &st) == 0);
  printf("size after O_TRUNC %ld\n", (long)st.st_size);
  close(w); close(r); close(m);
  int p[2];
  CHECK(pipe(p) == 0);
  SHOW("seal a pipe's read end", fcntl(p[0], F_ADD_SEALS, F_SEAL_GROW));
  SHOW("seal a pipe's write end", fcntl(p[1], F_ADD_SEALS, F_SEAL_GROW));
  close(p[0]); close(p[1]);
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  int x = memfd_create("flying", 0);
  CHECK(x >= 0 && write(x, "flying", 6) == 6);
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } cb;
  memset(&cb, 0, sizeof cb);
  char one = 'z';
  struct iovec io = { &one, 1 };
  struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cb.buf, .msg_controllen = sizeof cb.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &x, sizeof x);
  SHOW("sendmsg", sendmsg(sv[0], &mh, 0));
  close(x);
  void *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(a != MAP_FAILED && munmap(a, 4096) == 0); /* the kernel drops what nothing holds */
  SHOW("recvmsg", recvmsg(sv[1], &mh, 0));
  int y;
  memcpy(&y, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof y);
  memset(b, 0, sizeof b);
  SHOW("pread of the memfd received", pread(y, b, 6, 0));
  printf("'%s'\n", b);
  close(y); close(sv[0]); close(sv[1]);
  OK("memfd-inode");
}

static void *blocked_reader(void *arg) {
  char c;
  ssize_t n = read(tick_fd[0], &c, 1);
  printf("reader woke with %zd\n", n);
  return arg;
}

static void others_run(void) {
  RUN("others-run");
  CHECK(pipe(tick_fd) == 0);
  pthread_t th;
  CHECK(pthread_create(&th, NULL, blocked_reader, NULL) == 0);
  for (int i = 0; i < 3; i++) {
    struct timespec d = { 0, 5 * 1000 * 1000 };
    nanosleep(&d, NULL);
    printf("tick %d\n", i);
  }
  CHECK(write(tick_fd[1], "x", 1) == 1);
  pthread_join(th, NULL);
  OK("others-run");
}

/* Two guest processes meet through a FIFO; the open, read and write waits are Linux's. */
static void fifos(void) {
  RUN("fifo");
  char dir[] = "/tmp/lwp-fifo-XXXXXX", path[80];
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/f", dir);
  SHOW("mkfifo", mkfifo(path, 0600));
  SHOW("mkfifo again", mkfifo(path, 0600));
  struct stat st;
  CHECK(stat(path, &st) == 0);
  printf("S_ISFIFO %d mode %o\n", S_ISFIFO(st.st_mode), st.st_mode & 0777);
  SHOW("non-blocking writer, no reader", open(path, O_WRONLY | O_NONBLOCK));
  int r = open(path, O_RDONLY | O_NONBLOCK);
  char c;
  SHOW("non-blocking reader reads", read(r, &c, 1));
  close(r);
  pid_t pid = fork();
  if (pid == 0) {
    int w = open(path, O_WRONLY);
    SHOW("child wrote", write(w, big, 200000));
    close(w);
    _exit(0);
  }
  int rd = open(path, O_RDONLY);
  long total = 0;
  ssize_t n;
  char b[5000];
  while ((n = read(rd, b, sizeof b)) > 0) total += n;
  printf("parent read %ld, then %zd\n", total, n);
  int ws;
  CHECK(waitpid(pid, &ws, 0) == pid);
  close(rd);
  int rw = open(path, O_RDWR);
  SHOW("O_RDWR does not wait", rw >= 0);
  close(rw);
  SHOW("mknod regular", mknod(strcat(path, "r"), S_IFREG | 0600, 0));
  SHOW("mknod bad type", mknod(path, 0170000 | 0600, 0));
  unlink(path);
  path[strlen(path) - 1] = 0;
  unlink(path);
  rmdir(dir);
  OK("fifo");
}

int main(void) {
  abi_init();
  pipe_size();
  polls();
  epolls();
  counters();
  sigfd();
  memfds();
  memfd_inode();
  others_run();
  fifos();
  DONE();
}
