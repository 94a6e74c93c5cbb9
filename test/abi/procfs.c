/* SPDX-License-Identifier: MIT */
/* /proc describes the process itself (issue 10 item 2, issue 14 item 5): every
 * check compares a /proc file with what the process knows from system calls,
 * so it holds natively and must hold under lwp: cmdline, environ, auxv, exe,
 * cwd, fd/, stat, status, limits, comm, task/, mem (reads and writes of its own
 * memory, a read-only page included), another process's files, cpuinfo's flags
 * against CPUID, and the online CPUs against sysconf and the affinity mask. */
#define _GNU_SOURCE
#include "common.h"
#include <cpuid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The whole file in a static buffer; its length, or -1. */
static long slurp(const char *path, char *buf, long size) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  long n = 0;
  for (ssize_t k; n < size - 1 && (k = read(fd, buf + n, size - 1 - n)) > 0;) n += k;
  close(fd);
  buf[n] = 0;
  return n;
}

/* The value after "Key:\t" in a status-style file. */
static const char *field(const char *text, const char *key) {
  static char out[256];
  const char *p = strstr(text, key);
  if (p == NULL) return "";
  p += strlen(key);
  while (*p == ':' || *p == '\t' || *p == ' ') p++;
  size_t n = strcspn(p, "\n");
  if (n >= sizeof out) n = sizeof out - 1;
  memcpy(out, p, n);
  out[n] = 0;
  return out;
}

static char big[1 << 16];

static void strings(int argc, char **argv) {
  RUN("cmdline, environ, auxv");
  long n = slurp("/proc/self/cmdline", big, sizeof big);
  long want = 0;
  for (int i = 0; i < argc; i++) {
    CHECK(n > want && strcmp(big + want, argv[i]) == 0);
    want += strlen(argv[i]) + 1;
  }
  CHECK(n == want);
  n = slurp("/proc/self/environ", big, sizeof big);
  want = 0;
  for (char **e = environ; *e != NULL; e++) {
    CHECK(n > want && strcmp(big + want, *e) == 0);
    want += strlen(*e) + 1;
  }
  CHECK(n == want);
  argv[0][0] = '#';
  CHECK(slurp("/proc/self/cmdline", big, sizeof big) > 0 && big[0] == '#');
  n = slurp("/proc/self/auxv", big, sizeof big);
  unsigned long *aux = (unsigned long *)big;
  int seen = 0;
  for (long i = 0; i + 1 < n / 8; i += 2) {
    if (aux[i] == AT_PAGESZ || aux[i] == AT_ENTRY || aux[i] == AT_PHDR || aux[i] == AT_RANDOM || aux[i] == AT_UID) {
      CHECK(aux[i + 1] == getauxval(aux[i]));
      seen++;
    }
    if (aux[i] == AT_NULL) CHECK(i + 2 == n / 8);
  }
  CHECK(seen == 5 && n % 16 == 0);
  OK("cmdline, environ, auxv");
}

static void links(void) {
  RUN("exe, cwd, root, fd");
  char a[PATH_MAX], b[PATH_MAX];
  ssize_t k = readlink("/proc/self/exe", a, sizeof a - 1);
  CHECK(k > 0 && realpath((char *)getauxval(AT_EXECFN), b) != NULL);
  if (k > 0) a[k] = 0;
  CHECK(strcmp(a, b) == 0);
  CHECK(chdir("/tmp") == 0 && (k = readlink("/proc/self/cwd", a, sizeof a - 1)) > 0);
  if (k > 0) a[k] = 0;
  CHECK(getcwd(b, sizeof b) != NULL && strcmp(a, b) == 0);
  CHECK((k = readlink("/proc/self/root", a, sizeof a - 1)) == 1 && a[0] == '/');
  char path[] = "/tmp/lwp-procfs-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0 && write(fd, "hello", 5) == 5);
  snprintf(b, sizeof b, "/proc/self/fd/%d", fd);
  CHECK((k = readlink(b, a, sizeof a - 1)) > 0);
  if (k > 0) a[k] = 0;
  CHECK(strcmp(a, path) == 0);
  int again = open(b, O_RDONLY);
  char text[8] = { 0 };
  CHECK(again >= 0 && again != fd && read(again, text, 5) == 5 && strcmp(text, "hello") == 0);
  CHECK(lseek(fd, 0, SEEK_CUR) == 5);
  struct stat s1, s2;
  CHECK(fstat(fd, &s1) == 0 && stat(b, &s2) == 0 && s1.st_ino == s2.st_ino && s1.st_dev == s2.st_dev);
  CHECK(lstat(b, &s2) == 0 && S_ISLNK(s2.st_mode));
  int p[2];
  CHECK(pipe(p) == 0);
  snprintf(b, sizeof b, "/proc/self/fd/%d", p[1]);
  CHECK((k = readlink(b, a, sizeof a - 1)) > 6 && strncmp(a, "pipe:[", 6) == 0);
  CHECK(fstat(p[1], &s1) == 0);
  if (k > 0) a[k] = 0;
  CHECK(strtoul(a + 6, NULL, 10) == s1.st_ino);
  int w = open(b, O_WRONLY);
  CHECK(w >= 0 && write(w, "x", 1) == 1 && read(p[0], text, 1) == 1 && text[0] == 'x');
  DIR *d = opendir("/proc/self/fd");
  int found = 0;
  for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) found += atoi(e->d_name) == fd || atoi(e->d_name) == p[0];
  if (d != NULL) closedir(d);
  CHECK(found == 2);
  close(w); close(p[0]); close(p[1]); close(again); close(fd);
  unlink(path);
  snprintf(b, sizeof b, "/proc/self/fd/%d", fd);
  CHECK(readlink(b, a, sizeof a) == -1 && errno == ENOENT);
  OK("exe, cwd, root, fd");
}

/* The second thread lives until the main thread has read /proc/self/status (a byte on the pipe). */
static int idle_pipe[2];

static void *idle(void *arg) {
  char c;
  while (read(idle_pipe[0], &c, 1) < 0 && errno == EINTR) {
  }
  return arg;
}

static void stat_status(void) {
  RUN("stat, status, limits, comm, task");
  long n = slurp("/proc/self/stat", big, sizeof big);
  CHECK(n > 0);
  int pid, ppid, pgrp, sid;
  char state;
  char *close_paren = strrchr(big, ')');
  CHECK(close_paren != NULL && sscanf(big, "%d", &pid) == 1 && pid == getpid());
  CHECK(close_paren != NULL && sscanf(close_paren + 2, "%c %d %d %d", &state, &ppid, &pgrp, &sid) == 4);
  CHECK(state == 'R' && ppid == getppid() && pgrp == getpgrp() && sid == getsid(0));
  char name[16] = { 0 };
  CHECK(prctl(PR_GET_NAME, name) == 0);
  char want[40];
  snprintf(want, sizeof want, "%d (%s) ", pid, name);
  CHECK(strncmp(big, want, strlen(want)) == 0);
  int fields = 2; /* pid and (comm), then one space before each further field */
  for (char *c = close_paren + 1; *c != 0; c++) fields += *c == ' ';
  CHECK(fields == 52);
  n = slurp("/proc/self/status", big, sizeof big);
  CHECK(strcmp(field(big, "Name"), name) == 0);
  CHECK(atoi(field(big, "Pid")) == getpid() && atoi(field(big, "PPid")) == getppid() && atoi(field(big, "Tgid")) == getpid());
  char ids[64];
  snprintf(ids, sizeof ids, "%d\t%d\t%d\t%d", getuid(), geteuid(), getuid(), geteuid());
  CHECK(strcmp(field(big, "Uid"), ids) == 0);
  CHECK(atoi(field(big, "Threads")) == 1);
  pthread_t th;
  CHECK(pipe(idle_pipe) == 0);
  CHECK(pthread_create(&th, NULL, idle, NULL) == 0);
  CHECK(slurp("/proc/self/status", big, sizeof big) > 0 && atoi(field(big, "Threads")) == 2);
  CHECK(write(idle_pipe[1], "x", 1) == 1);
  CHECK(pthread_join(th, NULL) == 0);
  close(idle_pipe[0]);
  close(idle_pipe[1]);
  char tdir[64];
  snprintf(tdir, sizeof tdir, "/proc/self/task/%ld/stat", (long)syscall(SYS_gettid));
  CHECK(access(tdir, R_OK) == 0);
  struct rlimit rl;
  CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && slurp("/proc/self/limits", big, sizeof big) > 0);
  char row[128];
  snprintf(row, sizeof row, "Max open files            %-20lu %-20lu files", (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
  CHECK(strstr(big, row) != NULL);
  int fd = open("/proc/self/comm", O_WRONLY);
  CHECK(fd >= 0 && write(fd, "renamed", 7) == 7);
  close(fd);
  CHECK(prctl(PR_GET_NAME, name) == 0 && strcmp(name, "renamed") == 0);
  CHECK(slurp("/proc/self/comm", big, sizeof big) == 8 && strcmp(big, "renamed\n") == 0);
  char self[64], thread[64], want2[64];
  ssize_t k = readlink("/proc/thread-self", thread, sizeof thread - 1);
  CHECK(k > 0 && readlink("/proc/self", self, sizeof self) > 0);
  if (k > 0) thread[k] = 0;
  snprintf(want2, sizeof want2, "%d/task/%ld", getpid(), (long)syscall(SYS_gettid));
  CHECK(strcmp(thread, want2) == 0);
  OK("stat, status, limits, comm, task");
}

static const char secret_page[4096] __attribute__((aligned(4096))) = "read-only";
static volatile long shared_value = 1234;

static void mem(void) {
  RUN("mem");
  int fd = open("/proc/self/mem", O_RDWR);
  CHECK(fd >= 0);
  long v = 0;
  CHECK(pread(fd, &v, sizeof v, (off_t)&shared_value) == sizeof v && v == 1234);
  v = 5678;
  CHECK(pwrite(fd, &v, sizeof v, (off_t)&shared_value) == sizeof v && shared_value == 5678);
  CHECK(pwrite(fd, "written", 8, (off_t)secret_page) == 8);
  const volatile char *sp = secret_page;
  CHECK(sp[0] == 'w' && sp[6] == 'n' && sp[7] == 0);
  char buf[16];
  CHECK(pread(fd, buf, sizeof buf, 4096) == -1 && errno == EIO);
  CHECK(lseek(fd, (off_t)&shared_value, SEEK_SET) == (off_t)&shared_value && read(fd, &v, sizeof v) == sizeof v && v == 5678);
  CHECK(lseek(fd, 0, SEEK_END) == -1 && errno == EINVAL);
  close(fd);
  OK("mem");
}

static void child_files(void) {
  RUN("another process");
  int p[2];
  CHECK(pipe(p) == 0);
  pid_t c = fork();
  if (c == 0) {
    char x;
    close(p[1]);
    (void)!read(p[0], &x, 1);
    _exit(0);
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/cmdline", c);
  long n = slurp(path, big, sizeof big);
  CHECK(n > 0 && strcmp(big, "#") > 0);
  snprintf(path, sizeof path, "/proc/%d/stat", c);
  CHECK(slurp(path, big, sizeof big) > 0 && atoi(big) == c);
  snprintf(path, sizeof path, "/proc/%d", c);
  struct stat st;
  CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid());
  DIR *d = opendir("/proc");
  int listed = 0;
  for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) listed += atoi(e->d_name) == c || atoi(e->d_name) == getpid();
  if (d != NULL) closedir(d);
  CHECK(listed == 2);
  CHECK(write(p[1], "x", 1) == 1);
  int wst;
  CHECK(waitpid(c, &wst, 0) == c);
  CHECK(stat(path, &st) == -1 && errno == ENOENT);
  close(p[0]);
  close(p[1]);
  OK("another process");
}

/* Whether the flags line of /proc/cpuinfo holds `flag`. */
static int has_flag(const char *flag) {
  const char *line = strstr(big, "\nflags");
  if (line == NULL) return -1;
  char want[40];
  snprintf(want, sizeof want, " %s", flag);
  const char *end = strchr(line + 1, '\n');
  for (const char *p = strstr(line, want); p != NULL && p < end; p = strstr(p + 1, want)) {
    if (p[strlen(want)] == ' ' || p[strlen(want)] == '\n') return 1;
  }
  return 0;
}

static void cpu(void) {
  RUN("cpuinfo, online CPUs");
  CHECK(slurp("/proc/cpuinfo", big, sizeof big) > 0);
  unsigned a, b, c, d, ea, eb, ec, ed;
  __cpuid(1, a, b, c, d);
  __cpuid(0x80000001, ea, eb, ec, ed);
  struct { const char *name; int bit; } flags[] = {
    { "fpu", d & 1 }, { "tsc", (d >> 4) & 1 }, { "cx8", (d >> 8) & 1 }, { "cmov", (d >> 15) & 1 }, { "mmx", (d >> 23) & 1 },
    { "sse", (d >> 25) & 1 }, { "sse2", (d >> 26) & 1 }, { "pni", c & 1 }, { "ssse3", (c >> 9) & 1 }, { "cx16", (c >> 13) & 1 },
    { "sse4_1", (c >> 19) & 1 }, { "popcnt", (c >> 23) & 1 }, { "xsave", (c >> 26) & 1 }, { "avx", (c >> 28) & 1 },
    { "syscall", (ed >> 11) & 1 }, { "nx", (ed >> 20) & 1 }, { "lm", (ed >> 29) & 1 }, { "lahf_lm", ec & 1 },
    { "lwp", (ec >> 15) & 1 },
  };
  for (unsigned i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    if (has_flag(flags[i].name) != flags[i].bit) printf("[FAIL] flag %s: cpuinfo %d, CPUID %d\n", flags[i].name, has_flag(flags[i].name), flags[i].bit), abi_failures++;
  }
  unsigned family = (a >> 8) & 0xf;
  if (family == 0xf) family += (a >> 20) & 0xff;
  CHECK(atoi(field(big, "cpu family")) == (int)family);
  char online[64];
  CHECK(slurp("/sys/devices/system/cpu/online", online, sizeof online) > 0);
  int count = 0, lo, hi;
  for (char *p = online; sscanf(p, "%d", &lo) == 1;) {
    hi = lo;
    char *q = p + strspn(p, "0123456789");
    if (*q == '-') { hi = atoi(q + 1); q += 1 + strspn(q + 1, "0123456789"); }
    count += hi - lo + 1;
    if (*q != ',') break;
    p = q + 1;
  }
  cpu_set_t set;
  CHECK(sched_getaffinity(0, sizeof set, &set) == 0);
  CHECK(count == sysconf(_SC_NPROCESSORS_ONLN) && count >= CPU_COUNT(&set));
  int processors = 0;
  for (const char *p = big; (p = strstr(p, "processor\t:")) != NULL; p++) processors++;
  CHECK(processors == count);
  OK("cpuinfo, online CPUs");
}

int main(int argc, char **argv) {
  abi_init();
  strings(argc, argv);
  links();
  stat_status();
  mem();
  child_files();
  cpu();
  DONE();
}
