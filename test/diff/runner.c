// SPDX-License-Identifier: MIT
// Native oracle for the differential tests: loads a register/RFLAGS/FXSAVE
// state and a scratch window, runs a snippet at a fixed address on this CPU
// and dumps the state the snippet ends in (every snippet ends in a signal: the
// trailing UD2's SIGILL, or the fault it raised). Batches of cases are passed
// in files (so the test process never blocks on a pipe), announced on stdin
// and acknowledged on stdout; layout mirrors test/diff/state.ts (native.ts builds it).
#define _GNU_SOURCE
#include <setjmp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_BYTES 32
#define WIN 640

/* Architectural state: GPRs in encoding order, RIP, RFLAGS, FXSAVE image. */
struct state {
  uint64_t gpr[16];
  uint64_t rip;
  uint64_t rflags;
  uint8_t fx[512];
} __attribute__((aligned(16)));

struct in_rec {
  uint8_t code[CODE_BYTES];
  struct state st;
  uint8_t win[WIN];
};

struct out_rec {
  struct state st;
  uint32_t signo;
  uint32_t scode;
  uint64_t saddr;
  uint8_t win[WIN];
};

static struct state g_in;
static struct out_rec *g_out;
static jmp_buf g_env;
static uint8_t *g_code;
static uint8_t *g_win;

/* dx_enter(&state): loads everything and jumps to the snippet; never returns
   (the snippet always ends in a signal, whose handler longjmps back). */
void dx_enter(struct state *s);
uint64_t dx_code_ptr;
__asm__(
    ".text\n.globl dx_enter\ndx_enter:\n"
    "  fxrstor64 144(%rdi)\n"
    "  lea 136(%rdi), %rsp\n"
    "  popfq\n"
    "  mov 0(%rdi), %rax\n  mov 8(%rdi), %rcx\n  mov 16(%rdi), %rdx\n  mov 24(%rdi), %rbx\n"
    "  mov 40(%rdi), %rbp\n  mov 48(%rdi), %rsi\n  mov 64(%rdi), %r8\n  mov 72(%rdi), %r9\n"
    "  mov 80(%rdi), %r10\n  mov 88(%rdi), %r11\n  mov 96(%rdi), %r12\n  mov 104(%rdi), %r13\n"
    "  mov 112(%rdi), %r14\n  mov 120(%rdi), %r15\n  mov 32(%rdi), %rsp\n  mov 56(%rdi), %rdi\n"
    "  jmp *dx_code_ptr(%rip)\n");

static const int GREG[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                             REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};

/* POPF may have left AC (alignment checking) set; the runner's own code must not run with it. */
static inline void clear_ac_df(void) { __asm__ volatile("pushfq\n andq $~0x40400, (%%rsp)\n popfq" ::: "memory", "cc"); }

static void on_signal(int sig, siginfo_t *si, void *ucv) {
  clear_ac_df();
  ucontext_t *uc = ucv;
  greg_t *g = uc->uc_mcontext.gregs;
  for (int i = 0; i < 16; i++) g_out->st.gpr[i] = (uint64_t)g[GREG[i]];
  g_out->st.rip = (uint64_t)g[REG_RIP];
  g_out->st.rflags = (uint64_t)g[REG_EFL];
  memcpy(g_out->st.fx, uc->uc_mcontext.fpregs, 512);
  g_out->signo = (uint32_t)sig;
  g_out->scode = (uint32_t)si->si_code;
  g_out->saddr = (uint64_t)si->si_addr;
  _longjmp(g_env, 1);
}

static int read_all(int fd, void *p, size_t n) {
  uint8_t *b = p;
  while (n > 0) {
    ssize_t k = read(fd, b, n);
    if (k <= 0) return -1;
    b += k;
    n -= (size_t)k;
  }
  return 0;
}

static void write_all(int fd, const void *p, size_t n) {
  const uint8_t *b = p;
  while (n > 0) {
    ssize_t k = write(fd, b, n);
    if (k <= 0) _exit(3);
    b += k;
    n -= (size_t)k;
  }
}

static void setup(uint64_t code, uint64_t scratch) {
  uint64_t code_page = code & ~(uint64_t)4095;
  uint8_t *cp = mmap((void *)code_page, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  g_code = cp + (code & 4095);
  uint8_t *page = mmap((void *)scratch, 4096, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (cp != (void *)code_page || page != (void *)scratch) _exit(2);
  g_win = page + 4096 - WIN;
  dx_code_ptr = code;
  static uint8_t altstack[1 << 16];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  int sigs[] = {SIGSEGV, SIGILL, SIGFPE, SIGBUS, SIGTRAP};
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, 0);
}

static void run_one(const struct in_rec *in, struct out_rec *out) {
  memset(out, 0, sizeof *out);
  memcpy(g_code, in->code, CODE_BYTES);
  memcpy(g_win, in->win, WIN);
  g_in = in->st;
  g_out = out;
  if (_setjmp(g_env) == 0) dx_enter(&g_in);
  clear_ac_df();
  memcpy(out->win, g_win, WIN);
}

/* Usage: runner CODE_ADDR SCRATCH_PAGE WIN IN_FILE OUT_FILE (hex, hex, decimal;
   WIN must match). Protocol: a u32 count on stdin means "IN_FILE holds count
   in_recs"; the runner writes count out_recs to OUT_FILE and echoes the count
   on stdout. EOF on stdin ends the process. */
int main(int argc, char **argv) {
  if (argc < 6 || atoi(argv[3]) != WIN) return 1;
  setup(strtoull(argv[1], 0, 16), strtoull(argv[2], 0, 16));
  static struct in_rec ins[4096];
  static struct out_rec outs[4096];
  for (;;) {
    uint32_t n;
    if (read_all(0, &n, 4) != 0) return 0;
    int in = open(argv[4], O_RDONLY);
    if (n > 4096 || in < 0 || read_all(in, ins, n * sizeof ins[0]) != 0) return 4;
    close(in);
    for (uint32_t i = 0; i < n; i++) run_one(&ins[i], &outs[i]);
    int out = open(argv[5], O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0) return 5;
    write_all(out, outs, n * sizeof outs[0]);
    close(out);
    write_all(1, &n, 4);
  }
}
