// SPDX-License-Identifier: MIT
// Which segment a non-canonical access went through: a stack-segment access
// raises #SS, any other #GP (AMD APM Vol. 2 §4.12.2 "Canonical Address Form",
// §8.2.12; Linux sends SIGBUS for #SS, SIGSEGV for #GP). In 64-bit mode SS is
// the segment of the implicit stack accesses (PUSH, POP, CALL, RET, ENTER,
// LEAVE, PUSHF, POPF, IRET, RETF) and of an explicit operand whose base is RSP
// or RBP; an FS or GS override replaces it, the other overrides do not (as
// this EPYC raises #SS for `3e 8b 45 00` and #GP for `65 8b 45 00`).
import type { Cpu } from "./cpu.js";
import type { Insn } from "./decode.js";
import { eaOf } from "./translate/operands.js";

/** Instructions with an implicit stack access. */
const STACK_OPS = new Set([
  "PUSH",
  "POP",
  "CALL",
  "RET",
  "ENTER",
  "LEAVE",
  "PUSHF",
  "PUSHFQ",
  "POPF",
  "POPFQ",
  "IRET",
  "IRETD",
  "IRETQ",
  "RETF",
]);

/** Instructions whose stack read comes before the access to their explicit operand (POP m). */
const STACK_FIRST = new Set(["POP"]);

const TWO63 = 2 ** 63,
  TWO64 = 2 ** 64,
  CANONICAL = 2 ** 47;

/** Whether a 64-bit address (a Number, possibly signed or past 2^64 before wrapping) is canonical. */
function canonical(a: number): boolean {
  let v = a;
  if (v >= TWO63) v -= TWO64;
  else if (v < -TWO63) v += TWO64;
  return v >= -CANONICAL && v < CANONICAL;
}

/** Whether the explicit memory operand goes through SS: base RSP or RBP, no FS/GS override. */
function explicitSs(i: Insn): boolean {
  const m = i.mem!;
  return m.seg === 0 && (m.base === 4 || m.base === 5);
}

/**
 * Whether the #GP-class fault of `i` (a non-canonical access; registers as
 * before the instruction) is a stack-segment fault (#SS).
 */
export function stackSegmentFault(c: Cpu, i: Insn): boolean {
  const stack = STACK_OPS.has(i.name);
  if (i.mem === null) return stack;
  if (!stack) return explicitSs(i);
  if (STACK_FIRST.has(i.name)) return !canonical(c.getReg(4)) || explicitSs(i);
  // PUSH m, CALL m: the operand is read first; only a canonical one lets the stack access fault.
  return canonical(eaOf(i.mem)(c)) || explicitSs(i);
}
