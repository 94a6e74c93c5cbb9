/* SPDX-License-Identifier: MIT */
/* Files and system information: posix_fadvise's argument checks (mm/fadvise.c) and
 * what sysinfo promises on any machine. Q-SYSINFO (quirks.c) pins lwp's figures. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

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

int main(void) {
  abi_init();
  test_fadvise();
  test_sysinfo();
  DONE();
}
