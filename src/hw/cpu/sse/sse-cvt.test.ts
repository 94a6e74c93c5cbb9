// SPDX-License-Identifier: MIT
// SSE/SSE2 conversions against the host CPU: float↔float, float→int (rounded and
// truncated, 32/64-bit, out-of-range "integer indefinite"), int→float, packed and
// MMX forms, over edge values in all rounding modes with DAZ/FTZ.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type Case, check } from "./oracle.test-helper.js";
import { type Lanes, lanes32, lanes64, lanesInt, makeCase, Rng } from "./gen.test-helper.js";

const FORMS: [string, Lanes][] = [
  ["cvtss2sd xmm0, xmm1", lanes32],
  ["cvtss2sd xmm0, [rbx+4]", lanes32],
  ["cvtsd2ss xmm1, xmm2", lanes64],
  ["cvtsd2ss xmm1, [rbx+8]", lanes64],
  ["cvtps2pd xmm2, xmm3", lanes32],
  ["cvtps2pd xmm2, [rbx+8]", lanes32],
  ["cvtpd2ps xmm3, xmm4", lanes64],
  ["cvtpd2ps xmm3, [rbx+16]", lanes64],
  ["cvtdq2ps xmm0, xmm5", lanesInt],
  ["cvtdq2ps xmm0, [rbx]", lanesInt],
  ["cvtdq2pd xmm1, xmm5", lanesInt],
  ["cvtps2dq xmm2, xmm1", lanes32],
  ["cvttps2dq xmm2, xmm1", lanes32],
  ["cvtps2dq xmm2, [rbx+16]", lanes32],
  ["cvtpd2dq xmm3, xmm0", lanes64],
  ["cvttpd2dq xmm3, xmm0", lanes64],
  ["cvttpd2dq xmm3, [rbx+32]", lanes64],
  ["cvtss2si eax, xmm1", lanes32],
  ["cvtss2si rax, xmm1", lanes32],
  ["cvttss2si ecx, xmm2", lanes32],
  ["cvttss2si rcx, [rbx+4]", lanes32],
  ["cvtsd2si eax, xmm1", lanes64],
  ["cvtsd2si r9, xmm1", lanes64],
  ["cvttsd2si edx, xmm3", lanes64],
  ["cvttsd2si rdx, [rbx+8]", lanes64],
  ["cvtsi2ss xmm1, eax", lanesInt],
  ["cvtsi2ss xmm1, rax", lanesInt],
  ["cvtsi2ss xmm2, dword ptr [rbx+4]", lanesInt],
  ["cvtsi2sd xmm1, ecx", lanesInt],
  ["cvtsi2sd xmm1, rcx", lanesInt],
  ["cvtsi2sd xmm3, qword ptr [rbx+8]", lanesInt],
  ["cvtsi2ss xmm4, r10", lanesInt],
  ["cvtsi2sd xmm5, r11", lanesInt],
  ["cvtpi2ps xmm1, mm2", lanesInt],
  ["cvtpi2ps xmm1, [rbx+8]", lanesInt],
  ["cvtpi2pd xmm1, mm3", lanesInt],
  ["cvtps2pi mm1, xmm2", lanes32],
  ["cvttps2pi mm1, [rbx+8]", lanes32],
  ["cvtpd2pi mm4, xmm2", lanes64],
  ["cvttpd2pi mm4, [rbx+16]", lanes64],
];

/** Integer registers that are sometimes small, sometimes huge (exercises 64-bit rounding). */
function intRegs(r: Rng, c: Case): Case {
  const v = new DataView(c.gpr.buffer);
  for (let k = 0; k < 16; k++) {
    const kind = r.int(4);
    if (kind === 0) {
      v.setInt32(8 * k, r.int(2000) - 1000, true);
      v.setInt32(8 * k + 4, r.int(2) ? -1 : 0, true);
    }
    if (kind === 1) v.setUint32(8 * k + 4, r.int(2) ? 0x80000000 : 0x7fffffff, true);
  }
  return c;
}

test("SSE conversions match the host", () => {
  const r = new Rng(99);
  const out: Case[] = [];
  for (const [asm, gen] of FORMS) for (let k = 0; k < 60; k++) out.push(intRegs(r, makeCase(r, asm, gen)));
  assert.deepEqual(check(out), []);
});
