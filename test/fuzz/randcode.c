/* SPDX-License-Identifier: MIT */
/* Random machine code, run to its end: `randcode SEED FIRST COUNT [LEN]` makes
 * the snippets FIRST..FIRST+COUNT-1 of SEED (LEN random bytes each, 32 unless
 * said, from a splitmix64 stream) and runs each in a forked child: mapped
 * read+execute at the end of a page (falling off runs into an unmapped page),
 * every general register pointing into a zeroed read-write scratch area (FS
 * and GS bases too), RFLAGS, x87, MXCSR and the vector registers in their
 * reset state. The child prints one line for the signal that ends it:
 * "N sig=S code=C addr=A rip=R" (addr and rip relative to the snippet when
 * they fall in its page, "timeout" when it runs on). A snippet that could make
 * a system call or read something the host and the emulator do not share
 * (SYSCALL, SYSENTER, INT 80, CPUID, RDTSC(P), RDRAND/RDSEED/RDPID, XGETBV,
 * RDPKRU) is replaced by the next one of the stream ("skip" is never printed:
 * the same bytes are drawn natively and under lwp). test/fuzz/randcode.ts
 * compares the native run with `lwp run`. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_PAGE 0x200000000000UL /* far from the binary, the stack and mmap's picks */
#define SCRATCH (CODE_PAGE + 0x100000UL)
#define SCRATCH_SIZE 0x10000UL
#define MAX_LEN 256

static uint64_t sm_state;
static uint64_t splitmix64(void) {
  uint64_t z = (sm_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Byte pairs that start an instruction the snippet must not run (see above). */
static int forbidden(const uint8_t *b, int n) {
  for (int i = 0; i + 1 < n; i++) {
    if (b[i] == 0xcd && b[i + 1] == 0x80) return 1;
    if (b[i] != 0x0f) continue;
    uint8_t o = b[i + 1];
    if (o == 0x05 || o == 0x34 || o == 0xa2 || o == 0x31 || o == 0xc7) return 1;
    if (o == 0x01 && i + 2 < n && (b[i + 2] == 0xd0 || b[i + 2] == 0xf9 || b[i + 2] == 0xee)) return 1;
  }
  return 0;
}

/* Snippet `index` of the stream: drawn in order, forbidden ones replaced by the next draw. */
static void snippet(uint64_t seed, long index, uint8_t *out, int len) {
  sm_state = seed ^ ((uint64_t)index * 0xd1342543de82ef95ULL);
  sm_state = splitmix64(); /* neighbouring indexes: unrelated streams */
  do {
    for (int i = 0; i < len; i++) out[i] = (uint8_t)splitmix64();
  } while (forbidden(out, len));
}

static long g_index;
static uint8_t *g_code;

/* Async-signal-safe output: the handler runs with random FS/GS and flags. */
static char *put_str(char *p, const char *s) {
  while (*s) *p++ = *s++;
  return p;
}
static char *put_dec(char *p, long v) {
  char t[24];
  int n = 0;
  if (v < 0) { *p++ = '-'; v = -v; }
  do { t[n++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (n) *p++ = t[--n];
  return p;
}
static char *put_addr(char *p, uint64_t a) {
  if (a >= CODE_PAGE && a < CODE_PAGE + 0x2000) {
    p = put_str(p, "code+");
    return put_dec(p, (long)(a - CODE_PAGE));
  }
  p = put_str(p, "0x");
  int started = 0;
  for (int s = 60; s >= 0; s -= 4) {
    int d = (int)((a >> s) & 15);
    if (d || started || s == 0) { *p++ = "0123456789abcdef"[d]; started = 1; }
  }
  return p;
}

static long raw3(long nr, long a, long b, long c) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}

static void on_signal(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  char line[160], *p = line;
  p = put_dec(p, g_index);
  if (sig == SIGALRM) {
    p = put_str(p, " timeout\n");
  } else {
    p = put_str(p, " sig=");
    p = put_dec(p, sig);
    p = put_str(p, " code=");
    p = put_dec(p, si->si_code);
    p = put_str(p, " addr=");
    p = put_addr(p, (uint64_t)si->si_addr);
    p = put_str(p, " rip=");
    p = put_addr(p, (uint64_t)uc->uc_mcontext.gregs[REG_RIP]);
    *p++ = '\n';
  }
  raw3(SYS_write, 1, (long)line, p - line);
  raw3(SYS_exit_group, 0, 0, 0);
}

/* Whether the upper halves of the YMM registers exist (and are cleared too). */
char g_avx;

/* rc_enter(regs, target): loads the 16 registers (RSP last) and jumps; never returns. */
void rc_enter(const uint64_t *regs, uint64_t target);
__asm__(".text\n.globl rc_enter\nrc_enter:\n"
        "  push $0x202\n  popfq\n"
        "  fninit\n  push $0x1f80\n  ldmxcsr (%rsp)\n  pop %rax\n"
        "  cmpb $0, g_avx(%rip)\n  je 1f\n  vzeroall\n1:\n"
        "  xorps %xmm0, %xmm0\n  xorps %xmm1, %xmm1\n  xorps %xmm2, %xmm2\n  xorps %xmm3, %xmm3\n"
        "  xorps %xmm4, %xmm4\n  xorps %xmm5, %xmm5\n  xorps %xmm6, %xmm6\n  xorps %xmm7, %xmm7\n"
        "  xorps %xmm8, %xmm8\n  xorps %xmm9, %xmm9\n  xorps %xmm10, %xmm10\n  xorps %xmm11, %xmm11\n"
        "  xorps %xmm12, %xmm12\n  xorps %xmm13, %xmm13\n  xorps %xmm14, %xmm14\n  xorps %xmm15, %xmm15\n"
        "  mov %rsi, %r15\n"
        "  mov 0(%rdi), %rax\n  mov 8(%rdi), %rcx\n  mov 16(%rdi), %rdx\n  mov 24(%rdi), %rbx\n"
        "  mov 40(%rdi), %rbp\n  mov 48(%rdi), %rsi\n  mov 64(%rdi), %r8\n  mov 72(%rdi), %r9\n"
        "  mov 80(%rdi), %r10\n  mov 88(%rdi), %r11\n  mov 96(%rdi), %r12\n  mov 104(%rdi), %r13\n"
        "  mov 112(%rdi), %r14\n  mov 32(%rdi), %rsp\n"
        "  push %r15\n  mov 120(%rdi), %r15\n  mov 56(%rdi), %rdi\n"
        "  ret\n");

static void run_bytes(long index, const uint8_t *bytes, int len) {
  g_index = index;
  /* 100 ms unless RANDCODE_TIMER_MS says otherwise: a loaded host still reaches the snippet.
   * Under lwp the timer runs on virtual time (1 ns an instruction): test/fuzz/randcode.ts
   * runs a snippet that timed out only there again with a longer one (Q-VIRTUAL-TIME).
   * Read here, before FS points into the scratch area (strtol's locale is reached through it). */
  const char *ms = getenv("RANDCODE_TIMER_MS");
  long timer_us = ms != NULL && atol(ms) > 0 ? atol(ms) * 1000 : 100000;
  /* RANDCODE_PREFAULT=1: the scratch pages are touched before the snippet runs, so that it
   * takes no page fault there (test/fuzz/randcode.ts, Q-FAULT-RSP). */
  int prefault = getenv("RANDCODE_PREFAULT") != NULL;
  uint8_t *code = mmap((void *)CODE_PAGE, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  uint8_t *scratch = mmap((void *)SCRATCH, SCRATCH_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (code == MAP_FAILED || scratch == MAP_FAILED) _exit(3);
  if (prefault)
    for (unsigned long k = 0; k < SCRATCH_SIZE; k += 0x1000) ((volatile uint8_t *)scratch)[k] = 0;
  g_code = code + 0x1000 - len;
  memcpy(g_code, bytes, len);
  mprotect(code, 0x1000, PROT_READ | PROT_EXEC);
  static char altstack[65536];
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
  sigaltstack(&ss, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigfillset(&sa.sa_mask);
  int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGALRM, SIGSYS };
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, 0);
  /* Registers: small counts in RCX/RDX (loops end), pointers into the scratch area elsewhere. */
  uint64_t regs[16];
  for (int r = 0; r < 16; r++) regs[r] = SCRATCH + 0x800 + (uint64_t)r * 0x400;
  regs[1] = 7;
  regs[2] = 3;
  regs[4] = SCRATCH + SCRATCH_SIZE / 2; /* RSP: 32 KiB of zeros each way */
  syscall(SYS_arch_prctl, 0x1002 /* ARCH_SET_FS */, SCRATCH + 0x4000);
  syscall(SYS_arch_prctl, 0x1001 /* ARCH_SET_GS */, SCRATCH + 0x6000);
  struct itimerval it = { .it_value = { timer_us / 1000000, timer_us % 1000000 } };
  setitimer(ITIMER_REAL, &it, 0);
  rc_enter(regs, (uint64_t)g_code);
}

static void run_case(uint64_t seed, long index, int len) {
  uint8_t bytes[MAX_LEN];
  snippet(seed, index, bytes, len);
  run_bytes(index, bytes, len);
}

/* `randcode run HEX...`: each argument a snippet in hex, numbered from 0 (the pinning tests). */
static int run_hex(int n, char **hex) {
  for (int k = 0; k < n; k++) {
    uint8_t b[MAX_LEN];
    int len = 0;
    for (const char *h = hex[k]; h[0] && h[1] && len < MAX_LEN; h += 2) {
      unsigned v;
      if (sscanf(h, "%2x", &v) != 1) return 2;
      b[len++] = (uint8_t)v;
    }
    pid_t c = fork();
    if (c == 0) run_bytes(k, b, len);
    int st;
    if (waitpid(c, &st, 0) != c) return 1;
    if (WIFSIGNALED(st)) printf("%d killed sig=%d\n", k, WTERMSIG(st));
    else if (WEXITSTATUS(st) != 0) printf("%d exit=%d\n", k, WEXITSTATUS(st));
  }
  return 0;
}

/* `randcode show SEED INDEX [LEN]`: the bytes of one snippet, in hex. */
static int show(uint64_t seed, long index, int len) {
  uint8_t b[MAX_LEN];
  snippet(seed, index, b, len);
  for (int i = 0; i < len; i++) printf("%02x", b[i]);
  printf("\n");
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  g_avx = (char)__builtin_cpu_supports("avx");
  if (argc >= 2 && !strcmp(argv[1], "run")) return run_hex(argc - 2, argv + 2);
  if (argc >= 4 && !strcmp(argv[1], "show")) return show(strtoull(argv[2], 0, 0), atol(argv[3]), argc > 4 ? atoi(argv[4]) : 32);
  if (argc < 4) {
    fprintf(stderr, "usage: randcode SEED FIRST COUNT [LEN]\n");
    return 2;
  }
  uint64_t seed = strtoull(argv[1], 0, 0);
  long first = atol(argv[2]), count = atol(argv[3]);
  int len = argc > 4 ? atoi(argv[4]) : 32;
  if (len < 1 || len > MAX_LEN) return 2;
  for (long i = first; i < first + count; i++) {
    pid_t c = fork();
    if (c == 0) run_case(seed, i, len);
    int st;
    if (waitpid(c, &st, 0) != c) return 1;
    if (WIFSIGNALED(st)) printf("%ld killed sig=%d\n", i, WTERMSIG(st));
    else if (WEXITSTATUS(st) != 0) printf("%ld exit=%d\n", i, WEXITSTATUS(st));
  }
  return 0;
}
