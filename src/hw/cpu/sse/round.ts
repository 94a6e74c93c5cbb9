// SPDX-License-Identifier: MIT
// Rounding under MXCSR.RC (AMD APM Vol. 1 §4.4.4): JS rounds to nearest; the
// exact error's sign turns that into round down / up / toward zero. Overflow,
// tininess after rounding with unbounded exponent, underflow and FTZ (§4.4.8.5).
import { evenDouble, f32Bits, nextDown32, nextDown64, nextUp32, nextUp64 } from "./bits.js";
import { fp, OE, PE, RC_DOWN, RC_NEAREST, RC_UP, RC_ZERO, UE } from "./mxcsr.js";

const MAX32 = 3.4028234663852886e38;
const MIN_NORMAL32 = 1.1754943508222875e-38;
export const MAX64 = Number.MAX_VALUE;
const TWO100 = 1.2676506002282294e30;
const TINY32_SCALED = MIN_NORMAL32 * TWO100;

/** Adjusts the round-to-nearest float32 r when the exact value lies on side s (−1/0/+1). */
function directed32(r: number, s: number): number {
  switch (fp.rc) {
    case RC_DOWN:
      return s < 0 ? nextDown32(r) : r;
    case RC_UP:
      return s > 0 ? nextUp32(r) : r;
    case RC_ZERO:
      return r > 0 && s < 0 ? nextDown32(r) : r < 0 && s > 0 ? nextUp32(r) : r;
    default:
      return r;
  }
}

function directed64(r: number, s: number): number {
  switch (fp.rc) {
    case RC_DOWN:
      return s < 0 ? nextDown64(r) : r;
    case RC_UP:
      return s > 0 ? nextUp64(r) : r;
    case RC_ZERO:
      return r > 0 && s < 0 ? nextDown64(r) : r < 0 && s > 0 ? nextUp64(r) : r;
    default:
      return r;
  }
}

/** The masked overflow result: ±Inf or ±MAX depending on the rounding direction. */
export function overflowValue(neg: boolean, max: number): number {
  switch (fp.rc) {
    case RC_ZERO:
      return neg ? -max : max;
    case RC_UP:
      return neg ? -max : Infinity;
    case RC_DOWN:
      return neg ? -Infinity : max;
    default:
      return neg ? -Infinity : Infinity;
  }
}

/** Whether the rounding direction moves a value of this sign away from zero. */
function roundsAway(neg: boolean): boolean {
  return fp.rc === RC_NEAREST || (fp.rc === RC_UP && !neg) || (fp.rc === RC_DOWN && neg);
}

/**
 * Rounds a double result d, whose exact value is d + ε with sign(ε) = s, to
 * float32 bits under MXCSR. d is nonzero and finite; ε is tiny relative to d
 * (it comes from a double-precision operation on float32 inputs).
 */
export function round32(d: number, s: number): number {
  // Round to odd at 53 bits: a second rounding to 24 bits is then exact (Boldo–Melquiond).
  const x = s !== 0 && evenDouble(d) ? (s > 0 ? nextUp64(d) : nextDown64(d)) : d;
  let r = Math.fround(x);
  const inexact = r !== x;
  const ax = x < 0 ? -x : x;
  if (ax >= 3.4028235677973366e38) return overflow32(x);
  if (inexact && fp.rc !== RC_NEAREST) {
    r = directed32(r, x > r ? 1 : -1);
    if (r === Infinity || r === -Infinity) return overflow32(x);
  }
  if ((r < 0 ? -r : r) <= MIN_NORMAL32 && tiny32(x)) {
    if (fp.umUnmasked) {
      // No result is delivered (#XM); PE reports the unbounded-exponent rounding.
      fp.flags |= unboundedInexact ? UE | PE : UE;
      return f32Bits(r);
    }
    if (fp.ftz) {
      fp.flags |= UE | PE;
      return x < 0 ? 0x80000000 | 0 : 0;
    }
    if (inexact) fp.flags |= UE;
  }
  if (inexact) fp.flags |= PE;
  return f32Bits(r);
}

/** Float32 overflow: the exact value rounds (unbounded exponent) above MAX32 when it rounds away. */
function overflow32(x: number): number {
  const neg = x < 0;
  const ax = neg ? -x : x;
  if (ax < 3.402823669209385e38 /* 2^128 */ && !roundsAway(neg)) {
    fp.flags |= PE;
    return f32Bits(neg ? -MAX32 : MAX32);
  }
  let y = x / TWO100;
  while (y > 1e30 || y < -1e30) y /= TWO100; // scale into float32 range (exact)
  fp.flags |= !fp.omUnmasked || Math.fround(y) !== y ? OE | PE : OE;
  return f32Bits(overflowValue(neg, MAX32));
}

/** Whether the last tininess test's unbounded-exponent rounding was inexact. */
let unboundedInexact = false;

/** Tininess after rounding: |x| rounded to 24 bits with unbounded exponent is below 2^-126. */
function tiny32(x: number): boolean {
  const ax = x < 0 ? -x : x;
  let y = x * TWO100;
  while (y > -1e-20 && y < 1e-20) y *= TWO100; // far below 2^-126: scale into float32 range
  let u = Math.fround(y);
  unboundedInexact = u !== y;
  if (ax < 2 ** -140) return true;
  if (unboundedInexact && fp.rc !== RC_NEAREST) u = directed32(u, y > u ? 1 : -1);
  return (u < 0 ? -u : u) < TINY32_SCALED;
}

/**
 * Finishes a double result r (round to nearest, finite, |r| well above the
 * underflow threshold) whose exact value lies on side s of it.
 */
export function finish64(r: number, s: number): number {
  if (s === 0) return r;
  fp.flags |= PE;
  if (fp.rc === RC_NEAREST) return r;
  const v = directed64(r, s);
  if (v === Infinity || v === -Infinity) fp.flags |= OE;
  return v;
}
