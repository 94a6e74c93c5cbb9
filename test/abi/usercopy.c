/* SPDX-License-Identifier: MIT */
/* Copies between the kernel and user memory (include/linux/uaccess.h rules):
 * short reads and writes on a buffer whose end is unmapped, EFAULT for a struct
 * or string that cannot be copied, ENAMETOOLONG past PATH_MAX, iovec checks. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096
/* Prints what a call returned and, when it failed, its errno (evaluated after the call). */
#define SHOW(what, call) do { errno = 0; long r_ = (long)(call); printf("%s: %ld errno %d\n", what, r_, r_ < 0 ? errno : 0); } while (0)

int main(void) {
  abi_init();
  /* Two pages, the second one inaccessible. */
  char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(m != MAP_FAILED && mprotect(m + PAGE, PAGE, PROT_NONE) == 0);
  char path[] = "/tmp/lwp-usercopy-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  static char data[3000];
  memset(data, 'd', sizeof data);
  CHECK(write(fd, data, sizeof data) == (ssize_t)sizeof data);

  RUN("short-read");
  CHECK(lseek(fd, 0, SEEK_SET) == 0);
  SHOW("read across the end", read(fd, m + PAGE - 100, 1000)); /* 100 */
  printf("file position after: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  SHOW("read into no page", read(fd, m + PAGE, 10));
  OK("short-read");

  RUN("short-write");
  int p[2];
  CHECK(pipe2(p, O_NONBLOCK) == 0);
  memset(m + PAGE - 64, 'w', 64);
  /* A pipe takes whole chunks: a write that faults inside its first page fails. */
  SHOW("pipe write across the end", write(p[1], m + PAGE - 64, 500));
  SHOW("pipe write from no page", write(p[1], m + PAGE, 10));
  char back[128];
  SHOW("pipe holds", read(p[0], back, sizeof back));
  CHECK(write(p[1], data, 100) == 100);
  SHOW("pipe read across the end", read(p[0], m + PAGE - 10, 100));
  SHOW("pipe still holds", read(p[0], back, sizeof back));
  /* A regular file takes what could be read. */
  SHOW("file write across the end", write(fd, m + PAGE - 64, 500));
  printf("file size: %ld\n", (long)lseek(fd, 0, SEEK_END));
  OK("short-write");

  RUN("struct");
  SHOW("fstat into no page", syscall(SYS_fstat, fd, m + PAGE)); /* raw: musl converts through a stack copy */
  SHOW("fstat across the end", syscall(SYS_fstat, fd, m + PAGE - 16));
  SHOW("pipe into no page", syscall(SYS_pipe, m + PAGE));
  OK("struct");

  RUN("strings");
  SHOW("open of an unmapped path", open(m + PAGE, O_RDONLY));
  memcpy(m + PAGE - 4, "/tm", 3);
  m[PAGE - 1] = 'p';
  SHOW("open of a path running into no page", open(m + PAGE - 4, O_RDONLY));
  static char longpath[5000];
  for (size_t i = 0; i < sizeof longpath - 1; i++) longpath[i] = i % 2 == 0 ? '/' : 'a';
  SHOW("open of a 4999-byte path", open(longpath, O_RDONLY)); /* ENAMETOOLONG: past PATH_MAX */
  longpath[4095] = 0;
  SHOW("open of a 4095-byte path", open(longpath, O_RDONLY)); /* ENOENT: fits */
  OK("strings");

  RUN("iovec");
  struct iovec iov[2] = { { data, 10 }, { m + PAGE - 5, 100 } };
  CHECK(lseek(fd, 0, SEEK_SET) == 0);
  SHOW("readv, second iovec short", readv(fd, iov, 2)); /* 15 */
  SHOW("readv of 1025 iovecs", syscall(SYS_readv, fd, iov, 1025));
  struct iovec neg = { data, (size_t)-1 };
  SHOW("readv with a negative length", readv(fd, &neg, 1));
  SHOW("readv of an unmapped iovec array", readv(fd, (struct iovec *)(m + PAGE), 1));
  OK("iovec");
  close(fd);
  unlink(path);
  DONE();
}
