/* SPDX-License-Identifier: MIT */
/* Files and system information: modes, owners, times (utimensat's UTIME_NOW/OMIT),
 * links, statfs, fchdir, posix_fadvise's argument checks (mm/fadvise.c), what sysinfo,
 * getrusage and times promise on any machine, sockets that are not sockets.
 * Q-SYSINFO (quirks.c) pins lwp's own figures. Works in a fresh directory under /tmp. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <unistd.h>
#include <utime.h>

/* The raw call: posix_fadvise returns the error instead of setting errno. */
static long fadvise(int fd, long off, long len, int advice) {
  long r = syscall(SYS_fadvise64, fd, off, len, advice);
  return r < 0 ? -errno : r;
}

static void test_fadvise(void) {
  RUN("fadvise");
  int fd = open("/proc/self/exe", O_RDONLY);
  CHECK(fd >= 0);
  for (int advice = POSIX_FADV_NORMAL; advice <= POSIX_FADV_NOREUSE; advice++) CHECK(fadvise(fd, 0, 0, advice) == 0);
  CHECK(fadvise(fd, 4096, 1 << 20, POSIX_FADV_SEQUENTIAL) == 0);
  CHECK(fadvise(fd, 0, 0, 6) == -EINVAL);
  CHECK(fadvise(fd, 0, -1, POSIX_FADV_NORMAL) == -EINVAL);
  CHECK(fadvise(1000, 0, 0, POSIX_FADV_NORMAL) == -EBADF);
  int p[2];
  CHECK(pipe(p) == 0);
  CHECK(fadvise(p[0], 0, 0, POSIX_FADV_NORMAL) == -ESPIPE);
  CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED) == 0);
  close(p[0]);
  close(p[1]);
  close(fd);
  OK("fadvise");
}

static void test_sysinfo(void) {
  RUN("sysinfo");
  struct sysinfo a, b;
  CHECK(sysinfo(&a) == 0 && a.mem_unit >= 1 && a.totalram > 0);
  CHECK(a.freeram <= a.totalram && a.procs >= 1);
  static char big[8 << 20];
  for (unsigned i = 0; i < sizeof big; i += 4096) big[i] = 1;
  CHECK(sysinfo(&b) == 0 && b.totalram == a.totalram && b.uptime >= a.uptime);
  CHECK(syscall(SYS_sysinfo, (void *)16) == -1 && errno == EFAULT);
  OK("sysinfo");
}

static mode_t mode_of(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0 ? st.st_mode : 0;
}

static void test_modes_owners(void) {
  RUN("modes-owners");
  int fd = creat("f", 0600);
  CHECK(fd >= 0 && (mode_of("f") & 07777) == 0600 && S_ISREG(mode_of("f")));
  CHECK(write(fd, "hello", 5) == 5);
  CHECK(fchmod(fd, 0640) == 0 && (mode_of("f") & 07777) == 0640);
  CHECK(chmod("f", 04755) == 0 && (mode_of("f") & 07777) == 04755);
  CHECK(fchmodat(AT_FDCWD, "f", 0644, 0) == 0 && (mode_of("f") & 07777) == 0644);
  CHECK(chmod("missing", 0644) == -1 && errno == ENOENT);
  CHECK(fchmod(1000, 0644) == -1 && errno == EBADF);
  struct stat st;
  CHECK(stat("f", &st) == 0 && chown("f", st.st_uid, st.st_gid) == 0);
  CHECK(fchown(fd, (uid_t)-1, (gid_t)-1) == 0 && fchownat(AT_FDCWD, "f", (uid_t)-1, st.st_gid, AT_SYMLINK_NOFOLLOW) == 0);
  CHECK(fchownat(AT_FDCWD, "f", (uid_t)-1, (gid_t)-1, 0x4000) == -1 && errno == EINVAL);
  close(fd);
  OK("modes-owners");
}

static void test_links(void) {
  RUN("links");
  char buf[64];
  CHECK(symlink("f", "s") == 0 && S_ISLNK(mode_of("s")));
  CHECK(readlink("s", buf, sizeof buf) == 1 && buf[0] == 'f');
  CHECK(symlinkat("missing-target", AT_FDCWD, "dangling") == 0 && S_ISLNK(mode_of("dangling")));
  CHECK(symlink("f", "s") == -1 && errno == EEXIST);
  CHECK(lchown("s", (uid_t)-1, (gid_t)-1) == 0);
  CHECK(link("f", "h") == 0);
  struct stat st;
  CHECK(stat("f", &st) == 0 && st.st_nlink == 2);
  CHECK(linkat(AT_FDCWD, "s", AT_FDCWD, "hs", 0) == 0 && S_ISLNK(mode_of("hs")));
  CHECK(linkat(AT_FDCWD, "s", AT_FDCWD, "hf", AT_SYMLINK_FOLLOW) == 0 && S_ISREG(mode_of("hf")));
  CHECK(stat("f", &st) == 0 && st.st_nlink == 3);
  CHECK(link("missing", "x") == -1 && errno == ENOENT);
  OK("links");
}

static void test_times(void) {
  RUN("times");
  struct stat st;
  struct timespec ts[2] = { { 1000000000, 0 }, { 1200000000, 500000000 } };
  CHECK(utimensat(AT_FDCWD, "f", ts, 0) == 0 && stat("f", &st) == 0);
  CHECK(st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec == 1200000000);
  struct timespec omit[2] = { { 0, UTIME_OMIT }, { 1300000000, 0 } };
  CHECK(utimensat(AT_FDCWD, "f", omit, 0) == 0 && stat("f", &st) == 0);
  CHECK(st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec == 1300000000);
  struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
  CHECK(utimensat(AT_FDCWD, "f", bad, 0) == -1 && errno == EINVAL);
  CHECK(utimensat(AT_FDCWD, "f", NULL, 0x8000) == -1 && errno == EINVAL);
  struct timeval tv[2] = { { 1100000000, 0 }, { 1100000001, 0 } };
  CHECK(utimes("f", tv) == 0 && stat("f", &st) == 0 && st.st_mtim.tv_sec == 1100000001);
  struct utimbuf ub = { 1400000000, 1400000002 };
  CHECK(utime("f", &ub) == 0 && stat("f", &st) == 0 && st.st_mtime == 1400000002 && st.st_atime == 1400000000);
  int fd = open("f", O_RDONLY);
  CHECK(futimens(fd, ts) == 0 && fstat(fd, &st) == 0 && st.st_mtim.tv_sec == 1200000000);
  close(fd);
  CHECK(utimensat(AT_FDCWD, "s", omit, AT_SYMLINK_NOFOLLOW) == 0 && lstat("s", &st) == 0 && st.st_mtim.tv_sec == 1300000000);
  CHECK(stat("f", &st) == 0 && st.st_mtim.tv_sec == 1200000000); /* the target kept its time */
  CHECK(utimensat(AT_FDCWD, "missing", NULL, 0) == -1 && errno == ENOENT);
  CHECK(utimensat(AT_FDCWD, "f", NULL, 0) == 0); /* now, on whatever clock the system has */
  OK("times");
}

static void test_statfs_fchdir(void) {
  RUN("statfs-fchdir");
  struct statfs a, b;
  CHECK(statfs(".", &a) == 0 && a.f_bsize > 0 && a.f_blocks >= a.f_bfree && a.f_bfree >= a.f_bavail);
  int dir = open(".", O_RDONLY | O_DIRECTORY);
  CHECK(dir >= 0 && fstatfs(dir, &b) == 0 && b.f_type == a.f_type && b.f_bsize == a.f_bsize);
  int p[2];
  CHECK(pipe(p) == 0 && fstatfs(p[0], &b) == 0 && b.f_type == 0x50495045);
  CHECK(statfs("missing", &a) == -1 && errno == ENOENT);
  char here[PATH_MAX], there[PATH_MAX];
  CHECK(getcwd(here, sizeof here) != NULL && mkdir("sub", 0755) == 0);
  int sub = open("sub", O_RDONLY | O_DIRECTORY);
  CHECK(fchdir(sub) == 0 && getcwd(there, sizeof there) != NULL && strcmp(there + strlen(here), "/sub") == 0);
  CHECK(fchdir(dir) == 0 && getcwd(there, sizeof there) != NULL && strcmp(there, here) == 0);
  CHECK(fchdir(p[0]) == -1 && errno == ENOTDIR);
  CHECK(fchdir(1000) == -1 && errno == EBADF);
  close(sub);
  close(dir);
  close(p[0]);
  close(p[1]);
  OK("statfs-fchdir");
}

static void test_usage_sockets(void) {
  RUN("usage-sockets");
  struct rusage ru;
  CHECK(getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_utime.tv_usec < 1000000);
  CHECK(getrusage(RUSAGE_THREAD, &ru) == 0 && getrusage(RUSAGE_CHILDREN, &ru) == 0);
  CHECK(getrusage(7, &ru) == -1 && errno == EINVAL);
  struct tms t;
  CHECK(times(&t) != (clock_t)-1);
  struct sockaddr sa;
  socklen_t len = sizeof sa;
  int fd = open("f", O_RDONLY); /* not stdin: a test runner's pipes may be sockets */
  CHECK(getpeername(fd, &sa, &len) == -1 && errno == ENOTSOCK);
  close(fd);
  CHECK(getsockname(1000, &sa, &len) == -1 && errno == EBADF);
  OK("usage-sockets");
}

static void cleanup(void) {
  const char *names[] = { "f", "s", "dangling", "h", "hs", "hf" };
  for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) CHECK(unlink(names[i]) == 0);
  CHECK(rmdir("sub") == 0);
}

int main(void) {
  abi_init();
  char dir[] = "/tmp/lwp-abi-files-XXXXXX";
  if (mkdtemp(dir) == NULL || chdir(dir) != 0) { printf("[FAIL] no temporary directory\n"); return 1; }
  test_fadvise();
  test_sysinfo();
  test_modes_owners();
  test_links();
  test_times();
  test_statfs_fchdir();
  test_usage_sockets();
  cleanup();
  CHECK(chdir("/") == 0 && rmdir(dir) == 0);
  DONE();
}
