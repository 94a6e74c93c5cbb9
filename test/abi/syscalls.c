/* SPDX-License-Identifier: MIT */
/* System calls with hostile arguments, compared with Linux line by line: each
 * case runs in a forked child and prints one line, "name: result" (the return
 * value or -errno, or the signal that ended it). Bad descriptors, bad and
 * partly unmapped buffers, counts of 2^63 and more, kernel and non-canonical
 * addresses, unknown flags, limits. Works in a fresh directory under /tmp. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define KERNEL_ADDR 0xffff888000000000UL
#define NONCANON 0x0000800000000000UL
#define HUGE_COUNT 0x8000000000000000UL

static char dir[64];
static int n_cases;

/* Runs fn in a child and prints its result; the child's result is a long (ret or -errno). */
static void run(const char *name, long (*fn)(long), long arg) {
  int p[2];
  if (pipe(p) != 0) abort();
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    close(p[0]);
    long r = fn(arg);
    if (write(p[1], &r, sizeof r) != sizeof r) _exit(3);
    _exit(0);
  }
  close(p[1]);
  long r = 0;
  ssize_t got = read(p[0], &r, sizeof r);
  close(p[0]);
  int st;
  waitpid(c, &st, 0);
  if (WIFSIGNALED(st)) printf("%s: signal %d\n", name, WTERMSIG(st));
  else if (got != sizeof r) printf("%s: exit %d\n", name, WEXITSTATUS(st));
  else printf("%s: %ld\n", name, r);
  n_cases++;
}

static long sys(long r) { return r < 0 ? -errno : r; }

/* ---- descriptors and buffers shared by the cases ----------------------------------------- */

enum { FD_BAD, FD_HIGH, FD_CLOSED, FD_PIPE_R, FD_PIPE_W, FD_FILE, FD_RDONLY, FD_DIR, FD_N };
static const char *fd_names[FD_N] = { "-1", "9999", "closed", "pipe-r", "pipe-w", "file", "rdonly", "dir" };

static int make_fd(int kind) {
  int p[2];
  char path[96];
  snprintf(path, sizeof path, "%s/file", dir);
  switch (kind) {
  case FD_BAD: return -1;
  case FD_HIGH: return 9999;
  case FD_CLOSED: { int f = open("/dev/null", O_RDONLY); close(f); return f; }
  case FD_PIPE_R: if (pipe2(p, O_NONBLOCK) != 0) return -1; if (write(p[1], "abc", 3) != 3) return -1; return p[0];
  case FD_PIPE_W: if (pipe2(p, O_NONBLOCK) != 0) return -1; return p[1];
  case FD_FILE: return open(path, O_RDWR);
  case FD_RDONLY: return open(path, O_RDONLY);
  default: return open(dir, O_RDONLY | O_DIRECTORY);
  }
}

enum { BUF_OK, BUF_NULL, BUF_KERNEL, BUF_NONCANON, BUF_PARTIAL, BUF_RO, BUF_N };
static const char *buf_names[BUF_N] = { "ok", "null", "kernel", "noncanon", "partial", "readonly" };

/* A buffer of the kind: PARTIAL has 4 mapped bytes before an unmapped page, READONLY is PROT_READ. */
static char *make_buf(int kind) {
  static char ok[8192];
  switch (kind) {
  case BUF_OK: return ok;
  case BUF_NULL: return NULL;
  case BUF_KERNEL: return (char *)KERNEL_ADDR;
  case BUF_NONCANON: return (char *)NONCANON;
  case BUF_PARTIAL: {
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(m, 'p', 4096);
    munmap(m + 4096, 4096);
    return m + 4092;
  }
  default: {
    char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return m;
  }
  }
}

static const unsigned long counts[] = { 0, 3, 8, HUGE_COUNT, ~0UL };

/* arg packs fd kind, buffer kind and count index. */
#define PACK(f, b, n) ((f) | ((b) << 4) | ((n) << 8))
static int a_fd(long a) { return make_fd(a & 15); }
static char *a_buf(long a) { return make_buf((a >> 4) & 15); }
static unsigned long a_cnt(long a) { return counts[(a >> 8) & 15]; }

static long c_read(long a) { int fd = a_fd(a); return sys(syscall(SYS_read, fd, a_buf(a), a_cnt(a))); }
static long c_write(long a) { int fd = a_fd(a); return sys(syscall(SYS_write, fd, a_buf(a), a_cnt(a))); }
static long c_pread(long a) { int fd = a_fd(a); return sys(syscall(SYS_pread64, fd, a_buf(a), a_cnt(a), 0)); }
static long c_pwrite(long a) { int fd = a_fd(a); return sys(syscall(SYS_pwrite64, fd, a_buf(a), a_cnt(a), 0)); }

static void rw_cases(void) {
  struct { const char *n; long (*f)(long); } calls[] = { { "read", c_read }, { "write", c_write }, { "pread64", c_pread }, { "pwrite64", c_pwrite } };
  char name[96];
  for (unsigned k = 0; k < 4; k++) {
    /* Every descriptor with a good buffer of 3 bytes. */
    for (int f = 0; f < FD_N; f++) {
      snprintf(name, sizeof name, "%s fd=%s", calls[k].n, fd_names[f]);
      run(name, calls[k].f, PACK(f, BUF_OK, 1));
    }
    /* A file and a pipe with every buffer and count. */
    for (int f = FD_PIPE_R; f <= FD_FILE; f++) {
      if ((k == 0 || k == 2) && f == FD_PIPE_W) continue;
      if ((k == 1 || k == 3) && f == FD_PIPE_R) continue;
      for (int b = 0; b < BUF_N; b++)
        for (int n = 0; n < 5; n++) {
          if (b == BUF_OK && n == 1) continue;
          snprintf(name, sizeof name, "%s fd=%s buf=%s count=%#lx", calls[k].n, fd_names[f], buf_names[b], counts[n]);
          run(name, calls[k].f, PACK(f, b, n));
        }
    }
  }
}

/* ---- memory ------------------------------------------------------------------------------ */

static long c_mmap_fixed(long a) {
  return (long)mmap((void *)a, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == -1 ? -errno : 0;
}
static long c_mmap_hint(long a) {
  void *m = mmap((void *)a, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return -errno;
  return (uintptr_t)m < 0x800000000000UL ? 1 : 2; /* 1: placed in user space */
}
static long c_mmap_prot(long a) {
  void *m = mmap(NULL, 4096, (int)a, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return m == MAP_FAILED ? -errno : 0;
}
static long c_mmap_len(long a) {
  void *m = mmap(NULL, (size_t)a, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return m == MAP_FAILED ? -errno : 0;
}
static long c_mmap_flags(long a) {
  void *m = mmap(NULL, 4096, PROT_READ, (int)a, -1, 0);
  return m == MAP_FAILED ? -errno : 0;
}
static long c_munmap(long a) { return sys(munmap((void *)a, 4096)); }
static long c_munmap_len(long a) {
  char *m = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return sys(munmap(m, (size_t)a));
}
static long c_mprotect(long a) {
  char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return sys(mprotect(m, 4096, (int)a));
}
static long c_mprotect_addr(long a) { return sys(mprotect((void *)a, 4096, PROT_READ)); }
static long c_madvise(long a) {
  char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return sys(madvise(m, 4096, (int)a));
}
static long c_madvise_addr(long a) { return sys(madvise((void *)a, 4096, MADV_NORMAL)); }
static long c_madvise_unmapped(long a) {
  char *m = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(m + 4096, 4096);
  return sys(madvise(m, 3 * 4096, (int)a));
}
static long c_msync(long a) {
  char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return sys(msync(m + (a & 1), 4096, (int)(a >> 1)));
}
static long c_mremap(long a) {
  char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  void *r = mremap(m, 4096, (size_t)a, MREMAP_MAYMOVE);
  return r == MAP_FAILED ? -errno : 0;
}
static long c_mincore(long a) {
  unsigned char v[4];
  char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return sys(mincore(a == 0 ? m : (void *)a, 4096, v));
}
static long c_brk(long a) { return syscall(SYS_brk, a) == 0 ? 0 : 1; }

static void mm_cases(void) {
  char name[96];
  const unsigned long addrs[] = { 0, 0x1000, 0x7ffffffff000UL, 0x800000000000UL, KERNEL_ADDR, 0xfffffffffffff000UL, NONCANON + 0x1000 };
  for (unsigned i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
    snprintf(name, sizeof name, "mmap MAP_FIXED %#lx", addrs[i]);
    run(name, c_mmap_fixed, (long)addrs[i]);
    snprintf(name, sizeof name, "mmap hint %#lx", addrs[i]);
    run(name, c_mmap_hint, (long)addrs[i]);
    snprintf(name, sizeof name, "munmap %#lx", addrs[i]);
    run(name, c_munmap, (long)addrs[i]);
    snprintf(name, sizeof name, "mprotect %#lx", addrs[i]);
    run(name, c_mprotect_addr, (long)addrs[i]);
    snprintf(name, sizeof name, "madvise %#lx", addrs[i]);
    run(name, c_madvise_addr, (long)addrs[i]);
  }
  const int prots[] = { 0, 1, 3, 7, 8, 0x10, 0x1000000, 0x2000000, 0x3000000, 0x40 };
  for (unsigned i = 0; i < sizeof prots / sizeof prots[0]; i++) {
    snprintf(name, sizeof name, "mmap prot %#x", prots[i]);
    run(name, c_mmap_prot, prots[i]);
    snprintf(name, sizeof name, "mprotect prot %#x", prots[i]);
    run(name, c_mprotect, prots[i]);
  }
  const unsigned long lens[] = { 0, 1, 0x7ffffffff000UL, 0x800000000000UL, ~0UL, ~0UL - 4095 };
  for (unsigned i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    snprintf(name, sizeof name, "mmap len %#lx", lens[i]);
    run(name, c_mmap_len, (long)lens[i]);
    snprintf(name, sizeof name, "munmap len %#lx", lens[i]);
    run(name, c_munmap_len, (long)lens[i]);
    snprintf(name, sizeof name, "mremap len %#lx", lens[i]);
    run(name, c_mremap, (long)lens[i]);
  }
  const int flags[] = { MAP_PRIVATE | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS, MAP_ANONYMOUS, MAP_PRIVATE | MAP_SHARED | MAP_ANONYMOUS, MAP_PRIVATE };
  for (unsigned i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    snprintf(name, sizeof name, "mmap flags %#x", flags[i]);
    run(name, c_mmap_flags, flags[i]);
  }
  const int advice[] = { MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE, MADV_DONTFORK, MADV_DOFORK, MADV_HUGEPAGE, MADV_NOHUGEPAGE, 5, 7, 99, -1 };
  for (unsigned i = 0; i < sizeof advice / sizeof advice[0]; i++) {
    snprintf(name, sizeof name, "madvise advice %d", advice[i]);
    run(name, c_madvise, advice[i]);
  }
  for (int a = 0; a < 4; a++) {
    snprintf(name, sizeof name, "madvise over a hole advice %d", a);
    run(name, c_madvise_unmapped, a);
  }
  const int ms[] = { MS_SYNC, MS_ASYNC, MS_INVALIDATE, MS_SYNC | MS_ASYNC, 8 };
  for (unsigned i = 0; i < sizeof ms / sizeof ms[0]; i++) {
    snprintf(name, sizeof name, "msync flags %d", ms[i]);
    run(name, c_msync, ms[i] << 1);
    snprintf(name, sizeof name, "msync unaligned flags %d", ms[i]);
    run(name, c_msync, (ms[i] << 1) | 1);
  }
  run("mincore ok", c_mincore, 0);
  run("mincore kernel", c_mincore, (long)KERNEL_ADDR);
  run("mincore unaligned", c_mincore, 0x1001);
  run("brk 0", c_brk, 0);
  run("brk kernel", c_brk, (long)KERNEL_ADDR);
}

/* ---- process-wide calls ------------------------------------------------------------------------------ */

static long c_arch_prctl(long a) { return sys(syscall(SYS_arch_prctl, 0x1002 + (a & 1) * -1, a & ~1L)); }
static long c_arch_prctl_code(long a) { unsigned long v; return sys(syscall(SYS_arch_prctl, a, &v)); }
static long c_futex(long a) { return sys(syscall(SYS_futex, a & ~15L, (int)(a & 15), 1, NULL, NULL, 0)); }
static long c_pipe2(long a) { int p[2]; return sys(pipe2(p, (int)a)); }
static long c_pipe_ptr(long a) { return sys(syscall(SYS_pipe, a)); }
static long c_getrandom(long a) { char b[8]; return sys(syscall(SYS_getrandom, b, 8, a)); }
static long c_getrlimit(long a) { struct rlimit r; return sys(syscall(SYS_getrlimit, a, &r)); }
static long c_getrlimit_ptr(long a) { return sys(syscall(SYS_getrlimit, RLIMIT_NOFILE, a)); }
static long c_dupfd(long a) { return sys(fcntl(0, F_DUPFD, a)); }
static long c_dup2(long a) { return sys(dup2(0, (int)a)); }
static long c_dup3(long a) { return sys(dup3(0, 10, (int)a)); }
static long c_fcntl_cmd(long a) { int fd = make_fd(FD_FILE); return sys(fcntl(fd, (int)a, 0)); }
static long c_nonblock(long a) {
  int p[2];
  char b;
  if (pipe(p) != 0) return -999;
  if (fcntl(p[0], F_SETFL, a) != 0) return -998;
  long r = sys(read(p[0], &b, 1));
  return r * 16 + ((fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
}
static long c_getlk(long a) {
  char path[96];
  snprintf(path, sizeof path, "%s/file", dir);
  int fd = open(path, O_RDWR);
  struct flock l = { .l_type = (short)a, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
  long r = sys(fcntl(fd, F_GETLK, &l));
  return r * 16 + l.l_type;
}
static long c_execve(long a) {
  char path[96];
  snprintf(path, sizeof path, "%s/%s", dir, a == 0 ? "" : a == 1 ? "file" : a == 2 ? "script" : a == 3 ? "missing-interp" : "nothing");
  char *argv[] = { path, NULL };
  execve(path, argv, NULL);
  return -errno;
}
static long c_kill(long a) { return sys(kill(getpid(), (int)a)); }
static long c_sigaction(long a) { struct sigaction s = { 0 }; return sys(sigaction((int)a, &s, NULL)); }
static long c_rt_sigprocmask(long a) { return sys(syscall(SYS_rt_sigprocmask, a, NULL, NULL, 8)); }
static long c_sigsetsize(long a) { return sys(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, NULL, a)); }
static long c_lseek(long a) { int fd = make_fd(a & 15); return sys(lseek(fd, 0, (int)(a >> 4))); }
static long c_open_flags(long a) { char path[96]; snprintf(path, sizeof path, "%s/file", dir); return sys(open(path, (int)a)) >= 0 ? 0 : -errno; }
static long c_open_ptr(long a) { return sys(syscall(SYS_open, a, O_RDONLY)); }
static long c_close(long a) { return sys(close(make_fd((int)a))); }
static long c_uname(long a) { return sys(syscall(SYS_uname, a)); }
static long c_clock_gettime(long a) { struct timespec t; return sys(syscall(SYS_clock_gettime, a, &t)); }
static long c_nanosleep(long a) { struct timespec t = { 0, a }; return sys(syscall(SYS_nanosleep, &t, NULL)); }
static long c_wait4(long a) { int st; return sys(syscall(SYS_wait4, a, &st, 0, NULL)); }
static long c_setpgid(long a) { return sys(setpgid(0, (pid_t)a)); }
static long c_prctl(long a) { return sys(syscall(SYS_prctl, a, 0, 0, 0, 0)); }

static void misc_cases(void) {
  char name[96];
  const unsigned long bases[] = { 0, 0x1000, 0x7ffffffff000UL, 0x800000000000UL, KERNEL_ADDR, 0xfffffffffffff000UL };
  for (unsigned i = 0; i < sizeof bases / sizeof bases[0]; i++) {
    snprintf(name, sizeof name, "arch_prctl SET_FS %#lx", bases[i]);
    run(name, c_arch_prctl, (long)bases[i]);
    snprintf(name, sizeof name, "arch_prctl SET_GS %#lx", bases[i]);
    run(name, c_arch_prctl, (long)bases[i] | 1);
  }
  const int codes[] = { 0x1001, 0x1002, 0x1003, 0x1004, 0x1011, 0x1012, 0x2001, 0x9999 };
  for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    snprintf(name, sizeof name, "arch_prctl code %#x", codes[i]);
    run(name, c_arch_prctl_code, codes[i]);
  }
  const unsigned long futex_addrs[] = { 0x1000, KERNEL_ADDR, NONCANON };
  const int futex_ops[] = { 0 /* WAIT */, 1 /* WAKE */, 9 /* WAIT_BITSET */, 13 };
  for (unsigned i = 0; i < 3; i++)
    for (unsigned j = 0; j < 4; j++) {
      snprintf(name, sizeof name, "futex op %d at %#lx", futex_ops[j], futex_addrs[i]);
      run(name, c_futex, (long)futex_addrs[i] | futex_ops[j]);
    }
  const int pflags[] = { 0, O_CLOEXEC, O_NONBLOCK, O_DIRECT, 1, O_RDWR, O_APPEND, 0x100000 };
  for (unsigned i = 0; i < sizeof pflags / sizeof pflags[0]; i++) {
    snprintf(name, sizeof name, "pipe2 flags %#x", pflags[i]);
    run(name, c_pipe2, pflags[i]);
  }
  run("pipe NULL", c_pipe_ptr, 0);
  run("pipe kernel", c_pipe_ptr, (long)KERNEL_ADDR);
  for (int f = 0; f < 10; f++) {
    snprintf(name, sizeof name, "getrandom flags %d", f);
    run(name, c_getrandom, f);
  }
  for (int r = -1; r <= 17; r++) {
    snprintf(name, sizeof name, "getrlimit %d", r);
    run(name, c_getrlimit, r);
  }
  run("getrlimit NULL", c_getrlimit_ptr, 0);
  run("getrlimit kernel", c_getrlimit_ptr, (long)KERNEL_ADDR);
  const long fds[] = { 0, 3, 1023, 1024, 1025, 1 << 20, -1 };
  for (unsigned i = 0; i < sizeof fds / sizeof fds[0]; i++) {
    snprintf(name, sizeof name, "F_DUPFD %ld", fds[i]);
    run(name, c_dupfd, fds[i]);
    snprintf(name, sizeof name, "dup2 to %ld", fds[i]);
    run(name, c_dup2, fds[i]);
  }
  run("dup3 flags 0", c_dup3, 0);
  run("dup3 O_CLOEXEC", c_dup3, O_CLOEXEC);
  run("dup3 flags 1", c_dup3, 1);
  const int cmds[] = { 12, 13, 14, 99, 1025, 1026, 1027, 1035, 1036, 1037, -1 };
  for (unsigned i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    snprintf(name, sizeof name, "fcntl cmd %d", cmds[i]);
    run(name, c_fcntl_cmd, cmds[i]);
  }
  run("F_SETFL O_NONBLOCK then read an empty pipe", c_nonblock, O_NONBLOCK);
  run("F_SETFL O_NONBLOCK|O_APPEND then read", c_nonblock, O_NONBLOCK | O_APPEND);
  run("F_GETLK F_RDLCK", c_getlk, F_RDLCK);
  run("F_GETLK F_WRLCK", c_getlk, F_WRLCK);
  run("F_GETLK F_UNLCK", c_getlk, F_UNLCK);
  run("F_GETLK type 9", c_getlk, 9);
  run("execve a directory", c_execve, 0);
  run("execve a file without x", c_execve, 1);
  run("execve a script with a missing interpreter", c_execve, 3);
  run("execve a missing file", c_execve, 4);
  const int sigs[] = { 0, 65, -1, 1000 };
  for (unsigned i = 0; i < 4; i++) {
    snprintf(name, sizeof name, "kill sig %d", sigs[i]);
    run(name, c_kill, sigs[i]);
  }
  const int asigs[] = { 0, SIGKILL, SIGSTOP, 65, 32, 33, SIGUSR1 };
  for (unsigned i = 0; i < sizeof asigs / sizeof asigs[0]; i++) {
    snprintf(name, sizeof name, "sigaction %d", asigs[i]);
    run(name, c_sigaction, asigs[i]);
  }
  for (int how = -1; how <= 3; how++) {
    snprintf(name, sizeof name, "rt_sigprocmask how %d", how);
    run(name, c_rt_sigprocmask, how);
  }
  const long sizes[] = { 0, 4, 8, 16, 128 };
  for (unsigned i = 0; i < 5; i++) {
    snprintf(name, sizeof name, "rt_sigprocmask sigsetsize %ld", sizes[i]);
    run(name, c_sigsetsize, sizes[i]);
  }
  for (int f = 0; f < FD_N; f++)
    for (int w = 0; w < 5; w += 2) {
      if (f == FD_DIR && w != 0) continue; /* a directory's size and holes belong to its file system */
      snprintf(name, sizeof name, "lseek fd=%s whence %d", fd_names[f], w);
      run(name, c_lseek, f | (w << 4));
    }
  const int oflags[] = { O_RDONLY, O_WRONLY, O_RDWR, 3, O_RDONLY | O_TRUNC, O_DIRECTORY, O_CREAT | O_EXCL, O_PATH, O_PATH | O_RDWR, O_TMPFILE };
  for (unsigned i = 0; i < sizeof oflags / sizeof oflags[0]; i++) {
    snprintf(name, sizeof name, "open file flags %#o", oflags[i]);
    run(name, c_open_flags, oflags[i]);
  }
  run("open NULL", c_open_ptr, 0);
  run("open kernel", c_open_ptr, (long)KERNEL_ADDR);
  run("open noncanonical", c_open_ptr, (long)NONCANON);
  for (int f = 0; f < FD_N; f++) {
    snprintf(name, sizeof name, "close fd=%s", fd_names[f]);
    run(name, c_close, f);
  }
  run("uname NULL", c_uname, 0);
  run("uname kernel", c_uname, (long)KERNEL_ADDR);
  for (int ck = -1; ck <= 12; ck++) {
    snprintf(name, sizeof name, "clock_gettime %d", ck);
    run(name, c_clock_gettime, ck);
  }
  run("nanosleep nsec -1", c_nanosleep, -1);
  run("nanosleep nsec 1e9", c_nanosleep, 1000000000L);
  run("nanosleep nsec 1", c_nanosleep, 1);
  run("wait4 no child", c_wait4, -1);
  run("wait4 pid 1", c_wait4, 1);
  run("setpgid -1", c_setpgid, -1);
  const int pr[] = { -1, 0, 999, PR_GET_DUMPABLE, PR_GET_NAME };
  for (unsigned i = 0; i < sizeof pr / sizeof pr[0]; i++) {
    snprintf(name, sizeof name, "prctl %d", pr[i]);
    run(name, c_prctl, pr[i]);
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  /* lwp's descriptor limit is fixed at 1024 (docs/quirks.md Q-RLIMIT): the same natively. */
  struct rlimit nofile = { 1024, 1024 };
  if (setrlimit(RLIMIT_NOFILE, &nofile) != 0) return 1;
  snprintf(dir, sizeof dir, "/tmp/lwp-syscalls-XXXXXX");
  if (mkdtemp(dir) == NULL) return 1;
  char path[96];
  snprintf(path, sizeof path, "%s/file", dir);
  int fd = open(path, O_RDWR | O_CREAT, 0644);
  if (fd < 0 || write(fd, "0123456789", 10) != 10) return 1;
  close(fd);
  snprintf(path, sizeof path, "%s/missing-interp", dir);
  fd = open(path, O_WRONLY | O_CREAT, 0755);
  if (fd < 0 || write(fd, "#!/nonexistent/interp\n", 22) != 22) return 1;
  close(fd);
  rw_cases();
  mm_cases();
  misc_cases();
  snprintf(path, sizeof path, "%s/file", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/missing-interp", dir);
  unlink(path);
  rmdir(dir);
  printf("%d cases\n", n_cases);
  return 0;
}
