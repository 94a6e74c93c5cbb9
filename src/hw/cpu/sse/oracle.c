// SPDX-License-Identifier: MIT
// Native oracle for the SSE/MMX unit tests: reads fixed-size case records on
// stdin (code bytes, GPRs, XMM, MMX, MXCSR, RFLAGS, 128 data bytes at RBX), runs
// each snippet on the host CPU and writes the resulting state records to stdout.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define IN_SIZE 704
#define OUT_SIZE 624

struct st {
  uint64_t gpr[16];          /* 0 */
  uint8_t xmm[256];          /* 128 */
  uint64_t mm[8];            /* 384 */
  uint32_t mxcsr, pad;       /* 448 */
  uint64_t rflags;           /* 456 */
  uint64_t code;             /* 464 */
  uint64_t pad2;             /* 472 */
  uint8_t fx[512];           /* 480 */
} __attribute__((aligned(16)));

struct st g_state __attribute__((aligned(64)));
struct st *g_st = &g_state;
uint64_t g_code;
static uint8_t g_mem[256] __attribute__((aligned(64)));
static sigjmp_buf g_jb;
static volatile int g_sig;
static uint32_t g_fault_mxcsr;
static uint8_t g_fault_xmm[256];

void run_snippet(void);
__asm__(
  ".text\n.globl run_snippet\nrun_snippet:\n"
  "push %rbx\npush %rbp\npush %r12\npush %r13\npush %r14\npush %r15\n"
  "mov g_st(%rip), %rdi\n"
  "movq 384(%rdi), %mm0\nmovq 392(%rdi), %mm1\nmovq 400(%rdi), %mm2\nmovq 408(%rdi), %mm3\n"
  "movq 416(%rdi), %mm4\nmovq 424(%rdi), %mm5\nmovq 432(%rdi), %mm6\nmovq 440(%rdi), %mm7\n"
  "movdqu 128(%rdi), %xmm0\nmovdqu 144(%rdi), %xmm1\nmovdqu 160(%rdi), %xmm2\nmovdqu 176(%rdi), %xmm3\n"
  "movdqu 192(%rdi), %xmm4\nmovdqu 208(%rdi), %xmm5\nmovdqu 224(%rdi), %xmm6\nmovdqu 240(%rdi), %xmm7\n"
  "movdqu 256(%rdi), %xmm8\nmovdqu 272(%rdi), %xmm9\nmovdqu 288(%rdi), %xmm10\nmovdqu 304(%rdi), %xmm11\n"
  "movdqu 320(%rdi), %xmm12\nmovdqu 336(%rdi), %xmm13\nmovdqu 352(%rdi), %xmm14\nmovdqu 368(%rdi), %xmm15\n"
  "ldmxcsr 448(%rdi)\npushq 456(%rdi)\npopfq\n"
  "mov 0(%rdi), %rax\nmov 8(%rdi), %rcx\nmov 16(%rdi), %rdx\nmov 24(%rdi), %rbx\nmov 40(%rdi), %rbp\n"
  "mov 48(%rdi), %rsi\nmov 64(%rdi), %r8\nmov 72(%rdi), %r9\nmov 80(%rdi), %r10\nmov 88(%rdi), %r11\n"
  "mov 96(%rdi), %r12\nmov 104(%rdi), %r13\nmov 112(%rdi), %r14\nmov 120(%rdi), %r15\nmov 56(%rdi), %rdi\n"
  "call *g_code(%rip)\n"
  "pushfq\npush %rdi\nmov g_st(%rip), %rdi\npopq 56(%rdi)\npopq 456(%rdi)\n"
  "mov %rax, 0(%rdi)\nmov %rcx, 8(%rdi)\nmov %rdx, 16(%rdi)\nmov %rbx, 24(%rdi)\nmov %rbp, 40(%rdi)\n"
  "mov %rsi, 48(%rdi)\nmov %r8, 64(%rdi)\nmov %r9, 72(%rdi)\nmov %r10, 80(%rdi)\nmov %r11, 88(%rdi)\n"
  "mov %r12, 96(%rdi)\nmov %r13, 104(%rdi)\nmov %r14, 112(%rdi)\nmov %r15, 120(%rdi)\n"
  "stmxcsr 448(%rdi)\nfxsave 480(%rdi)\n"
  "movdqu %xmm0, 128(%rdi)\nmovdqu %xmm1, 144(%rdi)\nmovdqu %xmm2, 160(%rdi)\nmovdqu %xmm3, 176(%rdi)\n"
  "movdqu %xmm4, 192(%rdi)\nmovdqu %xmm5, 208(%rdi)\nmovdqu %xmm6, 224(%rdi)\nmovdqu %xmm7, 240(%rdi)\n"
  "movdqu %xmm8, 256(%rdi)\nmovdqu %xmm9, 272(%rdi)\nmovdqu %xmm10, 288(%rdi)\nmovdqu %xmm11, 304(%rdi)\n"
  "movdqu %xmm12, 320(%rdi)\nmovdqu %xmm13, 336(%rdi)\nmovdqu %xmm14, 352(%rdi)\nmovdqu %xmm15, 368(%rdi)\n"
  "movq %mm0, 384(%rdi)\nmovq %mm1, 392(%rdi)\nmovq %mm2, 400(%rdi)\nmovq %mm3, 408(%rdi)\n"
  "movq %mm4, 416(%rdi)\nmovq %mm5, 424(%rdi)\nmovq %mm6, 432(%rdi)\nmovq %mm7, 440(%rdi)\n"
  "emms\npop %r15\npop %r14\npop %r13\npop %r12\npop %rbp\npop %rbx\nret\n");

static void on_signal(int sig, siginfo_t *si, void *uc_) {
  (void)si;
  ucontext_t *uc = uc_;
  g_sig = sig;
  g_fault_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
  memcpy(g_fault_xmm, uc->uc_mcontext.fpregs->_xmm, 256);
  siglongjmp(g_jb, 1);
}

int main(void) {
  uint8_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGFPE, &sa, NULL);
  sigaction(SIGILL, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);
  uint8_t in[IN_SIZE], out[OUT_SIZE];
  while (fread(in, 1, IN_SIZE, stdin) == IN_SIZE) {
    uint32_t len;
    memcpy(&len, in + 96, 4);
    memcpy(code, in, len);
    code[len] = 0xc3;
    g_code = (uint64_t)code;
    memset(&g_state, 0, sizeof g_state);
    memcpy(&g_state.mxcsr, in + 100, 4);
    memcpy(&g_state.rflags, in + 104, 8);
    memcpy(g_state.gpr, in + 112, 128);
    memcpy(g_state.xmm, in + 240, 256);
    memcpy(g_state.mm, in + 496, 64);
    memcpy(g_mem, in + 560, 128);
    memset(g_mem + 128, 0, 128);
    g_state.gpr[3] = (uint64_t)g_mem;
    g_sig = 0;
    memset(out, 0, sizeof out);
    if (sigsetjmp(g_jb, 1) == 0) {
      run_snippet();
      memcpy(out, g_state.xmm, 256);
      memcpy(out + 256, g_state.gpr, 128);
      memcpy(out + 384, g_state.mm, 64);
      memcpy(out + 576, &g_state.mxcsr, 4);
      memcpy(out + 584, &g_state.rflags, 8);
      memcpy(out + 592, g_state.fx + 2, 2);   /* FSW */
      out[594] = g_state.fx[4];               /* abridged FTW */
      for (int i = 0; i < 8; i++) memcpy(out + 600 + 2 * i, g_state.fx + 32 + 16 * i + 8, 2);
    } else {
      uint32_t z = 0x1f80;
      __asm__ volatile("emms\nldmxcsr %0" :: "m"(z));
      memcpy(out, g_fault_xmm, 256);
      memcpy(out + 576, &g_fault_mxcsr, 4);
    }
    memcpy(out + 448, g_mem, 128);
    uint32_t sig = g_sig;
    memcpy(out + 580, &sig, 4);
    fwrite(out, 1, OUT_SIZE, stdout);
  }
  return 0;
}
