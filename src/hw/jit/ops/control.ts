// SPDX-License-Identifier: MIT
// Stack and control transfer for the block compiler: PUSH POP LEAVE JMP Jcc CALL
// RET (near forms; the semantics of src/hw/cpu/isa/control.ts and stack.ts). The
// stack pointer changes only after the memory access succeeded, so a fault
// leaves RSP as it was.
import { I64, OP } from "../../wasm/encoder.js";
import { OK_BRANCH, OK_MEM, OK_REG, RC_GPR } from "../../cpu/decode.js";
import { Emitter } from "../emitter.js";
import type { JitEmit, JitRow } from "./types.js";

const RSP = 4,
  RBP = 5;
const CC = ["O", "NO", "B", "AE", "E", "NE", "BE", "A", "S", "NS", "P", "NP", "L", "GE", "LE", "G"];

/** new RSP ← RSP − 8; [new RSP] ← local `v`; returns the local holding the new RSP (not yet written). */
function push64(e: Emitter, v: number): number {
  const sp = e.tmp(I64);
  e.getReg(RSP);
  e.f.i64(8).op(OP.i64_sub).set(sp);
  e.store(sp, 8, v);
  return sp;
}

/** The 64-bit PUSH forms (Push_r64, Push_rm64, Pushq_imm8/32); the 16-bit ones run in the interpreter. */
const PUSH64 = /^(Push_r64|Push_rm64|Pushq_imm8|Pushq_imm32)$/;

const push: JitEmit = (e, i) => {
  const s = i.ops[0];
  if (!PUSH64.test(i.form) || !Emitter.plain(s)) return false;
  const v = e.tmp(I64);
  e.readOp(s!, 64, i.mem !== null ? e.ea(i.mem) : -1);
  e.f.set(v);
  const sp = push64(e, v);
  e.f.get(sp);
  e.setReg(RSP);
  return true;
};

const pop: JitEmit = (e, i) => {
  const d = i.ops[0];
  if (i.form !== "Pop_r64" && !(i.form === "Pop_rm64" && d?.kind === OK_REG)) return false;
  if (d === undefined || d.kind !== OK_REG || d.rclass !== RC_GPR) return false;
  const v = e.tmp(I64),
    sp = e.tmp(I64);
  e.getReg(RSP);
  e.f.set(sp);
  e.load(sp, 8, false);
  e.f.set(v);
  e.f.get(sp).i64(8).op(OP.i64_add);
  e.setReg(RSP);
  e.writeGpr(d, v); // POP RSP leaves the popped value in RSP
  return true;
};

/** LEAVE: RSP ← RBP, then RBP ← pop. */
const leave: JitEmit = (e, i) => {
  if (i.form !== "Leaveq") return false;
  const v = e.tmp(I64),
    bp = e.tmp(I64);
  e.getReg(RBP);
  e.f.set(bp);
  e.load(bp, 8, false);
  e.f.set(v);
  e.f.get(bp).i64(8).op(OP.i64_add);
  e.setReg(RSP);
  e.f.get(v);
  e.setReg(RBP);
  return true;
};

/** Reads an indirect target (r/m64) into a new local. */
function indirectTarget(e: Emitter, i: Parameters<JitEmit>[1]): number {
  const t = e.tmp(I64);
  e.readOp(i.ops[0]!, 64, i.mem !== null ? e.ea(i.mem) : -1);
  e.f.set(t);
  return t;
}

/**
 * A non-canonical target faults at the branch, before it pushes or pops anything
 * (#GP with RIP at the branch): the instruction's closure raises that exactly, so a
 * non-canonical `t` runs it (the helper leaves the region); a canonical one goes on.
 */
function canonicalTarget(e: Emitter, t: number): void {
  const f = e.f;
  f.get(t).i64(16).op(OP.i64_shl).i64(16).op(OP.i64_shr_s).get(t).op(OP.i64_ne);
  e.open("if");
  e.helperHere();
  e.close();
}

/** Near relative forms with a 64-bit RIP (iced decodes 66h-prefixed ones the same way: docs/quirks.md Q-BRANCH-66). */
function direct(i: Parameters<JitEmit>[1]): boolean {
  return i.ops[0]?.kind === OK_BRANCH && i.branchTarget !== 0;
}

/** Operand forms handled: rel, r64, m64 (not far pointers, not 16-bit forms). */
function indirectOk(i: Parameters<JitEmit>[1]): boolean {
  const o = i.ops[0];
  return (
    (i.form === "Jmp_rm64" || i.form === "Call_rm64") &&
    o !== undefined &&
    ((o.kind === OK_REG && o.rclass === RC_GPR) || o.kind === OK_MEM)
  );
}

const jmp: JitEmit = (e, i) => {
  if (direct(i)) {
    e.goto(i.branchTarget);
    return true;
  }
  if (!indirectOk(i)) return false;
  const t = indirectTarget(e, i);
  canonicalTarget(e, t);
  e.gotoDynamic(t, i.ip);
  return true;
};

const jcc: JitEmit = (e, i) => {
  if (i.cc < 0 || !direct(i)) return false;
  e.flags.cond(i.cc);
  e.open("if");
  e.goto(i.branchTarget);
  e.close();
  e.goto(i.next);
  return true;
};

const call: JitEmit = (e, i) => {
  if (!direct(i) && !indirectOk(i)) return false;
  const t = direct(i) ? -1 : indirectTarget(e, i); // read before the push (CALL [RSP+x] sees the old RSP)
  if (t >= 0) canonicalTarget(e, t);
  const ret = e.tmp(I64);
  e.constNum(i.next);
  e.f.set(ret);
  const sp = push64(e, ret);
  e.f.get(sp);
  e.setReg(RSP);
  if (e.callStack) {
    e.f.i32(0).get(ret).get(sp);
    e.constNum(i.ip);
    e.f.call(e.imports.shadow).op(OP.drop);
  }
  if (t < 0) e.goto(i.branchTarget);
  else e.gotoDynamic(t, i.ip);
  return true;
};

const ret: JitEmit = (e, i) => {
  if (i.form !== "Retnq" && i.form !== "Retnq_imm16") return false;
  const extra = i.ops[0] !== undefined ? i.ops[0].immLo & 0xffff : 0;
  const t = e.tmp(I64),
    sp = e.tmp(I64);
  e.getReg(RSP);
  e.f.set(sp);
  e.load(sp, 8, false);
  e.f.set(t);
  canonicalTarget(e, t);
  e.f
    .get(sp)
    .i64(8 + extra)
    .op(OP.i64_add);
  e.setReg(RSP);
  if (e.callStack) {
    e.f.i32(1).get(sp);
    e.constNum(i.ip);
    e.f.i64(0).call(e.imports.shadow).op(OP.drop);
  }
  e.gotoDynamic(t, i.ip);
  return true;
};

export const CONTROL_ROWS: readonly JitRow[] = [
  { mnemonic: "PUSH", emit: push },
  { mnemonic: "POP", emit: pop },
  { mnemonic: "LEAVE", emit: leave },
  { mnemonic: "JMP", emit: jmp },
  ...CC.map((cc) => ({ mnemonic: `J${cc}`, emit: jcc })),
  { mnemonic: "CALL", emit: call },
  { mnemonic: "RET", emit: ret },
];
