// SPDX-License-Identifier: MIT
// Test-only value generators for the SSE oracle tests: a seeded RNG, float32 and
// float64 edge values (zeros, denormals, min/max normal, infinities, QNaN/SNaN
// with payloads, inexact operands) and MXCSR modes (RC, DAZ, FTZ, masks).
import type { Case } from "./oracle.test-helper.js";

export class Rng {
  constructor(private s: number) {}
  u32(): number {
    // xorshift32
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  int(n: number): number {
    return this.u32() % n;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
}

const EDGE32 = [
  0, 0x80000000, 1, 0x80000001, 0x007fffff, 0x807fffff, 0x00400000, 0x00800000, 0x80800000, 0x00800001, 0x7f7fffff,
  0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc12345, 0x7f800001, 0xffa00000, 0x7fbfffff,
  0x3f800000, 0xbf800000, 0x40400000, 0x3dcccccd, 0x3eaaaaab, 0x4b800000, 0x4effffff, 0xcf000000, 0x4f000000,
  0x5f000000, 0xdf000000, 0x3f000000, 0x3f7fffff, 0x0c000000, 0x1f800000, 0x7e800000, 0x01000000,
];

const EDGE64_HI = [
  0, 0x80000000, 0x00000001, 0x000fffff, 0x80080000, 0x00100000, 0x80100000, 0x7fefffff, 0xffefffff, 0x7ff00000,
  0xfff00000, 0x7ff80000, 0xfff80000, 0x7ff81234, 0x7ff00001, 0x7ff40000, 0x3ff00000, 0xbff00000, 0x40080000,
  0x3fb99999, 0x43300000, 0x43e00000, 0xc3e00000, 0x41e00000, 0xc1e00000, 0x3fe00000, 0x00200000, 0x7fe00000,
  0x20000000, 0x5fe00000, 0x47efffff, 0x36a00000, 0x380fffff,
];

/** A float32 bit pattern: edge values, random normals near 1, anywhere, or random bits. */
export function f32(r: Rng): number {
  switch (r.int(5)) {
    case 0:
    case 1:
      return r.pick(EDGE32) >>> 0;
    case 2:
      return ((r.int(2) << 31) | ((120 + r.int(16)) << 23) | (r.u32() & 0x7fffff)) >>> 0;
    case 3:
      return (
        ((r.int(2) << 31) | (r.pick([1, 2, 3, 100, 126, 127, 150, 250, 253, 254]) << 23) | (r.u32() & 0x7fffff)) >>> 0
      );
    default:
      return r.u32();
  }
}

/** A float64 as [lo, hi]. */
export function f64(r: Rng): [number, number] {
  switch (r.int(5)) {
    case 0:
    case 1: {
      const hi = r.pick(EDGE64_HI) >>> 0;
      const lo = r.int(3) === 0 ? r.u32() : r.int(2) === 0 ? 0 : 1;
      return [(hi & 0x7ff00000) === 0x7ff00000 && (hi & 0xfffff) === 0 && r.int(2) === 0 ? 0 : lo, hi];
    }
    case 2:
      return [r.u32(), ((r.int(2) << 31) | ((1015 + r.int(16)) << 20) | (r.u32() & 0xfffff)) >>> 0];
    case 3: {
      const e = r.pick([
        1, 2, 3, 30, 1000, 1022, 1023, 1100, 1500, 2000, 2045, 2046, 0x36a, 0x380, 0x381, 0x47f, 0x3a0, 0x3c0,
      ]);
      return [r.u32(), ((r.int(2) << 31) | (e << 20) | (r.u32() & 0xfffff)) >>> 0];
    }
    default:
      return [r.u32(), r.u32()];
  }
}

/** MXCSR: mostly defaults, all rounding modes, DAZ/FTZ, sometimes an unmasked exception. */
export function mxcsr(r: Rng): number {
  let m = 0x1f80 | (r.int(4) << 13);
  if (r.int(4) === 0) m |= 0x40;
  if (r.int(4) === 0) m |= 0x8000;
  if (r.int(12) === 0) m &= ~(0x80 << r.int(6));
  if (r.int(10) === 0) m |= 1 << r.int(6);
  return m;
}

export type Lanes = (r: Rng, v: DataView, off: number) => void;
export const lanes32: Lanes = (r, v, off) => {
  for (let k = 0; k < 16; k += 4) v.setUint32(off + k, f32(r), true);
};
export const lanes64: Lanes = (r, v, off) => {
  for (let k = 0; k < 16; k += 8) {
    const [lo, hi] = f64(r);
    v.setUint32(off + k, lo, true);
    v.setUint32(off + k + 4, hi, true);
  }
};
export const lanesInt: Lanes = (r, v, off) => {
  for (let k = 0; k < 16; k += 4) {
    v.setUint32(
      off + k,
      r.int(3) === 0
        ? r.pick([0, 0xffffffff, 0x80000000, 0x7fffffff, 0x00ff00ff, 0x80008000, 0x7fff7fff, 0x01010101, 0xfefefefe])
        : r.u32(),
      true,
    );
  }
};

function fill(r: Rng, n: number, gen: Lanes): Uint8Array {
  const b = new Uint8Array(n);
  const v = new DataView(b.buffer);
  for (let off = 0; off < n; off += 16) gen(r, v, off);
  return b;
}

/** A case for `asm` with registers, MMX registers and memory drawn from `gen`. */
export function makeCase(r: Rng, asm: string, gen: Lanes, mx = mxcsr(r)): Case {
  const gpr = fill(r, 128, lanesInt);
  return {
    asm,
    mxcsr: mx,
    rflags: 0x202 | (r.u32() & 0x8d5),
    xmm: fill(r, 256, gen),
    gpr,
    mm: fill(r, 64, gen),
    mem: fill(r, 128, gen),
  };
}
