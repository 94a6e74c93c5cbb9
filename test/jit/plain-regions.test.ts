// SPDX-License-Identifier: MIT
// Regions compiled while nothing counts run plain code, without LWP's windows and branch
// bookkeeping (src/hw/jit/jit.ts `Jit.counting`); the first time the CPU counts, they are
// dropped and their blocks compiled again. A loop hot before LLWPCB and run again after it
// must give the records the specification gives (§4.1 event 3, §7.2), in every tier.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setDefaultTiers } from "../../src/hw/cpu/cpu.js";
import { JIT_TOTALS } from "../../src/hw/jit/jit.js";
import { bench, labelAddress, LWPCB, RDI, records, run, writeLwpcb } from "../lwp/helpers.js";
import type { LwpRecord } from "../../src/hw/lwp/record.js";

/** The same loop run 20,000 times with LWP off, then 1,000 times with event 3 counting every 100th branch. */
const TWICE = [
  "mov ecx, 20000",
  "call F",
  "llwpcb rdi",
  "mov ecx, 1000",
  "call F",
  "ud2",
  "F:",
  "L: add eax, 1",
  " dec ecx",
  "J: jnz L",
  " ret",
].join("\n");

function recordsIn(tier: 1 | 3, forced: boolean): { records: LwpRecord[]; regions: number } {
  setDefaultTiers({ tier, forced });
  try {
    const regionsBefore = JIT_TOTALS.regions;
    const b = bench({ model: "fam15h" });
    writeLwpcb(b, { flags: 0x8, intervals: { 3: 99 } });
    run(b, TWICE, { [RDI]: LWPCB });
    return { records: records(b), regions: JIT_TOTALS.regions - regionsBefore };
  } finally {
    setDefaultTiers({ tier: 3, forced: false });
  }
}

test("a loop compiled plain before LLWPCB counts event 3 exactly after it, as the interpreter does", () => {
  const oracle = recordsIn(1, true);
  // After LLWPCB: CALL, then 1,000 JNZ, then RET: 1,002 branches, a record at each 100th.
  assert.equal(oracle.records.length, 10);
  const j = labelAddress(TWICE, "J");
  assert.ok(oracle.records.every((r) => r.eventId === 3 && Number(r.ip) === j));
  for (const [tier, forced] of [
    [3, true],
    [3, false],
  ] as const) {
    const got = recordsIn(tier, forced);
    assert.ok(got.regions > 0, `tier ${tier}${forced ? " forced" : ""} compiled the loop`);
    assert.deepEqual(got.records, oracle.records, `tier ${tier}${forced ? " forced" : ""}`);
  }
});
