// SPDX-License-Identifier: MIT
// Deterministic per-instruction cycle costs for LWP events 5 and 6 (core and
// reference clocks not halted, LWP spec §4.1). Rough Family 15h latencies; the
// point is determinism, not accuracy (docs/lwp.md "Events 5/6").
import type { Insn } from "../cpu/decode.js";

/** Cycles by mnemonic; anything absent costs 1. */
const COST: Readonly<Record<string, number>> = {
  IMUL: 4,
  MUL: 4,
  DIV: 40,
  IDIV: 40,
  CPUID: 100,
  RDTSC: 40,
  RDTSCP: 40,
  SYSCALL: 100,
  XSAVE: 100,
  XRSTOR: 100,
  XSAVEOPT: 100,
  LLWPCB: 100,
  SLWPCB: 50,
  LWPINS: 20,
  LWPVAL: 10,
  MULSS: 5,
  MULSD: 5,
  DIVSS: 20,
  DIVSD: 25,
  SQRTSS: 20,
  SQRTSD: 30,
  ADDSS: 5,
  ADDSD: 5,
  SUBSS: 5,
  SUBSD: 5,
  FMUL: 5,
  FDIV: 30,
  FSQRT: 35,
  FADD: 5,
  FSUB: 5,
  FSIN: 100,
  FCOS: 100,
  FPTAN: 120,
  FPATAN: 120,
  CALL: 2,
  RET: 2,
  PUSH: 1,
  POP: 1,
  CMPXCHG: 20,
  XCHG: 20,
  XADD: 20,
};

/** Extra cycles for an instruction with an explicit memory operand (an L1 hit). */
const MEM_COST = 3;
/** Extra cycles for a LOCK-prefixed instruction. */
const LOCK_COST = 20;
/** A REP string instruction is charged per execution, not per iteration. */
const REP_COST = 10;

export function insnCost(i: Insn): number {
  let c = COST[i.name] ?? 1;
  if (i.mem !== null) c += MEM_COST;
  if (i.lock) c += LOCK_COST;
  if (i.rep || i.repe || i.repne) c += REP_COST;
  return c;
}

/** Reference clock = core clock × REF_NUM / REF_DEN (fixed ratio: 3.0 GHz P0 vs 4.0 GHz boost). */
export const REF_NUM = 3;
export const REF_DEN = 4;
