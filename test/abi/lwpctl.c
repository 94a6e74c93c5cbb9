/* SPDX-License-Identifier: MIT */
/* LWP as an OS feature (no native oracle: checked against docs/kernel.md): XCR0[62] at
 * boot as CPUID 0xD reports it, the irreversible per-task PR_LWP_DISABLE inherited by
 * children, SIGILL from LWP instructions once disabled. argv[1] = "nolwp" under --no-lwp. */
#define _GNU_SOURCE
#include "common.h"
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define PR_LWP_DISABLE 0x4c575001
#define PR_LWP_GET 0x4c575002
#define PR_LWP_SET_SIGNAL 0x4c575003

static unsigned xsave_size(void) {
  unsigned a, b, c, d;
  __cpuid_count(0xd, 0, a, b, c, d);
  return b;
}

static sigjmp_buf jb;
static void on_ill(int sig) { (void)sig; siglongjmp(jb, 1); }

/* 1 if SLWPCB executes, 0 if it raised SIGILL. */
static int slwpcb_works(void) {
  signal(SIGILL, on_ill);
  if (sigsetjmp(jb, 1) != 0) return 0;
  unsigned long cb;
  __asm__ volatile("slwpcb %0" : "=r"(cb));
  return 1;
}

static int child_status(void) {
  int st = 0;
  wait(&st);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

int main(int argc, char **argv) {
  abi_init();
  int boot_on = !(argc > 1 && !strcmp(argv[1], "nolwp"));
  RUN("boot");
  CHECK(xsave_size() == (boot_on ? 0x3c0u : 0x240u));
  CHECK(prctl(PR_LWP_GET, 0, 0, 0, 0) == boot_on);
  CHECK(slwpcb_works() == boot_on);
  OK("boot");
  RUN("disable");
  if (fork() == 0) {
    if (prctl(PR_LWP_DISABLE, 0, 0, 0, 0) != 0) _exit(1);
    if (xsave_size() != 0x240 || prctl(PR_LWP_GET, 0, 0, 0, 0) != 0) _exit(2);
    if (slwpcb_works()) _exit(3);
    if (prctl(PR_LWP_SET_SIGNAL, SIGUSR1, 0, 0, 0) != -1) _exit(4);
    if (fork() == 0) _exit(prctl(PR_LWP_GET, 0, 0, 0, 0) == 0 && !slwpcb_works() ? 0 : 5);
    _exit(child_status());
  }
  CHECK(child_status() == 0);
  CHECK(prctl(PR_LWP_GET, 0, 0, 0, 0) == boot_on);
  CHECK(slwpcb_works() == boot_on);
  OK("disable");
  DONE();
}
