// SPDX-License-Identifier: MIT
// Multiply and divide: MUL IMUL (one, two and three operands) DIV IDIV, all sizes
// (AMD APM Vol. 3 "MUL", "IMUL", "DIV", "IDIV"). 64×64→128 products use 16-bit
// limbs (no BigInt); only rare 128/64 divides fall back to BigInt.
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import { CpuException, FAULT_INTDIV, VEC_DE } from "../exits.js";
import { AF, CF, OF, PF, SF, ZF } from "../flags.js";
import { type Builder, type InsnRow, type Op, row } from "../translate/types.js";
import { isReg, prepareEa, reader, readerHi, sext, withEa, writer } from "../translate/operands.js";

export const MULDIV_ROWS: readonly InsnRow[] = [
  row("MUL", accOp(mul), { writes: "OSZAPC", undefinedFlags: "SZAP" }),
  row("IMUL", imul, { writes: "OSZAPC", undefinedFlags: "SZAP" }),
  row("DIV", accOp(withDivFlags(div)), { writes: "OSZAPC", undefinedFlags: "OSZAPC" }),
  row("IDIV", accOp(withDivFlags(idiv)), { writes: "OSZAPC", undefinedFlags: "OSZAPC" }),
];

const TWO32 = 4294967296;
const SAFE = 9007199254740991;
const KEEP_MUL = SF | ZF | AF | PF;

// ---- exact products on int32 halves -------------------------------------------

/** High word of the last `mulu32`. */
let mh = 0;

/** Unsigned 32×32→64: returns the low word, leaves the high word in `mh`. */
function mulu32(a: number, b: number): number {
  const a0 = a & 0xffff,
    a1 = a >>> 16,
    b0 = b & 0xffff,
    b1 = b >>> 16;
  const p01 = a0 * b1,
    p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  mh = (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
  return Math.imul(a, b);
}

/** 128-bit product words, least significant first. */
let w0 = 0,
  w1 = 0,
  w2 = 0,
  w3 = 0;

function mulu64(alo: number, ahi: number, blo: number, bhi: number): void {
  const l00 = mulu32(alo, blo),
    h00 = mh;
  const l01 = mulu32(alo, bhi),
    h01 = mh;
  const l10 = mulu32(ahi, blo),
    h10 = mh;
  const l11 = mulu32(ahi, bhi),
    h11 = mh;
  w0 = l00;
  const s1 = (h00 >>> 0) + (l01 >>> 0) + (l10 >>> 0);
  w1 = s1 | 0;
  const s2 = (h01 >>> 0) + (h10 >>> 0) + (l11 >>> 0) + Math.floor(s1 / TWO32);
  w2 = s2 | 0;
  w3 = ((h11 >>> 0) + Math.floor(s2 / TWO32)) | 0;
}

/** Subtracts (lo, hi) from the high 64 bits of the product. */
function subHigh(lo: number, hi: number): void {
  const d = (w2 >>> 0) - (lo >>> 0);
  w2 = d | 0;
  w3 = (w3 - hi - (d < 0 ? 1 : 0)) | 0;
}

function muls64(alo: number, ahi: number, blo: number, bhi: number): void {
  mulu64(alo, ahi, blo, bhi);
  if (ahi < 0) subHigh(blo, bhi);
  if (bhi < 0) subHigh(alo, ahi);
}

/** CF=OF=overflow; AMD leaves the undefined SF ZF AF PF unchanged. */
function mulFlags(c: Cpu, over: boolean): void {
  c.f.setEager((c.f.arith() & KEEP_MUL) | (over ? CF | OF : 0));
}

/** AMD after DIV/IDIV: CF and OF unchanged, SF=ZF=PF=0, AF=1. */
function divFlags(c: Cpu): void {
  c.f.setEager((c.f.arith() & (CF | OF)) | AF);
}

// ---- one-operand forms on the accumulator --------------------------------------

type AccSem = (c: Cpu, b: number, bh: number, sz: number) => void;

function accOp(sem: AccSem): Builder {
  return (i: Insn): Op | null => {
    const s = i.ops[0]!;
    const sz = s.size,
      rb = reader(s),
      rbh = readerHi(s);
    if (isReg(s) && sz === 64) {
      const k = 2 * s.reg;
      return (c) => sem(c, c.r32[k]!, c.r32[k + 1]!, 64);
    }
    return withEa(prepareEa(i), (c) => sem(c, rb(c), rbh(c), sz));
  };
}

function mul(c: Cpu, b: number, bh: number, sz: number): void {
  const r = c.r32;
  if (sz === 8) {
    const p = c.r8[0]! * b;
    c.r16[0] = p;
    mulFlags(c, p > 0xff);
  } else if (sz === 16) {
    const p = c.r16[0]! * b;
    c.r16[0] = p;
    c.r16[8] = p >>> 16;
    mulFlags(c, p > 0xffff);
  } else if (sz === 32) {
    const lo = mulu32(r[0]!, b);
    r[0] = lo;
    r[1] = 0;
    r[4] = mh;
    r[5] = 0;
    mulFlags(c, mh !== 0);
  } else {
    mulu64(r[0]!, r[1]!, b, bh);
    r[0] = w0;
    r[1] = w1;
    r[4] = w2;
    r[5] = w3;
    mulFlags(c, (w2 | w3) !== 0);
  }
}

function imul1(c: Cpu, b: number, bh: number, sz: number): void {
  const r = c.r32;
  if (sz === 8) {
    const p = sext(c.r8[0]!, 8) * sext(b, 8);
    c.r16[0] = p;
    mulFlags(c, p !== sext(p, 8));
  } else if (sz === 16) {
    const p = sext(c.r16[0]!, 16) * sext(b, 16);
    c.r16[0] = p;
    c.r16[8] = p >> 16;
    mulFlags(c, p !== sext(p, 16));
  } else if (sz === 32) {
    const a = r[0]!;
    const lo = mulu32(a, b);
    const hi = (mh - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
    r[0] = lo;
    r[1] = 0;
    r[4] = hi;
    r[5] = 0;
    mulFlags(c, hi !== lo >> 31);
  } else {
    muls64(r[0]!, r[1]!, b, bh);
    r[0] = w0;
    r[1] = w1;
    r[4] = w2;
    r[5] = w3;
    mulFlags(c, w2 !== w1 >> 31 || w3 !== w1 >> 31);
  }
}

/** IMUL with one, two (dst *= src) or three (dst = src * imm) operands. */
function imul(i: Insn): Op | null {
  if (i.ops.length === 1) return accOp(imul1)(i);
  const d = i.ops[0]!,
    s = i.ops[1]!,
    t = i.ops[2] ?? d;
  const sz = d.size,
    w = writer(d);
  const ra = reader(s),
    rah = readerHi(s),
    rb = reader(t, sz),
    rbh = readerHi(t, sz);
  if (isReg(d) && isReg(s) && t === d && sz >= 32) {
    const dl = 2 * d.reg,
      sl = 2 * s.reg;
    if (sz === 32) {
      return (c) => {
        const r = c.r32;
        imulN(c, r[sl]!, 0, r[dl]!, 0, 32);
        r[dl] = c.t0;
        r[dl + 1] = 0;
      };
    }
    return (c) => {
      const r = c.r32;
      imulN(c, r[sl]!, r[sl + 1]!, r[dl]!, r[dl + 1]!, 64);
      r[dl] = c.t0;
      r[dl + 1] = c.t1;
    };
  }
  return withEa(prepareEa(i), (c) => {
    imulN(c, ra(c), rah(c), rb(c), rbh(c), sz);
    w(c, c.t0, c.t1);
  });
}

/** Truncated signed product with CF=OF when it does not fit. */
function imulN(c: Cpu, a: number, ah: number, b: number, bh: number, sz: number): void {
  let lo: number,
    hi = 0,
    over: boolean;
  if (sz === 64) {
    const x = ah * TWO32 + (a >>> 0),
      y = bh * TWO32 + (b >>> 0);
    const p = x * y;
    if (p >= -SAFE && p <= SAFE && x >= -SAFE && x <= SAFE && y >= -SAFE && y <= SAFE) {
      lo = p | 0;
      hi = Math.floor(p / TWO32) | 0;
      over = false;
    } else {
      muls64(a, ah, b, bh);
      lo = w0;
      hi = w1;
      over = w2 !== w1 >> 31 || w3 !== w1 >> 31;
    }
  } else if (sz === 32) {
    const p = a * b;
    lo = Math.imul(a, b);
    over = p < -2147483648 || p > 2147483647;
  } else {
    const p = sext(a, 16) * sext(b, 16);
    lo = p & 0xffff;
    over = p !== sext(p, 16);
  }
  c.t0 = lo;
  c.t1 = hi;
  mulFlags(c, over);
}

// ---- divide ----------------------------------------------------------------------

function withDivFlags(sem: AccSem): AccSem {
  return (c, b, bh, sz) => {
    sem(c, b, bh, sz);
    divFlags(c);
  };
}

function divideError(): never {
  // Linux reports both divide-by-zero and quotient overflow as FPE_INTDIV.
  throw new CpuException(VEC_DE, 0, FAULT_INTDIV);
}

/** Quotient/remainder of the last `udivSmall`. */
let qlo = 0,
  qhi = 0,
  rem = 0;

/** (hiRem:lo64) / d for d < 2^32 and hiRem < d, by 16-bit digits (exact in doubles). */
function udivSmall(hiRem: number, lo: number, hi: number, d: number): void {
  let r = hiRem;
  let x = r * 65536 + (hi >>> 16);
  const q3 = Math.floor(x / d);
  r = x - q3 * d;
  x = r * 65536 + (hi & 0xffff);
  const q2 = Math.floor(x / d);
  r = x - q2 * d;
  x = r * 65536 + (lo >>> 16);
  const q1 = Math.floor(x / d);
  r = x - q1 * d;
  x = r * 65536 + (lo & 0xffff);
  const q0 = Math.floor(x / d);
  r = x - q0 * d;
  qhi = (q3 * 65536 + q2) | 0;
  qlo = (q1 * 65536 + q0) | 0;
  rem = r;
}

function div(c: Cpu, b: number, bh: number, sz: number): void {
  const r = c.r32;
  if (sz === 8 || sz === 16) {
    const n = sz === 8 ? c.r16[0]! : c.r16[8]! * 65536 + c.r16[0]!;
    if (b === 0) divideError();
    const q = Math.floor(n / b);
    if (q > (sz === 8 ? 0xff : 0xffff)) divideError();
    if (sz === 8) {
      c.r8[0] = q;
      c.r8[1] = n - q * b;
    } else {
      c.r16[0] = q;
      c.r16[8] = n - q * b;
    }
    return;
  }
  if (sz === 32) {
    const d = b >>> 0,
      h = r[4]! >>> 0;
    if (d === 0 || h >= d) divideError();
    udivSmall(0, r[0]!, h, d);
    r[0] = qlo;
    r[1] = 0;
    r[4] = rem;
    r[5] = 0;
    return;
  }
  if ((b | bh) === 0) divideError();
  if (bh === 0 && r[5] === 0 && r[4]! >>> 0 < b >>> 0) {
    udivSmall(r[4]! >>> 0, r[0]!, r[1]!, b >>> 0);
    r[0] = qlo;
    r[1] = qhi;
    r[4] = rem;
    r[5] = 0;
    return;
  }
  if ((r[4]! | r[5]!) === 0 && r[1]! >>> 0 < 0x200000 && bh >>> 0 < 0x200000) {
    const n = r[1]! * TWO32 + (r[0]! >>> 0),
      d = bh * TWO32 + (b >>> 0);
    const q = Math.floor(n / d);
    setPair(c, 0, q);
    setPair(c, 2, n - q * d);
    return;
  }
  divBig(c, b, bh, false);
}

function setPair(c: Cpu, reg: number, v: number): void {
  c.r32[2 * reg] = v | 0;
  c.r32[2 * reg + 1] = Math.floor(v / TWO32) | 0;
}

function idiv(c: Cpu, b: number, bh: number, sz: number): void {
  const r = c.r32;
  if (sz <= 32) {
    const d = sext(b, sz);
    let n: number;
    if (sz === 8) n = sext(c.r16[0]!, 16);
    else if (sz === 16) n = (c.r16[8]! << 16) | c.r16[0]!;
    else if (r[4]! >= -0x200000 && r[4]! < 0x200000) n = r[4]! * TWO32 + (r[0]! >>> 0);
    else return divBig(c, b, b >> 31, true, 32);
    if (d === 0) divideError();
    const q = Math.trunc(n / d),
      lim = sz === 8 ? 0x80 : sz === 16 ? 0x8000 : 0x80000000;
    if (q >= lim || q < -lim) divideError();
    const m = n - q * d;
    if (sz === 8) {
      c.r8[0] = q;
      c.r8[1] = m;
    } else if (sz === 16) {
      c.r16[0] = q;
      c.r16[8] = m;
    } else {
      r[0] = q;
      r[1] = 0;
      r[4] = m;
      r[5] = 0;
    }
    return;
  }
  const ah = r[1]!;
  if (r[4] === ah >> 31 && r[5] === ah >> 31 && ah >= -0x200000 && ah < 0x200000 && bh >= -0x200000 && bh < 0x200000) {
    const n = ah * TWO32 + (r[0]! >>> 0),
      d = bh * TWO32 + (b >>> 0);
    if (d === 0) divideError();
    const q = Math.trunc(n / d);
    setPair(c, 0, q);
    setPair(c, 2, n - q * d);
    return;
  }
  divBig(c, b, bh, true);
}

/** Rare slow path: 128/64 (or 64/32) divide with BigInt. */
function divBig(c: Cpu, b: number, bh: number, signed: boolean, sz = 64): void {
  const r = c.r32;
  const w = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  let n = sz === 64 ? (w(r[4]!, r[5]!) << 64n) | w(r[0]!, r[1]!) : w(r[0]!, r[4]!);
  let d = w(b, bh);
  if (d === 0n) divideError();
  if (signed) {
    n = BigInt.asIntN(2 * sz, n);
    d = BigInt.asIntN(64, d);
  }
  const q = n / d,
    m = n % d;
  const lim = 1n << BigInt(signed ? sz - 1 : sz);
  if (q >= lim || q < (signed ? -lim : 0n)) divideError();
  const put = (reg: number, v: bigint): void => {
    const u = BigInt.asUintN(64, v);
    r[2 * reg] = Number(u & 0xffffffffn) | 0;
    r[2 * reg + 1] = sz === 64 ? Number(u >> 32n) | 0 : 0;
  };
  put(0, q);
  put(2, m);
}
