// SPDX-License-Identifier: MIT
// The frame around every x87 instruction (AMD APM Vol. 1 §6.4.7 "x87
// floating-point exception handling"): pending-exception #MF check, fenv set up
// from FCW, flags merged into FSW, and the unmasked-exception response (ES, B,
// the saved instruction/data pointers, destination left unchanged).
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import { CpuException, VEC_MF } from "../exits.js";
import { type F80, DE, IE, OE, UE, ZE, fenv, indefinite } from "./float80.js";
import { type X87State, SW_C1, SW_CC } from "./state.js";

const PC_BITS = [24, 64, 53, 64];

/** What an x87 instruction records in FOP/FIP/FDP when it raises an unmasked exception. */
export interface X87Site {
  readonly ip: number;
  readonly fop: number;
  readonly hasMem: boolean;
}

/** FOP: low three bits of the D8–DF opcode byte and the ModRM byte (APM Vol. 1 §6.2.7). */
export function siteOf(i: Insn): X87Site {
  const b = i.bytes;
  let k = 0;
  while (k < b.length && (b[k]! < 0xd8 || b[k]! > 0xdf)) k++;
  const fop = k + 1 < b.length ? ((b[k]! & 7) << 8) | b[k + 1]! : 0;
  return { ip: i.ip, fop, hasMem: i.mem !== null };
}

/**
 * Starts a waiting x87 instruction: #MF if an exception flag is set and unmasked, fenv from FCW.
 * C1 is cleared unless `keepC1` (instructions the host leaves C1 alone for, but a stack fault).
 */
export function begin(c: Cpu, keepFlags = false, keepC1 = false): X87State {
  const x = c.x87;
  if (x.pending()) throw new CpuException(VEC_MF);
  fenv.rc = (x.fcw >> 10) & 3;
  fenv.pc = PC_BITS[(x.fcw >> 8) & 3]!;
  fenv.deStop = (x.fcw & DE) === 0;
  fenv.oeTrap = (x.fcw & OE) === 0;
  fenv.ueTrap = (x.fcw & UE) === 0;
  if (!keepFlags) fenv.flags = 0;
  fenv.up = false;
  if (!keepC1) x.fsw &= ~SW_C1;
  return x;
}

/**
 * Records FOP/FIP/FDP and merges the raised flags into FSW (C1 ← rounded up). Returns false when an
 * unmasked invalid, denormal or divide-by-zero exception forbids writing the result.
 */
export function finish(c: Cpu, site: X87Site): boolean {
  const x = c.x87;
  // Invalid operation and divide-by-zero take priority over the denormal-operand exception.
  const f = (fenv.flags & (IE | ZE)) !== 0 ? fenv.flags & ~DE : fenv.flags;
  x.fop = site.fop;
  x.fip = site.ip;
  x.fdp = site.hasMem ? c.ea : 0;
  if (fenv.up) x.fsw |= SW_C1;
  if (f === 0) return true;
  x.fsw |= f;
  const unmasked = f & ~x.fcw & 0x3f;
  return (unmasked & (IE | DE | ZE)) === 0;
}

/**
 * Clears the flags before a memory operand is converted (FADD m32 …), so
 * that the conversion's DE/IE survive into `begin(c, true)`.
 */
export function clearFlags(): void {
  fenv.flags = 0;
}

/** A store to memory with an unmasked overflow/underflow leaves the destination unchanged. */
export function storeBlocked(c: Cpu): boolean {
  return (fenv.flags & ~c.x87.fcw & (OE | UE)) !== 0;
}

/** Whether the conversion of a memory operand raised an unmasked denormal exception (no operation then). */
export function deStopped(): boolean {
  return fenv.deStop && (fenv.flags & DE) !== 0;
}

/** Sets condition codes C3 C2 C1 C0 (bits given as an FSW mask) and clears the others. */
export function setCC(x: X87State, bits: number): void {
  x.fsw = (x.fsw & ~SW_CC) | bits;
}

/** Reads ST(i) or, when it is empty, raises stack underflow and yields the indefinite QNaN. */
export function operand(x: X87State, i: number): F80 {
  if (!x.empty(i)) return x.get(i);
  x.stackFault(fenv, false);
  return indefinite();
}

/** Stack underflow in a two-operand instruction: true when either register is empty. */
export function underflow2(x: X87State, i: number, j: number): boolean {
  if (!x.empty(i) && !x.empty(j)) return false;
  x.stackFault(fenv, false);
  return true;
}
