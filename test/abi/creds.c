/* SPDX-License-Identifier: MIT */
/* User and group identity as root sees it (kernel/sys.c, kernel/capability.c):
 * the set*id families, supplementary groups, setfsuid and capabilities, and
 * what a process that gave up root may still do. Capability sets are printed
 * as relations (empty, equal, holds CAP_SETUID), not values, so the output does
 * not depend on which capabilities the machine grants root. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* linux/capability.h, which musl's headers do not carry. */
struct __user_cap_header_struct { unsigned version; int pid; };
struct __user_cap_data_struct { unsigned effective, permitted, inheritable; };
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
#define CAP_SETUID 7

struct caps { unsigned long long eff, perm, inh; };

static const char *errname(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case ESRCH: return "ESRCH";
    case EFAULT: return "EFAULT";
    default: return "E?";
  }
}

static struct caps caps(void) {
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2];
  memset(d, 0, sizeof d);
  struct caps c = { 0, 0, 0 };
  if (syscall(SYS_capget, &h, d) != 0) { printf("capget failed: %d\n", errno); return c; }
  c.eff = d[0].effective | (unsigned long long)d[1].effective << 32;
  c.perm = d[0].permitted | (unsigned long long)d[1].permitted << 32;
  c.inh = d[0].inheritable | (unsigned long long)d[1].inheritable << 32;
  return c;
}

static void show(const char *when) {
  uid_t r, e, s;
  gid_t rg, eg, sg;
  getresuid(&r, &e, &s);
  getresgid(&rg, &eg, &sg);
  struct caps c = caps();
  printf("%s: uid %u %u %u gid %u %u %u caps eff=%s perm=%s eff==perm=%d setuid=%d inh=%llu\n", when, r, e, s, rg, eg, sg,
         c.eff ? "some" : "none", c.perm ? "some" : "none", c.eff == c.perm, (int)((c.eff >> CAP_SETUID) & 1), c.inh);
}

#define TRY(expr) do { errno = 0; long r_ = (long)(expr); printf("%s = %ld%s%s\n", #expr, r_, errno ? " " : "", errno ? errname(errno) : ""); } while (0)

static int in_child(void (*fn)(void)) {
  pid_t c = fork();
  if (c == 0) { fn(); fflush(stdout); _exit(0); }
  int st;
  return waitpid(c, &st, 0) == c && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void drop_all(void) {
  TRY(setresuid(1000, 1000, 1000));
  show("dropped");
  TRY(setuid(0));
  TRY(setreuid(-1, 1000));
  TRY(setresuid(-1, -1, 2000));
  TRY(setgroups(0, NULL));
  TRY(setfsuid(5));
  TRY(setfsuid(-1));
  TRY(setgid(1000));
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2] = { { 1u << CAP_SETUID, 1u << CAP_SETUID, 0 }, { 0, 0, 0 } };
  TRY(syscall(SYS_capset, &h, d));
}

static void drop_euid(void) {
  TRY(setresuid(1000, 1000, 0));
  show("euid 1000, saved 0");
  TRY(setuid(0));
  show("back to euid 0");
  TRY(setreuid(2000, -1));
  show("setreuid 2000");
  TRY(setregid(3000, 3001));
  TRY(setresgid(-1, -1, 4000));
  show("groups changed");
}

static void keep_caps(void) {
  TRY(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
  TRY(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
  TRY(setresuid(1000, 1000, 1000));
  show("keepcaps");
  struct caps c = caps();
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2] = { { (unsigned)c.perm, (unsigned)c.perm, 0 }, { (unsigned)(c.perm >> 32), (unsigned)(c.perm >> 32), 0 } };
  TRY(syscall(SYS_capset, &h, d));
  show("effective raised");
  TRY(setuid(0));
}

int main(void) {
  abi_init();
  RUN("ids");
  show("start");
  TRY(getuid());
  TRY(geteuid());
  TRY(getgid());
  TRY(getegid());
  OK("ids");
  RUN("groups");
  gid_t list[] = { 5, 3, 9 };
  TRY(setgroups(3, list));
  gid_t got[8] = { 0 };
  int n = getgroups(8, got);
  printf("getgroups: %d [%u %u %u]\n", n, got[0], got[1], got[2]);
  TRY(getgroups(1, got));
  TRY(setgroups(-1, list));
  gid_t zero[] = { 0 };
  TRY(setgroups(1, zero));
  OK("groups");
  RUN("fsuid");
  TRY(setfsuid(1234));
  show("fsuid 1234");
  TRY(setfsuid(-1));
  TRY(setfsuid(0));
  TRY(setfsgid(77));
  TRY(setfsgid(0));
  OK("fsuid");
  RUN("capget");
  struct __user_cap_header_struct h = { 0x12345678, 0 };
  struct __user_cap_data_struct d[2];
  TRY(syscall(SYS_capget, &h, d));
  printf("version now %#x\n", h.version);
  h.version = 0x12345678;
  TRY(syscall(SYS_capget, &h, NULL));
  h.version = _LINUX_CAPABILITY_VERSION_3;
  h.pid = -1;
  TRY(syscall(SYS_capget, &h, d));
  OK("capget");
  RUN("drop-all");
  CHECK(in_child(drop_all) == 0);
  OK("drop-all");
  RUN("drop-euid");
  CHECK(in_child(drop_euid) == 0);
  OK("drop-euid");
  RUN("keep-caps");
  CHECK(in_child(keep_caps) == 0);
  OK("keep-caps");
  RUN("invalid");
  TRY(setuid(-1));
  TRY(setresuid(-1, -1, -1));
  show("unchanged");
  OK("invalid");
  DONE();
}
