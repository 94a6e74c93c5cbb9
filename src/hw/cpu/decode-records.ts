// SPDX-License-Identifier: MIT
// The records of the decoded-block cache (decode-cache.ts): each decoded instruction as a
// few 32-bit words, read back with a load and a shift or two per field. A cached block is
// read once per run, before V8 optimizes the reader (a dynamic /bin/true reads 2,000
// blocks at start-up), so the format is made for the interpreter: no call per field, no
// loop per number. (The first format, LEB128 varints, cost 2 µs per instruction read:
// 15 % of that start-up.)
//
// An instruction: four header words, its branch target, its operands (a word each, and
// the immediate's halves that are not zero), its memory operand (two words and the
// displacement). Numbers that may need 64 bits (branch targets, displacements) are NUM_*
// coded: nothing for zero, a word for an int32, two for any other safe integer, two for
// the bits of any other double.
import type { Insn, MemRef, Operand } from "./decode.js";

/** Names of a Code and a Mnemonic (decode.ts: iced's enums, no WebAssembly). */
export interface InsnNames {
  form(code: number): string;
  name(mnemonic: number): string;
}

/** Makes a decoded-instruction record pointing at `len` bytes of `src` from `at` (decode.ts). */
export type InsnFactory = (src: Uint8Array, at: number, len: number) => Insn;

// Header word 0.
const H0_REP = 1 << 4,
  H0_REPE = 1 << 5,
  H0_REPNE = 1 << 6,
  H0_LOCK = 1 << 7,
  H0_MEM = 1 << 8;
const H0_NOPS_SHIFT = 9,
  H0_CC_SHIFT = 12,
  H0_FLOW_SHIFT = 17,
  H0_TARGET_SHIFT = 21;
// An operand's word.
const OP_REG_SHIFT = 3,
  OP_RCLASS_SHIFT = 11,
  OP_SIZE_SHIFT = 15,
  OP_HI8 = 1 << 26,
  OP_IMM_LO = 1 << 27,
  OP_IMM_HI = 1 << 28;
// The memory operand's first word (its second is the access size in bytes).
const M_INDEX_SHIFT = 5,
  M_SCALE_SHIFT = 10,
  M_SEG_SHIFT = 14,
  M_ADDR32 = 1 << 16,
  M_DISP_SHIFT = 17;

const NUM_ZERO = 0,
  NUM_I32 = 1,
  NUM_I64 = 2,
  NUM_F64 = 3;
const TWO32 = 4294967296;
/** The words of a NUM_F64 number (one host's order: an image is read where it was written). */
const f64 = new Float64Array(1),
  f64Words = new Int32Array(f64.buffer);

/** A record field that does not fit its bits: the block is not cached (decode-cache.ts). */
export class Unencodable extends Error {}

/** Growable words an encoding is written into. */
export class Words {
  buf = new Int32Array(256);
  n = 0;

  push(v: number): void {
    if (this.n === this.buf.length) {
      const bigger = new Int32Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = v;
  }

  /** `v` in `bits` (at most 31) bits at `shift`, checked. */
  static field(v: number, bits: number, shift: number): number {
    if ((v | 0) !== v || v < 0 || v >>> bits !== 0) throw new Unencodable();
    return v << shift;
  }
}

function numKind(v: number): number {
  if (Object.is(v, 0)) return NUM_ZERO;
  if ((v | 0) === v && !Object.is(v, -0)) return NUM_I32;
  return Number.isSafeInteger(v) ? NUM_I64 : NUM_F64;
}

function writeNum(w: Words, v: number, kind: number): void {
  if (kind === NUM_I32) w.push(v);
  else if (kind === NUM_I64) {
    const hi = Math.floor(v / TWO32);
    w.push((v - hi * TWO32) | 0);
    w.push(hi);
  } else if (kind === NUM_F64) {
    f64[0] = v;
    w.push(f64Words[0]!);
    w.push(f64Words[1]!);
  }
}

/** The NUM_* coded number of `kind` at `w[k]`. */
function readNum(w: Int32Array, k: number, kind: number): number {
  if (kind === NUM_ZERO) return 0;
  if (kind === NUM_I32) return w[k]!;
  if (kind === NUM_I64) return w[k + 1]! * TWO32 + (w[k]! >>> 0);
  f64Words[0] = w[k]!;
  f64Words[1] = w[k + 1]!;
  return f64[0]!;
}

const NUM_WORDS = [0, 1, 2, 2];

function writeOperand(w: Words, o: Operand): void {
  const F = Words.field;
  w.push(
    F(o.kind, 3, 0) |
      F(o.reg + 1, 8, OP_REG_SHIFT) |
      F(o.rclass, 4, OP_RCLASS_SHIFT) |
      F(o.size, 11, OP_SIZE_SHIFT) |
      (o.hi8 ? OP_HI8 : 0) |
      (o.immLo !== 0 ? OP_IMM_LO : 0) |
      (o.immHi !== 0 ? OP_IMM_HI : 0),
  );
  if ((o.immLo | 0) !== o.immLo || (o.immHi | 0) !== o.immHi) throw new Unencodable();
  if (o.immLo !== 0) w.push(o.immLo);
  if (o.immHi !== 0) w.push(o.immHi);
}

function writeMem(w: Words, m: MemRef): void {
  const F = Words.field,
    kind = numKind(m.disp);
  w.push(
    F(m.base + 1, 5, 0) |
      F(m.index + 1, 5, M_INDEX_SHIFT) |
      F(m.scale, 4, M_SCALE_SHIFT) |
      F(m.seg, 2, M_SEG_SHIFT) |
      (m.addr32 ? M_ADDR32 : 0) |
      (kind << M_DISP_SHIFT),
  );
  w.push(F(m.bytes, 31, 0));
  writeNum(w, m.disp, kind);
}

/** Appends the records of `insns` (count first); throws Unencodable when a field does not fit. */
export function writeInsns(w: Words, insns: readonly Insn[]): void {
  const F = Words.field;
  w.push(insns.length);
  for (const i of insns) {
    const target = numKind(i.branchTarget);
    w.push(
      F(i.len, 4, 0) |
        (i.rep ? H0_REP : 0) |
        (i.repe ? H0_REPE : 0) |
        (i.repne ? H0_REPNE : 0) |
        (i.lock ? H0_LOCK : 0) |
        (i.mem !== null ? H0_MEM : 0) |
        F(i.ops.length, 3, H0_NOPS_SHIFT) |
        F(i.cc + 1, 5, H0_CC_SHIFT) |
        F(i.flow, 4, H0_FLOW_SHIFT) |
        (target << H0_TARGET_SHIFT),
    );
    w.push(F(i.code, 16, 0) | (F(i.mnemonic, 15, 0) << 16));
    w.push(F(i.flagsRead, 16, 0) | (F(i.flagsModified, 15, 0) << 16));
    w.push(F(i.flagsUndefined, 31, 0));
    writeNum(w, i.branchTarget, target);
    for (const o of i.ops) writeOperand(w, o);
    if (i.mem !== null) writeMem(w, i.mem);
  }
}

/** Where the last operand or memory operand read ended (the readers' second result). */
const scratchK = new Int32Array(1);

/** The operand at `w[k]`; the index after it goes to `end[0]`. */
function readOperand(w: Int32Array, k: number, end: Int32Array): Operand {
  const o = w[k++]! | 0;
  const immLo = (o & OP_IMM_LO) !== 0 ? w[k++]! | 0 : 0;
  const immHi = (o & OP_IMM_HI) !== 0 ? w[k++]! | 0 : 0;
  end[0] = k;
  return {
    kind: o & 7,
    reg: ((o >>> OP_REG_SHIFT) & 255) - 1,
    rclass: (o >>> OP_RCLASS_SHIFT) & 15,
    size: (o >>> OP_SIZE_SHIFT) & 2047,
    hi8: (o & OP_HI8) !== 0,
    immLo,
    immHi,
  };
}

/**
 * The `n` operands from `w[k]`, in an array made at its size (an empty array grown by
 * push reserves room for 16); the index after them goes to `end[0]`.
 */
function readOperands(w: Int32Array, k: number, n: number, end: Int32Array): Operand[] {
  end[0] = k;
  if (n === 0) return [];
  const o0 = readOperand(w, k, end);
  if (n === 1) return [o0];
  const o1 = readOperand(w, end[0]!, end);
  if (n === 2) return [o0, o1];
  const ops = [o0, o1];
  for (let m = 2; m < n; m++) ops.push(readOperand(w, end[0]!, end));
  return ops;
}

/** The memory operand at `w[k]`; the index after it goes to `end[0]`. */
function readMemRef(w: Int32Array, k: number, end: Int32Array): MemRef {
  const m0 = w[k]! | 0,
    disp = (m0 >>> M_DISP_SHIFT) & 3;
  end[0] = k + 2 + NUM_WORDS[disp]!;
  return {
    base: (m0 & 31) - 1,
    index: ((m0 >>> M_INDEX_SHIFT) & 31) - 1,
    scale: (m0 >>> M_SCALE_SHIFT) & 15,
    disp: readNum(w, k + 2, disp),
    seg: (m0 >>> M_SEG_SHIFT) & 3,
    addr32: (m0 & M_ADDR32) !== 0,
    bytes: w[k + 1]! | 0,
  };
}

/**
 * Reads `n` records from `w[k]` into `out`, the instructions of `bytesLen` bytes that
 * start at guest address `ip` (their bytes: `bytes`). Returns the index after the last
 * word read, or -1 when the records do not describe exactly those bytes.
 */
export function readInsns(
  w: Int32Array,
  k: number,
  n: number,
  bytes: Uint8Array,
  bytesLen: number,
  ip: number,
  make: InsnFactory,
  names: InsnNames,
  out: Insn[],
): number {
  let offset = 0;
  for (let j = 0; j < n; j++) {
    const h0 = w[k]! | 0,
      h1 = w[k + 1]! | 0,
      h2 = w[k + 2]! | 0;
    const len = h0 & 15;
    if (len === 0 || offset + len > bytesLen) return -1;
    const d = make(bytes, offset, len);
    d.ip = ip + offset;
    d.len = len;
    d.next = d.ip + len;
    d.code = h1 & 0xffff;
    d.form = names.form(d.code);
    d.mnemonic = h1 >>> 16;
    d.name = names.name(d.mnemonic);
    d.rep = (h0 & H0_REP) !== 0;
    d.repe = (h0 & H0_REPE) !== 0;
    d.repne = (h0 & H0_REPNE) !== 0;
    d.lock = (h0 & H0_LOCK) !== 0;
    d.cc = ((h0 >>> H0_CC_SHIFT) & 31) - 1;
    d.flow = (h0 >>> H0_FLOW_SHIFT) & 15;
    d.flagsRead = h2 & 0xffff;
    d.flagsModified = h2 >>> 16;
    d.flagsUndefined = w[k + 3]! | 0;
    const target = (h0 >>> H0_TARGET_SHIFT) & 3;
    d.branchTarget = readNum(w, k + 4, target);
    k += 4 + NUM_WORDS[target]!;
    d.ops = readOperands(w, k, (h0 >>> H0_NOPS_SHIFT) & 7, scratchK);
    k = scratchK[0]!;
    if ((h0 & H0_MEM) !== 0) {
      d.mem = readMemRef(w, k, scratchK);
      k = scratchK[0]!;
    } else d.mem = null;
    d.invalid = false;
    offset += len;
    out.push(d);
  }
  return offset === bytesLen ? k : -1;
}
