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

// Closures that capture nothing, or only a register slot or a constant, are made once and
// shared by every instruction that needs the same one: each closure with its context costs
// about 100 bytes of heap, and a big program translates half a million instructions
// (translate/block.ts). A shared closure runs exactly as its own copy would.

/** Keys a memo holds before it starts again (a guest that keeps making code must not grow it forever). */
const MEMO_MAX = 1 << 16;

/** `make(key)`, made once per key (and again after MEMO_MAX other keys). */
function memo<T>(make: (key: number) => T): (key: number) => T {
  const made = new Map<number, T>();
  return (key) => {
    let f = made.get(key);
    if (f === undefined) {
      if (made.size >= MEMO_MAX) made.clear();
      made.set(key, (f = make(key)));
    }
    return f;
  };
}

const constant = memo(
  (v): Rd =>
    () =>
      v,
);
const ZERO = constant(0);

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

/** [base] by base register. */
const eaBase = memo((b): Ea => {
  const bl = 2 * b,
    bh = bl + 1;
  return (c) => c.r32[bh]! * TWO32 + (c.r32[bl]! >>> 0);
});
/** [base + d] by d * 16 + base (exact: d is a 32-bit displacement). */
const eaBaseDisp = memo((key): Ea => {
  const b = key & 15,
    d = (key - b) / 16,
    bl = 2 * b,
    bh = bl + 1;
  return (c) => c.r32[bh]! * TWO32 + (c.r32[bl]! >>> 0) + d;
});

function rawEa(m: MemRef): Ea {
  const d = m.disp;
  const b = m.base;
  const x = m.index;
  const s = m.scale;
  if (b < 0 && x < 0) return constant(d);
  if (x < 0) return d === 0 ? eaBase(b) : eaBaseDisp(d * 16 + b);
  const bl = 2 * b,
    bh = 2 * b + 1,
    xl = 2 * x,
    xh = 2 * x + 1;
  if (b < 0) return (c) => (c.r32[xh]! * TWO32 + (c.r32[xl]! >>> 0)) * s + d;
  return (c) => c.r32[bh]! * TWO32 + (c.r32[bl]! >>> 0) + (c.r32[xh]! * TWO32 + (c.r32[xl]! >>> 0)) * s + d;
}

/** The instruction's EA closure, or a no-op when it has no memory operand. */
export function prepareEa(i: Insn): Ea | null {
  return i.mem === null ? null : eaOf(i.mem);
}

const MASK: Record<number, number> = { 8: 0xff, 16: 0xffff, 32: -1, 64: -1 };

const READ_EA8: Rd = (c) => c.mem.read8(c.ea);
const READ_EA16: Rd = (c) => c.mem.read16(c.ea);
const READ_EA32: Rd = (c) => c.mem.read32(c.ea);
const READ_EA32_HI: Rd = (c) => c.mem.read32(c.ea + 4);
/** Register readers by slot: r8 (byte index), r16 (word index), r32 (dword index). */
const readR8 = memo(
  (k): Rd =>
    (c) =>
      c.r8[k]!,
);
const readR16 = memo(
  (k): Rd =>
    (c) =>
      c.r16[k]!,
);
const readR32 = memo(
  (k): Rd =>
    (c) =>
      c.r32[k]!,
);

/** Reader of the low word of an operand (size `sz` governs immediates). */
export function reader(o: Operand, sz = o.size): Rd {
  if (o.kind === OK_IMM) return constant(sz < 32 ? o.immLo & MASK[sz]! : o.immLo);
  if (o.kind === OK_MEM) return o.size === 8 ? READ_EA8 : o.size === 16 ? READ_EA16 : READ_EA32;
  if (o.kind !== OK_REG || o.rclass !== RC_GPR) throw new Error(`reader: unsupported operand kind ${o.kind}`);
  const r = o.reg;
  if (o.size === 8) return readR8(o.hi8 ? 8 * r + 1 : 8 * r);
  if (o.size === 16) return readR16(4 * r);
  return readR32(2 * r);
}

/** Reader of the high word (64-bit operands only; 0 otherwise). */
export function readerHi(o: Operand, sz = o.size): Rd {
  if (sz !== 64) return ZERO;
  if (o.kind === OK_IMM) return constant(o.immHi);
  if (o.kind === OK_MEM) return READ_EA32_HI;
  return readR32(2 * o.reg + 1);
}

const WRITE_EA8: Wr = (c, lo) => c.mem.write8(c.ea, lo & 0xff);
const WRITE_EA16: Wr = (c, lo) => c.mem.write16(c.ea, lo & 0xffff);
const WRITE_EA32: Wr = (c, lo) => c.mem.write32(c.ea, lo);
const WRITE_EA64: Wr = (c, lo, hi) => c.mem.write64(c.ea, lo, hi);
/** Register writers by slot; a 32-bit write zeroes the high half. */
const writeR8 = memo((k): Wr => (c, lo) => {
  c.r8[k] = lo;
});
const writeR16 = memo((k): Wr => (c, lo) => {
  c.r16[k] = lo;
});
const writeR32 = memo((k): Wr => (c, lo) => {
  c.r32[k] = lo;
  c.r32[k + 1] = 0;
});
const writeR64 = memo((k): Wr => (c, lo, hi) => {
  c.r32[k] = lo;
  c.r32[k + 1] = hi;
});

/** Writer for a destination operand; 32-bit register writes zero the high half. */
export function writer(o: Operand): Wr {
  if (o.kind === OK_MEM) {
    return o.size === 8 ? WRITE_EA8 : o.size === 16 ? WRITE_EA16 : o.size === 32 ? WRITE_EA32 : WRITE_EA64;
  }
  if (o.kind !== OK_REG || o.rclass !== RC_GPR) throw new Error(`writer: unsupported operand kind ${o.kind}`);
  const r = o.reg;
  if (o.size === 8) return writeR8(o.hi8 ? 8 * r + 1 : 8 * r);
  if (o.size === 16) return writeR16(4 * r);
  return o.size === 32 ? writeR32(2 * r) : writeR64(2 * r);
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
