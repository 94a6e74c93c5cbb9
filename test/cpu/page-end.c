/* SPDX-License-Identifier: MIT */
/* `page-end HEX...`: each argument is an instruction's first bytes in hex (1 to 4 bytes),
 * placed at the very end of an executable page whose next page is unmapped and run in a
 * forked child; one line per argument says how the child ended: "HEX sig=S addr=A rip=R"
 * (addresses as offsets in the page pair), "HEX returned", or "HEX killed by N" when the
 * signal could not be handled (an instruction that broke the stack pointer). The processor fetches past the page only for
 * the bytes an instruction needs, so an opcode complete in the page ends in its own way
 * (SIGILL for an undefined one) and an incomplete one in SIGSEGV at the next page
 * (test/cpu/decode-page-end.test.ts compares the host with lwp). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#define PAGE 0x300000000000UL

/* What the child saw, written by its handler into memory the parent shares. */
static char *result;

static void ended(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  unsigned long addr = sig == SIGALRM ? 0 : (unsigned long)si->si_addr - PAGE;
  snprintf(result, 96, "sig=%d addr=%lx rip=%llx", sig, addr, (unsigned long long)uc->uc_mcontext.gregs[REG_RIP] - PAGE);
  _exit(0);
}

int main(int argc, char **argv) {
  uint8_t *p = mmap((void *)PAGE, 0x2000, PROT_READ | PROT_WRITE | PROT_EXEC,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  result = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED || result == MAP_FAILED || munmap(p + 0x1000, 0x1000) != 0) return 1;
  for (int a = 1; a < argc; a++) {
    size_t n = strlen(argv[a]) / 2;
    if (n < 1 || n > 4) return 2;
    for (size_t k = 0; k < n; k++) {
      unsigned v;
      if (sscanf(argv[a] + 2 * k, "%2x", &v) != 1) return 2;
      p[0x1000 - n + k] = (uint8_t)v;
    }
    result[0] = 0;
    pid_t pid = fork();
    if (pid < 0) return 3;
    if (pid == 0) {
      struct sigaction sa;
      memset(&sa, 0, sizeof sa);
      sa.sa_sigaction = ended;
      sa.sa_flags = SA_SIGINFO;
      int sigs[] = {SIGSEGV, SIGILL, SIGBUS, SIGTRAP, SIGFPE, SIGALRM};
      for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, 0);
      alarm(1);
      ((void (*)(void))(p + 0x1000 - n))();
      strcpy(result, "returned");
      _exit(0);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid) return 3;
    if (result[0] != 0) printf("%s %s\n", argv[a], result);
    else if (WIFSIGNALED(st)) printf("%s killed by %d\n", argv[a], WTERMSIG(st));
    else printf("%s exit %d\n", argv[a], WEXITSTATUS(st));
  }
  return 0;
}
