// SPDX-License-Identifier: MIT
// The LWP model-specific registers (LWP spec §2): LWP_CFG (C000_0105h),
// LWP_CBADDR (C000_0106h) and the Family 15h PTSC (C001_0280h), as the
// interface the kernel layer uses (RDMSR/WRMSR are CPL 0; user code gets #GP).
import type { Cpu } from "../cpu/cpu.js";
import type { LwpUnit } from "./unit.js";

export const MSR_LWP_CFG = 0xc0000105;
export const MSR_LWP_CBADDR = 0xc0000106;
const MSR_F15H_PTSC = 0xc0010280;

/** Reads an LWP MSR; null for an MSR we do not model (#GP). */
export function readLwpMsr(u: LwpUnit, c: Cpu, index: number): bigint | null {
  switch (index >>> 0) {
    case MSR_LWP_CFG:
      return (BigInt(u.cfgHi & 0xffff) << 32n) | BigInt(u.cfgLo >>> 0);
    case MSR_LWP_CBADDR:
      return BigInt(u.cbaddr);
    case MSR_F15H_PTSC:
      return BigInt(c.readTsc());
    default:
      return null;
  }
}

/**
 * Writes an LWP MSR; returns false for #GP (spec §2.1/§2.2, §12.3): LWP_CFG bits 0
 * and 63:48 are ignored, a set bit in 31:1 that CPUID EDX does not report faults;
 * LWP_CBADDR accepts only 0 (LWP off, internal state discarded).
 */
export function writeLwpMsr(u: LwpUnit, c: Cpu, index: number, value: bigint): boolean {
  switch (index >>> 0) {
    case MSR_LWP_CFG: {
      const lo = Number(value & 0xffffffffn) & ~1;
      if ((lo & ~u.caps.edx) !== 0) return false;
      u.cfgLo = lo;
      u.cfgHi = Number((value >> 32n) & 0xffffn);
      if (u.active) {
        u.flags &= u.allowed();
        u.update(c);
      }
      return true;
    }
    case MSR_LWP_CBADDR:
      if (value !== 0n) return false;
      u.disable(c);
      return true;
    default:
      return false;
  }
}
