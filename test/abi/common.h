/* SPDX-License-Identifier: MIT */
/* Tiny self-checking test framework for the ABI guests: [RUN]/[OK]/[FAIL] lines,
 * stdout unbuffered-by-line so native and emulated output interleave the same way. */
#ifndef ABI_COMMON_H
#define ABI_COMMON_H
#include <stdio.h>
#include <stdlib.h>

static int abi_failures __attribute__((unused));
#define RUN(name) printf("[RUN] %s\n", name)
#define CHECK(cond) do { if (!(cond)) { printf("[FAIL] %s:%d: %s\n", __FILE__, __LINE__, #cond); abi_failures++; } } while (0)
#define OK(name) printf("[OK] %s\n", name)
#define DONE() do { printf(abi_failures ? "[FAIL] %d failures\n" : "[OK] all\n", abi_failures); fflush(stdout); return abi_failures != 0; } while (0)
static inline void abi_init(void) { setvbuf(stdout, NULL, _IOLBF, 0); }
#endif
