/* SPDX-License-Identifier: MIT */
/* The descriptor checks a user program can make (LAR, LSL, VERR, VERW; AMD APM
 * Vol. 3): what they report for every GDT selector and some past the table or in
 * the (absent) LDT, at each operand size, from a register and from memory, and
 * the fault of a memory operand that is not mapped. The per-CPU segment's limit
 * is the CPU and node number (the vDSO's getcpu without RDPID): the program pins
 * itself to CPU 0. Every line printed is compared with the native run. */
#define _GNU_SOURCE
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include "common.h"

static void print_selector(uint16_t sel) {
  uint64_t lar64 = 0x1111111122222222ULL, lsl64 = 0x3333333344444444ULL;
  uint64_t lar32 = 0x5555555566666666ULL, lsl32 = 0x7777777788888888ULL;
  uint64_t lar16 = 0x99999999aaaaaaaaULL, lsl16 = 0xbbbbbbbbccccccccULL;
  uint8_t z[8];
  uint64_t s = 0xdead000000000000ULL | sel; /* the upper bits of the source are ignored */
  __asm__("lar %[s], %[d]\n\tsetz %[z]" : [d] "+r"(lar64), [z] "=q"(z[0]) : [s] "r"(s) : "cc");
  __asm__("lsl %[s], %[d]\n\tsetz %[z]" : [d] "+r"(lsl64), [z] "=q"(z[1]) : [s] "r"(s) : "cc");
  __asm__("lar %k[s], %k[d]\n\tsetz %[z]" : [d] "+r"(lar32), [z] "=q"(z[2]) : [s] "r"(s) : "cc");
  __asm__("lsl %k[s], %k[d]\n\tsetz %[z]" : [d] "+r"(lsl32), [z] "=q"(z[3]) : [s] "r"(s) : "cc");
  __asm__("lar %w[s], %w[d]\n\tsetz %[z]" : [d] "+r"(lar16), [z] "=q"(z[4]) : [s] "r"(s) : "cc");
  __asm__("lsl %w[s], %w[d]\n\tsetz %[z]" : [d] "+r"(lsl16), [z] "=q"(z[5]) : [s] "r"(s) : "cc");
  __asm__("verr %w[s]\n\tsetz %[z]" : [z] "=q"(z[6]) : [s] "r"(s) : "cc");
  __asm__("verw %w[s]\n\tsetz %[z]" : [z] "=q"(z[7]) : [s] "r"(s) : "cc");
  printf("%04x lar %d %016lx %d %016lx %d %016lx lsl %d %016lx %d %016lx %d %016lx verr %d verw %d\n", sel, z[0],
         lar64, z[2], lar32, z[4], lar16, z[1], lsl64, z[3], lsl32, z[5], lsl16, z[6], z[7]);
}

static void test_registers(void) {
  RUN("lar/lsl/verr/verw on every GDT selector, past the GDT and in the LDT");
  for (unsigned sel = 0; sel < 0x80; sel++) print_selector((uint16_t)sel);
  const uint16_t far[] = {0x80, 0x83, 0x87, 0xfb, 0x100, 0x7ff8, 0xfff8, 0xffff, 0x2f, 0x37};
  for (unsigned k = 0; k < sizeof far / sizeof far[0]; k++) print_selector(far[k]);
  OK("registers");
}

static void test_memory(void) {
  RUN("lar/lsl/verr/verw with a memory operand");
  static volatile uint16_t sels[4] = {0x2b, 0x33, 0x7b, 0x10};
  for (int k = 0; k < 4; k++) {
    uint64_t lar = 1, lsl = 2;
    uint8_t z[4];
    __asm__("lar %[m], %[d]\n\tsetz %[z]" : [d] "+r"(lar), [z] "=q"(z[0]) : [m] "m"(sels[k]) : "cc");
    __asm__("lsl %[m], %[d]\n\tsetz %[z]" : [d] "+r"(lsl), [z] "=q"(z[1]) : [m] "m"(sels[k]) : "cc");
    __asm__("verr %[m]\n\tsetz %[z]" : [z] "=q"(z[2]) : [m] "m"(sels[k]) : "cc");
    __asm__("verw %[m]\n\tsetz %[z]" : [z] "=q"(z[3]) : [m] "m"(sels[k]) : "cc");
    printf("m%04x lar %d %lx lsl %d %lx verr %d verw %d\n", sels[k], z[0], lar, z[1], lsl, z[2], z[3]);
  }
  OK("memory");
}

static sigjmp_buf g_jmp;
static void *g_addr;
static int g_sig;
static void on_fault(int sig, siginfo_t *si, void *ctx) {
  (void)ctx;
  g_sig = sig;
  g_addr = si->si_addr;
  siglongjmp(g_jmp, 1);
}

static void test_fault(void) {
  RUN("an unmapped memory operand faults (#PF, SIGSEGV at its address)");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, 0);
  char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED);
  munmap(p + 4096, 4096);
  for (int k = 0; k < 4; k++) {
    volatile uint16_t *at = (uint16_t *)(p + 4096 + 2 * k);
    if (k == 3) at = (uint16_t *)(p + 4095); /* the selector straddles into the hole */
    g_sig = 0;
    uint64_t d = 5;
    if (sigsetjmp(g_jmp, 1) == 0) {
      if (k == 0) __asm__ volatile("lar %[m], %[d]" : [d] "+r"(d) : [m] "m"(*at) : "cc");
      if (k == 1) __asm__ volatile("lsl %[m], %[d]" : [d] "+r"(d) : [m] "m"(*at) : "cc");
      if (k == 2) __asm__ volatile("verr %[m]" : : [m] "m"(*at) : "cc");
      if (k == 3) __asm__ volatile("verw %[m]" : : [m] "m"(*at) : "cc");
    }
    printf("fault %d sig %d addr %+ld\n", k, g_sig, (long)((char *)g_addr - (p + 4096)));
    CHECK(g_sig == SIGSEGV);
  }
  OK("fault");
}

int main(void) {
  abi_init();
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  CHECK(sched_setaffinity(0, sizeof set, &set) == 0);
  test_registers();
  test_memory();
  test_fault();
  DONE();
}
