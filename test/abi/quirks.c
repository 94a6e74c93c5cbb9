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
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>

static void on_usr1(int sig) { (void)sig; }

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

/* Q-POLL, Q-IOCTL, Q-FLOCK, Q-UMASK, Q-XATTR, Q-CRED-HOST (docs/quirks.md). */
static void file_quirks(void) {
  char dir[] = "/tmp/lwp-quirks-XXXXXX", path[64], buf[8];
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/f", dir);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  CHECK(fd >= 0 && write(fd, "aaaa", 4) == 4);
  RUN("Q-FLOCK");
  int ready[2];
  CHECK(pipe(ready) == 0);
  pid_t holder = fork();
  if (holder == 0) {
    struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    if (fcntl(fd, F_SETLK, &l) != 0) _exit(1);
    if (write(ready[1], "x", 1) != 1) _exit(1);
    sleep(1);
    _exit(0);
  }
  CHECK(read(ready[0], buf, 1) == 1);
  struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
  CHECK(fcntl(fd, F_SETLK, &l) == 0); /* Linux: -1 EAGAIN, the child holds it */
  int st;
  CHECK(waitpid(holder, &st, 0) == holder && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  OK("Q-FLOCK");
  RUN("Q-IOCTL");
  int n = -1;
  CHECK(write(ready[1], "abc", 3) == 3 && ioctl(ready[0], FIONREAD, &n) == -1 && errno == ENOTTY); /* Linux: n = 3 */
  OK("Q-IOCTL");
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
  CHECK(waitpid(dropper, &st, 0) == dropper && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  char other[80];
  snprintf(other, sizeof other, "%s/g", dir);
  unlink(other);
  OK("Q-CRED-HOST");
  RUN("Q-POLL");
  sigset_t usr1, none;
  sigemptyset(&usr1);
  sigemptyset(&none);
  sigaddset(&usr1, SIGUSR1);
  signal(SIGUSR1, on_usr1);
  CHECK(sigprocmask(SIG_BLOCK, &usr1, NULL) == 0);
  raise(SIGUSR1);
  struct timespec ts = { 0, 1000000 };
  CHECK(ppoll(NULL, 0, &ts, &none) == 0); /* Linux: -1 EINTR, the mask unblocks SIGUSR1 */
  CHECK(sigprocmask(SIG_UNBLOCK, &usr1, NULL) == 0);
  signal(SIGUSR1, SIG_DFL);
  OK("Q-POLL");
  close(fd);
  close(ready[0]);
  close(ready[1]);
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
  DONE();
}
