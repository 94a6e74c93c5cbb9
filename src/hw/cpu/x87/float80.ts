// SPDX-License-Identifier: MIT
// 80-bit extended-precision soft-float (AMD APM Vol. 1 §6.4 "x87 floating-point
// data types", §6.4.5 rounding, §6.4.3 precision control): classification,
// correct rounding under FCW.PC/RC with x87 tininess/overflow rules, and packing.
// Values are {sign, exp (15-bit biased field), sig (64-bit BigInt, J bit 63)}.

export interface F80 {
  sign: number;
  exp: number;
  sig: bigint;
}

/** FSW exception bits (APM Vol. 1 §6.2.2), shared with MXCSR. */
import { IE, DE, ZE, OE, UE, PE } from "../fp-exceptions.js";
export { IE, DE, ZE, OE, UE, PE };

/** Rounding control values (FCW[11:10]). */
export const RC_NEAREST = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;
export const RC_ZERO = 3;

/**
 * The floating-point environment of the executing instruction: rounding mode
 * and precision in, exception flags and "rounded up" (C1) out.
 */
export const fenv = { rc: 0, pc: 64, flags: 0, up: false, deStop: false, oeTrap: false, ueTrap: false };

/** Exponent bias adjustment of a masked-off overflow/underflow result (APM Vol. 1 §6.4.7.4). */
const BIAS_ADJUST = 24576;

export const J = 1n << 63n;
const FRAC = J - 1n;
const QBIT = 1n << 62n;

/** Operand classes. */
export const C_ZERO = 0;
export const C_DENORMAL = 1; // includes pseudo-denormals (J set, exponent 0)
export const C_NORMAL = 2;
export const C_INF = 3;
const C_QNAN = 4;
export const C_SNAN = 5;
/** Unnormals, pseudo-NaNs, pseudo-infinities: invalid operands on this CPU. */
export const C_UNSUPPORTED = 6;

export function classify(x: F80): number {
  const e = x.exp,
    s = x.sig;
  if (e === 0) return s === 0n ? C_ZERO : C_DENORMAL;
  if ((s & J) === 0n) return C_UNSUPPORTED;
  if (e === 0x7fff) {
    if ((s & FRAC) === 0n) return C_INF;
    return (s & QBIT) !== 0n ? C_QNAN : C_SNAN;
  }
  return C_NORMAL;
}

/** The x87 "real indefinite" QNaN. */
export function indefinite(): F80 {
  return { sign: 1, exp: 0x7fff, sig: 0xc000000000000000n };
}
export function zero(sign: number): F80 {
  return { sign, exp: 0, sig: 0n };
}
export function inf(sign: number): F80 {
  return { sign, exp: 0x7fff, sig: J };
}
export function isNaNClass(k: number): boolean {
  return k === C_QNAN || k === C_SNAN;
}

export function bitLen(x: bigint): number {
  let n = 0;
  while (x >= 0x100000000n) {
    x >>= 32n;
    n += 32;
  }
  return n + 32 - Math.clz32(Number(x));
}

/** Exponent of the significand's unit place for a finite value: x = sig · 2^unitExp. */
export function unitExp(x: F80): number {
  return (x.exp === 0 ? 1 : x.exp) - 16383 - 63;
}

/** Quiets a NaN (sets the quiet bit), raising IE for a signalling one. */
export function quiet(x: F80): F80 {
  if ((x.sig & QBIT) === 0n) fenv.flags |= IE;
  return { sign: x.sign, exp: x.exp, sig: x.sig | QBIT };
}

/**
 * NaN result of a two-operand operation (APM Vol. 1 Table 6-9; SoftFloat
 * 8086 rules): an SNaN raises IE; a QNaN operand wins over an SNaN, else
 * the larger significand, ties going to the positive one.
 */
export function propagate2(a: F80, b: F80): F80 {
  const ka = classify(a),
    kb = classify(b);
  const an = isNaNClass(ka),
    bn = isNaNClass(kb);
  if (ka === C_SNAN || kb === C_SNAN) fenv.flags |= IE;
  if (!bn) return quiet(a);
  if (!an) return quiet(b);
  if (ka === C_SNAN && kb === C_QNAN) return quiet(b);
  if (kb === C_SNAN && ka === C_QNAN) return quiet(a);
  const ma = a.sig & FRAC & ~QBIT,
    mb = b.sig & FRAC & ~QBIT;
  if (ma < mb) return quiet(b);
  if (mb < ma) return quiet(a);
  return quiet(a.sign <= b.sign ? a : b);
}

/** Target formats for rounding: precision, exponent range of the leading bit. */
export interface Format {
  readonly p: number;
  readonly emin: number;
  readonly emax: number;
}
export const FMT80: Format = { p: 64, emin: -16382, emax: 16383 };
const FMT80_53: Format = { p: 53, emin: -16382, emax: 16383 };
const FMT80_24: Format = { p: 24, emin: -16382, emax: 16383 };
export const FMT64: Format = { p: 53, emin: -1022, emax: 1023 };
export const FMT32: Format = { p: 24, emin: -126, emax: 127 };

/** The format FCW.PC selects for +, -, ×, ÷ and √. */
function pcFormat(): Format {
  return fenv.pc === 64 ? FMT80 : fenv.pc === 53 ? FMT80_53 : FMT80_24;
}

/** Rounded magnitude q·2^lsb; q = -1 marks infinity. */
export const rounded = { q: 0n, lsb: 0 };

function roundsUp(sign: number, rem: bigint, half: bigint, odd: boolean): boolean {
  switch (fenv.rc) {
    case RC_NEAREST:
      return rem > half || (rem === half && odd);
    case RC_DOWN:
      return sign !== 0;
    case RC_UP:
      return sign === 0;
    default:
      return false;
  }
}

/**
 * Rounds the exact value (-1)^sign · sig · 2^e2 (sig > 0) to format `f`,
 * setting PE/UE/OE and fenv.up. Result in `rounded` (magnitude only).
 */
function roundTo(sign: number, sig: bigint, e2: number, f: Format): void {
  const n = bitLen(sig);
  const lead = e2 + n - 1;
  let lsb = Math.max(lead, f.emin) - (f.p - 1);
  let q: bigint;
  let inexact = false;
  fenv.up = false;
  if (lsb <= e2) {
    q = sig << BigInt(e2 - lsb);
  } else {
    const sh = BigInt(lsb - e2);
    q = sig >> sh;
    const rem = sig - (q << sh);
    if (rem !== 0n) {
      inexact = true;
      if (roundsUp(sign, rem, 1n << (sh - 1n), (q & 1n) !== 0n)) {
        q += 1n;
        fenv.up = true;
      }
    }
    if (bitLen(q) > f.p) {
      q >>= 1n;
      lsb += 1;
    }
  }
  if (lsb + bitLen(q) - 1 > f.emax) {
    if (fenv.oeTrap && f.emax === 16383) {
      if (lead - BIAS_ADJUST <= f.emax) return biased(sign, sig, e2, f, -BIAS_ADJUST, OE);
      // Beyond even the rebiased range the host delivers infinity (C1 set) whatever RC says.
      fenv.flags |= OE | PE;
      fenv.up = true;
      rounded.q = -1n;
      rounded.lsb = 0;
      return;
    }
    return overflow(sign, f);
  }
  if (
    lead < f.emin &&
    fenv.ueTrap &&
    f.emax === 16383 &&
    lead + BIAS_ADJUST >= f.emin &&
    tinyAfterRounding(sign, sig, e2, lead, f)
  ) {
    return biased(sign, sig, e2, f, BIAS_ADJUST, UE);
  }
  if (inexact) {
    fenv.flags |= PE;
    if (lead < f.emin && tinyAfterRounding(sign, sig, e2, lead, f)) fenv.flags |= UE;
  }
  rounded.q = q;
  rounded.lsb = lsb;
}

/** x87 detects tininess after rounding to the precision with an unbounded exponent. */
function tinyAfterRounding(sign: number, sig: bigint, e2: number, lead: number, f: Format): boolean {
  if (lead < f.emin - 1) return true;
  const sh = BigInt(lead - (f.p - 1) - e2);
  if (sh <= 0n) return true;
  const q = sig >> sh;
  const rem = sig - (q << sh);
  const up = rem !== 0n && roundsUp(sign, rem, 1n << (sh - 1n), (q & 1n) !== 0n);
  return !(up && bitLen(q + 1n) > f.p);
}

/** Unmasked overflow/underflow to a register: round with an unbounded exponent, then rebias. */
function biased(sign: number, sig: bigint, e2: number, f: Format, adjust: number, flag: number): void {
  const wide: Format = { p: f.p, emin: -1 << 30, emax: 1 << 30 };
  const saved = fenv.flags;
  roundTo(sign, sig, e2, wide);
  fenv.flags = saved | flag | (fenv.flags & PE);
  rounded.lsb += adjust;
}

function overflow(sign: number, f: Format): void {
  fenv.flags |= OE | PE;
  const rc = fenv.rc;
  const toInf = rc === RC_NEAREST || (rc === RC_UP && sign === 0) || (rc === RC_DOWN && sign !== 0);
  fenv.up = toInf;
  if (toInf) {
    rounded.q = -1n;
    rounded.lsb = 0;
  } else {
    rounded.q = (1n << BigInt(f.p)) - 1n;
    rounded.lsb = f.emax - (f.p - 1);
  }
}

/** Packs the `rounded` magnitude as an 80-bit value. */
function pack80(sign: number): F80 {
  const q = rounded.q,
    lsb = rounded.lsb;
  if (q < 0n) return inf(sign);
  if (q === 0n) return zero(sign);
  const n = bitLen(q);
  const e = lsb + n - 1 + 16383;
  if (e >= 1) return { sign, exp: e, sig: q << BigInt(64 - n) };
  return { sign, exp: 0, sig: q << BigInt(lsb + 16445) };
}

/** Rounds an exact value to 80 bits under FCW.PC (or `f`) and packs it. */
export function round80(sign: number, sig: bigint, e2: number, f: Format = pcFormat()): F80 {
  if (sig === 0n) return zero(sign);
  roundTo(sign, sig, e2, f);
  return pack80(sign);
}

// ---- memory formats ----------------------------------------------------------

/** Unpacks an IEEE binary32/binary64 (as a BigInt bit pattern) into 80 bits; exact. */
export function fromIeee(bits: bigint, expBits: number, fracBits: number): F80 {
  const sign = Number(bits >> BigInt(expBits + fracBits)) & 1;
  const e = Number((bits >> BigInt(fracBits)) & ((1n << BigInt(expBits)) - 1n));
  const frac = bits & ((1n << BigInt(fracBits)) - 1n);
  const bias = (1 << (expBits - 1)) - 1;
  const top = BigInt(63 - fracBits);
  if (e === (1 << expBits) - 1) {
    if (frac === 0n) return inf(sign);
    return { sign, exp: 0x7fff, sig: J | (frac << top) };
  }
  if (e === 0) {
    if (frac === 0n) return zero(sign);
    fenv.flags |= DE;
    const n = bitLen(frac);
    return { sign, exp: 1 - bias - (fracBits - n + 1) + 16383, sig: frac << BigInt(64 - n) };
  }
  return { sign, exp: e - bias + 16383, sig: J | (frac << top) };
}

/** Converts a value to IEEE binary32/64 bits with rounding and the x87 exception rules of FST. */
export function toIeee(x: F80, f: Format, expBits: number, fracBits: number): bigint {
  const signBit = BigInt(x.sign) << BigInt(expBits + fracBits);
  const expAll = (1n << BigInt(expBits)) - 1n;
  const k = classify(x);
  if (k === C_ZERO) return signBit;
  if (k === C_INF) return signBit | (expAll << BigInt(fracBits));
  if (k === C_UNSUPPORTED) {
    fenv.flags |= IE;
    return (1n << BigInt(expBits + fracBits)) | (expAll << BigInt(fracBits)) | (1n << BigInt(fracBits - 1));
  }
  if (isNaNClass(k)) {
    const qn = quiet(x);
    return signBit | (expAll << BigInt(fracBits)) | ((qn.sig & FRAC) >> BigInt(63 - fracBits));
  }
  roundTo(x.sign, x.sig, unitExp(x), f);
  const q = rounded.q,
    lsb = rounded.lsb;
  if (q < 0n) return signBit | (expAll << BigInt(fracBits));
  if (q === 0n) return signBit;
  const n = bitLen(q);
  const e = lsb + n - 1 + f.emax;
  if (e >= 1) {
    return (
      signBit | (BigInt(e) << BigInt(fracBits)) | ((q << BigInt(fracBits + 1 - n)) & ((1n << BigInt(fracBits)) - 1n))
    );
  }
  return signBit | (q << BigInt(lsb - (f.emin - fracBits)));
}

// ---- integers ------------------------------------------------------------------

/** Rounds a finite value to an integer (BigInt) under RC, or truncating; sets PE/C1. */
export function toInteger(x: F80, truncate: boolean): bigint {
  fenv.up = false;
  if (x.exp === 0 && x.sig === 0n) return 0n;
  const e = unitExp(x);
  let v: bigint;
  if (e >= 0) v = x.sig << BigInt(e);
  else if (e < -130) {
    v = 0n;
    const saved = fenv.rc;
    if (truncate) fenv.rc = RC_ZERO;
    if (roundsUp(x.sign, 1n, 2n, false)) {
      v = 1n;
      fenv.up = true;
    }
    fenv.rc = saved;
    fenv.flags |= PE;
  } else {
    const sh = BigInt(-e);
    v = x.sig >> sh;
    const rem = x.sig - (v << sh);
    if (rem !== 0n) {
      fenv.flags |= PE;
      const saved = fenv.rc;
      if (truncate) fenv.rc = RC_ZERO;
      if (roundsUp(x.sign, rem, 1n << (sh - 1n), (v & 1n) !== 0n)) {
        v += 1n;
        fenv.up = true;
      }
      fenv.rc = saved;
    }
  }
  return x.sign !== 0 ? -v : v;
}

/** An exact integer as an 80-bit value (FILD). */
export function fromInteger(v: bigint): F80 {
  if (v === 0n) return zero(0);
  const sign = v < 0n ? 1 : 0;
  const m = sign !== 0 ? -v : v;
  const n = bitLen(m);
  return { sign, exp: 16383 + n - 1, sig: m << BigInt(64 - n) };
}

/** An exact value sig·2^e2 that is known to fit in 64 bits of significand. */
export function exact(sign: number, sig: bigint, e2: number): F80 {
  if (sig === 0n) return zero(sign);
  const saved = fenv.flags;
  const r = round80(sign, sig, e2, FMT80);
  fenv.flags = saved | (fenv.flags & (UE | OE));
  return r;
}
