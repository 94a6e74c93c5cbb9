// SPDX-License-Identifier: MIT
// Arbitrary-precision fixed-point kernels for the x87 transcendental
// instructions and constants (AMD APM Vol. 1 §6.5.6): values are BigInts
// scaled by 2^P; series are summed until the terms vanish at that scale.
import { bitLen } from "./float80.js";
import { isqrt } from "./arith.js";

/** floor(sig · 2^(e2 + P)). */
export function fixed(sig: bigint, e2: number, P: number): bigint {
  const s = e2 + P;
  return s >= 0 ? sig << BigInt(s) : sig >> BigInt(-s);
}

/** Product at scale 2^P, truncated toward zero (so alternating series terms reach 0). */
export function mul(a: bigint, b: bigint, P: number): bigint {
  const p = a * b;
  return p >= 0n ? p >> BigInt(P) : -(-p >> BigInt(P));
}

export function div(a: bigint, b: bigint, P: number): bigint {
  return (a << BigInt(P)) / b;
}

/** atan(1/n) scaled by 2^P (Machin's formula helper). */
function atanInv(n: bigint, P: number): bigint {
  const one = 1n << BigInt(P);
  let pow = one / n,
    sum = pow,
    k = 1n;
  const n2 = n * n;
  for (;;) {
    pow /= n2;
    if (pow === 0n) return sum;
    const t = pow / (2n * k + 1n);
    sum += (k & 1n) !== 0n ? -t : t;
    k++;
  }
}

const PI_BITS = 1200;
/** π to PI_BITS + 16 bits, computed on first use (not by every start-up). */
let piBig: bigint | null = null;

/** π scaled by 2^P (P ≤ 1200). */
export function pi(P: number): bigint {
  const big = (piBig ??= 16n * atanInv(5n, PI_BITS + 16) - 4n * atanInv(239n, PI_BITS + 16));
  const sh = PI_BITS + 16 - P;
  return sh >= 0 ? big >> BigInt(sh) : big << BigInt(-sh);
}

/** atanh(t) for |t| ≤ 1/5, scaled. */
function atanh(t: bigint, P: number): bigint {
  const t2 = mul(t, t, P);
  let pow = t,
    sum = t;
  for (let k = 3n; ; k += 2n) {
    pow = mul(pow, t2, P);
    if (pow === 0n) return sum;
    sum += pow / k;
  }
}

const LN2_CACHE = new Map<number, bigint>();

/** ln 2 scaled by 2^P. */
export function ln2(P: number): bigint {
  let v = LN2_CACHE.get(P);
  if (v === undefined) {
    // ln 2 = 2·atanh(1/3)
    const one = 1n << BigInt(P + 8);
    v = (2n * atanh(one / 3n, P + 8)) >> 8n;
    if (LN2_CACHE.size > 64) LN2_CACHE.clear();
    LN2_CACHE.set(P, v);
  }
  return v;
}

/** ln(sig·2^e2) scaled by 2^P (sig > 0). */
export function ln(sig: bigint, e2: number, P: number): bigint {
  const n = bitLen(sig);
  let k = e2 + n - 1;
  const one = 1n << BigInt(P);
  let m = fixed(sig, 1 - n, P + 2) >> 2n; // in [1, 2)
  if (m * 10000n > one * 14142n) {
    m = fixed(sig, -n, P);
    k += 1;
  }
  const t = div(m - one, m + one, P);
  return 2n * atanh(t, P) + BigInt(k) * ln2(P);
}

/** ln(1 + x) for x = ±sig·2^e2, |x| < 1, scaled by 2^P. */
export function ln1p(sign: number, sig: bigint, e2: number, P: number): bigint {
  const one = 1n << BigInt(P);
  const x = sign !== 0 ? -fixed(sig, e2, P) : fixed(sig, e2, P);
  if (x > one / 4n || x < -one / 4n) return ln(one + x, -P, P);
  return 2n * atanh(div(x, 2n * one + x, P), P);
}

/** e^y − 1 for a fixed-point y with |y| ≤ 1. */
export function expm1(y: bigint, P: number): bigint {
  let term = y,
    sum = y;
  for (let k = 2n; ; k++) {
    term = mul(term, y, P) / k;
    if (term === 0n) return sum;
    sum += term;
  }
}

/** atan(t) for 0 ≤ t ≤ 1 (fixed point), after two half-angle reductions. */
export function atan(t: bigint, P: number): bigint {
  const one = 1n << BigInt(P);
  for (let r = 0; r < 2; r++) t = div(t, one + isqrt(one * one + t * t), P);
  const t2 = mul(t, t, P);
  let pow = t,
    sum = t;
  for (let k = 3n; ; k += 2n) {
    pow = mul(pow, t2, P);
    if (pow === 0n) return sum * 4n;
    const term = pow / k;
    sum += (k & 2n) !== 0n ? -term : term;
  }
}

/** sin and cos of a fixed-point r with |r| ≤ π/4. */
export function sincos(r: bigint, P: number): [bigint, bigint] {
  const one = 1n << BigInt(P);
  const r2 = mul(r, r, P);
  let s = r,
    st = r;
  for (let k = 2n; ; k += 2n) {
    st = -mul(st, r2, P) / (k * (k + 1n));
    if (st === 0n) break;
    s += st;
  }
  let c = one,
    ct = one;
  for (let k = 1n; ; k += 2n) {
    ct = -mul(ct, r2, P) / (k * (k + 1n));
    if (ct === 0n) break;
    c += ct;
  }
  return [s, c];
}
