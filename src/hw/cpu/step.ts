// SPDX-License-Identifier: MIT
// Instruction-at-a-time execution while RFLAGS.TF or RFLAGS.AC is set (AMD APM
// Vol. 2 §13.1.4 single step, §8.2.18 #AC with CR0.AM set, as Linux runs user
// code): after each instruction that began with TF set, a #DB trap; before each
// data access that is not naturally aligned while AC is set, #AC(0). The block
// loops and the compiled tiers cannot stop between instructions or see
// alignment, so the run loop sends the CPU here whenever either flag is set
// (POPF and IRET end their block and ask for a new pick when they set one).
// LWP counts the stepped instructions as any others: each runs as a block of
// one instruction through the LWP unit's stepping code (src/hw/lwp/counting.ts).
import type { Cpu } from "./cpu.js";
import type { Insn } from "./decode.js";
import { CpuException, type Exit, VEC_AC, VEC_DB } from "./exits.js";
import { prepareEa } from "./translate/operands.js";
import { Block, lwpKindOf } from "./translate/block.js";
import { insnCost } from "../lwp/cost-table.js";
import { runBlock } from "../lwp/counting.js";
import { LWP_RELOAD, LWP_TRAP } from "../lwp/unit.js";
import { EXIT_REPICK, STEP_FLAGS } from "./step-flags.js";

const RFLAGS_TF = 0x100;
const RFLAGS_AC = 0x40000;
/** The `code` of a single-step #DB exit (INT1's is 0). */
export const DB_SINGLE_STEP = 1;

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
    const x = c.lwpCounting ? runBlock(c.lwp, c, single(b)) : stepOne(c, b, at);
    if (x !== null && x !== EXIT_REPICK) return x;
    if ((fl & RFLAGS_TF) !== 0) return STEP_EXIT;
  }
  return null;
}

/** Executes the first instruction of `b` without LWP counting; null when it retired with no exit. */
function stepOne(c: Cpu, b: Block, at: number): Exit | null {
  c.rip = b.length > 1 ? b.ipAt(1) : b.end;
  c.ci = 0;
  try {
    b.ops[0]!(c);
  } catch (e) {
    // LLWPCB and XRSTOR end their instruction by throwing: it retired.
    if (e !== LWP_TRAP && e !== LWP_RELOAD) return c.exceptionAt(e, at);
  }
  c.icount++;
  return c.takePendingExitOrNull();
}

/** The first instruction of `b` as a block of its own (its branch class; its predictor entry comes with use: Cpu.historyOf). */
const singles = new WeakMap<Block, Block>();
function single(b: Block): Block {
  if (b.length === 1) return b;
  let s = singles.get(b);
  if (s === undefined) {
    const i = b.insns[0]!;
    // The record itself stands for the bytes (a one-instruction block keeps it: Block.code).
    s = new Block(b.start, i.next, [b.opAt(0)], "\0", [i], lwpKindOf(i), String.fromCharCode(insnCost(i)));
    singles.set(b, s);
  }
  return s;
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
