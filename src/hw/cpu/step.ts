// SPDX-License-Identifier: MIT
// Instruction-at-a-time execution while RFLAGS.TF or RFLAGS.AC is set (AMD APM
// Vol. 2 §13.1.4 single step, §8.2.18 #AC with CR0.AM set, as Linux runs user
// code): after each instruction that began with TF set, a #DB trap; before each
// data access that is not naturally aligned while AC is set, #AC(0). The block
// loops and the compiled tiers cannot stop between instructions or see
// alignment, so the run loop sends the CPU here whenever either flag is set
// (POPF and IRET end their block and ask for a new pick when they set one).
import type { Cpu } from "./cpu.js";
import type { Insn } from "./decode.js";
import { CpuException, type Exit, VEC_AC, VEC_DB } from "./exits.js";
import { prepareEa } from "./translate/operands.js";
import type { Block } from "./translate/block.js";

const RFLAGS_TF = 0x100;
const RFLAGS_AC = 0x40000;
/** Either flag: the run loop's test for this loop. */
export const STEP_FLAGS = RFLAGS_TF | RFLAGS_AC;
/** The `code` of a single-step #DB exit (INT1's is 0). */
export const DB_SINGLE_STEP = 1;

/** What POPF and IRET leave pending when they set TF or AC: the run loop picks its loop again (not an exit). */
export const EXIT_REPICK: Exit = Object.freeze({ kind: "budget" });

const STEP_EXIT: Exit = Object.freeze({
  kind: "fault",
  vector: VEC_DB,
  errorCode: 0,
  address: 0,
  code: DB_SINGLE_STEP,
});

/** Instructions whose stack accesses are as wide as a return address. */
const STACK_ACCESS = new Set(["PUSH", "POP", "CALL", "RET", "PUSHFQ", "POPFQ", "LEAVE", "ENTER", "RETF", "IRETQ"]);

/**
 * Runs one instruction at a time until an exit, `stop` instructions, or both
 * flags clear (null: the caller picks its loop again).
 */
export function runStepped(c: Cpu, stop: number): Exit | null {
  while (c.icount < stop) {
    const fl = c.f.rflags;
    if ((fl & STEP_FLAGS) === 0) return null;
    const at = c.rip;
    let b: Block;
    try {
      b = c.blockAt(at);
    } catch (e) {
      return c.exceptionAt(e, at);
    }
    c.block = b;
    if ((fl & RFLAGS_AC) !== 0 && misaligned(c, b.insns[0]!)) return c.exceptionAt(new CpuException(VEC_AC), at);
    c.rip = b.length > 1 ? b.ips[1]! : b.end;
    c.ci = 0;
    try {
      b.ops[0]!(c);
    } catch (e) {
      return c.exceptionAt(e, at);
    }
    c.icount++;
    const x = c.takePendingExitOrNull();
    if (x !== null && x !== EXIT_REPICK) return x;
    if ((fl & RFLAGS_TF) !== 0) return STEP_EXIT;
  }
  return null;
}

/**
 * Whether the instruction's memory operand (or its stack slot) is not aligned
 * to its size: 2, 4, 8, 16 bytes (SSE's unaligned moves included, as on this
 * EPYC), 8 for an x87 m80, 16 for larger areas (FXSAVE).
 */
function misaligned(c: Cpu, i: Insn): boolean {
  if (i.mem !== null) {
    const n = i.mem.bytes === 10 ? 8 : Math.min(i.mem.bytes, 16);
    if (n > 1 && i.name !== "LEA" && !i.name.startsWith("PREFETCH") && !i.name.startsWith("NOP")) {
      const ea = prepareEa(i);
      if (ea !== null && ea(c) % n !== 0) return true;
    }
  }
  if (STACK_ACCESS.has(i.name) && !i.form.includes("w")) {
    const sp = c.r32[8]! >>> 0;
    return sp % 8 !== 0;
  }
  return false;
}
