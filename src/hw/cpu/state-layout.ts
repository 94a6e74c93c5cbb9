// SPDX-License-Identifier: MIT
// Layout of a CPU's state frame in physical memory, shared by the interpreter
// (src/hw/cpu/cpu.ts puts its register views there) and translated code
// (src/hw/jit reads and writes it in place).

/** The general registers: 16 little-endian 64-bit words. */
export const STATE_GPR = 0;
/** The lazy-flags record (src/hw/cpu/flags.ts FL_* words). */
export const STATE_FLAGS = 128;
/** The XMM registers: 16 × 16 bytes. */
export const STATE_XMM = 256;
