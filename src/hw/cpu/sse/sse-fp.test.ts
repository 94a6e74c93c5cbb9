// SPDX-License-Identifier: MIT
// SSE/SSE2 floating-point arithmetic against the host CPU: every op in register and
// memory forms over edge values (±0, denormals, min/max, ±Inf, QNaN/SNaN payloads),
// all rounding modes, DAZ/FTZ and unmasked exceptions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type Case, check } from "./oracle.test-helper.js";
import { lanes32, lanes64, makeCase, Rng } from "./gen.test-helper.js";

const OPS = ["add", "sub", "mul", "div", "min", "max", "sqrt"];

function cases(seed: number, per: number): Case[] {
  const r = new Rng(seed);
  const out: Case[] = [];
  for (const op of OPS) {
    for (const [suf, gen, bytes] of [
      ["ps", lanes32, 16],
      ["ss", lanes32, 4],
      ["pd", lanes64, 16],
      ["sd", lanes64, 8],
    ] as const) {
      for (let k = 0; k < per; k++) {
        const mem = k % 4 === 3;
        const off = mem ? (bytes === 16 ? (k % 32 === 7 ? 8 : 16) : 8) : 0;
        out.push(
          makeCase(r, mem ? `${op}${suf} xmm2, [rbx+${off}]` : `${op}${suf} xmm${k % 3}, xmm${3 + (k % 5)}`, gen),
        );
      }
    }
  }
  return out;
}

test("SSE arithmetic matches the host (ps/ss/pd/sd, all modes)", () => {
  const fails = check(cases(0x1234567, 60));
  assert.deepEqual(fails, []);
});

test("SSE compares match the host (CMPccPS/SS/PD/SD, (U)COMISS/SD)", () => {
  const r = new Rng(777);
  const out: Case[] = [];
  for (let k = 0; k < 400; k++) {
    const p = k & 7;
    const dbl = (k >> 3) % 2 === 1;
    const gen = dbl ? lanes64 : lanes32;
    out.push(makeCase(r, `cmp${dbl ? (k % 3 ? "pd" : "sd") : k % 3 ? "ps" : "ss"} xmm0, xmm1, ${p}`, gen));
    out.push(makeCase(r, `${k % 2 ? "u" : ""}comis${dbl ? "d" : "s"} xmm${k % 4}, xmm${4 + (k % 3)}`, gen));
  }
  assert.deepEqual(check(out), []);
});

test("SSE logic, shuffles and unpacks match the host", () => {
  const r = new Rng(4242);
  const ops = [
    "andps",
    "andnps",
    "orps",
    "xorps",
    "andpd",
    "andnpd",
    "orpd",
    "xorpd",
    "unpcklps",
    "unpckhps",
    "unpcklpd",
    "unpckhpd",
  ];
  const out: Case[] = [];
  for (const op of ops) {
    for (let k = 0; k < 8; k++) out.push(makeCase(r, `${op} xmm${k % 4}, ${k % 2 ? "[rbx+16]" : "xmm5"}`, lanes32));
  }
  for (let k = 0; k < 40; k++) {
    out.push(
      makeCase(r, `shufps xmm1, xmm${k % 3}, ${r.int(256)}`, lanes32),
      makeCase(r, `shufpd xmm1, [rbx], ${r.int(4)}`, lanes64),
    );
  }
  assert.deepEqual(check(out), []);
});

test("RCPPS/RCPSS/RSQRTPS/RSQRTSS match the host's tables (all classes, any MXCSR)", () => {
  const r = new Rng(9001);
  const out: Case[] = [];
  for (const op of ["rcpps", "rcpss", "rsqrtps", "rsqrtss"]) {
    for (let k = 0; k < 150; k++) {
      out.push(makeCase(r, `${op} xmm${k % 4}, ${k % 3 ? `xmm${4 + (k % 5)}` : "[rbx+16]"}`, lanes32));
    }
  }
  assert.deepEqual(check(out), []);
});
