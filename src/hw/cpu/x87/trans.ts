// SPDX-License-Identifier: MIT
// x87 transcendental instructions on 80-bit values (AMD APM Vol. 3 "F2XM1",
// "FYL2X", "FYL2XP1", "FPATAN", "FSIN", "FCOS", "FSINCOS", "FPTAN"): computed
// to ≥ 128 extra bits with fixed.ts and rounded once under FCW.RC (PC ignored).
import {
  type F80,
  C_INF,
  C_UNSUPPORTED,
  C_ZERO,
  FMT80,
  IE,
  PE,
  ZE,
  bitLen,
  classify,
  fenv,
  indefinite,
  inf,
  isNaNClass,
  round80,
  unitExp,
  zero,
  fromInteger,
  J,
} from "./float80.js";
import { special1, special2, fmul } from "./arith.js";
import { atan, div, expm1, fixed, ln, ln1p, ln2, mul, pi, sincos } from "./fixed.js";

const GUARD = 160;

function lead(x: F80): number {
  return unitExp(x) + bitLen(x.sig) - 1;
}

/** Working precision: enough bits for a relative error far below 2^-64 at magnitude 2^m. */
function prec(m: number): number {
  return GUARD + Math.max(0, -m);
}

/** Rounds sign · sig·2^e2 · (k·2^-P) for a positive fixed-point constant k (inexact). */
function scaled(sign: number, sig: bigint, e2: number, k: bigint, P: number): F80 {
  const r = round80(sign, sig * k, e2 - P, FMT80);
  fenv.flags |= PE;
  return r;
}

/** Rounds a fixed-point approximation sign·v·2^-P; the result is always inexact. */
function result(sign: number, v: bigint, P: number): F80 {
  if (v < 0n) {
    v = -v;
    sign ^= 1;
  }
  const r = round80(sign, v, -P, FMT80);
  fenv.flags |= PE;
  return r;
}

function invalid(): F80 {
  fenv.flags |= IE;
  return indefinite();
}

/** F2XM1: 2^x − 1 for −1 ≤ x ≤ 1. */
export function f2xm1(x: F80): F80 {
  const k = classify(x);
  const s = special1(x, k);
  if (s !== null) return s;
  if (k === C_ZERO) return x;
  if (k === C_INF) return x.sign !== 0 ? fromInteger(-1n) : x;
  // Outside [-1, 1] the host returns the operand unchanged (inexact).
  if (lead(x) >= 0 && !(x.sig === J && lead(x) === 0)) {
    fenv.flags |= PE;
    return x;
  }
  if (lead(x) < TINY) return scaled(x.sign, x.sig, unitExp(x), ln2(GUARD + 64), GUARD + 64);
  if (x.sign !== 0 && x.sig === J && lead(x) === 0) {
    fenv.flags |= PE; // 2^-1 − 1 = −0.5 exactly; the host still reports inexact (C1 = 0)
    return { sign: 1, exp: 16382, sig: J };
  }
  const P = prec(lead(x));
  const y = mul(fixed(x.sig, unitExp(x), P), ln2(P), P);
  return result(0, expm1(x.sign !== 0 ? -y : y, P), P);
}

/** FYL2X: y · log2(x). */
export function fyl2x(x: F80, y: F80): F80 {
  const kx = classify(x),
    ky = classify(y);
  const numbers = kx !== C_UNSUPPORTED && ky !== C_UNSUPPORTED && !isNaNClass(kx) && !isNaNClass(ky);
  if (numbers && x.sign !== 0 && kx !== C_ZERO) return invalid(); // before the denormal check
  const s = special2(x, y, kx, ky);
  if (s !== null) return s;
  if (kx === C_ZERO) {
    if (ky === C_ZERO) return invalid();
    if (ky !== C_INF) fenv.flags |= ZE;
    return inf(y.sign ^ 1);
  }
  if (kx === C_INF) return ky === C_ZERO ? invalid() : inf(y.sign);
  const P = GUARD + 64;
  const pow2 = x.sig === J;
  const l = pow2 ? BigInt(lead(x)) << BigInt(P) : roundBits(div(ln(x.sig, unitExp(x), P), ln2(P), P), LOG_BITS);
  if (ky === C_INF) return l === 0n ? invalid() : inf(y.sign ^ (l < 0n ? 1 : 0));
  if (l === 0n) return zero(y.sign);
  if (ky === C_ZERO) return zero(y.sign ^ (l < 0n ? 1 : 0));
  return product(y, l, P, !pow2);
}

/**
 * Significant bits of the host's intermediate log2 in FYL2X/FYL2XP1: rounding
 * log2(x) to 68 bits before the product with y reproduces this EPYC's results
 * far better than the exact logarithm (measured with the differential tests).
 */
const LOG_BITS = 68;

/** v rounded to k significant bits (to nearest, ties to even). */
function roundBits(v: bigint, k: number): bigint {
  const neg = v < 0n;
  const m = neg ? -v : v;
  const sh = bitLen(m) - k;
  if (sh <= 0) return v;
  const b = BigInt(sh);
  let q = m >> b;
  const rem = m - (q << b),
    half = 1n << (b - 1n);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  return neg ? -(q << b) : q << b;
}

/** y · (fixed-point l), with the product formed exactly before the single rounding. */
function product(y: F80, l: bigint, P: number, inexact = true): F80 {
  const neg = l < 0n ? 1 : 0;
  const m = neg !== 0 ? -l : l;
  const r = round80(y.sign ^ neg, y.sig * m, unitExp(y) - P, FMT80);
  if (inexact) fenv.flags |= PE;
  return r;
}

/** FYL2XP1: y · log2(x + 1). */
export function fyl2xp1(x: F80, y: F80): F80 {
  const kx = classify(x),
    ky = classify(y);
  const s = special2(x, y, kx, ky);
  if (s !== null) return s;
  if (kx === C_ZERO) {
    if (ky === C_INF) return invalid();
    return zero(x.sign ^ y.sign);
  }
  if (kx === C_INF) return x.sign !== 0 || ky === C_ZERO ? invalid() : inf(y.sign);
  if (ky === C_INF) return inf(y.sign ^ x.sign);
  if (ky === C_ZERO) return zero(y.sign ^ x.sign);
  // x ≤ −1 is outside the domain; the host returns ST(0) unchanged (inexact).
  if (x.sign !== 0 && lead(x) >= 0) {
    fenv.flags |= PE;
    return x;
  }
  if (lead(x) < TINY) {
    // log2(1 + x) = x/ln 2 · (1 − x/2 …): the correction is far below the rounding point.
    const P = GUARD + 64;
    return scaled(x.sign ^ y.sign, x.sig * y.sig, unitExp(x) + unitExp(y), div(1n << BigInt(P), ln2(P), P), P);
  }
  const P = prec(lead(x));
  const l = roundBits(div(ln1p(x.sign, x.sig, unitExp(x), P), ln2(P), P), LOG_BITS);
  return product(y, l, P);
}

/** FPATAN: atan2(y, x). */
export function fpatan(x: F80, y: F80): F80 {
  const kx = classify(x),
    ky = classify(y);
  const s = special2(x, y, kx, ky);
  if (s !== null) return s;
  const P = GUARD + 64;
  const PI = pi(P);
  if (ky === C_ZERO) return x.sign !== 0 ? result(y.sign, PI, P) : zero(y.sign);
  if (ky === C_INF) {
    if (kx === C_INF) return result(y.sign, x.sign !== 0 ? (3n * PI) / 4n : PI / 4n, P);
    return result(y.sign, PI / 2n, P);
  }
  if (kx === C_INF) return x.sign !== 0 ? result(y.sign, PI, P) : zero(y.sign);
  if (kx === C_ZERO) return result(y.sign, PI / 2n, P);
  const d = lead(y) - lead(x);
  if (d < TINY && x.sign === 0) return tinyRatio(x, y);
  // π − |y/x| with |y/x| < 2^-100: π's bits past the rounding point are far from a tie, so a
  // sticky unit below π·2^P rounds alike (and the working precision stays bounded).
  if (d < TINY) return result(y.sign, PI - 1n, P);
  const Pw = GUARD + 64 + 3 * Math.max(0, -d);
  const ay = y.sig,
    ax = x.sig,
    ey = unitExp(y),
    ex = unitExp(x);
  let a: bigint;
  if (d < 0 || (d === 0 && cmpScaled(ay, ey, ax, ex) <= 0)) a = atan(ratio(ay, ey, ax, ex, Pw), Pw);
  else a = pi(Pw) / 2n - atan(ratio(ax, ex, ay, ey, Pw), Pw);
  if (x.sign !== 0) a = pi(Pw) - a;
  return result(y.sign, a, Pw);
}

/** atan(y/x) for y/x < 2^-100: y/x − (tiny), with the division's remainder as a sticky bit. */
function tinyRatio(x: F80, y: F80): F80 {
  const K = 200n;
  const num = y.sig << (K + 64n);
  const q = num / x.sig;
  const v = q * x.sig === num ? 2n * q - 1n : 2n * q + 1n;
  const r = round80(y.sign, v, unitExp(y) - unitExp(x) - 264 - 1, FMT80);
  fenv.flags |= PE;
  return r;
}

function cmpScaled(a: bigint, ea: number, b: bigint, eb: number): number {
  const e = Math.min(ea, eb);
  const va = a << BigInt(ea - e),
    vb = b << BigInt(eb - e);
  return va === vb ? 0 : va < vb ? -1 : 1;
}

/** (a·2^ea)/(b·2^eb) as a fixed-point number at scale 2^P. */
function ratio(a: bigint, ea: number, b: bigint, eb: number, P: number): bigint {
  const sh = P + ea - eb;
  return sh >= 0 ? (a << BigInt(sh)) / b : a / (b << BigInt(-sh));
}

/** π rounded to 66 significant bits, scaled by 2^64 (computed at first use). */
let pi66: bigint | null = null;

/**
 * Trig argument reduction: [quadrant, r] with x = quadrant·π/2 + r. Like the
 * hardware, the reduction uses π rounded to 66 bits (x87 "PI66"), so results
 * for large arguments follow the host rather than the true sine.
 */
function reduce(x: F80, P: number): [number, bigint] {
  if (lead(x) < -1) return [0, fixed(x.sig, unitExp(x), P)];
  const W = P + 80;
  const X = fixed(x.sig, unitExp(x), W);
  const half = ((pi66 ??= (pi(75) + (1n << 10n)) >> 11n) << BigInt(W - 64)) >> 1n;
  let k = (X + half / 2n) / half;
  let r = X - k * half;
  if (r > half / 2n) {
    r -= half;
    k += 1n;
  }
  return [Number(k & 3n), r >> 80n];
}

/** Out of range (|x| ≥ 2^63): C2 is set and the operand is left unchanged. */
export function trigInRange(x: F80): boolean {
  const k = classify(x);
  return k === C_ZERO || k === C_INF || k > C_INF || lead(x) < 63;
}

/** sin and cos of x (x finite, |x| < 2^63); either may be skipped by the caller. */
export function fsincos(x: F80, cosFlags = false): [F80, F80] {
  sincosFlags.flags = 0;
  sincosFlags.up = false;
  const k = classify(x);
  const s = special1(x, k);
  if (s !== null) return [s, s];
  if (k === C_INF) return [invalid(), indefinite()];
  if (k === C_ZERO) return [x, fromInteger(1n)];
  if (lead(x) < TINY) return tinySinCos(x, cosFlags);
  const P = trigPrec(x);
  const [q, r] = reduce(x, P);
  const [sn, cs] = sincos(r, P);
  const sv = [sn, cs, -sn, -cs][q]!,
    cv = [cs, -sn, -cs, sn][q]!;
  const savedFlags = fenv.flags;
  const cosv = result(0, cv, P);
  const cf = fenv.flags,
    cosUp = fenv.up;
  fenv.flags = savedFlags;
  const sinv = result(x.sign, sv, P);
  keepCos(cf, cosUp, cosFlags);
  return [sinv, cosv];
}

function keepCos(flags: number, up: boolean, intoFenv: boolean): void {
  sincosFlags.flags = flags;
  sincosFlags.up = up;
  if (intoFenv) {
    fenv.flags = flags;
    fenv.up = up;
  }
}

/** Below 2^-100, sin x = x − (tiny) and cos x = 1 − (tiny): a sticky bit gives the exact rounding. */
function tinySinCos(x: F80, wantCos: boolean): [F80, F80] {
  const saved = fenv.flags;
  const cosv = round80(0, (1n << 200n) - 1n, -200, FMT80);
  const cf = fenv.flags | PE,
    cu = fenv.up;
  fenv.flags = saved;
  const sinv = round80(x.sign, (x.sig << 200n) - 1n, unitExp(x) - 200, FMT80);
  fenv.flags |= PE;
  keepCos(cf, cu, wantCos);
  return [sinv, cosv];
}

const TINY = -100;

/** Trig working precision: the cubic term of a small argument must stay visible. */
function trigPrec(x: F80): number {
  return GUARD + 3 * Math.max(0, -lead(x));
}

/** Flags and C1 of the cosine half of the last `fsincos` (the sine's are left in fenv). */
export const sincosFlags = { flags: 0, up: false };

/** tan x. */
export function ftan(x: F80): F80 {
  const k = classify(x);
  const s = special1(x, k);
  if (s !== null) return s;
  if (k === C_INF) return invalid();
  if (k === C_ZERO) return x;
  if (lead(x) < TINY) {
    const r = round80(x.sign, (x.sig << 200n) + 1n, unitExp(x) - 200, FMT80);
    fenv.flags |= PE;
    return r;
  }
  const P = trigPrec(x);
  const [q, r] = reduce(x, P);
  const [sn, cs] = sincos(r, P);
  const t = (q & 1) === 0 ? div(sn, cs, P) : -div(cs, sn, P);
  return result(x.sign, t, P);
}

export { fmul };
