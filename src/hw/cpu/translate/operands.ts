// SPDX-License-Identifier: MIT
// Operand plumbing shared by every builder: effective addresses (AMD APM
// Vol. 1 §2.2 "Effective addresses") and specialised readers/writers for
// register, memory and immediate operands. Values travel as int32 halves.
import type { Cpu } from "../cpu.js";
import { type Insn, type MemRef, type Operand, OK_IMM, OK_MEM, OK_REG, RC_GPR } from "../decode.js";

export type Ea = (c: Cpu) => number;
/** Reads the low 32 bits (or the whole value below 32 bits, zero-extended). */
export type Rd = (c: Cpu) => number;
/** Writes a value given as lo/hi halves (hi ignored below 64 bits). */
export type Wr = (c: Cpu, lo: number, hi: number) => void;

const TWO32 = 4294967296;

function segBase(seg: number): Ea | null {
  return seg === 1 ? (c) => c.fsBase : seg === 2 ? (c) => c.gsBase : null;
}

/** Builds the effective-address closure (segment base included). */
export function eaOf(m: MemRef): Ea {
  const ea = rawEa(m);
  const seg = segBase(m.seg);
  const wrapped: Ea = m.addr32 ? (c) => ea(c) >>> 0 : ea;
  if (seg === null) return wrapped;
  return (c) => seg(c) + wrapped(c);
}

function rawEa(m: MemRef): Ea {
  const d = m.disp;
  const b = m.base;
  const x = m.index;
  const s = m.scale;
  if (b < 0 && x < 0) return () => d;
  const bl = 2 * b,
    bh = 2 * b + 1,
    xl = 2 * x,
    xh = 2 * x + 1;
  if (x < 0) {
    if (d === 0) return (c) => c.r32[bh]! * TWO32 + (c.r32[bl]! >>> 0);
    return (c) => c.r32[bh]! * TWO32 + (c.r32[bl]! >>> 0) + d;
  }
  if (b < 0) return (c) => (c.r32[xh]! * TWO32 + (c.r32[xl]! >>> 0)) * s + d;
  return (c) => c.r32[bh]! * TWO32 + (c.r32[bl]! >>> 0) + (c.r32[xh]! * TWO32 + (c.r32[xl]! >>> 0)) * s + d;
}

/** The instruction's EA closure, or a no-op when it has no memory operand. */
export function prepareEa(i: Insn): Ea | null {
  return i.mem === null ? null : eaOf(i.mem);
}

const MASK: Record<number, number> = { 8: 0xff, 16: 0xffff, 32: -1, 64: -1 };

/** Reader of the low word of an operand (size `sz` governs immediates). */
export function reader(o: Operand, sz = o.size): Rd {
  if (o.kind === OK_IMM) {
    const v = sz < 32 ? o.immLo & MASK[sz]! : o.immLo;
    return () => v;
  }
  if (o.kind === OK_MEM) {
    if (o.size === 8) return (c) => c.mem.read8(c.ea);
    if (o.size === 16) return (c) => c.mem.read16(c.ea);
    return (c) => c.mem.read32(c.ea);
  }
  if (o.kind !== OK_REG || o.rclass !== RC_GPR) throw new Error(`reader: unsupported operand kind ${o.kind}`);
  const r = o.reg;
  if (o.size === 8) {
    const k = o.hi8 ? 8 * r + 1 : 8 * r;
    return (c) => c.r8[k]!;
  }
  if (o.size === 16) {
    const k = 4 * r;
    return (c) => c.r16[k]!;
  }
  const k = 2 * r;
  return (c) => c.r32[k]!;
}

/** Reader of the high word (64-bit operands only; 0 otherwise). */
export function readerHi(o: Operand, sz = o.size): Rd {
  if (sz !== 64) return () => 0;
  if (o.kind === OK_IMM) {
    const v = o.immHi;
    return () => v;
  }
  if (o.kind === OK_MEM) return (c) => c.mem.read32(c.ea + 4);
  const k = 2 * o.reg + 1;
  return (c) => c.r32[k]!;
}

/** Writer for a destination operand; 32-bit register writes zero the high half. */
export function writer(o: Operand): Wr {
  if (o.kind === OK_MEM) {
    if (o.size === 8) return (c, lo) => c.mem.write8(c.ea, lo & 0xff);
    if (o.size === 16) return (c, lo) => c.mem.write16(c.ea, lo & 0xffff);
    if (o.size === 32) return (c, lo) => c.mem.write32(c.ea, lo);
    return (c, lo, hi) => c.mem.write64(c.ea, lo, hi);
  }
  if (o.kind !== OK_REG || o.rclass !== RC_GPR) throw new Error(`writer: unsupported operand kind ${o.kind}`);
  const r = o.reg;
  if (o.size === 8) {
    const k = o.hi8 ? 8 * r + 1 : 8 * r;
    return (c, lo) => {
      c.r8[k] = lo;
    };
  }
  if (o.size === 16) {
    const k = 4 * r;
    return (c, lo) => {
      c.r16[k] = lo;
    };
  }
  const k = 2 * r;
  if (o.size === 32) {
    return (c, lo) => {
      c.r32[k] = lo;
      c.r32[k + 1] = 0;
    };
  }
  return (c, lo, hi) => {
    c.r32[k] = lo;
    c.r32[k + 1] = hi;
  };
}

export function isReg(o: Operand | undefined): boolean {
  return o !== undefined && o.kind === OK_REG && o.rclass === RC_GPR;
}

export function isImm(o: Operand | undefined): boolean {
  return o !== undefined && o.kind === OK_IMM;
}

export function isMem(o: Operand | undefined): boolean {
  return o !== undefined && o.kind === OK_MEM;
}

/** Wraps an op so it computes the EA into `c.ea` first. */
export function withEa(ea: Ea | null, op: (c: Cpu) => void): (c: Cpu) => void {
  if (ea === null) return op;
  return (c) => {
    c.ea = ea(c);
    op(c);
  };
}

/** Sign-extends the low `sz` bits of v to int32. */
export function sext(v: number, sz: number): number {
  return sz === 8 ? (v << 24) >> 24 : sz === 16 ? (v << 16) >> 16 : v | 0;
}
