// SPDX-License-Identifier: MIT
// RCPPS/RSQRTPS approximations (AMD APM Vol. 4 RCPPS, RSQRTPS: relative error
// ≤ 1.5·2^-12). No exceptions are raised; denormal inputs act as zero and tiny
// results flush to zero. KNOWN DEVIATION: the host EPYC's RCPPS is a 4096-entry
// table indexed by the top 12 significand bits (12-bit results) that matches no
// simple formula; we return 1/x rounded to 12 bits, so ~37% of results differ
// from the host in the last kept bit (within the architectural error bound).
import { f32Bits, f32FromBits, isNaN32, QNAN32 } from "./bits.js";

/** Rounds a positive double to a float32 with 12 significant bits (round to nearest). */
function to12(v: number): number {
  const b = f32Bits(v);
  return (b + 0x400) & ~0x7ff;
}

export function rcp32(b: number): number {
  if (isNaN32(b)) return b | QNAN32;
  const sign = b & (0x80000000 | 0), mag = b & 0x7fffffff;
  if (mag < 0x00800000) return sign | 0x7f800000;
  if (mag === 0x7f800000) return sign;
  const r = to12(1 / f32FromBits(mag));
  return (r & 0x7fffffff) < 0x00800000 ? sign : sign | r;
}

export function rsqrt32(b: number): number {
  if (isNaN32(b)) return b | QNAN32;
  const sign = b & (0x80000000 | 0), mag = b & 0x7fffffff;
  if (mag < 0x00800000) return sign | 0x7f800000;
  if (sign !== 0) return 0xffc00000 | 0;
  if (mag === 0x7f800000) return 0;
  return to12(1 / Math.sqrt(f32FromBits(mag)));
}
