// SPDX-License-Identifier: MIT
// Shifts and rotates: SHL/SAL SHR SAR ROL ROR RCL RCR SHLD SHRD (AMD APM Vol. 3
// "SHL", "RCL", "SHLD" ...). Counts are masked to 5 bits (6 for 64-bit); a masked
// count of 0 changes no flag. Undefined flags follow what AMD hardware does.
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import { AF, OF, PF, SF, ZF } from "../flags.js";
import { type Builder, type InsnRow, type Op, row } from "../translate/types.js";
import { isImm, isReg, prepareEa, reader, readerHi, withEa, writer } from "../translate/operands.js";

export const SHIFT_ROWS: readonly InsnRow[] = [
  row("SHL", shiftOp(shl), { writes: "OSZAPC", undefinedFlags: "OA" }),
  row("SAL", shiftOp(shl), { writes: "OSZAPC", undefinedFlags: "OA" }),
  row("SHR", shiftOp(shr), { writes: "OSZAPC", undefinedFlags: "OA" }),
  row("SAR", shiftOp(sar), { writes: "OSZAPC", undefinedFlags: "OA" }),
  row("ROL", shiftOp(rol), { writes: "OC", undefinedFlags: "O" }),
  row("ROR", shiftOp(ror), { writes: "OC", undefinedFlags: "O" }),
  row("RCL", shiftOp(rcl), { writes: "OC", undefinedFlags: "O" }),
  row("RCR", shiftOp(rcr), { writes: "OC", undefinedFlags: "O" }),
  row("SHLD", doubleOp(true), { writes: "OSZAPC", undefinedFlags: "OA" }),
  row("SHRD", doubleOp(false), { writes: "OSZAPC", undefinedFlags: "OA" }),
];

/** Semantic of a shift: (dst, count already masked, size) → c.t0/c.t1 and flags. */
type ShiftSem = (c: Cpu, a: number, ah: number, n: number, sz: number) => void;

function maskOf(sz: number): number {
  return sz === 8 ? 0xff : sz === 16 ? 0xffff : -1;
}

/** Most significant bit (0/1) of a value of size sz. */
function msb(lo: number, hi: number, sz: number): number {
  return sz === 64 ? hi >>> 31 : (lo >>> (sz - 1)) & 1;
}

/** Bit `k` (0..63) of a 64-bit value. */
function bit64(lo: number, hi: number, k: number): number {
  return k >= 32 ? (hi >>> (k - 32)) & 1 : (lo >>> k) & 1;
}

function shiftOp(sem: ShiftSem): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0]!,
      s = i.ops[1]!;
    const sz = d.size,
      m = sz === 64 ? 63 : 31;
    if (isImm(s) && isReg(d) && sz >= 32) return shiftRegImm(sem, 2 * d.reg, s.immLo & m, sz === 64);
    const rn = reader(s),
      ra = reader(d),
      rah = readerHi(d),
      w = writer(d);
    return withEa(prepareEa(i), (c) => {
      sem(c, ra(c), rah(c), rn(c) & m, sz);
      w(c, c.t0, c.t1);
    });
  };
}

/** A register shifted by an immediate count: a function of its own, so the closure keeps one small context. */
function shiftRegImm(sem: ShiftSem, dl: number, n: number, wide: boolean): Op {
  return wide
    ? (c) => {
        const r = c.r32;
        sem(c, r[dl]!, r[dl + 1]!, n, 64);
        r[dl] = c.t0;
        r[dl + 1] = c.t1;
      }
    : (c) => {
        const r = c.r32;
        sem(c, r[dl]!, 0, n, 32);
        r[dl] = c.t0;
        r[dl + 1] = 0;
      };
}

function unchanged(c: Cpu, a: number, ah: number): void {
  c.t0 = a;
  c.t1 = ah;
}

export function shl(c: Cpu, a: number, ah: number, n: number, sz: number): void {
  if (n === 0) return unchanged(c, a, ah);
  let lo: number,
    hi = 0,
    cf: number;
  if (sz === 64) {
    cf = bit64(a, ah, 64 - n);
    if (n < 32) {
      hi = (ah << n) | (a >>> (32 - n));
      lo = a << n;
    } else {
      hi = a << (n - 32);
      lo = 0;
    }
  } else {
    cf = n > sz ? 0 : (a >>> (sz - n)) & 1;
    lo = sz === 32 ? a << n : (a << n) & maskOf(sz);
  }
  c.t0 = lo;
  c.t1 = hi;
  c.f.setResult(sz, lo, hi, cf | ((msb(lo, hi, sz) ^ cf) !== 0 ? OF : 0) | AF);
}

export function shr(c: Cpu, a: number, ah: number, n: number, sz: number): void {
  if (n === 0) return unchanged(c, a, ah);
  let lo: number,
    hi = 0,
    cf: number;
  if (sz === 64) {
    cf = bit64(a, ah, n - 1);
    if (n < 32) {
      lo = (a >>> n) | (ah << (32 - n));
      hi = ah >>> n;
    } else lo = ah >>> (n - 32);
  } else {
    cf = (a >>> (n - 1)) & 1;
    lo = a >>> n;
  }
  lo |= 0;
  c.t0 = lo;
  c.t1 = hi | 0;
  const of = n === 1 ? msb(a, ah, sz) : msb(lo, hi, sz) ^ (sz === 64 ? (hi >>> 30) & 1 : (lo >>> (sz - 2)) & 1);
  c.f.setResult(sz, lo, hi, cf | (of !== 0 ? OF : 0) | AF);
}

export function sar(c: Cpu, a: number, ah: number, n: number, sz: number): void {
  if (n === 0) return unchanged(c, a, ah);
  let lo: number,
    hi = 0,
    cf: number;
  if (sz === 64) {
    cf = n === 64 ? ah >>> 31 : bit64(a, ah, n - 1);
    if (n < 32) {
      lo = (a >>> n) | (ah << (32 - n));
      hi = ah >> n;
    } else {
      lo = ah >> (n - 32);
      hi = ah >> 31;
    }
  } else {
    const sa = sz === 8 ? (a << 24) >> 24 : sz === 16 ? (a << 16) >> 16 : a;
    cf = (sa >> (n - 1)) & 1;
    lo = (sa >> n) & maskOf(sz);
  }
  c.t0 = lo;
  c.t1 = hi;
  c.f.setResult(sz, lo, hi, cf | AF);
}

/** Flags of a rotate: only CF and OF change. */
function rotFlags(c: Cpu, cf: number, of: number): void {
  c.f.setEager((c.f.arith() & (SF | ZF | AF | PF)) | cf | (of !== 0 ? OF : 0));
}

/** Rotates the sz-bit value (a, ah) left by r (0 <= r < sz) into c.t0/c.t1. */
function rotateLeft(c: Cpu, a: number, ah: number, r: number, sz: number): void {
  let lo = a,
    hi = ah;
  if (sz === 64) {
    if (r >= 32) {
      lo = ah;
      hi = a;
    }
    const k = r & 31;
    if (k !== 0) {
      const l = lo;
      lo = (lo << k) | (hi >>> (32 - k));
      hi = (hi << k) | (l >>> (32 - k));
    }
  } else if (sz === 32) lo = r === 0 ? a : (a << r) | (a >>> (32 - r));
  else lo = ((a << r) | (a >>> (sz - r))) & maskOf(sz);
  c.t0 = lo;
  c.t1 = hi;
}

function rol(c: Cpu, a: number, ah: number, n: number, sz: number): void {
  if (n === 0) return unchanged(c, a, ah);
  rotateLeft(c, a, ah, sz === 64 ? n : n % sz, sz);
  const cf = c.t0 & 1;
  rotFlags(c, cf, msb(c.t0, c.t1, sz) ^ cf);
}

/** ROR by r is ROL by sz − r; only the flags differ. */
function ror(c: Cpu, a: number, ah: number, n: number, sz: number): void {
  if (n === 0) return unchanged(c, a, ah);
  const r = sz === 64 ? n : n % sz;
  rotateLeft(c, a, ah, (sz - r) % sz, sz);
  const lo = c.t0,
    hi = c.t1;
  const top = msb(lo, hi, sz);
  rotFlags(c, top, top ^ (sz === 64 ? (hi >>> 30) & 1 : (lo >>> (sz - 2)) & 1));
}

/** RCL: rotate the (sz+1)-bit quantity CF:dst left, one bit at a time (rare instruction). */
function rcl(c: Cpu, a: number, ah: number, n: number, sz: number): void {
  if (n === 0) return unchanged(c, a, ah);
  const r = sz <= 16 ? n % (sz + 1) : n;
  let cf = c.f.cf() ? 1 : 0,
    lo = a,
    hi = ah;
  for (let k = 0; k < r; k++) {
    const out = msb(lo, hi, sz);
    hi = (hi << 1) | (lo >>> 31);
    lo = ((lo << 1) | cf) & maskOf(sz);
    cf = out;
  }
  c.t0 = lo;
  c.t1 = sz === 64 ? hi : 0;
  rotFlags(c, cf, msb(lo, hi, sz) ^ cf);
}

/** RCR: rotate CF:dst right. */
function rcr(c: Cpu, a: number, ah: number, n: number, sz: number): void {
  if (n === 0) return unchanged(c, a, ah);
  const r = sz <= 16 ? n % (sz + 1) : n;
  let cf = c.f.cf() ? 1 : 0,
    lo = a,
    hi = ah;
  for (let k = 0; k < r; k++) {
    const out = lo & 1;
    if (sz === 64) {
      lo = (lo >>> 1) | (hi << 31);
      hi = (hi >>> 1) | (cf << 31);
    } else lo = (lo >>> 1) | (cf << (sz - 1));
    cf = out;
  }
  lo |= 0;
  c.t0 = lo;
  c.t1 = sz === 64 ? hi : 0;
  const top = msb(lo, hi, sz);
  rotFlags(c, cf, top ^ (sz === 64 ? (hi >>> 30) & 1 : (lo >>> (sz - 2)) & 1));
}

/** SHLD/SHRD dst, src, count: shifts dst with bits coming in from src. */
function doubleOp(left: boolean): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0]!,
      s = i.ops[1]!,
      k = i.ops[2]!;
    const sz = d.size,
      m = sz === 64 ? 63 : 31;
    const ra = reader(d),
      rah = readerHi(d),
      rb = reader(s),
      rbh = readerHi(s),
      rn = reader(k),
      w = writer(d);
    const sem = sz === 64 ? (left ? shld64 : shrd64) : left ? shldN : shrdN;
    return withEa(prepareEa(i), (c) => {
      sem(c, ra(c), rah(c), rb(c), rbh(c), rn(c) & m, sz);
      w(c, c.t0, c.t1);
    });
  };
}

/** OF as AMD computes it for any count: SHLD like SHL (MSB xor CF), SHRD like SHR (top two bits). */
function doubleFlags(c: Cpu, lo: number, hi: number, cf: number, sz: number, left = true): void {
  c.t0 = lo;
  c.t1 = hi;
  const top = msb(lo, hi, sz);
  const of = left ? top ^ cf : top ^ (sz === 64 ? (hi >>> 30) & 1 : (lo >>> (sz - 2)) & 1);
  c.f.setResult(sz, lo, hi, cf | (of !== 0 ? OF : 0) | AF);
}

/** 16-bit SHLD/SHRD shift the 48-bit pattern dst:src:src (src:src:dst for SHRD): AMD's answer for counts 17..31. */
function window16(hi: number, mid: number, lo: number): number {
  return hi * 4294967296 + mid * 65536 + lo;
}

function shldN(c: Cpu, a: number, _ah: number, b: number, _bh: number, n: number, sz: number): void {
  if (n === 0) return unchanged(c, a, 0);
  let lo: number, cf: number;
  if (sz === 32) {
    lo = (a << n) | (b >>> (32 - n));
    cf = (a >>> (32 - n)) & 1;
  } else {
    const v = window16(a, b, b);
    lo = Math.floor(v / 2 ** (32 - n)) & 0xffff;
    cf = Math.floor(v / 2 ** (48 - n)) & 1;
    if (n >= 16) {
      // AMD: at 16, OF = CF; above 16, CF = OF = 0 (measured on the host EPYC)
      if (n > 16) cf = 0;
      c.t0 = lo;
      c.t1 = 0;
      c.f.setResult(16, lo, 0, cf | (cf !== 0 ? OF : 0) | AF);
      return;
    }
  }
  doubleFlags(c, lo, 0, cf, sz);
}

function shrdN(c: Cpu, a: number, _ah: number, b: number, _bh: number, n: number, sz: number): void {
  if (n === 0) return unchanged(c, a, 0);
  let lo: number, cf: number;
  if (sz === 32) {
    lo = (a >>> n) | (b << (32 - n));
    cf = (a >>> (n - 1)) & 1;
  } else {
    const w = window16(b, b, a);
    lo = Math.floor(w / 2 ** n) & 0xffff;
    // AMD: above 16, CF = 0 (OF still from the top two result bits; measured on the host EPYC).
    cf = n > 16 ? 0 : Math.floor(w / 2 ** (n - 1)) & 1;
  }
  doubleFlags(c, lo, 0, cf, sz, false);
}

function shld64(c: Cpu, a: number, ah: number, b: number, bh: number, n: number): void {
  if (n === 0) return unchanged(c, a, ah);
  // (a:b) << n, upper half: a << n | b >>> (64 - n)
  shl(c, a, ah, n, 64);
  const lo = c.t0,
    hi = c.t1;
  shr(c, b, bh, 64 - n, 64);
  doubleFlags(c, lo | c.t0, hi | c.t1, bit64(a, ah, 64 - n), 64);
}

function shrd64(c: Cpu, a: number, ah: number, b: number, bh: number, n: number): void {
  if (n === 0) return unchanged(c, a, ah);
  shr(c, a, ah, n, 64);
  const lo = c.t0,
    hi = c.t1;
  shl(c, b, bh, 64 - n, 64);
  doubleFlags(c, lo | c.t0, hi | c.t1, bit64(a, ah, n - 1), 64, false);
}
