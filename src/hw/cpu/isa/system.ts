// SPDX-License-Identifier: MIT
// System-level instructions a user program may execute: SYSCALL CPUID RDTSC
// RDTSCP NOP/ENDBR64/PAUSE/fences/prefetches HLT UD2 INT3 (AMD APM Vol. 3).
import type { Cpu } from "../cpu.js";
import { cpuid } from "../cpuid.js";
import { CpuException, EXIT_SYSCALL, VEC_BP, VEC_GP, VEC_UD } from "../exits.js";
import { plain } from "../translate/forms.js";
import { type InsnRow, row } from "../translate/types.js";

const nothing = plain(() => {});

export const SYSTEM_ROWS: readonly InsnRow[] = [
  row("SYSCALL", plain(syscall)),
  row("CPUID", plain(cpuidOp)),
  row("RDTSC", plain(rdtsc)),
  row("NOP", nothing),
  row("ENDBR64", nothing),
  row("PAUSE", nothing),
  row("LFENCE", nothing),
  row("MFENCE", nothing),
  row("SFENCE", nothing),
  row("PREFETCHT0", nothing),
  row("PREFETCHT1", nothing),
  row("PREFETCHT2", nothing),
  row("PREFETCHNTA", nothing),
  row("PREFETCHW", nothing),
  row("PREFETCH", nothing),
  row(
    "HLT",
    plain(() => {
      throw new CpuException(VEC_GP);
    }),
  ),
  row(
    "UD2",
    plain(() => {
      throw new CpuException(VEC_UD);
    }),
  ),
  row("INT3", (i) => () => {
    throw new CpuException(VEC_BP, 0, 0, i.len);
  }), // the trap's RIP is after it, prefixes included
];

/** SYSCALL: RCX ← next RIP, R11 ← RFLAGS, then the kernel takes over (APM "SYSCALL"). */
function syscall(c: Cpu): void {
  c.setReg(1, c.rip);
  const fl = c.f.rflags;
  c.r32[22] = fl;
  c.r32[23] = 0;
  c.pendingExit = EXIT_SYSCALL;
}

function cpuidOp(c: Cpu): void {
  const [a, b, cx, d] = cpuid(c, c.r32[0]! >>> 0, c.r32[2]! >>> 0);
  const r = c.r32;
  r[0] = a;
  r[1] = 0;
  r[6] = b;
  r[7] = 0;
  r[2] = cx;
  r[3] = 0;
  r[4] = d;
  r[5] = 0;
}

function rdtsc(c: Cpu): void {
  const t = c.readTsc();
  const r = c.r32;
  r[0] = t >>> 0;
  r[1] = 0;
  r[4] = Math.floor(t / 4294967296);
  r[5] = 0;
}
