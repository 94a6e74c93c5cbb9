// SPDX-License-Identifier: MIT
// LWP spec §7.2 with RFLAGS.TF or RFLAGS.AC set: the CPU then runs one instruction
// at a time (src/hw/cpu/step.ts), and LWP still counts every retired instruction
// and branch, so the records are those of the same code run without the flag.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Exit } from "../../src/hw/cpu/exits.js";
import { VEC_DB } from "../../src/hw/cpu/exits.js";
import { DB_SINGLE_STEP } from "../../src/hw/cpu/step.js";
import { type Bench, bench, loadCode, records, writeLwpcb, LWPCB, RDI } from "./helpers.js";

/** Sets RFLAGS bits `or` (0: none, same length), enables LWP, then 3001 instructions of which 1000 branches. */
function program(or: number): string {
  return `mov edx, ${or}\n pushfq\n or dword ptr [rsp], edx\n popfq\n llwpcb rdi\n mov ecx, 1000\nL: add eax, 1\n dec ecx\nJ: jnz L\n ud2`;
}

/** Runs to the ud2, resuming after each single-step trap; returns the number of traps. */
function runToEnd(b: Bench): number {
  let steps = 0;
  for (;;) {
    const x: Exit = b.c.run(50_000_000);
    if (x.kind === "fault" && x.vector === VEC_DB && x.code === DB_SINGLE_STEP) {
      steps++;
      continue;
    }
    assert.equal(x.kind, "ud");
    return steps;
  }
}

function recordsWith(or: number, flags: number, intervals: Record<number, number>): { r: string[]; steps: number } {
  const b = bench();
  writeLwpcb(b, { flags, size: 65536, intervals });
  loadCode(b, program(or), { [RDI]: LWPCB });
  const steps = runToEnd(b);
  const r = records(b, 0, 65536).map((x) => `${x.eventId} ${x.ip.toString(16)} ${x.flags} ${x.data2.toString(16)}`);
  return { r, steps };
}

for (const [name, or] of [
  ["AC (alignment checks)", 0x40000],
  ["TF (single step)", 0x100],
] as const) {
  test(`§7.2 events 2 and 3 count the instructions run one at a time while ${name} is set`, () => {
    for (const [flags, intervals] of [
      [0x4, { 2: 15 }],
      [0x4, { 2: 99 }],
      [0x8, { 3: 15 }],
      [0xc, { 2: 16, 3: 20 }],
    ] as const) {
      const plain = recordsWith(0, flags, intervals);
      const stepped = recordsWith(or, flags, intervals);
      assert.equal(plain.steps, 0);
      // TF: a trap after each instruction from the one after POPF to the last before UD2.
      assert.equal(stepped.steps, or === 0x100 ? 3002 : 0);
      const expected =
        (flags & 4 ? Math.floor(3001 / (intervals[2 as keyof typeof intervals]! + 1)) : 0) +
        (flags & 8 ? Math.floor(1000 / (intervals[3 as keyof typeof intervals]! + 1)) : 0);
      assert.equal(plain.r.length, expected, `flags ${flags}`);
      assert.deepEqual(stepped.r, plain.r, `flags ${flags}`);
    }
  });
}
