// SPDX-License-Identifier: MIT
// Exact double-precision arithmetic for the rare edge cases (results near the
// overflow/underflow thresholds, denormal operands, huge exponent ranges): the
// exact value as a BigInt significand, rounded per MXCSR (AMD APM Vol. 1 §4.4.4, §4.4.8.5).
import { f64Hi, f64Lo } from "./bits.js";
import { fp, OE, PE, RC_DOWN, RC_NEAREST, RC_UP, UE } from "./mxcsr.js";
import { MAX64, overflowValue } from "./round.js";

export const OP_ADD = 0;
export const OP_SUB = 1;
export const OP_MUL = 2;
export const OP_DIV = 3;
export const OP_SQRT = 4;

const P = 53;
const EMIN = -1022;
const EMAX = 1023;

const POW2 = new Float64Array(2200);
{
  let v = 1;
  for (let k = 0; k <= 1100; k++) {
    POW2[1100 + k] = v;
    v *= 2;
  }
  v = 1;
  for (let k = 0; k <= 1074; k++) {
    POW2[1100 - k] = v;
    v /= 2;
  }
}

function pow2(k: number): number {
  return POW2[1100 + k]!;
}

/** Significand and exponent of a finite nonzero double: |x| = m * 2^e. */
function decompose(x: number): [bigint, number] {
  const hi = f64Hi(x),
    lo = f64Lo(x);
  const ex = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo >>> 0);
  return ex === 0 ? [frac, -1074] : [frac | (1n << 52n), ex - 1075];
}

function bitLength(m: bigint): number {
  return m.toString(2).length;
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** Rounds ±m·2^e (m > 0) to a double under MXCSR, raising PE/UE/OE; FTZ applied. */
function roundBig(neg: boolean, m: bigint, e: number): number {
  const L = bitLength(m);
  const E = e + L - 1;
  // Rounding with unbounded exponent decides tininess (it may carry into 2^EMIN)
  // and, for unmasked underflow/overflow, what PE reports.
  const [uq, uqe, uInexact] = roundAt(neg, m, e, L - P);
  const tiny = E < EMIN - 1 || (E === EMIN - 1 && uqe + bitLength(uq) - 1 < EMIN);
  const shift = Math.max(L - P, EMIN - P + 1 - e);
  const [q, qe, inexact] = roundAt(neg, m, e, shift);
  if (q === 0n) {
    return finishTiny(neg, 0, inexact, tiny, uInexact);
  }
  if (qe + bitLength(q) - 1 > EMAX) {
    fp.flags |= !fp.omUnmasked || uInexact ? OE | PE : OE;
    return overflowValue(neg, MAX64);
  }
  const v = Number(q) * pow2(qe);
  return finishTiny(neg, v, inexact, tiny, uInexact);
}

function finishTiny(neg: boolean, v: number, inexact: boolean, tiny: boolean, uInexact: boolean): number {
  if (tiny && fp.umUnmasked) {
    fp.flags |= uInexact ? UE | PE : UE;
    return neg ? -v : v;
  }
  if (tiny) {
    if (fp.ftz) {
      fp.flags |= UE | PE;
      return neg ? -0 : 0;
    }
    if (inexact) fp.flags |= UE;
  }
  if (inexact) fp.flags |= PE;
  return neg ? -v : v;
}

/** Drops `shift` low bits of m with the MXCSR rounding: [q, exponent of q, inexact]. */
function roundAt(neg: boolean, m: bigint, e: number, shift: number): [bigint, number, boolean] {
  if (shift <= 0) return [m, e, false];
  const s = BigInt(shift);
  let q = m >> s;
  const rem = m - (q << s);
  if (rem === 0n) return [q, e + shift, false];
  const half = 1n << (s - 1n);
  let up: boolean;
  switch (fp.rc) {
    case RC_NEAREST:
      up = rem > half || (rem === half && (q & 1n) === 1n);
      break;
    case RC_UP:
      up = !neg;
      break;
    case RC_DOWN:
      up = neg;
      break;
    default:
      up = false;
  }
  if (up) q += 1n;
  return [q, e + shift, true];
}

/** Exact x op y for finite doubles (y ignored for SQRT; x ≥ 0 there). */
export function exact64(op: number, x: number, y: number): number {
  if (op === OP_SUB) {
    op = OP_ADD;
    y = -y;
  }
  if (op === OP_ADD) return addExact(x, y);
  const [ma, ea] = decompose(x);
  if (op === OP_SQRT) {
    let m = ma,
      e = ea;
    if ((e & 1) !== 0) {
      m <<= 1n;
      e -= 1;
    }
    const k = Math.max(0, Math.ceil((2 * (P + 3) - bitLength(m)) / 2));
    m <<= BigInt(2 * k);
    e -= 2 * k;
    const r = isqrt(m);
    return roundBig(false, (r << 1n) | (r * r !== m ? 1n : 0n), e / 2 - 1);
  }
  const [mb, eb] = decompose(y);
  const neg = x < 0 !== y < 0;
  if (op === OP_MUL) return roundBig(neg, ma * mb, ea + eb);
  const k = Math.max(0, P + 3 + bitLength(mb) - bitLength(ma));
  const num = ma << BigInt(k);
  const q = num / mb;
  return roundBig(neg, (q << 1n) | (q * mb !== num ? 1n : 0n), ea - eb - k - 1);
}

function addExact(x: number, y: number): number {
  if (x === 0 || y === 0) {
    if (x === 0 && y === 0) return sumOfZeros(x, y);
    const v = x === 0 ? y : x;
    return roundBig(v < 0, decompose(v)[0], decompose(v)[1]);
  }
  const [ma, ea] = decompose(x);
  const [mb, eb] = decompose(y);
  const e = Math.min(ea, eb);
  let a = ma << BigInt(ea - e),
    b = mb << BigInt(eb - e);
  if (x < 0) a = -a;
  if (y < 0) b = -b;
  const s = a + b;
  if (s === 0n) return fp.rc === RC_DOWN ? -0 : 0;
  return roundBig(s < 0n, s < 0n ? -s : s, e);
}

/** Sum of two zeros: −0 only if both are −0 (or either is, when rounding down). */
export function sumOfZeros(x: number, y: number): number {
  const nx = Object.is(x, -0),
    ny = Object.is(y, -0);
  return (fp.rc === RC_DOWN ? nx || ny : nx && ny) ? -0 : 0;
}
