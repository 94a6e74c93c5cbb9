// SPDX-License-Identifier: MIT
// An instruction a region runs through its closure (a helper) and that faults part way:
// REPNE SCASD / REPE CMPSB running into an unmapped page fault with RCX, RDI and RFLAGS
// of the last whole iteration. Forced tier 3 must leave the state tier 1 leaves (tier 1
// is checked against the host by the differential suite, `npm run test:diff`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { DATA, withCodeCpu } from "../helpers/code-cpu.js";

const RCX = 1,
  RSI = 6,
  RDI = 7;
/** Words of the data page: the low byte of each its offset, then 1, 2, 3. */
const DATA_BYTES = Uint8Array.from({ length: 4096 }, (_, k) => (k % 4 === 0 ? k & 0xff : k % 4));

function run(tier: 1 | 3, code: number[], regs: Record<number, number>, flags: number): string {
  return withCodeCpu(tier, code, 1, DATA_BYTES, (c) => {
    for (const [r, v] of Object.entries(regs)) c.setReg(Number(r), v);
    c.f.rflags = flags;
    const x = c.run(1000);
    const out = [x.kind, c.getReg(0), c.getReg(RCX), c.getReg(RSI), c.getReg(RDI), (c.f.rflags & 0x8d5).toString(16)];
    return out.join(" ");
  });
}

test("a REP string instruction that faults part way leaves the same state in tier 3 as in tier 1", () => {
  const cases: [string, number[], Record<number, number>, number][] = [
    ["repne scasd", [0xf2, 0xaf], { 0: 0x7777, [RCX]: 5000, [RDI]: DATA + 4096 - 48 }, 0xa42],
    ["repe cmpsb", [0xf3, 0xa6], { [RCX]: 5000, [RSI]: DATA + 4000, [RDI]: DATA + 4000 }, 0x817],
    ["repne scasb", [0xf2, 0xae], { 0: 0xee, [RCX]: 500, [RDI]: DATA + 4096 - 200 }, 0x8c3],
  ];
  for (const [name, code, regs, flags] of cases) {
    const t1 = run(1, code, regs, flags);
    assert.match(t1, /^fault /, `${name}: tier 1 must fault (${t1})`);
    assert.equal(run(3, code, regs, flags), t1, name);
  }
});

test("66h MOVSXD r16 reads a whole doubleword in tier 3 as in tier 1 (it faults at a page's last word)", () => {
  const movsxd = [0x66, 0x63, 0x07]; // movsxd ax, [rdi]
  const atEnd = { 0: 0x1234_5678, [RDI]: DATA + 4094 },
    inside = { 0: 0x1234_5678, [RDI]: DATA + 4092 };
  const t1 = run(1, movsxd, atEnd, 0x202);
  assert.match(t1, /^fault 305419896 /, `tier 1 faults before writing AX (${t1})`);
  assert.equal(run(3, movsxd, atEnd, 0x202), t1);
  const loaded = run(1, movsxd, inside, 0x202);
  assert.match(loaded, /^\S+ 305398268 /, `AX = the word at [rdi] (${loaded})`); // 0x1234_01fc: bytes fc 01
  assert.equal(run(3, movsxd, inside, 0x202), loaded);
});
