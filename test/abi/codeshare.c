/* SPDX-License-Identifier: MIT */
/* Code that processes share or stop sharing: translations of a page are reused by a
 * forked child (src/hw/cpu/translate/shared.ts), and a forked child runs on its
 * parent's CPU with the parent's translations while their code is the same
 * (src/kernel/seat.ts), so every way the bytes behind an address can differ between
 * processes must be seen: a child's copy-on-write store (into code run before the fork
 * or not), a parent's store while its child lives, a store into a MAP_SHARED page, a
 * new mapping at the same address, mprotect and munmap, write(2) into a mapped file,
 * a chain of forks. Each function is `mov eax, imm32; ret`, run before and after. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

typedef int (*fn_t)(void);

static void put(unsigned char *p, int v) {
  unsigned char code[6] = {0xb8, 0, 0, 0, 0, 0xc3};
  memcpy(code + 1, &v, 4);
  memcpy(p, code, sizeof code);
}

static int call(void *p) { return ((fn_t)p)(); }

/* The status a child reports: the value its code returned. */
static int child_value(pid_t pid) {
  int st = 0;
  if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) return -1;
  return WEXITSTATUS(st);
}

static void *rwx(int flags) {
  void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, flags | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

static void test_private_store(void) {
  RUN("fork: a child's store into code it inherited");
  unsigned char *p = rwx(MAP_PRIVATE);
  CHECK(p != NULL);
  put(p, 1);
  CHECK(call(p) == 1);
  pid_t a = fork();
  if (a == 0) {
    int before = call(p);
    put(p, 2);
    _exit(before == 1 ? call(p) : 100);
  }
  CHECK(child_value(a) == 2);
  CHECK(call(p) == 1);
  pid_t b = fork();
  if (b == 0) _exit(call(p));
  CHECK(child_value(b) == 1);
  munmap(p, 4096);
  OK("fork: a child's store into code it inherited");
}

static void test_shared_store(void) {
  RUN("MAP_SHARED: code stored by a child runs in the parent");
  unsigned char *p = rwx(MAP_SHARED);
  CHECK(p != NULL);
  put(p, 3);
  CHECK(call(p) == 3);
  pid_t a = fork();
  if (a == 0) {
    int before = call(p);
    put(p, 4);
    _exit(before == 3 ? call(p) : 100);
  }
  CHECK(child_value(a) == 4);
  CHECK(call(p) == 4);
  munmap(p, 4096);
  OK("MAP_SHARED: code stored by a child runs in the parent");
}

static void test_remap(void) {
  RUN("a child maps new code where the parent's was");
  unsigned char *p = rwx(MAP_PRIVATE);
  CHECK(p != NULL);
  put(p, 5);
  CHECK(call(p) == 5);
  pid_t a = fork();
  if (a == 0) {
    unsigned char *q = mmap(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (q != p) _exit(101);
    put(q, 6);
    _exit(call(q));
  }
  CHECK(child_value(a) == 6);
  CHECK(call(p) == 5);
  munmap(p, 4096);
  OK("a child maps new code where the parent's was");
}

/* A store into a page whose code no process ran yet: nothing marks it as code. */
static void test_store_untranslated(void) {
  RUN("fork: a child's store into code not run before the fork");
  unsigned char *p = rwx(MAP_PRIVATE);
  CHECK(p != NULL);
  put(p, 11);
  pid_t a = fork();
  if (a == 0) {
    put(p, 12);
    _exit(call(p));
  }
  CHECK(child_value(a) == 12);
  CHECK(call(p) == 11);
  munmap(p, 4096);
  OK("fork: a child's store into code not run before the fork");
}

/* The parent changes its code while the child, which ran the old code, waits to run it again. */
static void test_parent_store(void) {
  RUN("fork: the parent's store while its child lives");
  unsigned char *p = rwx(MAP_PRIVATE);
  int go[2], back[2];
  CHECK(p != NULL && pipe(go) == 0 && pipe(back) == 0);
  put(p, 13);
  CHECK(call(p) == 13);
  pid_t a = fork();
  if (a == 0) {
    char c = (char)call(p);
    if (write(back[1], &c, 1) != 1 || read(go[0], &c, 1) != 1) _exit(103);
    _exit(call(p));
  }
  char c = 0;
  CHECK(read(back[0], &c, 1) == 1 && c == 13);
  put(p, 14);
  CHECK(call(p) == 14);
  CHECK(write(go[1], &c, 1) == 1);
  CHECK(child_value(a) == 13);
  CHECK(call(p) == 14);
  close(go[0]);
  close(go[1]);
  close(back[0]);
  close(back[1]);
  munmap(p, 4096);
  OK("fork: the parent's store while its child lives");
}

/* Sums i * k over i < n (a loop long enough to be switched out several times). */
static unsigned long spin_sum(unsigned long n, unsigned long k) {
  volatile unsigned long s = 0;
  for (unsigned long i = 0; i < n; i++) s += i * k;
  return s;
}

static void *sibling(void *arg) {
  *(unsigned long *)arg = spin_sum(3000000, 3);
  return NULL;
}

/* A fork while a sibling thread runs: the sibling, the forking thread and the child
 * interleave, each with its own registers and memory. */
static void test_fork_beside_thread(void) {
  RUN("fork: a child beside its parent's running thread");
  unsigned long from_thread = 0;
  pthread_t t;
  CHECK(pthread_create(&t, NULL, sibling, &from_thread) == 0);
  pid_t a = fork();
  if (a == 0) _exit(spin_sum(2000000, 5) == 5 * (2000000ul * 1999999ul / 2) ? 23 : 109);
  unsigned long mine = spin_sum(1000000, 7);
  CHECK(child_value(a) == 23);
  CHECK(pthread_join(t, NULL) == 0);
  CHECK(from_thread == 3 * (3000000ul * 2999999ul / 2));
  CHECK(mine == 7 * (1000000ul * 999999ul / 2));
  OK("fork: a child beside its parent's running thread");
}

/* A file holding `mov eax, v; ret` in its first page, open for mapping. */
static int code_file(int v) {
  char path[] = "/tmp/lwp-codeshare-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return -1;
  unlink(path);
  unsigned char page[4096] = {0};
  put(page, v);
  return write(fd, page, sizeof page) == (ssize_t)sizeof page ? fd : -1;
}

/* A child maps code where the parent has nothing (no store of either process goes through
 * an executable mapping), then the parent maps other code there. */
static void test_child_new_code(void) {
  RUN("fork: code a child maps where its parent has none");
  int a_fd = code_file(21), b_fd = code_file(22);
  unsigned char *x = rwx(MAP_PRIVATE);
  CHECK(a_fd >= 0 && b_fd >= 0 && x != NULL && munmap(x, 4096) == 0);
  pid_t a = fork();
  if (a == 0) {
    void *q = mmap(x, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, a_fd, 0);
    _exit(q == x ? call(q) : 108);
  }
  CHECK(child_value(a) == 21);
  void *p = mmap(x, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, b_fd, 0);
  CHECK(p == x);
  CHECK(call(p) == 22);
  munmap(p, 4096);
  close(a_fd);
  close(b_fd);
  OK("fork: code a child maps where its parent has none");
}

/* A child makes the code unexecutable, then unmaps it; the parent runs it after each. */
static void test_protect_unmap(void) {
  RUN("fork: a child's mprotect and munmap of code the parent runs");
  unsigned char *p = rwx(MAP_PRIVATE);
  CHECK(p != NULL);
  put(p, 15);
  CHECK(call(p) == 15);
  pid_t a = fork();
  if (a == 0) _exit(mprotect(p, 4096, PROT_READ) == 0 ? 16 : 104);
  CHECK(child_value(a) == 16);
  CHECK(call(p) == 15);
  pid_t b = fork();
  if (b == 0) _exit(munmap(p, 4096) == 0 ? 17 : 105);
  CHECK(child_value(b) == 17);
  CHECK(call(p) == 15);
  munmap(p, 4096);
  OK("fork: a child's mprotect and munmap of code the parent runs");
}

/* A child forks a grandchild; each stores its own code after the fork that made it. */
static void test_fork_chain(void) {
  RUN("fork: a chain of forks, each storing its own code");
  unsigned char *p = rwx(MAP_PRIVATE);
  CHECK(p != NULL);
  put(p, 18);
  CHECK(call(p) == 18);
  pid_t a = fork();
  if (a == 0) {
    pid_t b = fork();
    if (b == 0) {
      int before = call(p);
      put(p, 19);
      _exit(before == 18 ? call(p) : 106);
    }
    int grandchild = child_value(b);
    int mine = call(p);
    put(p, 20);
    _exit(grandchild == 19 && mine == 18 ? call(p) : 107);
  }
  CHECK(child_value(a) == 20);
  CHECK(call(p) == 18);
  munmap(p, 4096);
  OK("fork: a chain of forks, each storing its own code");
}

static void test_file_write(void) {
  RUN("write(2) into a file whose pages run as code");
  char path[] = "/tmp/lwp-codeshare-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  unsigned char page[4096] = {0};
  put(page, 7);
  CHECK(write(fd, page, sizeof page) == (ssize_t)sizeof page);
  void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
  CHECK(p != MAP_FAILED);
  CHECK(call(p) == 7);
  pid_t a = fork();
  if (a == 0) {
    int before = call(p);
    put(page, 8);
    if (pwrite(fd, page, 6, 0) != 6) _exit(102);
    _exit(before == 7 ? call(p) : 100);
  }
  CHECK(child_value(a) == 8);
  CHECK(call(p) == 8);
  munmap(p, 4096);
  close(fd);
  unlink(path);
  OK("write(2) into a file whose pages run as code");
}

/* The running program's file (mapped from the page cache by execve) does not open for
 * writing or truncation (ETXTBSY); it opens for reading, and so does a copy of it. */
static void test_running_image(void) {
  RUN("the running program's file is busy for writers");
  errno = 0;
  CHECK(open("/proc/self/exe", O_WRONLY) == -1 && errno == ETXTBSY);
  errno = 0;
  CHECK(open("/proc/self/exe", O_RDWR) == -1 && errno == ETXTBSY);
  errno = 0;
  CHECK(open("/proc/self/exe", O_RDONLY | O_TRUNC) == -1 && errno == ETXTBSY);
  int fd = open("/proc/self/exe", O_RDONLY);
  CHECK(fd >= 0);
  unsigned char elf[4] = {0};
  CHECK(read(fd, elf, 4) == 4 && elf[0] == 0x7f && elf[1] == 'E');
  close(fd);
  OK("the running program's file is busy for writers");
}

int main(void) {
  abi_init();
  test_private_store();
  test_shared_store();
  test_remap();
  test_store_untranslated();
  test_parent_store();
  test_protect_unmap();
  test_fork_chain();
  test_child_new_code();
  test_fork_beside_thread();
  test_file_write();
  test_running_image();
  DONE();
}
