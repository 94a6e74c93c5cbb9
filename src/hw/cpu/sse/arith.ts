// SPDX-License-Identifier: MIT
// Per-lane SSE floating-point arithmetic on the scratch slots (AMD APM Vol. 1
// §4.4.x; ADDPS/SUBPS/MULPS/DIVPS/SQRTPS/MINPS/MAXPS/CMPPS/COMISS and the PD/SS/SD
// forms): NaN rules, DAZ, denormal/zero-divide/invalid flags, then rounding.
import {
  DEFAULT_NAN32,
  DEFAULT_NAN64_HI,
  f32Bits,
  f32FromBits,
  isNaN32,
  isNaN64,
  isSNaN32,
  isSNaN64,
  QNAN32,
  QNAN64_HI,
  residualSign,
  mulErr,
  sumErrSign,
} from "./bits.js";
import { exact64, OP_ADD, OP_DIV, OP_MUL, OP_SQRT, OP_SUB, sumOfZeros } from "./exact64.js";
import { DE, fp, IE, RC_DOWN, ZE } from "./mxcsr.js";
import { finish64, round32 } from "./round.js";
import { S32, SF64 } from "./scratch.js";

export { OP_ADD, OP_DIV, OP_MUL, OP_SQRT, OP_SUB };

/** Set by operand reads when a denormal source was seen (DAZ off). */
let den = false;

function normal32(b: number): boolean {
  return (((b >>> 23) + 1) & 0xfe) !== 0;
}

/** Float32 operand value: denormals become signed zero under DAZ, or note DE. */
function val32(b: number): number {
  if ((b & 0x7f800000) === 0 && (b & 0x7fffff) !== 0) {
    if (fp.daz) return b < 0 ? -0 : 0;
    den = true;
  }
  return f32FromBits(b);
}

/** Float64 operand at f64 index k of the scratch. */
function val64(k: number): number {
  const hi = S32[2 * k + 1]!;
  if ((hi & 0x7ff00000) === 0 && ((hi & 0xfffff) | S32[2 * k]!) !== 0) {
    if (fp.daz) return hi < 0 ? -0 : 0;
    den = true;
  }
  return SF64[k]!;
}

/**
 * Infinite and zero operands of the arithmetic ops: the exact result, NaN for
 * an invalid operation (IE raised), or undefined when the operands are finite
 * and the general path applies.
 */
function special(op: number, x: number, y: number): number | undefined {
  const ix = x === Infinity || x === -Infinity,
    iy = y === Infinity || y === -Infinity;
  switch (op) {
    case OP_ADD:
    case OP_SUB: {
      if (!ix && !iy) return undefined;
      const yy = op === OP_SUB ? -y : y;
      if (ix && iy && x !== yy) return invalid();
      return ix ? x : yy;
    }
    case OP_MUL:
      if (!ix && !iy) return undefined;
      if (x === 0 || y === 0) return invalid();
      return x * y;
    case OP_DIV:
      if (ix) return iy ? invalid() : x / y;
      if (iy) return x / y;
      if (y === 0) {
        if (x === 0) return invalid();
        fp.flags |= ZE;
        den = false; // a zero divide suppresses the denormal-operand flag
        return x / y;
      }
      return undefined;
    default:
      if (y < 0) return invalid();
      return iy || y === 0 ? y : undefined;
  }
}

function invalid(): number {
  fp.flags |= IE;
  den = false;
  return NaN;
}

function flushDen(): void {
  if (den) {
    fp.flags |= DE;
    den = false;
  }
}

/** Float32 lane: S32[ia] ← S32[ia] op S32[ib] (SQRT: ← sqrt S32[ib]). */
export function arith32(op: number, ia: number, ib: number): void {
  const a = S32[ia]!,
    b = S32[ib]!;
  if (op === OP_SQRT ? b < 0 || !normal32(b) : !normal32(a) || !normal32(b)) {
    S32[ia] = slow32(op, a, b);
    return;
  }
  S32[ia] = core32(op, f32FromBits(a), f32FromBits(b));
}

function slow32(op: number, a: number, b: number): number {
  if (op === OP_SQRT) {
    if (isNaN32(b)) return nan1(b);
  } else if (isNaN32(a) || isNaN32(b)) {
    return nan2(a, b);
  }
  const x = op === OP_SQRT ? 0 : val32(a),
    y = val32(b);
  const sp = special(op, x, y);
  flushDen();
  if (sp !== undefined) return sp !== sp ? DEFAULT_NAN32 : f32Bits(sp);
  return core32(op, x, y);
}

function nan1(b: number): number {
  if (isSNaN32(b)) fp.flags |= IE;
  return b | QNAN32;
}

/** Two-operand NaN rule: the first source's NaN wins; SNaN operands raise IE. */
function nan2(a: number, b: number): number {
  if (isSNaN32(a) || isSNaN32(b)) fp.flags |= IE;
  return (isNaN32(a) ? a : b) | QNAN32;
}

/** Finite float32 operands (zeros allowed): computed in double, then rounded. */
function core32(op: number, x: number, y: number): number {
  switch (op) {
    case OP_SUB:
    case OP_ADD: {
      const yy = op === OP_SUB ? -y : y;
      const d = x + yy;
      if (d === 0) return f32Bits(x === 0 && yy === 0 ? sumOfZeros(x, yy) : fp.rc === RC_DOWN ? -0 : 0);
      return round32(d, sumErrSign(x, yy, d));
    }
    case OP_MUL: {
      const d = x * y;
      return d === 0 ? f32Bits(d) : round32(d, 0);
    }
    case OP_DIV: {
      if (x === 0) return f32Bits(x / y);
      const d = x / y;
      return round32(d, y < 0 ? -residualSign(x, d, y) : residualSign(x, d, y));
    }
    default: {
      if (y === 0) return f32Bits(y);
      const d = Math.sqrt(y);
      return round32(d, residualSign(y, d, d));
    }
  }
}

// ---- double precision --------------------------------------------------------

function normal64(hi: number): boolean {
  return (((hi >>> 20) + 1) & 0x7fe) !== 0;
}

/** Float64 lane at f64 indices: SF64[ka] ← SF64[ka] op SF64[kb] (SQRT: sqrt SF64[kb]). */
export function arith64(op: number, ka: number, kb: number): void {
  const ah = S32[2 * ka + 1]!,
    bh = S32[2 * kb + 1]!;
  if (op === OP_SQRT ? bh >= 0 && normal64(bh) : normal64(ah) && normal64(bh)) {
    SF64[ka] = core64(op, SF64[ka]!, SF64[kb]!);
    return;
  }
  const al = S32[2 * ka]!,
    bl = S32[2 * kb]!;
  if (op === OP_SQRT ? isNaN64(bl, bh) : isNaN64(al, ah) || isNaN64(bl, bh)) {
    nan64(op === OP_SQRT ? kb : ka, kb, ka);
    return;
  }
  const x = op === OP_SQRT ? 0 : val64(ka),
    y = val64(kb);
  const sp = special(op, x, y);
  flushDen();
  if (sp === undefined) SF64[ka] = core64(op, x, y);
  else if (sp !== sp) {
    S32[2 * ka] = 0;
    S32[2 * ka + 1] = DEFAULT_NAN64_HI;
  } else SF64[ka] = sp;
}

/** NaN rule for doubles: the first NaN among (k1, k2), quieted, goes to kd. */
function nan64(k1: number, k2: number, kd: number): void {
  const l1 = S32[2 * k1]!,
    h1 = S32[2 * k1 + 1]!,
    l2 = S32[2 * k2]!,
    h2 = S32[2 * k2 + 1]!;
  if (isSNaN64(l1, h1) || (k1 !== k2 && isSNaN64(l2, h2))) fp.flags |= IE;
  const first = isNaN64(l1, h1);
  S32[2 * kd] = first ? l1 : l2;
  S32[2 * kd + 1] = (first ? h1 : h2) | QNAN64_HI;
}

const LO = 2 ** -958; // no underflow inside Dekker's products
const HI = 2 ** 994; // no overflow in Dekker's split
const NORMAL_SAFE = 2 ** -1020;

function core64(op: number, x: number, y: number): number {
  switch (op) {
    case OP_SUB:
    case OP_ADD: {
      const yy = op === OP_SUB ? -y : y;
      const d = x + yy;
      if (d === 0) return x === 0 && yy === 0 ? sumOfZeros(x, yy) : fp.rc === RC_DOWN ? -0 : 0;
      const ad = d < 0 ? -d : d;
      if (ad > NORMAL_SAFE && ad !== Infinity) return finish64(d, sumErrSign(x, yy, d));
      return exact64(OP_ADD, x, yy);
    }
    case OP_MUL: {
      if (x === 0 || y === 0) return x * y;
      const d = x * y;
      if (safe(x) && safe(y) && safe(d)) return finish64(d, Math.sign(mulErr(x, y, d)));
      return exact64(op, x, y);
    }
    case OP_DIV: {
      if (x === 0) return x / y;
      const d = x / y;
      if (safe(x) && safe(y) && safe(d)) return finish64(d, y < 0 ? -residualSign(x, d, y) : residualSign(x, d, y));
      return exact64(op, x, y);
    }
    default: {
      if (y === 0) return y;
      if (safe(y)) {
        const d = Math.sqrt(y);
        return finish64(d, residualSign(y, d, d));
      }
      return exact64(op, y, 0);
    }
  }
}

function safe(v: number): boolean {
  const a = v < 0 ? -v : v;
  return a > LO && a < HI;
}

// ---- MIN / MAX / CMP / COMI --------------------------------------------------

/** MINPS/MAXPS lane: any NaN (IE) or equal values (±0) give the second operand. */
export function minmax32(isMax: boolean, ia: number, ib: number): void {
  const a = S32[ia]!,
    b = S32[ib]!;
  if (isNaN32(a) || isNaN32(b)) {
    fp.flags |= IE;
    // The second operand is returned, a denormal one flushed by DAZ (no DE).
    S32[ia] = fp.daz && (b & 0x7f800000) === 0 ? b & (0x80000000 | 0) : b;
    return;
  }
  const x = val32(a),
    y = val32(b);
  flushDen();
  S32[ia] = f32Bits((isMax ? x > y : x < y) ? x : y);
}

export function minmax64(isMax: boolean, ka: number, kb: number): void {
  if (isNaN64(S32[2 * ka]!, S32[2 * ka + 1]!) || isNaN64(S32[2 * kb]!, S32[2 * kb + 1]!)) {
    fp.flags |= IE;
    const bh = S32[2 * kb + 1]!,
      flush = fp.daz && (bh & 0x7ff00000) === 0;
    S32[2 * ka] = flush ? 0 : S32[2 * kb]!;
    S32[2 * ka + 1] = flush ? bh & (0x80000000 | 0) : bh;
    return;
  }
  const x = val64(ka),
    y = val64(kb);
  flushDen();
  SF64[ka] = (isMax ? x > y : x < y) ? x : y;
}

/** Comparison result: 1 less, 2 equal, 4 greater, 8 unordered (IE per `signalQuiet`). */
export function compare32(a: number, b: number, signalQuiet: boolean): number {
  if (isNaN32(a) || isNaN32(b)) {
    if (signalQuiet || isSNaN32(a) || isSNaN32(b)) fp.flags |= IE;
    return 8;
  }
  const x = val32(a),
    y = val32(b);
  flushDen();
  return x < y ? 1 : x === y ? 2 : 4;
}

export function compare64(ka: number, kb: number, signalQuiet: boolean): number {
  const al = S32[2 * ka]!,
    ah = S32[2 * ka + 1]!,
    bl = S32[2 * kb]!,
    bh = S32[2 * kb + 1]!;
  if (isNaN64(al, ah) || isNaN64(bl, bh)) {
    if (signalQuiet || isSNaN64(al, ah) || isSNaN64(bl, bh)) fp.flags |= IE;
    return 8;
  }
  const x = val64(ka),
    y = val64(kb);
  flushDen();
  return x < y ? 1 : x === y ? 2 : 4;
}

/** CMPPS predicate 0..7 → the set of outcomes (bits of `compare*`) that make it true. */
export const CMP_TRUE = [2, 1, 3, 8, 13, 14, 12, 7] as const;
/** Predicates LT, LE, NLT, NLE signal on QNaN too. */
export const CMP_SIGNALS = [false, true, true, false, false, true, true, false] as const;
