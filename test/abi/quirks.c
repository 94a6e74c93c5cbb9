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
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#define FIGETBSZ _IO(0x00, 2) /* linux/fs.h, which musl-gcc does not see */
#include <sys/socket.h>
#include <sys/un.h>

/* Q-RLIMIT, Q-PROCFS, Q-CWD-PATH, Q-MADVISE (docs/quirks.md). */
static void confinement_quirks(void) {
  char dir[] = "/tmp/lwp-quirks2-XXXXXX", path[96], cwd[256];
  CHECK(mkdtemp(dir) != NULL);
  RUN("Q-RLIMIT");
  snprintf(path, sizeof path, "%s/f", dir);
  int fd = open(path, O_WRONLY | O_CREAT, 0600);
  struct rlimit old, one = { 1, 1 };
  signal(SIGXFSZ, SIG_IGN);
  CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0 && setrlimit(RLIMIT_FSIZE, &one) == 0);
  CHECK(write(fd, "ab", 2) == 2); /* Linux: 1, then EFBIG (SIGXFSZ) */
  CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
  signal(SIGXFSZ, SIG_DFL);
  close(fd);
  unlink(path);
  OK("Q-RLIMIT");
  RUN("Q-PROCFS");
  CHECK(chmod("/proc/self/status", 0444) == -1 && errno == EPERM); /* Linux: 0 for root */
  CHECK(open("/proc/mounts", O_RDONLY) == -1 && errno == ENOENT); /* Linux: a link to self/mounts */
  OK("Q-PROCFS");
  RUN("Q-CWD-PATH");
  char a[96], b[96];
  snprintf(a, sizeof a, "%s/a", dir);
  snprintf(b, sizeof b, "%s/b", dir);
  CHECK(mkdir(a, 0700) == 0 && chdir(a) == 0 && rename(a, b) == 0);
  CHECK(getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, a) == 0); /* Linux: b */
  CHECK(chdir("/") == 0 && rmdir(b) == 0);
  OK("Q-CWD-PATH");
  RUN("Q-MADVISE");
  volatile char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  p[0] = 1;
  CHECK(madvise((void *)p, 4096, MADV_WIPEONFORK) == 0);
  pid_t c = fork();
  if (c == 0) _exit(p[0]);
  int st;
  CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 1); /* Linux: 0, the child's copy is wiped */
  OK("Q-MADVISE");
  rmdir(dir);
}

static void on_alarm(int sig) { (void)sig; }

/* Q-FLOCK: two processes each waiting for the other's lock. */
static void lock_quirks(void) {
  RUN("Q-FLOCK");
  char path[] = "/tmp/lwp-quirks-lock-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  struct flock first = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
  struct flock second = first;
  second.l_start = 1;
  int ready[2];
  CHECK(pipe(ready) == 0);
  pid_t holder = fork();
  if (holder == 0) {
    if (fcntl(fd, F_SETLK, &second) != 0 || write(ready[1], "x", 1) != 1) _exit(1);
    _exit(fcntl(fd, F_SETLKW, &first) == 0 ? 0 : 2); /* waits for the parent */
  }
  char b;
  CHECK(fcntl(fd, F_SETLK, &first) == 0 && read(ready[0], &b, 1) == 1);
  struct timespec ts = { 0, 50000000 };
  nanosleep(&ts, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  alarm(1);
  CHECK(fcntl(fd, F_SETLKW, &second) == -1 && errno == EINTR); /* Linux: EDEADLK at once */
  alarm(0);
  close(fd); /* lets the holder have its lock */
  int st;
  CHECK(waitpid(holder, &st, 0) == holder && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  unlink(path);
  close(ready[0]);
  close(ready[1]);
  OK("Q-FLOCK");
}

/* Q-DESC-TABLES, Q-MINCORE (docs/quirks.md). */
static void cpu_quirks(void) {
  RUN("Q-DESC-TABLES");
  unsigned char g[10], i[10];
  __asm__ volatile("sgdt %0; sidt %1" : "=m"(g), "=m"(i));
  unsigned long gbase, ibase;
  memcpy(&gbase, g + 2, 8);
  memcpy(&ibase, i + 2, 8);
  CHECK(gbase == 0xfffffe0000001000UL && (g[0] | g[1] << 8) == 0x7f); /* Linux: the host kernel's GDT */
  CHECK(ibase == 0xfffffe0000000000UL && (i[0] | i[1] << 8) == 0xfff);
  OK("Q-DESC-TABLES");
  RUN("Q-MINCORE");
  unsigned char vec = 9;
  void *fresh = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(mincore(fresh, 4096, &vec) == 0 && vec == 1); /* Linux: 0, never touched */
  munmap(fresh, 4096);
  OK("Q-MINCORE");
}

/* Q-IOCTL, Q-MKNOD, Q-SOCKET, Q-UMASK, Q-XATTR, Q-CRED-HOST (docs/quirks.md). */
static void file_quirks(void) {
  char dir[] = "/tmp/lwp-quirks-XXXXXX", path[64], buf[8];
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/f", dir);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  CHECK(fd >= 0 && write(fd, "aaaa", 4) == 4);
  RUN("Q-IOCTL");
  int n = -1;
  CHECK(ioctl(fd, FIGETBSZ, &n) == -1 && errno == ENOTTY); /* Linux: 0, n = the block size */
  OK("Q-IOCTL");
  RUN("Q-MKNOD");
  CHECK(mknod("/tmp/lwp-quirks-chr", S_IFCHR | 0600, 0x0103) == -1 && errno == EPERM); /* Linux as root: 0 */
  OK("Q-MKNOD");
  RUN("Q-SOCKET");
  CHECK(socket(AF_NETLINK, SOCK_RAW, 0) == -1 && errno == EAFNOSUPPORT); /* Linux: a netlink socket */
  struct sockaddr_un su = { .sun_family = AF_UNIX, .sun_path = "/tmp/lwp-quirks.sock" };
  unlink(su.sun_path);
  int us = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(bind(us, (struct sockaddr *)&su, sizeof su) == 0 && close(us) == 0);
  CHECK(access(su.sun_path, F_OK) == -1 && errno == ENOENT); /* Linux: the path stays */
  OK("Q-SOCKET");
  RUN("Q-UMASK");
  CHECK(umask(077) == 022 && umask(0) == 022);
  OK("Q-UMASK");
  RUN("Q-XATTR");
  CHECK(getxattr(path, "user.lwp", buf, sizeof buf) == -1 && errno == ENODATA);
  CHECK(listxattr(path, buf, sizeof buf) == 0);
  CHECK(setxattr(path, "user.lwp", "v", 1, 0) == -1 && errno == EOPNOTSUPP); /* Linux (ext4, tmpfs): 0 */
  CHECK(getxattr(path, "", buf, sizeof buf) == -1 && errno == ERANGE);
  CHECK(getxattr("/nonexistent-lwp", "user.lwp", buf, sizeof buf) == -1 && errno == ENOENT);
  OK("Q-XATTR");
  RUN("Q-CRED-HOST");
  pid_t dropper = fork();
  if (dropper == 0) {
    char other[80];
    snprintf(other, sizeof other, "%s/g", dir);
    if (setresuid(1000, 1000, 1000) != 0 || geteuid() != 1000) _exit(1);
    int g = open(other, O_WRONLY | O_CREAT, 0600); /* Linux: EACCES in root's 0700 directory */
    _exit(g >= 0 ? 0 : 2);
  }
  int st;
  CHECK(waitpid(dropper, &st, 0) == dropper && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  char other[80];
  snprintf(other, sizeof other, "%s/g", dir);
  unlink(other);
  OK("Q-CRED-HOST");
  close(fd);
  unlink(path);
  rmdir(dir);
}

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
  RUN("Q-PIPE-MAX-SIZE");
  int fd[2];
  CHECK(pipe(fd) == 0 && geteuid() == 0);
  CHECK(fcntl(fd[0], F_SETPIPE_SZ, 1 << 20) == 1 << 20);
  CHECK(fcntl(fd[0], F_SETPIPE_SZ, (1 << 20) + 1) == -1 && errno == EPERM);
  CHECK(fcntl(fd[0], F_GETPIPE_SZ) == 1 << 20);
  OK("Q-PIPE-MAX-SIZE");
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
  CHECK(sysinfo(&inf) == 0 && inf.mem_unit == 1 && inf.totalram == 2ul << 30 && inf.loads[0] == 0 && inf.totalswap == 0);
  CHECK(inf.freeram < inf.totalram && inf.freeram > inf.totalram - (64ul << 20)); /* this process maps less than 64 MiB */
  OK("Q-SYSINFO");
  file_quirks();
  confinement_quirks();
  lock_quirks();
  cpu_quirks();
  DONE();
}
