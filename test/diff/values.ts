// SPDX-License-Identifier: MIT
// Seeded randomness with edge bias for the differential generator: integer
// width/sign boundaries, shift counts, and IEEE 754 / x87 extended specials
// (zeros, denormals, infinities, quiet and signalling NaNs), as v86's
// create_tests.js and the Bochs/QEMU test suites bias theirs.

/** mulberry32: small, fast, good enough for test-case selection. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** FNV-1a over a string, mixed with a seed and an index: one stable seed per case. */
export function caseSeed(seed: number, key: string, index: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  h = Math.imul(h ^ index, 0x01000193) >>> 0;
  return Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
}

/** A 64-bit value as unsigned 32-bit halves. */
export type U64 = [lo: number, hi: number];

const WIDTHS = [8, 16, 32, 64] as const;

/** Edge values per width: 0, ±1, sign boundaries, all-ones and their neighbours, width-1/width/width+1. */
const EDGES: Readonly<Record<number, readonly U64[]>> = Object.fromEntries(
  WIDTHS.map((w) => {
    const m = (1n << BigInt(w)) - 1n;
    const sign = 1n << BigInt(w - 1);
    const xs = [0n, 1n, 2n, m, m - 1n, sign, sign - 1n, sign + 1n, BigInt(w - 1), BigInt(w), BigInt(w + 1)];
    return [w, xs.map((v) => split(v & m))];
  }),
);

/** A 64-bit integer, biased towards edges at a random width, with random or extended upper bits. */
export function edgeU64(rng: Rng): U64 {
  const r = rng.int(10);
  if (r < 3) return [rng.u32(), rng.u32()];
  if (r < 4) {
    const v = rng.int(64) - 8;
    return [v >>> 0, v < 0 ? 0xffffffff : 0];
  }
  const w = rng.pick(WIDTHS);
  const [lo, hi] = rng.pick(EDGES[w]!);
  if (w === 64) return [lo, hi];
  const up = rng.int(3);
  const neg = ((lo >>> (w - 1)) & 1) === 1;
  const keep = w === 32 ? 0xffffffff : (1 << w) - 1;
  if (up === 1) return [((rng.u32() & ~keep) | lo) >>> 0, rng.u32()];
  if (up === 2 && neg) return [((0xffffffff & ~keep) | lo) >>> 0, 0xffffffff];
  return [lo, hi];
}

export function split(v: bigint): U64 {
  const u = BigInt.asUintN(64, v);
  return [Number(u & 0xffffffffn), Number(u >> 32n)];
}

/** Shift/rotate counts and bit indexes worth trying. */
export function countEdge(rng: Rng): number {
  return rng.chance(0.7)
    ? rng.pick([0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 0x7f, 0x80, 0xff])
    : rng.int(256);
}

/** An immediate of `bits` bits, edge-biased (unsigned pattern). */
export function edgeImm(rng: Rng, bits: number): bigint {
  if (rng.chance(0.3)) return BigInt.asUintN(bits, (BigInt(rng.u32()) << 32n) | BigInt(rng.u32()));
  if (bits === 8 && rng.chance(0.4)) return BigInt(countEdge(rng));
  const [lo, hi] = rng.pick(EDGES[bits]!);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

const F32_SPECIAL = [
  0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x00800000, 0x80800000, 0x3f800000, 0xbf800000, 0x7f7fffff,
  0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0x7fa00000, 0x3f000000, 0x3fc00000,
  0x40200000, 0x4f000000, 0xcf000000, 0x5f000000, 0xdf000000, 0x4effffff,
] as const;
const F64_SPECIAL: readonly U64[] = [
  [0, 0],
  [0, 0x80000000],
  [1, 0],
  [0xffffffff, 0x800fffff],
  [0, 0x00100000],
  [0, 0x3ff00000],
  [0, 0xbff00000],
  [0xffffffff, 0x7fefffff],
  [0, 0x7ff00000],
  [0, 0xfff00000],
  [0, 0x7ff80000],
  [0, 0xfff80000],
  [1, 0x7ff00000],
  [0, 0x7ff40000],
  [0, 0x3fe00000],
  [0, 0x3ff80000],
  [0, 0x40040000],
  [0, 0x41e00000],
  [0, 0xc1e00000],
  [0xffc00000, 0x41dfffff],
  [0, 0x43e00000],
  [0, 0xc3e00000],
  [0, 0x36a00000],
  [0, 0x47f00000],
];

/** Random normal f32 bit pattern with a moderate exponent (so arithmetic is exercised, not only specials). */
function f32Normal(rng: Rng): number {
  const sign = rng.chance(0.5) ? 0x80000000 : 0;
  const exp = 127 + rng.int(40) - 20;
  return (sign | (exp << 23) | (rng.u32() & 0x7fffff)) >>> 0;
}

function f64Normal(rng: Rng): U64 {
  const sign = rng.chance(0.5) ? 0x80000000 : 0;
  const exp = 1023 + rng.int(80) - 40;
  return [rng.u32(), (sign | (exp << 20) | (rng.u32() & 0xfffff)) >>> 0];
}

/** Fills 16 bytes (four u32 words) as f32 lanes, f64 lanes, or integers, edge-biased. */
export function xmmValue(rng: Rng, out: Uint32Array, at: number): void {
  const mode = rng.int(4);
  for (let k = 0; k < 4; k += mode === 1 ? 2 : 1) {
    if (mode === 0) out[at + k] = rng.chance(0.35) ? rng.pick(F32_SPECIAL) : f32Normal(rng);
    else if (mode === 1) {
      const [lo, hi] = rng.chance(0.35) ? rng.pick(F64_SPECIAL) : f64Normal(rng);
      out[at + k] = lo;
      out[at + k + 1] = hi;
    } else if (mode === 2) {
      const [lo, hi] = edgeU64(rng);
      out[at + k] = k % 2 === 0 ? lo : hi;
    } else out[at + k] = rng.u32();
  }
}

/** An 80-bit x87 value: [significand lo, significand hi, sign|exponent]. */
export function x87Value(rng: Rng): [number, number, number] {
  const r = rng.int(12);
  const sign = rng.chance(0.5) ? 0x8000 : 0;
  switch (r) {
    case 0:
      return [0, 0, sign]; // ±0
    case 1:
      return [0, 0x80000000, sign | 0x7fff]; // ±inf
    case 2:
      return [0, 0xc0000000, sign | 0x7fff]; // QNaN
    case 3:
      return [1, 0xa0000000, sign | 0x7fff]; // SNaN
    case 4:
      return [rng.u32(), rng.u32() & 0x7fffffff, sign]; // denormal
    case 5:
      return [0, 0x80000000, sign | 0x3fff]; // ±1
    case 6:
      return [0xffffffff, 0xffffffff, sign | 0x7ffe]; // max
    case 7:
      return [0, 0x80000000 + rng.int(1 << 20) * 0x400, sign | (0x3fff + rng.int(64))]; // integers
    default:
      return [rng.u32(), (rng.u32() | 0x80000000) >>> 0, sign | (0x3fff + rng.int(128) - 64)];
  }
}
