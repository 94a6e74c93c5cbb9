// SPDX-License-Identifier: MIT
// MXCSR (AMD APM Vol. 1 §4.2.2): exception flags, masks, rounding control, DAZ/FTZ,
// and the per-instruction flag accumulator that SSE arithmetic reports into.
import type { Cpu } from "../cpu.js";
import { CpuException, VEC_GP, VEC_XM } from "../exits.js";

import { IE, DE, ZE, OE, UE, PE } from "../fp-exceptions.js";
export { IE, DE, ZE, OE, UE, PE };
export const DAZ = 0x40;
const OM = 0x400;
const UM = 0x800;
export const FTZ = 0x8000;
/** Misaligned-SSE mode bit (AMD MisAlignSse): legacy SSE memory operands may be unaligned. */
export const MM = 0x20000;
/** Writable MXCSR bits as the host AMD EPYC reports them in FXSAVE's MXCSR_MASK. */
export const MXCSR_MASK = 0x2ffff;

export const RC_NEAREST = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;
export const RC_ZERO = 3;

/**
 * Floating-point context of the executing instruction: rounding mode and modes
 * decoded from MXCSR by `fpBegin`, and the exception flags its lanes raised.
 */
export const fp = {
  flags: 0,
  rc: RC_NEAREST,
  daz: false,
  /** FTZ is honoured only while underflow is masked. */
  ftz: false,
  /** Underflow unmasked: UE is raised for tiny results even when exact. */
  umUnmasked: false,
  /** Overflow unmasked: PE then reports the inexactness of the unbounded-exponent result. */
  omUnmasked: false,
};

export function fpBegin(c: Cpu): void {
  const m = c.mxcsr;
  fp.flags = 0;
  fp.rc = (m >>> 13) & 3;
  fp.daz = (m & DAZ) !== 0;
  fp.umUnmasked = (m & UM) === 0;
  fp.omUnmasked = (m & OM) === 0;
  fp.ftz = (m & FTZ) !== 0 && !fp.umUnmasked;
}

/**
 * Makes the accumulated flags sticky; an unmasked one raises #XM before the
 * destination is written (SSE leaves the destination unchanged; APM Vol. 1 §4.4.9).
 */
export function fpCommit(c: Cpu): void {
  let f = fp.flags;
  if (f === 0) return;
  const unmasked = f & ~(c.mxcsr >>> 7) & 0x3f;
  // An unmasked pre-computation exception (IE, DE, ZE) stops the instruction
  // before any post-computation exception (OE, UE, PE) is detected.
  if ((unmasked & (IE | DE | ZE)) !== 0) f &= IE | DE | ZE;
  c.mxcsr |= f;
  if (unmasked !== 0) throw new CpuException(VEC_XM);
}

/** LDMXCSR / FXRSTOR check: reserved bits set raise #GP. */
export function loadMxcsr(c: Cpu, v: number): void {
  if ((v & ~MXCSR_MASK) !== 0) throw new CpuException(VEC_GP);
  c.mxcsr = v >>> 0;
}
