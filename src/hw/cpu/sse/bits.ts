// SPDX-License-Identifier: MIT
// IEEE-754 bit-level helpers for SSE (AMD APM Vol. 1 §4.4.3): classification on
// raw bits (JS may quiet signalling NaNs when converting), neighbours of a value,
// and the error-free transformations (TwoSum, Dekker TwoProduct) the rounding uses.

const cb = new ArrayBuffer(8);
const cf64 = new Float64Array(cb);
const ci32 = new Int32Array(cb);
const cf32 = new Float32Array(cb);

export function f64Hi(x: number): number {
  cf64[0] = x;
  return ci32[1]!;
}

export function f64Lo(x: number): number {
  cf64[0] = x;
  return ci32[0]!;
}

export function f64FromBits(lo: number, hi: number): number {
  ci32[0] = lo;
  ci32[1] = hi;
  return cf64[0]!;
}

export function f32Bits(x: number): number {
  cf32[0] = x;
  return ci32[0]!;
}

export function f32FromBits(b: number): number {
  ci32[0] = b;
  return cf32[0]!;
}

/** Next double towards +Inf (x finite or -Inf). */
export function nextUp64(x: number): number {
  if (x === 0) return 5e-324;
  cf64[0] = x;
  let lo = ci32[0]!,
    hi = ci32[1]!;
  if (x > 0) {
    lo = (lo + 1) | 0;
    if (lo === 0) hi++;
  } else {
    if (lo === 0) hi--;
    lo = (lo - 1) | 0;
  }
  ci32[0] = lo;
  ci32[1] = hi;
  return cf64[0]!;
}

export function nextDown64(x: number): number {
  return -nextUp64(-x);
}

/** Next float32 towards +Inf (x a float32 value). */
export function nextUp32(x: number): number {
  if (x === 0) return 1.401298464324817e-45;
  cf32[0] = x;
  ci32[0] = x > 0 ? ci32[0]! + 1 : ci32[0]! - 1;
  return cf32[0]!;
}

export function nextDown32(x: number): number {
  return -nextUp32(-x);
}

/** Whether the last significand bit of a double is 0. */
export function evenDouble(x: number): boolean {
  cf64[0] = x;
  return (ci32[0]! & 1) === 0;
}

/** Sign of the error of a + b (TwoSum, exact when a + b does not overflow). */
export function sumErrSign(a: number, b: number, s: number): number {
  const bb = s - a;
  const e = a - (s - bb) + (b - bb);
  return e > 0 ? 1 : e < 0 ? -1 : 0;
}

const SPLIT = 134217729; // 2^27 + 1

/** Error of the product p = fl(a*b) (Dekker; exact without overflow/underflow). */
export function mulErr(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a),
    al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b),
    bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** Sign of a - q*b computed exactly (division residual; sqrt with q = b). */
export function residualSign(a: number, q: number, b: number): number {
  const p = q * b;
  const r = a - p - mulErr(q, b, p);
  return r > 0 ? 1 : r < 0 ? -1 : 0;
}

/** Float32 NaN test on bits. */
export function isNaN32(b: number): boolean {
  return (b & 0x7fffffff) > 0x7f800000;
}

export function isSNaN32(b: number): boolean {
  return (b & 0x7fffffff) > 0x7f800000 && (b & 0x00400000) === 0;
}

export function isNaN64(lo: number, hi: number): boolean {
  const h = hi & 0x7fffffff;
  return h > 0x7ff00000 || (h === 0x7ff00000 && lo !== 0);
}

export function isSNaN64(lo: number, hi: number): boolean {
  return isNaN64(lo, hi) && (hi & 0x00080000) === 0;
}

export const QNAN32 = 0x00400000;
export const QNAN64_HI = 0x00080000;
/** The default ("real indefinite") NaNs. */
export const DEFAULT_NAN32 = 0xffc00000 | 0;
export const DEFAULT_NAN64_HI = 0xfff80000 | 0;
