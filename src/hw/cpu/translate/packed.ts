// SPDX-License-Identifier: MIT
// The packed form of a block's common instructions, four int32 words each, which
// `runPacked` (interp.ts) runs through the function of each kind (packed-ops.ts) instead
// of a closure call per instruction and more per operand (docs/architecture.md
// "Tier 1: packed instructions"). An instruction whose form is not listed here packs as
// P_CLOSURE and runs its closure; so does every instruction of a block translated with
// probes attached (they are woven into the closures).
//
// Word 0: kind | x << 8 | y << 15 | cc << 22 | sub << 26 | size code << 29
//   x, y: register slots (2 × GPR for 32/64-bit operands, the byte index of `Cpu.r8` for
//   8-bit ones, AH..BH included); cc: condition code; sub: the ALU operation, INC/DEC, or
//   the source size of MOVZX/MOVSX/MOVSXD (with cc the extension); size code: 0 = 8, 2 = 32,
//   3 = 64 bits (16-bit operands stay closures).
// Word 1: the memory operand: base + 1 | (index + 1) << 5 | log2(scale) << 10 | seg << 12 |
//   addr32 << 14 | absolute << 15 (no base, no index and an address past 32 bits, as
//   RIP-relative ones are: word 2 holds it relative to the block's end).
// Word 2: the displacement, a branch target or a call's return address (relative to the
//   block's end), or the high half of MOV's immediate.
// Word 3: the immediate (its high half is its sign unless word 2 holds it).
import { type Insn, type MemRef, type Operand, OK_IMM, OK_MEM, OK_REG, RC_GPR } from "../decode.js";

export const P_WORDS = 4;

/**
 * Instructions a CPU retires before the blocks it translates are packed: a start-up runs
 * its blocks a few times each, too few to pay for V8 optimizing the interpreter (13 ms of
 * TurboFan for one switch over every kind, which a short run made hot: 200 forks 1.24×,
 * a dynamic /bin/true 1.11× the CPU time), so those stay closures
 * (docs/architecture.md "Tier 1: packed instructions").
 */
export const PACK_START = 1_000_000;

export const P_CLOSURE = 0,
  P_MOV_RR = 1,
  P_MOV_RI = 2,
  P_LOAD = 3,
  P_STORE = 4,
  P_STORE_I = 5,
  P_MOVX_R = 6,
  P_MOVX_M = 7,
  P_LEA = 8,
  P_ALU_RR = 9,
  P_ALU_RI = 10,
  P_ALU_RM = 11,
  P_ALU_MR = 12,
  P_ALU_MI = 13,
  P_INCDEC = 14,
  P_PUSH = 15,
  P_POP = 16,
  P_CALL = 17,
  P_RET = 18,
  P_JMP = 19,
  P_JCC = 20,
  P_JMP_R = 21,
  P_JMP_M = 22,
  P_CALL_R = 23,
  P_CALL_M = 24,
  P_CMOV_RR = 25,
  P_CMOV_RM = 26,
  P_SETCC = 27,
  P_SHIFT_RI = 28,
  P_SHIFT_RC = 29,
  P_NOP = 30,
  P_CDQE = 31;

/** ALU operations (word 0's `sub`). */
export const A_ADD = 0,
  A_SUB = 1,
  A_AND = 2,
  A_OR = 3,
  A_XOR = 4,
  A_CMP = 5,
  A_TEST = 6;
const ALU: ReadonlyMap<string, number> = new Map([
  ["ADD", A_ADD],
  ["SUB", A_SUB],
  ["AND", A_AND],
  ["OR", A_OR],
  ["XOR", A_XOR],
  ["CMP", A_CMP],
  ["TEST", A_TEST],
]);

/** Shifts (word 0's `sub`). */
export const S_SHL = 0,
  S_SHR = 1,
  S_SAR = 2;
const SHIFT: ReadonlyMap<string, number> = new Map([
  ["SHL", S_SHL],
  ["SAL", S_SHL],
  ["SHR", S_SHR],
  ["SAR", S_SAR],
]);

/** Word 1 bits. */
export const M_ADDR32 = 1 << 14,
  M_ABSOLUTE = 1 << 15;

/** MOVX extensions (word 0's `cc`): zero, sign to 32 bits, sign to 64 bits. */
export const X_ZERO = 0,
  X_SIGN32 = 1,
  X_SIGN64 = 2;

const SIZE_CODE: Readonly<Record<number, number>> = { 8: 0, 32: 2, 64: 3 };

/** An instruction's words (`packInsn` gives null for one that keeps its closure). */
interface Packed {
  w0: number;
  w1: number;
  w2: number;
  w3: number;
}

/**
 * The block's packed words, or null when none of its instructions packs. `end` is the
 * block's end, which relative fields count from (a tail of the block keeps it).
 */
export function packBlock(insns: readonly Insn[], end: number): Int32Array | null {
  const out = new Int32Array(insns.length * P_WORDS);
  let any = false;
  for (let k = 0; k < insns.length; k++) {
    const p = insns[k]!.lock ? null : packInsn(insns[k]!, end);
    if (p === null) continue;
    const o = k * P_WORDS;
    out[o] = p.w0;
    out[o + 1] = p.w1;
    out[o + 2] = p.w2;
    out[o + 3] = p.w3;
    any = true;
  }
  return any ? out : null;
}

/** Word 0's fields (the layout above; `word0` writes them). */
export function slotX(w0: number): number {
  return (w0 >> 8) & 0x7f;
}
export function slotY(w0: number): number {
  return (w0 >> 15) & 0x7f;
}
export function condOf(w0: number): number {
  return (w0 >> 22) & 15;
}
export function subOf(w0: number): number {
  return (w0 >> 26) & 7;
}
/** The operand size in bits: size codes 0..3 are 8, 16, 32, 64. */
export function sizeOf(w0: number): number {
  return 8 << (w0 >>> 29);
}

function word0(kind: number, x: number, y: number, cc: number, sub: number, size: number): number {
  return kind | (x << 8) | (y << 15) | (cc << 22) | (sub << 26) | (SIZE_CODE[size]! << 29);
}

/** A 32-bit value relative to `end`, or null when it does not fit. */
function rel(v: number, end: number): number | null {
  const d = v - end;
  return (d | 0) === d ? d : null;
}

function gpr(o: Operand | undefined): boolean {
  return o !== undefined && o.kind === OK_REG && o.rclass === RC_GPR;
}

/** A register operand's slot for its size (8, 32 or 64 bits), or null. */
function slot(o: Operand): number | null {
  if (o.size === 8) return 8 * o.reg + (o.hi8 ? 1 : 0);
  return o.size === 32 || o.size === 64 ? 2 * o.reg : null;
}

/** Word 1 and the displacement of a memory operand, or null when it cannot be packed. */
function memOf(m: MemRef, end: number): [number, number] | null {
  const scale = m.scale === 1 ? 0 : m.scale === 2 ? 1 : m.scale === 4 ? 2 : m.scale === 8 ? 3 : -1;
  if (scale < 0) return null;
  let w1 = (m.base + 1) | ((m.index + 1) << 5) | (scale << 10) | (m.seg << 12) | (m.addr32 ? M_ADDR32 : 0);
  let d: number | null = m.disp;
  if (m.base < 0 && m.index < 0 && (m.disp | 0) !== m.disp) {
    // RIP-relative (its absolute address) or a 64-bit offset: relative to the block's end.
    d = rel(m.disp, end);
    w1 |= M_ABSOLUTE;
  }
  return d === null || (d | 0) !== d ? null : [w1, d];
}

/** An immediate as its low word, or null when its high word is not the low word's sign (64 bits). */
function imm(o: Operand, size: number): number | null {
  if (size === 8) return o.immLo & 0xff;
  if (size === 64 && o.immHi !== o.immLo >> 31) return null;
  return o.immLo;
}

function packInsn(i: Insn, end: number): Packed | null {
  const d = i.ops[0],
    s = i.ops[1];
  const alu = ALU.get(i.name);
  if (alu !== undefined) return d !== undefined && s !== undefined ? packAlu(i, alu, d, s, end) : null;
  switch (i.name) {
    case "MOV":
      return d !== undefined && s !== undefined ? packMov(i, d, s, end) : null;
    case "MOVZX":
    case "MOVSX":
    case "MOVSXD":
      return d !== undefined && s !== undefined ? packMovx(i, d, s, end) : null;
    case "LEA":
      return d !== undefined ? packLea(i, d, end) : null;
    case "INC":
    case "DEC":
      if (d === undefined || !gpr(d) || (d.size !== 32 && d.size !== 64)) return null;
      return { w0: word0(P_INCDEC, 2 * d.reg, 0, 0, i.name === "INC" ? 0 : 1, d.size), w1: 0, w2: 0, w3: 0 };
    case "PUSH":
    case "POP":
      if (d === undefined || !gpr(d) || d.size !== 64) return null;
      return { w0: word0(i.name === "PUSH" ? P_PUSH : P_POP, 2 * d.reg, 0, 0, 0, 64), w1: 0, w2: 0, w3: 0 };
    case "NOP":
    case "ENDBR64":
      return { w0: P_NOP, w1: 0, w2: 0, w3: 0 };
    case "CDQE":
      return { w0: P_CDQE, w1: 0, w2: 0, w3: 0 };
    case "RET":
      return i.ops.length === 0 ? { w0: P_RET, w1: 0, w2: 0, w3: 0 } : null;
    case "JMP":
    case "CALL":
      return packBranch(i, d, end);
    default:
      break;
  }
  const shift = SHIFT.get(i.name);
  if (shift !== undefined && d !== undefined && s !== undefined) return packShift(shift, d, s);
  if (i.cc >= 0 && i.name.startsWith("J") && d?.kind === 3) {
    const t = rel(i.branchTarget, end);
    return t === null ? null : { w0: word0(P_JCC, 0, 0, i.cc, 0, 8), w1: 0, w2: t, w3: 0 };
  }
  if (i.cc >= 0 && i.name.startsWith("CMOV")) return d !== undefined && s !== undefined ? packCmov(i, d, s, end) : null;
  if (i.cc >= 0 && i.name.startsWith("SET") && d !== undefined && gpr(d) && !d.hi8 && d.size === 8) {
    return { w0: word0(P_SETCC, 8 * d.reg, 0, i.cc, 0, 8), w1: 0, w2: 0, w3: 0 };
  }
  return null;
}

/** ADD SUB AND OR XOR CMP TEST at 8, 32 and 64 bits. */
function packAlu(i: Insn, alu: number, d: Operand, s: Operand, end: number): Packed | null {
  const size = d.size;
  if (SIZE_CODE[size] === undefined) return null;
  if (gpr(d)) {
    const x = slot(d)!;
    if (gpr(s) && s.size === size) return { w0: word0(P_ALU_RR, x, slot(s)!, 0, alu, size), w1: 0, w2: 0, w3: 0 };
    if (s.kind === OK_IMM) {
      const v = imm(s, size);
      return v === null ? null : { w0: word0(P_ALU_RI, x, 0, 0, alu, size), w1: 0, w2: 0, w3: v };
    }
    if (s.kind !== OK_MEM || i.mem === null || s.size !== size) return null;
    const m = memOf(i.mem, end);
    return m === null ? null : { w0: word0(P_ALU_RM, x, 0, 0, alu, size), w1: m[0], w2: m[1], w3: 0 };
  }
  if (d.kind !== OK_MEM || i.mem === null) return null;
  const m = memOf(i.mem, end);
  if (m === null) return null;
  if (gpr(s) && s.size === size) return { w0: word0(P_ALU_MR, 0, slot(s)!, 0, alu, size), w1: m[0], w2: m[1], w3: 0 };
  const v = s.kind === OK_IMM ? imm(s, size) : null;
  return v === null ? null : { w0: word0(P_ALU_MI, 0, 0, 0, alu, size), w1: m[0], w2: m[1], w3: v };
}

function packMov(i: Insn, d: Operand, s: Operand, end: number): Packed | null {
  const size = d.size;
  if (SIZE_CODE[size] === undefined) return null;
  if (gpr(d)) {
    const x = slot(d)!;
    if (gpr(s) && size !== 8) return { w0: word0(P_MOV_RR, x, slot(s)!, 0, 0, size), w1: 0, w2: 0, w3: 0 };
    if (s.kind === OK_IMM && size !== 8) {
      return { w0: word0(P_MOV_RI, x, 0, 0, 0, size), w1: 0, w2: size === 64 ? s.immHi : 0, w3: s.immLo };
    }
    if (s.kind !== OK_MEM || i.mem === null) return null;
    const m = memOf(i.mem, end);
    return m === null ? null : { w0: word0(P_LOAD, x, 0, 0, 0, size), w1: m[0], w2: m[1], w3: 0 };
  }
  if (d.kind !== OK_MEM || i.mem === null) return null;
  const m = memOf(i.mem, end);
  if (m === null) return null;
  if (gpr(s)) return { w0: word0(P_STORE, 0, slot(s)!, 0, 0, size), w1: m[0], w2: m[1], w3: 0 };
  const v = s.kind === OK_IMM ? imm(s, size) : null;
  return v === null ? null : { w0: word0(P_STORE_I, 0, 0, 0, 0, size), w1: m[0], w2: m[1], w3: v };
}

/** MOVZX/MOVSX/MOVSXD into a 32- or 64-bit register from 8, 16 or 32 bits. */
function packMovx(i: Insn, d: Operand, s: Operand, end: number): Packed | null {
  if (!gpr(d) || (d.size !== 32 && d.size !== 64)) return null;
  const from = s.size === 8 ? 0 : s.size === 16 ? 1 : s.size === 32 ? 2 : -1;
  if (from < 0) return null;
  const ext = i.name === "MOVZX" ? X_ZERO : d.size === 64 ? X_SIGN64 : X_SIGN32;
  if (gpr(s)) {
    const y = s.size === 8 ? slot(s)! : s.size === 16 ? 4 * s.reg : 2 * s.reg;
    return { w0: word0(P_MOVX_R, 2 * d.reg, y, ext, from, d.size), w1: 0, w2: 0, w3: 0 };
  }
  if (s.kind !== OK_MEM || i.mem === null) return null;
  const m = memOf(i.mem, end);
  return m === null ? null : { w0: word0(P_MOVX_M, 2 * d.reg, 0, ext, from, d.size), w1: m[0], w2: m[1], w3: 0 };
}

function packLea(i: Insn, d: Operand, end: number): Packed | null {
  if (!gpr(d) || (d.size !== 32 && d.size !== 64) || i.mem === null) return null;
  const m = memOf(i.mem, end);
  return m === null ? null : { w0: word0(P_LEA, 2 * d.reg, 0, 0, 0, d.size), w1: m[0], w2: m[1], w3: 0 };
}

/** JMP and CALL: relative, or through a 64-bit register or memory operand (near forms only). */
function packBranch(i: Insn, d: Operand | undefined, end: number): Packed | null {
  if (d === undefined) return null;
  const call = i.name === "CALL";
  const next = call ? rel(i.next, end) : 0;
  if (next === null) return null;
  if (d.kind === 3) {
    const t = rel(i.branchTarget, end);
    if (t === null) return null;
    return call ? { w0: P_CALL, w1: 0, w2: t, w3: next } : { w0: P_JMP, w1: 0, w2: t, w3: 0 };
  }
  if (d.size !== 64) return null;
  if (gpr(d)) return { w0: word0(call ? P_CALL_R : P_JMP_R, 2 * d.reg, 0, 0, 0, 64), w1: 0, w2: 0, w3: next };
  if (d.kind !== OK_MEM || i.mem === null || /_m16/.test(i.form)) return null;
  const m = memOf(i.mem, end);
  return m === null ? null : { w0: word0(call ? P_CALL_M : P_JMP_M, 0, 0, 0, 0, 64), w1: m[0], w2: m[1], w3: next };
}

function packCmov(i: Insn, d: Operand, s: Operand, end: number): Packed | null {
  if (!gpr(d) || (d.size !== 32 && d.size !== 64)) return null;
  if (gpr(s)) return { w0: word0(P_CMOV_RR, 2 * d.reg, 2 * s.reg, i.cc, 0, d.size), w1: 0, w2: 0, w3: 0 };
  if (s.kind !== OK_MEM || i.mem === null) return null;
  const m = memOf(i.mem, end);
  return m === null ? null : { w0: word0(P_CMOV_RM, 2 * d.reg, 0, i.cc, 0, d.size), w1: m[0], w2: m[1], w3: 0 };
}

/** SHL/SAL, SHR, SAR of a register by an immediate or CL, the count masked as the CPU does. */
function packShift(shift: number, d: Operand, s: Operand): Packed | null {
  if (!gpr(d) || SIZE_CODE[d.size] === undefined) return null;
  const x = slot(d)!;
  if (s.kind === OK_IMM) {
    const n = s.immLo & (d.size === 64 ? 63 : 31);
    return { w0: word0(P_SHIFT_RI, x, 0, 0, shift, d.size), w1: 0, w2: 0, w3: n };
  }
  if (!gpr(s) || s.size !== 8 || s.reg !== 1 || s.hi8) return null;
  return { w0: word0(P_SHIFT_RC, x, 0, 0, shift, d.size), w1: 0, w2: 0, w3: 0 };
}
