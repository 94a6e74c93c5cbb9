/* SPDX-License-Identifier: MIT */
/* File locks between processes (fs/locks.c): fcntl record locks owned by the
 * process (F_GETLK's answers, ranges split and merged, released by any close
 * of the file and by exit, F_SETLKW waiting and interrupted), open-file-
 * description locks (F_OFD_*), flock(2) locks owned by the open file and
 * inherited across fork. Prints what each call answers; works under /tmp. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char path[64];

static int setlk(int fd, int cmd, short type, short whence, long start, long len) {
  struct flock l = { .l_type = type, .l_whence = whence, .l_start = start, .l_len = len };
  return fcntl(fd, cmd, &l) == 0 ? 0 : -errno;
}

/* F_GETLK on [start, start+len): prints the answer as "type start len pid-is-owner". */
static void getlk(const char *what, int fd, int cmd, short type, long start, long len, pid_t owner) {
  struct flock l = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len, .l_pid = 0 };
  int r = fcntl(fd, cmd, &l) == 0 ? 0 : -errno;
  printf("%s: r=%d type=%d whence=%d start=%ld len=%ld pid=%s\n", what, r, l.l_type, l.l_whence, (long)l.l_start,
         (long)l.l_len, l.l_pid == owner ? "owner" : l.l_pid == -1 ? "-1" : l.l_pid == 0 ? "0" : "other");
}

/* Runs fn in a child process with a fresh descriptor of the file; returns its exit status. */
static int in_child(int (*fn)(int)) {
  pid_t c = fork();
  if (c == 0) _exit(fn(open(path, O_RDWR)));
  int st;
  CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st));
  return WEXITSTATUS(st);
}

static pid_t parent;
static int child_probe(int fd) {
  getlk("child sees", fd, F_GETLK, F_WRLCK, 0, 0, parent);
  getlk("child sees 5..6", fd, F_GETLK, F_RDLCK, 5, 2, parent);
  getlk("child sees 50..", fd, F_GETLK, F_WRLCK, 50, 0, parent);
  printf("child setlk wr 0..10: %d\n", setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
  printf("child setlk rd 0..10: %d\n", setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 10));
  printf("child setlk wr 20..30: %d\n", setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 20, 10));
  return 0;
}

static void test_posix(int fd) {
  RUN("posix");
  getlk("nothing locked", fd, F_GETLK, F_WRLCK, 3, 4, parent);
  CHECK(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 10) == 0);
  CHECK(in_child(child_probe) == 0);
  CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10) == 0); /* converts its own lock */
  getlk("own lock is no conflict", fd, F_GETLK, F_WRLCK, 0, 10, parent);
  CHECK(in_child(child_probe) == 0);
  CHECK(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 4, 2) == 0); /* splits 0..9 into 0..3 and 6..9 */
  CHECK(in_child(child_probe) == 0);
  CHECK(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0);
  CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 30, -10) == 0); /* 20..29 */
  CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_END, 100, 0) == 0);  /* from size+100 on */
  CHECK(in_child(child_probe) == 0);
  CHECK(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0);
  OK("posix");
}

static void test_args(int fd) {
  RUN("args");
  int wr = open(path, O_WRONLY), rd = open(path, O_RDONLY);
  printf("rdlck on O_WRONLY: %d\n", setlk(wr, F_SETLK, F_RDLCK, SEEK_SET, 0, 1));
  printf("wrlck on O_RDONLY: %d\n", setlk(rd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1));
  printf("unlck on O_RDONLY: %d\n", setlk(rd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1));
  printf("bad type: %d\n", setlk(fd, F_SETLK, 7, SEEK_SET, 0, 1));
  printf("bad whence: %d\n", setlk(fd, F_SETLK, F_RDLCK, 5, 0, 1));
  printf("negative start: %d\n", setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, -1, 1));
  printf("negative range below 0: %d\n", setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 2, -5));
  struct flock l = { .l_type = F_UNLCK, .l_whence = SEEK_SET };
  printf("getlk F_UNLCK: %d\n", fcntl(fd, F_GETLK, &l) == 0 ? 0 : -errno);
  printf("getlk bad pointer: %d\n", fcntl(fd, F_GETLK, (void *)8) == 0 ? 0 : -errno);
  printf("setlk bad pointer: %d\n", fcntl(fd, F_SETLK, (void *)8) == 0 ? 0 : -errno);
  printf("bad fd: %d\n", setlk(99, F_SETLK, F_RDLCK, SEEK_SET, 0, 1));
  struct flock o = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_pid = 1 };
  printf("ofd with l_pid: %d\n", fcntl(fd, F_OFD_SETLK, &o) == 0 ? 0 : -errno);
  printf("flock bad op: %d\n", flock(fd, 3) == 0 ? 0 : -errno);
  printf("flock bad fd: %d\n", flock(99, LOCK_SH) == 0 ? 0 : -errno);
  close(wr);
  close(rd);
  OK("args");
}

static int child_try(int fd) {
  return setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0) == 0 ? 0 : 1;
}

static void test_release(int fd) {
  RUN("release");
  CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0) == 0);
  int other = open(path, O_RDONLY);
  printf("child while held: %d\n", in_child(child_try));
  close(other); /* any close of the file drops the process's locks */
  printf("child after closing another fd: %d\n", in_child(child_try));
  CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0) == 0);
  other = open(path, O_RDONLY);
  int null = open("/dev/null", O_RDONLY);
  CHECK(dup2(null, other) == other); /* closes the file at `other`: the same */
  printf("child after dup2 over another fd: %d\n", in_child(child_try));
  close(null);
  close(other);
  pid_t c = fork();
  if (c == 0) {
    int f = open(path, O_RDWR);
    _exit(setlk(f, F_SETLK, F_WRLCK, SEEK_SET, 0, 0) == 0 ? 0 : 1);
  }
  int st;
  CHECK(waitpid(c, &st, 0) == c);
  printf("after the child exited: %d\n", setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0));
  c = fork();
  if (c == 0) _exit(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0) == 0 ? 0 : 1); /* not inherited */
  CHECK(waitpid(c, &st, 0) == c);
  printf("child with the inherited fd: %d\n", WEXITSTATUS(st));
  CHECK(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0);
  OK("release");
}

static void pause_ms(int ms) {
  struct timespec ts = { 0, ms * 1000000L };
  nanosleep(&ts, NULL);
}

static void on_alarm(int sig) { (void)sig; }

static void test_wait(int fd) {
  RUN("wait");
  int p[2];
  CHECK(pipe(p) == 0);
  CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0) == 0);
  pid_t c = fork();
  if (c == 0) {
    int f = open(path, O_RDWR);
    if (write(p[1], "r", 1) != 1) _exit(2);
    int r = setlk(f, F_SETLKW, F_WRLCK, SEEK_SET, 0, 0);
    printf("child setlkw: %d\n", r);
    _exit(0);
  }
  char b;
  CHECK(read(p[0], &b, 1) == 1);
  pause_ms(50);
  printf("parent unlocks\n");
  CHECK(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0);
  int st;
  CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  /* A signal without SA_RESTART interrupts the wait: EINTR. */
  CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0) == 0);
  c = fork();
  if (c == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    int f = open(path, O_RDWR);
    alarm(1);
    printf("child setlkw interrupted: %d\n", setlk(f, F_SETLKW, F_WRLCK, SEEK_SET, 0, 0));
    alarm(1);
    printf("child flock interrupted: %d\n", flock(f, LOCK_EX) == 0 ? 0 : -errno);
    _exit(0);
  }
  CHECK(flock(fd, LOCK_EX) == 0);
  CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  CHECK(flock(fd, LOCK_UN) == 0);
  CHECK(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0);
  close(p[0]);
  close(p[1]);
  OK("wait");
}

static void test_ofd(int fd) {
  RUN("ofd");
  int a = open(path, O_RDWR), b = open(path, O_RDWR);
  printf("ofd a wr: %d\n", setlk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10));
  printf("ofd b wr: %d\n", setlk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 10));
  printf("ofd b wr after: %d\n", setlk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 10, 10));
  getlk("ofd b sees", b, F_OFD_GETLK, F_RDLCK, 0, 0, parent);
  getlk("posix sees ofd", fd, F_GETLK, F_RDLCK, 0, 0, parent);
  printf("posix wr over ofd: %d\n", setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1));
  int d = dup(a);
  close(a); /* the description stays open through d */
  printf("ofd b after closing a (dup open): %d\n", setlk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1));
  close(d);
  printf("ofd b after closing the last: %d\n", setlk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1));
  close(b);
  OK("ofd");
}

static int child_flock(int fd) {
  int r = flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : errno == EWOULDBLOCK ? 1 : 2;
  int s = flock(fd, LOCK_SH | LOCK_NB) == 0 ? 0 : errno == EWOULDBLOCK ? 1 : 2;
  return r * 3 + s;
}

static void test_flock(int fd) {
  RUN("flock");
  int a = open(path, O_RDWR);
  printf("flock sh: %d\n", flock(fd, LOCK_SH));
  printf("other sh: %d\n", flock(a, LOCK_SH | LOCK_NB) == 0 ? 0 : -errno);
  printf("other ex: %d\n", flock(a, LOCK_EX | LOCK_NB) == 0 ? 0 : -errno);
  printf("child: %d\n", in_child(child_flock));
  printf("posix over flock: %d\n", setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0));
  CHECK(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0);
  printf("upgrade: %d\n", flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : -errno);
  printf("child: %d\n", in_child(child_flock));
  pid_t c = fork();
  if (c == 0) _exit(flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1); /* the same description */
  int st;
  CHECK(waitpid(c, &st, 0) == c);
  printf("child with the inherited fd: %d\n", WEXITSTATUS(st));
  printf("unlock: %d\n", flock(fd, LOCK_UN));
  printf("other ex now: %d\n", flock(a, LOCK_EX | LOCK_NB) == 0 ? 0 : -errno);
  close(a);
  printf("after closing its holder: %d\n", flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : -errno);
  CHECK(flock(fd, LOCK_UN) == 0);
  OK("flock");
}

int main(void) {
  abi_init();
  char dir[] = "/tmp/lwp-locks-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/f", dir);
  int fd = open(path, O_RDWR | O_CREAT, 0644);
  CHECK(fd >= 0 && write(fd, "0123456789abcdef", 16) == 16);
  parent = getpid();
  test_posix(fd);
  test_args(fd);
  test_release(fd);
  test_wait(fd);
  test_ofd(fd);
  test_flock(fd);
  close(fd);
  unlink(path);
  rmdir(dir);
  DONE();
}
