/* SPDX-License-Identifier: MIT */
/* Default actions: the process dies of the signal named by argv[1] (exit status 128+N
 * in a shell), after printing a line; the harness compares the status with the native run. */
#define _GNU_SOURCE
#include "common.h"
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void blocked_segv(void) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGSEGV);
  sigprocmask(SIG_BLOCK, &s, NULL); /* a fault with SIGSEGV blocked still kills */
  *(volatile int *)16 = 0;
}

static void bad_sigreturn(void) {
  /* A handler that corrupts its frame's fpstate pointer (unaligned): sigreturn must fail with SIGSEGV. */
  extern void corrupt_handler(int, siginfo_t *, void *);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = corrupt_handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  printf("[FAIL] survived a corrupt frame\n");
}

#include <ucontext.h>
void corrupt_handler(int sig, siginfo_t *si, void *p) {
  (void)sig; (void)si;
  ucontext_t *uc = p;
  uc->uc_mcontext.fpregs = (void *)((char *)uc->uc_mcontext.fpregs + 8);
}

int main(int argc, char **argv) {
  abi_init();
  const char *what = argc > 1 ? argv[1] : "abort";
  printf("[RUN] die %s\n", what);
  fflush(stdout);
  if (!strcmp(what, "abort")) abort();
  if (!strcmp(what, "segv")) *(volatile int *)0 = 1;
  if (!strcmp(what, "blocked-segv")) blocked_segv();
  if (!strcmp(what, "fpe")) { volatile int z = 0, n = 7; n = n / z; printf("%d\n", n); }
  if (!strcmp(what, "ill")) __asm__ volatile("ud2");
  if (!strcmp(what, "trap")) __asm__ volatile("int3");
  if (!strcmp(what, "term")) kill(getpid(), SIGTERM);
  if (!strcmp(what, "usr1")) raise(SIGUSR1);
  if (!strcmp(what, "alarm")) { alarm(1); for (;;) pause(); }
  if (!strcmp(what, "kill")) raise(SIGKILL);
  if (!strcmp(what, "sigreturn")) bad_sigreturn();
  if (!strcmp(what, "exit7")) exit(7);
  printf("[FAIL] still alive\n");
  return 1;
}
