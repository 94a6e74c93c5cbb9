// SPDX-License-Identifier: MIT
// The translated code's generic flags evaluator (src/hw/jit/runtime-module.ts) against
// the interpreter's lazy flags (src/hw/cpu/flags.ts), which the differential tests
// check against the host CPU: every kind and size, random and corner operands.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Flags, K_EAGER, K_RESULT } from "../../src/hw/cpu/flags.js";
import { runtimeExports } from "../../src/hw/jit/runtime-module.js";

const CORNERS = [0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, -0x80000000, 0x10, 0x0f];

function rand(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x | 0;
  };
}

test("generic flags evaluator equals the interpreter's lazy flags for every kind and size", () => {
  // The regions' call signature (gateway.ts CALL_PARAMS): kind, size, -, aux, a, b, r, - → i64.
  const call = runtimeExports(new WebAssembly.Memory({ initial: 1 }), 1, false).flagBits as (
    k: number,
    s: number,
    unused: number,
    aux: number,
    a: bigint,
    b: bigint,
    r: bigint,
    unused2: number,
  ) => bigint;
  const flagBits = (k: number, s: number, a: bigint, b: bigint, r: bigint, aux: number): number =>
    Number(call(k, s, 0, aux, a, b, r, 0));
  const next = rand(12345);
  const pick = (): number => ((next() & 3) === 0 ? CORNERS[(next() >>> 0) % CORNERS.length]! : next());
  const i64 = (lo: number, hi: number): bigint => BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo >>> 0));
  let checked = 0;
  for (let kind = K_EAGER; kind <= K_RESULT; kind++) {
    for (const sz of [8, 16, 32, 64]) {
      for (let n = 0; n < 3000; n++) {
        const f = new Flags();
        const [a, ah, b, bh, r, rh] = [
          pick(),
          sz === 64 ? pick() : 0,
          pick(),
          sz === 64 ? pick() : 0,
          pick(),
          sz === 64 ? pick() : 0,
        ];
        f.set(kind, sz, a, ah, b, bh, r, rh);
        f.aux = kind === K_RESULT ? pick() & 0x811 : next() & 1;
        if (kind === K_EAGER) f.r = r & 0x8d5;
        const want = f.arith();
        const got = flagBits(kind, sz, i64(a, ah), i64(b, bh), i64(kind === K_EAGER ? r & 0x8d5 : r, rh), f.aux);
        assert.equal(got, want, `kind ${kind} size ${sz} a ${a}/${ah} b ${b}/${bh} r ${r}/${rh} aux ${f.aux}`);
        checked++;
      }
    }
  }
  assert.equal(checked, 10 * 4 * 3000);
});
