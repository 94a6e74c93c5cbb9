// SPDX-License-Identifier: MIT
// x87 memory operands (AMD APM Vol. 1 §6.4.1 "Data types"): reading and writing
// single, double and extended reals and 16/32/64-bit integers at c.ea, with the
// conversions of FLD/FST/FILD/FIST/FISTTP.
import type { Cpu } from "../cpu.js";
import {
  type F80,
  FMT32,
  FMT64,
  IE,
  classify,
  C_INF,
  C_UNSUPPORTED,
  fenv,
  fromIeee,
  fromInteger,
  isNaNClass,
  toIeee,
  toInteger,
} from "./float80.js";

export function readReal(c: Cpu, bytes: number): F80 {
  const m = c.mem,
    a = c.ea;
  if (bytes === 4) return fromIeee(BigInt(m.read32(a) >>> 0), 8, 23);
  const lo = BigInt(m.read32(a) >>> 0),
    hi = BigInt(m.read32(a + 4) >>> 0);
  if (bytes === 8) return fromIeee((hi << 32n) | lo, 11, 52);
  const se = m.read16(a + 8);
  return { sign: se >> 15, exp: se & 0x7fff, sig: (hi << 32n) | lo };
}

/** Converts for a store (flags raised, nothing written yet); returns the bit pattern. */
export function realBits(x: F80, bytes: number): bigint {
  if (bytes === 4) return toIeee(x, FMT32, 8, 23);
  if (bytes === 8) return toIeee(x, FMT64, 11, 52);
  return (BigInt((x.sign << 15) | x.exp) << 64n) | x.sig;
}

export function writeBits(c: Cpu, bits: bigint, bytes: number): void {
  const m = c.mem,
    a = c.ea;
  const lo = Number(bits & 0xffffffffn) | 0;
  if (bytes === 2) return m.write16(a, lo & 0xffff);
  if (bytes === 4) return m.write32(a, lo);
  const hi = Number((bits >> 32n) & 0xffffffffn) | 0;
  m.write64(a, lo, hi);
  if (bytes === 10) m.write16(a + 8, Number((bits >> 64n) & 0xffffn));
}

export function readInt(c: Cpu, bytes: number): F80 {
  const m = c.mem,
    a = c.ea;
  if (bytes === 2) return fromInteger(BigInt((m.read16(a) << 16) >> 16));
  if (bytes === 4) return fromInteger(BigInt(m.read32(a)));
  const lo = BigInt(m.read32(a) >>> 0); // low half first: a fault reports the first bad byte
  return fromInteger((BigInt(m.read32(a + 4)) << 32n) | lo);
}

/** FIST/FISTTP conversion: the integer bit pattern, or the integer indefinite with IE. */
export function intBits(x: F80, bytes: number, truncate: boolean): bigint {
  const bits = BigInt(bytes * 8);
  const indef = 1n << (bits - 1n);
  const k = classify(x);
  if (k === C_INF || k === C_UNSUPPORTED || isNaNClass(k)) {
    fenv.flags |= IE;
    return indef;
  }
  const saved = fenv.flags;
  const v = toInteger(x, truncate);
  if (v >= indef || v < -indef) {
    fenv.flags = saved | IE;
    fenv.up = false;
    return indef;
  }
  return BigInt.asUintN(bytes * 8, v);
}
