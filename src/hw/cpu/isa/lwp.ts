// SPDX-License-Identifier: MIT
// Instruction group "lwp": LLWPCB SLWPCB LWPINS LWPVAL (LWP spec §6; XOP map 9/A
// opcode 12h), and RDMSR/WRMSR (#GP at CPL 3; LWP spec §2). iced rejects the reserved encodings (XOP.L=1, mod≠11 for
// LLWPCB/SLWPCB, legacy prefixes), which therefore #UD. State lives in src/hw/lwp.
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import { CpuException, VEC_GP } from "../exits.js";
import { CF } from "../flags.js";
import { type InsnRow, type Op, row } from "../translate/types.js";
import { isReg, prepareEa, reader, readerHi, withEa } from "../translate/operands.js";
import { EV } from "../../lwp/events.js";
import { LWP_RELOAD, OVERWROTE, STORED_THRESHOLD } from "../../lwp/unit.js";

export const LWP_ROWS: readonly InsnRow[] = [
  row("LLWPCB", llwpcb, { cpuid: "LWP" }),
  row("SLWPCB", slwpcb, { cpuid: "LWP" }),
  row("LWPINS", lwpins, { cpuid: "LWP", writes: "C" }),
  row("LWPVAL", lwpval, { cpuid: "LWP" }),
  // The LWP MSRs are the kernel's (Cpu.rdmsr/wrmsr); RDMSR/WRMSR are CPL 0: #GP(0) from user code.
  row("RDMSR", () => privileged),
  row("WRMSR", () => privileged),
];

function privileged(): never {
  throw new CpuException(VEC_GP);
}

const TWO32 = 4294967296;

/** LLWPCB reg: flush, then load the LWPCB at reg (0 disables). Spec §6.1. */
function llwpcb(i: Insn): Op | null {
  const o = i.ops[0];
  if (!isReg(o)) return null;
  const lo = 2 * o!.reg,
    wide = o!.size === 64;
  return (c) => {
    c.lwp.gate(c);
    const addr = (c.r32[lo]! >>> 0) + (wide ? c.r32[lo + 1]! * TWO32 : 0);
    c.lwp.llwpcb(c, addr);
    throw LWP_RELOAD; // counting starts/stops exactly at the next instruction
  };
}

/** SLWPCB reg: flush the internal state and return the LWPCB address or 0. Spec §6.2. */
function slwpcb(i: Insn): Op | null {
  const o = i.ops[0];
  if (!isReg(o)) return null;
  const lo = 2 * o!.reg;
  return (c) => {
    c.lwp.gate(c);
    const a = c.lwp.slwpcb(c);
    c.r32[lo] = (a % TWO32) | 0;
    c.r32[lo + 1] = o!.size === 64 ? Math.floor(a / TWO32) | 0 : 0;
  };
}

interface LwpOperands {
  readonly ip: number;
  readonly d1: (c: Cpu) => number;
  readonly d2lo: (c: Cpu) => number;
  readonly d2hi: (c: Cpu) => number;
  readonly imm: number;
}

/** Operands of LWPINS/LWPVAL: vvvv register → Data2, r/m32 → Data1, imm32 → Flags. */
function operands(i: Insn): LwpOperands | null {
  const [v, rm, imm] = i.ops;
  if (!isReg(v) || rm === undefined || imm === undefined) return null;
  return { ip: i.ip, d1: reader(rm, 32), d2lo: reader(v!), d2hi: readerHi(v!), imm: imm.immLo };
}

/** An LWPINS/LWPVAL op: decoded operands, then the body after the #UD gate. */
function recordOp(i: Insn, body: (c: Cpu, u: Cpu["lwp"], p: LwpOperands) => void): Op | null {
  const p = operands(i);
  if (p === null) return null;
  return withEa(prepareEa(i), (c) => {
    c.lwp.gate(c);
    body(c, c.lwp, p);
  });
}

/** LWPINS: an EventId 255 record every time; CF = 1 when the ring was full. Spec §6.3. */
function lwpins(i: Insn): Op | null {
  return recordOp(i, (c, u, { ip, d1, d2lo, d2hi, imm }) => {
    let r = -1;
    if (u.active) r = u.insert(c, EV.INS, ip, imm, d1(c), d2lo(c), d2hi(c));
    c.f.setEager((c.f.arith() & ~CF) | (r === OVERWROTE ? CF : 0));
    if (r === STORED_THRESHOLD) u.trap(c);
  });
}

/** LWPVAL: EventId 1 every (EventInterval1 + 1)-th execution; r/m32 read only then. Spec §6.3. */
function lwpval(i: Insn): Op | null {
  return recordOp(i, (c, u, { ip, d1, d2lo, d2hi, imm }) => {
    if (!u.active || (u.flags & (1 << EV.VAL)) === 0) return;
    const k = u.counters[EV.VAL]!;
    if (k > 0) {
      u.counters[EV.VAL] = k - 1;
      return;
    }
    const r = u.insert(c, EV.VAL, ip, imm, d1(c), d2lo(c), d2hi(c));
    u.counters[EV.VAL] = u.reload(EV.VAL);
    if (r === STORED_THRESHOLD) u.trap(c);
  });
}
