// SPDX-License-Identifier: MIT
// x87 arithmetic on 80-bit values (AMD APM Vol. 3 "FADD", "FMUL", "FDIV",
// "FSQRT", "FPREM", "FPREM1", "FSCALE", "FXTRACT", "FRNDINT", "FCOM"): exact
// BigInt cores rounded once by float80.ts, with the x87 special-operand rules.
import {
  type F80,
  C_DENORMAL,
  C_INF,
  C_SNAN,
  C_UNSUPPORTED,
  C_ZERO,
  DE,
  FMT80,
  IE,
  ZE,
  RC_DOWN,
  bitLen,
  classify,
  exact,
  fenv,
  indefinite,
  inf,
  isNaNClass,
  propagate2,
  quiet,
  round80,
  toInteger,
  unitExp,
  zero,
  J,
} from "./float80.js";

/** Handles NaN/unsupported operands of a two-operand operation; null when both are numbers. */
export function special2(a: F80, b: F80, ka: number, kb: number): F80 | null {
  if (ka === C_UNSUPPORTED || kb === C_UNSUPPORTED) {
    fenv.flags |= IE;
    return indefinite();
  }
  if (isNaNClass(ka) || isNaNClass(kb)) return propagate2(a, b);
  if (ka === C_DENORMAL || kb === C_DENORMAL) {
    fenv.flags |= DE;
    if (fenv.deStop) return a; // unmasked: the operation does not happen
  }
  return null;
}

/** One-operand version of `special2`. */
export function special1(a: F80, ka: number, sqrtLike = false): F80 | null {
  if (ka === C_UNSUPPORTED) {
    fenv.flags |= IE;
    return indefinite();
  }
  if (isNaNClass(ka)) return quiet(a);
  if (ka === C_DENORMAL) {
    fenv.flags |= DE;
    if (fenv.deStop && !(a.sign !== 0 && sqrtLike)) return a;
  }
  return null;
}

function invalid(): F80 {
  fenv.flags |= IE;
  return indefinite();
}

/** a + b (or a − b when `neg`), rounded under FCW.PC/RC. */
export function fadd(a: F80, b0: F80, neg: boolean): F80 {
  const b = neg ? { sign: b0.sign ^ 1, exp: b0.exp, sig: b0.sig } : b0;
  const ka = classify(a),
    kb = classify(b);
  const s = special2(a, b0, ka, kb);
  if (s !== null) return s;
  fenv.up = false;
  if (ka === C_INF || kb === C_INF) {
    if (ka === C_INF && kb === C_INF && a.sign !== b.sign) return invalid();
    return ka === C_INF ? inf(a.sign) : inf(b.sign);
  }
  if (ka === C_ZERO && kb === C_ZERO) return zero(a.sign === b.sign ? a.sign : fenv.rc === RC_DOWN ? 1 : 0);
  if (ka === C_ZERO) return round80(b.sign, b.sig, unitExp(b));
  if (kb === C_ZERO) return round80(a.sign, a.sig, unitExp(a));
  let ea = unitExp(a),
    eb = unitExp(b);
  let ma = a.sig,
    mb = b.sig;
  // Far below the rounding point a smaller operand only matters as a sticky bit.
  if (ea - eb > 140) {
    mb = 1n;
    eb = ea - 140;
  }
  if (eb - ea > 140) {
    ma = 1n;
    ea = eb - 140;
  }
  const e = Math.min(ea, eb);
  const va = ma << BigInt(ea - e),
    vb = mb << BigInt(eb - e);
  let r = (a.sign !== 0 ? -va : va) + (b.sign !== 0 ? -vb : vb);
  if (r === 0n) return zero(fenv.rc === RC_DOWN ? 1 : 0);
  const sign = r < 0n ? 1 : 0;
  if (sign !== 0) r = -r;
  return round80(sign, r, e);
}

export function fmul(a: F80, b: F80): F80 {
  const ka = classify(a),
    kb = classify(b);
  const s = special2(a, b, ka, kb);
  if (s !== null) return s;
  fenv.up = false;
  const sign = a.sign ^ b.sign;
  if (ka === C_INF || kb === C_INF) {
    if (ka === C_ZERO || kb === C_ZERO) return invalid();
    return inf(sign);
  }
  if (ka === C_ZERO || kb === C_ZERO) return zero(sign);
  return round80(sign, a.sig * b.sig, unitExp(a) + unitExp(b));
}

export function fdiv(a: F80, b: F80): F80 {
  const ka = classify(a),
    kb = classify(b);
  if (ka === C_DENORMAL && kb === C_ZERO) {
    fenv.flags |= ZE; // divide-by-zero wins: no denormal-operand exception (as on the host)
    return inf(a.sign ^ b.sign);
  }
  const s = special2(a, b, ka, kb);
  if (s !== null) return s;
  fenv.up = false;
  const sign = a.sign ^ b.sign;
  if (ka === C_INF) return kb === C_INF ? invalid() : inf(sign);
  if (kb === C_INF) return zero(sign);
  if (kb === C_ZERO) {
    if (ka === C_ZERO) return invalid();
    fenv.flags |= ZE;
    return inf(sign);
  }
  if (ka === C_ZERO) return zero(sign);
  const k = 130;
  const num = a.sig << BigInt(k);
  let q = num / b.sig;
  let e = unitExp(a) - unitExp(b) - k;
  if (q * b.sig !== num) {
    q = (q << 1n) | 1n;
    e -= 1;
  }
  return round80(sign, q, e);
}

/** Integer square root (floor) of a positive BigInt. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLen(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function fsqrt(a: F80): F80 {
  const ka = classify(a);
  const s = special1(a, ka, true);
  if (s !== null) return s;
  fenv.up = false;
  if (ka === C_ZERO) return a;
  if (a.sign !== 0) return invalid();
  if (ka === C_INF) return a;
  let m = a.sig,
    e = unitExp(a);
  if ((e & 1) !== 0) {
    m <<= 1n;
    e -= 1;
  }
  m <<= 140n;
  e -= 140;
  let r = isqrt(m);
  if (r * r !== m) r = (r << 1n) | 1n;
  else r <<= 1n;
  return round80(0, r, e / 2 - 1);
}

/** FRNDINT: round to an integral value under RC (64-bit precision, PC ignored). */
export function frndint(a: F80): F80 {
  const ka = classify(a);
  const s = special1(a, ka);
  if (s !== null) return s;
  fenv.up = false;
  if (ka === C_ZERO || ka === C_INF) return a;
  if (unitExp(a) >= 0) return a;
  const v = toInteger(a, false);
  if (v === 0n) return zero(a.sign);
  const m = v < 0n ? -v : v;
  const up = fenv.up;
  const r = exact(a.sign, m, 0);
  fenv.up = up;
  return r;
}

/** Result of a comparison: 0 greater, 1 less, 2 equal, 3 unordered. */
const CMP_GT = 0;
export const CMP_LT = 1;
export const CMP_EQ = 2;
export const CMP_UN = 3;

/** Compares a with b; `quietNaN` (FUCOM) raises IE only for SNaNs and unsupported operands. */
export function fcompare(a: F80, b: F80, quietNaN: boolean): number {
  const ka = classify(a),
    kb = classify(b);
  if (ka === C_UNSUPPORTED || kb === C_UNSUPPORTED || isNaNClass(ka) || isNaNClass(kb)) {
    if (!quietNaN || ka === C_SNAN || kb === C_SNAN || ka === C_UNSUPPORTED || kb === C_UNSUPPORTED) fenv.flags |= IE;
    return CMP_UN;
  }
  if (ka === C_DENORMAL || kb === C_DENORMAL) fenv.flags |= DE;
  const c = cmpNumbers(a, ka, b, kb);
  return c === 0 ? CMP_EQ : c < 0 ? CMP_LT : CMP_GT;
}

function cmpNumbers(a: F80, ka: number, b: F80, kb: number): number {
  if (ka === C_ZERO && kb === C_ZERO) return 0;
  const sa = ka === C_ZERO ? 0 : a.sign !== 0 ? -1 : 1;
  const sb = kb === C_ZERO ? 0 : b.sign !== 0 ? -1 : 1;
  if (sa !== sb || sa === 0) return sa < sb ? -1 : sa > sb ? 1 : 0;
  const mag = cmpMag(a, ka, b, kb);
  return sa < 0 ? -mag : mag;
}

function cmpMag(a: F80, ka: number, b: F80, kb: number): number {
  if (ka === C_INF || kb === C_INF) return ka === kb ? 0 : ka === C_INF ? 1 : -1;
  const ea = unitExp(a),
    eb = unitExp(b);
  const e = Math.min(ea, eb);
  const va = a.sig << BigInt(ea - e),
    vb = b.sig << BigInt(eb - e);
  return va === vb ? 0 : va < vb ? -1 : 1;
}

/**
 * FPREM/FPREM1 partial remainder: result and quotient bits / C2 in `remq`;
 * `special` = NaN, unsupported or invalid operands (no quotient: the host keeps C0 and C3).
 */
export const remq = { q: 0, incomplete: false, special: false };

export function fprem(a: F80, b: F80, ieee: boolean): F80 {
  remq.q = 0;
  remq.incomplete = false;
  remq.special = true;
  const ka = classify(a),
    kb = classify(b);
  const numbers = ka !== C_UNSUPPORTED && kb !== C_UNSUPPORTED && !isNaNClass(ka) && !isNaNClass(kb);
  if (numbers && (ka === C_INF || kb === C_ZERO)) return invalid(); // before the denormal check
  const s = special2(a, b, ka, kb);
  if (s !== null) return s;
  remq.special = false;
  fenv.up = false;
  if (ka === C_ZERO || kb === C_INF) return canonical(a);
  const ea = unitExp(a),
    eb = unitExp(b);
  const d = ea + 63 - (a.sig >= J ? 0 : 63 - bitLen(a.sig) + 1) - (eb + bitLen(b.sig) - 1);
  if (d >= 64) return partial(a, b, d);
  const e = Math.min(ea, eb);
  const va = a.sig << BigInt(ea - e),
    vb = b.sig << BigInt(eb - e);
  let q = va / vb;
  let r = va - q * vb;
  if (ieee) {
    const twice = r << 1n;
    if (twice > vb || (twice === vb && (q & 1n) !== 0n)) {
      q += 1n;
      r -= vb;
    }
  }
  remq.q = Number(q & 7n);
  let sign = a.sign;
  if (r < 0n) {
    sign ^= 1;
    r = -r;
  }
  if (r === 0n) return zero(a.sign);
  return exact(sign, r, e);
}

/** Exponent difference ≥ 64: reduce by b·2^(d−n) with a truncated quotient, set C2. */
function partial(a: F80, b: F80, d: number): F80 {
  remq.incomplete = true;
  const n = 32 + ((d - 32) % 32);
  const ea = unitExp(a),
    eb = unitExp(b) + (d - n);
  const e = Math.min(ea, eb);
  const va = a.sig << BigInt(ea - e),
    vb = b.sig << BigInt(eb - e);
  const q = va / vb;
  const r = va - q * vb;
  remq.q = Number(q & 7n);
  if (r === 0n) return zero(a.sign);
  return exact(a.sign, r, e);
}

/** A pseudo-denormal passed through an operation comes out with exponent 1 (its value). */
export function canonical(a: F80): F80 {
  return a.exp === 0 && a.sig >= J ? { sign: a.sign, exp: 1, sig: a.sig } : a;
}

/** FSCALE: a · 2^trunc(b). */
export function fscale(a: F80, b: F80): F80 {
  const ka = classify(a),
    kb = classify(b);
  const s = special2(a, b, ka, kb);
  if (s !== null) return s;
  fenv.up = false;
  if (kb === C_INF) {
    if (b.sign === 0) return ka === C_ZERO ? invalid() : ka === C_INF ? a : inf(a.sign);
    return ka === C_INF ? invalid() : zero(a.sign);
  }
  if (ka === C_ZERO || ka === C_INF) return a;
  const savedRc = fenv.rc;
  fenv.rc = 3;
  const savedFlags = fenv.flags;
  let n = kb === C_ZERO ? 0n : toInteger(b, true);
  fenv.flags = savedFlags;
  fenv.rc = savedRc;
  if (n > 100000n) n = 100000n;
  if (n < -100000n) n = -100000n;
  return round80(a.sign, a.sig, unitExp(a) + Number(n), FMT80);
}

/** FXTRACT: [exponent, significand] of a. */
export function fxtract(a: F80): [F80, F80] {
  const ka = classify(a);
  const s = special1(a, ka);
  if (s !== null) return [s, s];
  if (ka === C_ZERO) {
    fenv.flags |= ZE;
    return [inf(1), a];
  }
  if (ka === C_INF) return [inf(0), a];
  const n = bitLen(a.sig);
  const e = unitExp(a) + n - 1;
  const sig = { sign: a.sign, exp: 16383, sig: a.sig << BigInt(64 - n) };
  const ev = BigInt(e);
  const m = ev < 0n ? -ev : ev;
  return [e === 0 ? zero(0) : exact(e < 0 ? 1 : 0, m, 0), sig];
}
