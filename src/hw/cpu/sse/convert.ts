// SPDX-License-Identifier: MIT
// SSE conversions (AMD APM Vol. 4 CVTSS2SD, CVTSD2SS, CVTSI2SS/SD, CVT(T)SS2SI/SD2SI
// and the packed forms): float↔float with NaN payloads kept, float→integer with
// MXCSR rounding or truncation and the "integer indefinite" on invalid inputs.
import { f32Bits, f32FromBits, f64FromBits, isNaN32, isNaN64, isSNaN32, isSNaN64, sumErrSign } from "./bits.js";
import { DE, fp, IE, PE, RC_DOWN, RC_UP, RC_ZERO } from "./mxcsr.js";
import { finish64, round32 } from "./round.js";

/** Integer results (lo/hi words) of the float→integer conversions. */
export const ir = { lo: 0, hi: 0 };
/** Double results as words (NaN payloads must not pass through JS numbers). */
export const dr = { lo: 0, hi: 0 };

const TWO32 = 4294967296;
const TWO63 = 9223372036854775808;
const DEN64_HI = 0x000fffff;

/** CVTSS2SD lane: float32 bits → double words in `dr`. */
export function f32ToF64(b: number): void {
  if (isNaN32(b)) {
    if (isSNaN32(b)) fp.flags |= IE;
    dr.hi = (b & (0x80000000 | 0)) | 0x7ff80000 | ((b & 0x7fffff) >>> 3);
    dr.lo = b << 29;
    return;
  }
  let x = f32FromBits(b);
  if ((b & 0x7f800000) === 0 && (b & 0x7fffff) !== 0) {
    if (fp.daz) x = b < 0 ? -0 : 0;
    else fp.flags |= DE;
  }
  setDouble(x);
}

const wb = new ArrayBuffer(8);
const wf = new Float64Array(wb);
const wi = new Int32Array(wb);

function setDouble(x: number): void {
  wf[0] = x;
  dr.lo = wi[0]!;
  dr.hi = wi[1]!;
}

/** CVTSD2SS lane: double words → float32 bits. */
export function f64ToF32(lo: number, hi: number): number {
  if (isNaN64(lo, hi)) {
    if (isSNaN64(lo, hi)) fp.flags |= IE;
    return (hi & (0x80000000 | 0)) | 0x7fc00000 | ((hi & 0xfffff) << 3) | (lo >>> 29);
  }
  let x = f64FromBits(lo, hi);
  if ((hi & 0x7ff00000) === 0 && ((hi & DEN64_HI) | lo) !== 0) {
    if (fp.daz) x = hi < 0 ? -0 : 0;
    else fp.flags |= DE;
  }
  if (x === 0 || x === Infinity || x === -Infinity) return f32Bits(x);
  return round32(x, 0);
}

/** Rounds x (finite) to an integer value under MXCSR.RC, or toward zero when `trunc`. */
function roundInt(x: number, trunc: boolean): number {
  const rc = trunc ? RC_ZERO : fp.rc;
  switch (rc) {
    case RC_DOWN:
      return Math.floor(x);
    case RC_UP:
      return Math.ceil(x);
    case RC_ZERO:
      return Math.trunc(x);
    default: {
      const f = Math.floor(x);
      const d = x - f;
      return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
    }
  }
}

/** Float value → integer words in `ir` (32- or 64-bit); NaN/out of range: indefinite + IE. */
export function toInt(x: number, nan: boolean, is64: boolean, trunc: boolean): void {
  if (!nan && x === x) {
    const r = roundInt(x, trunc);
    if (is64 ? r >= -TWO63 && r < TWO63 : r >= -2147483648 && r <= 2147483647) {
      if (r !== x) fp.flags |= PE;
      if (!is64) {
        ir.lo = r | 0;
        ir.hi = 0;
        return;
      }
      const hi = Math.floor(r / TWO32);
      ir.lo = (r - hi * TWO32) | 0;
      ir.hi = hi | 0;
      return;
    }
  }
  fp.flags |= IE;
  ir.lo = is64 ? 0 : 0x80000000 | 0;
  ir.hi = is64 ? 0x80000000 | 0 : 0;
}

/** Float32 bits as a value for integer conversion (DAZ applies, DE never raised). */
export function f32ForInt(b: number): number {
  if ((b & 0x7f800000) === 0 && fp.daz) return 0;
  return f32FromBits(b);
}

export function f64ForInt(lo: number, hi: number): number {
  if ((hi & 0x7ff00000) === 0 && fp.daz) return 0;
  return f64FromBits(lo, hi);
}

/** Signed integer (lo, hi words; hi ignored when !is64) → float32 bits. */
export function intToF32(lo: number, hi: number, is64: boolean): number {
  if (!is64 || hi === lo >> 31) return lo === 0 ? 0 : round32(lo, 0);
  const h = hi * TWO32,
    l = lo >>> 0;
  const d = h + l;
  return round32(d, sumErrSign(h, l, d));
}

/** Signed integer → double (exact for 32-bit sources). */
export function intToF64(lo: number, hi: number, is64: boolean): number {
  if (!is64 || hi === lo >> 31) return lo;
  const h = hi * TWO32,
    l = lo >>> 0;
  const d = h + l;
  return finish64(d, sumErrSign(h, l, d));
}
