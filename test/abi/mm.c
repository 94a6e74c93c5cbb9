/* SPDX-License-Identifier: MIT */
/* Memory management against Linux (issue 10 items 3-5): sizes up to 2^64 answer
 * at once, MAP_SHARED is shared (write-back, read(2)/write(2) coherence, SIGBUS
 * past the end of the file, anonymous and memfd memory across fork, shm_open
 * between processes), resource limits bound the address space, data and stack,
 * and glibc's pthread_getattr_np finds the main thread's stack in /proc/self/maps. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define FAILS(call, err) ((call) == -1 && errno == (err))
#define MAP_FAILS(call, err) ((call) == MAP_FAILED && errno == (err))
static const long PG = 4096;

/* The raw system calls (libc wrappers round or check some arguments themselves). */
static long sys_mmap(unsigned long a, unsigned long len, long prot, long flags) { return syscall(SYS_mmap, a, len, prot, flags, -1L, 0L); }
static long sys(long nr, unsigned long a, unsigned long b, unsigned long c) { return syscall(nr, a, b, c, 0L, 0L); }
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
/* A fresh page of its own for each check. */
static unsigned long page(void) { return (unsigned long)mmap(NULL, PG, RW, ANON, -1, 0); }

static void huge_sizes(void) {
  RUN("huge sizes");
  CHECK(sys_mmap(0, 1UL << 46, RW, ANON) == -1 && errno == ENOMEM);
  long big = sys_mmap(0, 1UL << 46, RW, ANON | MAP_NORESERVE);
  CHECK(big != -1);
  CHECK(sys(SYS_mprotect, big, 1UL << 46, PROT_READ) == 0);
  CHECK(sys(SYS_madvise, big, 1UL << 46, MADV_DONTNEED) == 0);
  CHECK(sys(SYS_munmap, big, 1UL << 46, 0) == 0);
  CHECK(sys_mmap(0, 1UL << 47, PROT_READ, ANON | MAP_NORESERVE) == -1 && errno == ENOMEM);
  CHECK(sys_mmap(0, -PG, PROT_READ, ANON) == -1 && errno == ENOMEM);
  CHECK(sys_mmap(0, -1UL, PROT_READ, ANON) == -1 && errno == ENOMEM);
  CHECK(sys_mmap(0, 0, PROT_READ, ANON) == -1 && errno == EINVAL);
  CHECK(syscall(SYS_mmap, PG, PG, PROT_READ, ANON | MAP_FIXED, -1L, 1L) == -1 && errno == EINVAL);
  CHECK(sys_mmap(-PG, 2 * PG, PROT_READ, ANON | MAP_FIXED) == -1 && errno == ENOMEM);
  CHECK(sys(SYS_munmap, page(), -1UL, 0) == -1 && errno == EINVAL);
  CHECK(sys(SYS_munmap, page(), 1UL << 63, 0) == -1 && errno == EINVAL);
  CHECK(sys(SYS_munmap, 1UL << 47, PG, 0) == -1 && errno == EINVAL);
  CHECK(sys(SYS_munmap, page(), 0, 0) == -1 && errno == EINVAL);
  CHECK(sys(SYS_mprotect, page(), -1UL, PROT_READ) == -1 && errno == ENOMEM);
  CHECK(sys(SYS_mprotect, 0x7ffffffff000UL, 1UL << 60, PROT_READ) == -1 && errno == ENOMEM);
  CHECK(sys(SYS_mprotect, page(), 0, PROT_READ) == 0);
  CHECK(sys(SYS_mprotect, page() + 1, PG, PROT_READ) == -1 && errno == EINVAL);
  CHECK(sys(SYS_madvise, page(), -1UL, MADV_DONTNEED) == -1 && errno == EINVAL);
  CHECK(sys(SYS_madvise, 0x7ffffffff000UL, 1UL << 60, MADV_NORMAL) == -1 && errno == ENOMEM);
  CHECK(sys(SYS_madvise, page(), PG, 12345) == -1 && errno == EINVAL);
  CHECK(sys(SYS_mremap, page(), PG, -1UL) == -1 && errno == EINVAL);
  CHECK(syscall(SYS_mremap, page(), PG, 1UL << 46, MREMAP_MAYMOVE, 0L) == -1 && errno == ENOMEM);
  CHECK(syscall(SYS_mremap, page(), PG, 1UL << 40, 0, 0L) == -1 && errno == ENOMEM);
  void *cur = sbrk(0);
  CHECK(syscall(SYS_brk, -1UL) == (long)cur);
  CHECK(syscall(SYS_brk, 1UL << 62) == (long)cur);
  CHECK(syscall(SYS_brk, (char *)cur + (1L << 40)) == (long)cur);
  OK("huge sizes");
}

static sigjmp_buf env;
static volatile void *fault_at;
static volatile int fault_sig, fault_code, fault_addr_ok;

static void on_fault(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  fault_sig = sig;
  fault_code = si->si_code;
  fault_addr_ok = si->si_addr == fault_at;
  siglongjmp(env, 1);
}

/* Reads one byte at p; returns the signal it raised (0 if none). */
static int touch(volatile char *p) {
  struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO };
  sigaction(SIGBUS, &sa, NULL);
  sigaction(SIGSEGV, &sa, NULL);
  fault_sig = 0;
  fault_at = (void *)p;
  if (sigsetjmp(env, 1) == 0) (void)*p;
  signal(SIGBUS, SIG_DFL);
  signal(SIGSEGV, SIG_DFL);
  return fault_sig;
}

static int temp_file(char *path, const char *text) {
  strcpy(path, "/tmp/lwp-mm-XXXXXX");
  int fd = mkstemp(path);
  if (fd >= 0 && text != NULL) CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
  return fd;
}

static void shared_file(void) {
  RUN("MAP_SHARED file");
  char path[32], buf[16] = { 0 };
  int fd = temp_file(path, "aaaaaaaa");
  char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(m != MAP_FAILED);
  m[0] = 'b';
  CHECK(pread(fd, buf, 8, 0) == 8 && memcmp(buf, "baaaaaaa", 8) == 0);
  m[1] = 'c';
  CHECK(msync(m, PG, MS_SYNC) == 0);
  CHECK(pwrite(fd, "zz", 2, 4) == 2 && m[4] == 'z' && m[5] == 'z');
  CHECK(m[8] == 0 && m[PG - 1] == 0);
  CHECK(touch(m + PG) == SIGBUS && fault_code == BUS_ADRERR && fault_addr_ok);
  CHECK(ftruncate(fd, PG + 1) == 0 && touch(m + PG) == 0 && m[PG] == 0);
  CHECK(ftruncate(fd, 4) == 0 && touch(m + PG) == SIGBUS);
  CHECK(m[3] == 'a' && m[4] == 0);
  CHECK(FAILS(mprotect(m, PG, PROT_READ | PROT_EXEC | 0x10), EINVAL));
  CHECK(FAILS(msync(m, PG, MS_SYNC | MS_ASYNC), EINVAL));
  CHECK(FAILS(msync(m + 1, PG, MS_SYNC), EINVAL));
  CHECK(munmap(m, 2 * PG) == 0);
  m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  m[2] = 'q';
  CHECK(munmap(m, PG) == 0);
  CHECK(pread(fd, buf, 4, 0) == 4 && memcmp(buf, "bcqa", 4) == 0);
  int ro = open(path, O_RDONLY);
  CHECK(MAP_FAILS(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), EACCES));
  char *r = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
  CHECK(r != MAP_FAILED && r[0] == 'b' && FAILS(mprotect(r, PG, PROT_READ | PROT_WRITE), EACCES));
  char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
  CHECK(p != MAP_FAILED && p[0] == 'b');
  CHECK(pwrite(fd, "X", 1, 0) == 1 && p[0] == 'X' && r[0] == 'X');
  p[0] = 'p';
  CHECK(pread(fd, buf, 1, 0) == 1 && buf[0] == 'X' && r[0] == 'X' && p[0] == 'p');
  CHECK(pwrite(fd, "Y", 1, 0) == 1 && p[0] == 'p' && r[0] == 'Y');
  int wo = open(path, O_WRONLY);
  CHECK(MAP_FAILS(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, wo, 0), EACCES));
  CHECK(MAP_FAILS(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, -1, 0), EBADF));
  int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
  CHECK(MAP_FAILS(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, dir, 0), ENODEV));
  int pipes[2];
  CHECK(pipe(pipes) == 0 && MAP_FAILS(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, pipes[0], 0), ENODEV));
  CHECK(MAP_FAILS(mmap(NULL, PG, PROT_READ, 0, fd, 0), EINVAL));
  close(pipes[0]); close(pipes[1]); close(dir); close(wo);
  munmap(r, PG); munmap(p, PG); close(ro);
  m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  m[1] = 'w';
  int again = open(path, O_RDWR | O_TRUNC);
  CHECK(again >= 0 && touch(m) == SIGBUS);
  close(again);
  munmap(m, PG);
  close(fd);
  unlink(path);
  OK("MAP_SHARED file");
}

static void shared_memory(void) {
  RUN("shared memory across processes");
  volatile int *anon = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  volatile int *priv = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  *anon = 1;
  *priv = 1;
  pid_t c = fork();
  if (c == 0) { *anon = 2; *priv = 2; _exit(0); }
  int st;
  CHECK(waitpid(c, &st, 0) == c && *anon == 2 && *priv == 1);
  int mfd = memfd_create("lwp-test", MFD_ALLOW_SEALING);
  CHECK(mfd >= 0 && ftruncate(mfd, PG) == 0);
  struct stat sb;
  CHECK(fstat(mfd, &sb) == 0 && sb.st_size == PG && S_ISREG(sb.st_mode));
  int *mm = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
  c = fork();
  if (c == 0) {
    int *other = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    other[0] = 42;
    _exit(pwrite(mfd, "hi", 2, 8) == 2 ? 0 : 1);
  }
  CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  CHECK(mm[0] == 42 && memcmp((char *)mm + 8, "hi", 2) == 0);
  char buf[4];
  CHECK(pread(mfd, buf, 4, 0) == 4 && buf[0] == 42);
  CHECK(touch((char *)mm + PG - 1) == 0);
  int *mm2 = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, mfd, 0);
  CHECK(touch((char *)mm2 + PG) == SIGBUS);
  CHECK(FAILS(fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY));
  CHECK(munmap(mm, PG) == 0 && FAILS(fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY)); /* a read-only shared mapping counts too */
  CHECK(munmap(mm2, 2 * PG) == 0 && fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK) == 0);
  CHECK(fcntl(mfd, F_GET_SEALS) == (F_SEAL_WRITE | F_SEAL_SHRINK));
  CHECK(FAILS(write(mfd, "x", 1), EPERM) && FAILS(ftruncate(mfd, 1), EPERM) && ftruncate(mfd, 2 * PG) == 0);
  CHECK(MAP_FAILS(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0), EPERM));
  CHECK(fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL) == 0 && FAILS(fcntl(mfd, F_ADD_SEALS, F_SEAL_GROW), EPERM));
  int fw = memfd_create("fw", MFD_ALLOW_SEALING);
  CHECK(fw >= 0 && ftruncate(fw, PG) == 0);
  char *w = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fw, 0);
  CHECK(w != MAP_FAILED && fcntl(fw, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) == 0);
  w[0] = 'q'; /* a mapping made before the seal still writes */
  CHECK(pread(fw, buf, 1, 0) == 1 && buf[0] == 'q' && FAILS(pwrite(fw, "x", 1, 0), EPERM));
  char *ro = mmap(NULL, PG, PROT_READ, MAP_SHARED, fw, 0);
  CHECK(ro != MAP_FAILED && ro[0] == 'q' && FAILS(mprotect(ro, PG, PROT_READ | PROT_WRITE), EACCES));
  CHECK(munmap(w, PG) == 0 && fcntl(fw, F_ADD_SEALS, F_SEAL_WRITE) == 0); /* a mapping that may never write does not count */
  CHECK(munmap(ro, PG) == 0);
  close(fw);
  int plain = memfd_create("x", 0);
  CHECK(fcntl(plain, F_GET_SEALS) == F_SEAL_SEAL && FAILS(fcntl(plain, F_ADD_SEALS, F_SEAL_WRITE), EPERM));
  CHECK(FAILS(memfd_create("y", 0x100), EINVAL));
  close(mfd);
  close(plain);
  char name[32];
  snprintf(name, sizeof name, "/lwp-shm-%d", getpid());
  int sfd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
  CHECK(sfd >= 0 && ftruncate(sfd, PG) == 0);
  c = fork();
  if (c == 0) {
    int o = shm_open(name, O_RDWR, 0);
    char *x = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, o, 0);
    strcpy(x, "from the child");
    _exit(0);
  }
  CHECK(waitpid(c, &st, 0) == c);
  char *s = mmap(NULL, PG, PROT_READ, MAP_SHARED, sfd, 0);
  CHECK(s != MAP_FAILED && strcmp(s, "from the child") == 0);
  CHECK(shm_unlink(name) == 0);
  munmap(s, PG);
  close(sfd);
  OK("shared memory across processes");
}

static int depth(int n) {
  volatile char pad[4096];
  pad[0] = (char)n;
  return n == 0 ? pad[0] : depth(n - 1) + pad[0];
}

/* The child's status after running `fn` in it. */
static int in_child(void (*fn)(void)) {
  pid_t c = fork();
  if (c == 0) { fn(); _exit(0); }
  int st = 0;
  waitpid(c, &st, 0);
  return st;
}

static void small_stack(void) {
  struct rlimit rl = { 256 * 1024, RLIM_INFINITY };
  if (setrlimit(RLIMIT_STACK, &rl) != 0) _exit(3);
  depth(512); /* 2 MiB of frames */
  _exit(0);
}

static void big_recursion(void) {
  depth(1024); /* 4 MiB within the default 8 MiB */
}

static void limits(void) {
  RUN("resource limits");
  struct rlimit rl, old;
  CHECK(getrlimit(RLIMIT_STACK, &old) == 0);
  CHECK(FAILS(getrlimit(99, &rl), EINVAL));
  rl.rlim_cur = 2; rl.rlim_max = 1;
  CHECK(FAILS(setrlimit(RLIMIT_NOFILE, &rl), EINVAL));
  rl.rlim_cur = rl.rlim_max = 1UL << 40;
  CHECK(FAILS(setrlimit(RLIMIT_NOFILE, &rl), EPERM));
  int st = in_child(big_recursion);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  st = in_child(small_stack);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
  pid_t c = fork();
  if (c == 0) {
    struct rlimit f = { 16, 16 };
    if (setrlimit(RLIMIT_NOFILE, &f) != 0) _exit(1);
    int last = -1;
    for (int i = 0; i < 20; i++) { int fd = open("/dev/null", O_RDONLY); if (fd < 0) break; last = fd; }
    _exit(last == 15 && FAILS(open("/dev/null", O_RDONLY), EMFILE) && FAILS(dup2(0, 16), EBADF) ? 0 : 2);
  }
  CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  c = fork();
  if (c == 0) {
    struct rlimit as = { 64UL << 20, 64UL << 20 };
    if (setrlimit(RLIMIT_AS, &as) != 0) _exit(1);
    void *a = mmap(NULL, 128UL << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void *b = mmap(NULL, 8UL << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *brk0 = sbrk(0);
    void *grown = sbrk(128L << 20);
    _exit(a == MAP_FAILED && errno == ENOMEM && b != MAP_FAILED && grown == (void *)-1 && sbrk(0) == brk0 ? 0 : 2);
  }
  CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  c = fork();
  if (c == 0) {
    struct rlimit data = { 32UL << 20, 32UL << 20 };
    if (setrlimit(RLIMIT_DATA, &data) != 0) _exit(1);
    void *w = mmap(NULL, 64UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *r = mmap(NULL, 64UL << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *s = mmap(NULL, 64UL << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    _exit(w == MAP_FAILED && errno == ENOMEM && r != MAP_FAILED && s != MAP_FAILED && sbrk(64L << 20) == (void *)-1 ? 0 : 2);
  }
  CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  struct rlimit got;
  CHECK(prlimit(c, RLIMIT_STACK, NULL, &got) == -1 && errno == ESRCH);
  CHECK(prlimit(0, RLIMIT_STACK, NULL, &got) == 0 && got.rlim_cur == old.rlim_cur);
  OK("resource limits");
}

/* The [stack] line of /proc/self/maps: its start and end. */
static int stack_line(unsigned long *lo, unsigned long *hi) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  int found = 0;
  while (f != NULL && fgets(line, sizeof line, f) != NULL) {
    if (strstr(line, "[stack]") != NULL && sscanf(line, "%lx-%lx", lo, hi) == 2) found = 1;
  }
  if (f != NULL) fclose(f);
  return found;
}

static void maps(void) {
  RUN("maps and the main thread's stack");
  unsigned long lo = 0, hi = 0;
  CHECK(stack_line(&lo, &hi));
  int here;
  CHECK((unsigned long)&here >= lo && (unsigned long)&here < hi);
  pthread_attr_t a;
  void *addr;
  size_t size;
  CHECK(pthread_getattr_np(pthread_self(), &a) == 0 && pthread_attr_getstack(&a, &addr, &size) == 0);
  struct rlimit rl;
  CHECK(getrlimit(RLIMIT_STACK, &rl) == 0);
#ifdef __GLIBC__
  /* glibc: RLIMIT_STACK below the [stack] line's end (nothing is mapped there), up to the page above __libc_stack_end. */
  CHECK((unsigned long)addr == hi - rl.rlim_cur && (unsigned long)addr + size <= hi && (unsigned long)addr + size > (unsigned long)&here);
#else
  /* musl: probes with mremap down to the lowest mapped page of the stack. */
  CHECK(stack_line(&lo, &hi) && (unsigned long)addr == lo && (unsigned long)addr + size <= hi);
#endif
  char path[32], line[512];
  int fd = temp_file(path, "0123456789");
  FILE *f = fopen("/proc/self/maps", "r"); /* first: its buffer must not land beside the mappings below */
  char *m = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
  char *anon = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(mprotect(anon + PG, PG, PROT_NONE) == 0);
  int file_line = 0, anon_lines = 0;
  while (f != NULL && fgets(line, sizeof line, f) != NULL) {
    unsigned long s, e, off;
    char perms[5];
    if (sscanf(line, "%lx-%lx %4s %lx", &s, &e, perms, &off) != 4) continue;
    if (s == (unsigned long)m) file_line = e == s + PG && !strcmp(perms, "r--s") && off == 0 && strstr(line, path) != NULL;
    if (s == (unsigned long)anon) anon_lines += e == s + PG && !strcmp(perms, "rw-p");
    if (s == (unsigned long)anon + PG) anon_lines += e == s + PG && !strcmp(perms, "---p");
    if (s == (unsigned long)anon + 2 * PG) anon_lines += e == s + PG && !strcmp(perms, "rw-p");
  }
  if (f != NULL) fclose(f);
  CHECK(file_line);
  CHECK(anon_lines == 3);
  unlink(path);
  OK("maps and the main thread's stack");
}

int main(void) {
  abi_init();
  huge_sizes();
  shared_file();
  shared_memory();
  limits();
  maps();
  DONE();
}
