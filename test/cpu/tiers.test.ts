// SPDX-License-Identifier: MIT
// The compiled-block tier (src/hw/cpu/translate/compile.ts) runs a hot block's ops
// as one function: faults inside it must stop at the same instruction, with the
// same retired count and registers, as the interpreter loop (docs/architecture.md
// "Tier 2": precise faults). Loops run well past COMPILE_THRESHOLD before they fault.
import { test } from "node:test";
import assert from "node:assert/strict";
import { COMPILE_THRESHOLD } from "../../src/hw/cpu/translate/compile.js";
import { bench, run, CODE, DATA, RBX, RCX, RDX, SELF_MODIFYING_LOOP } from "../lwp/helpers.js";

const STRIDE = 16;
const STEPS = 0x100000 / STRIDE; // the bench maps 1 MiB at DATA: the store faults after STEPS iterations

for (const [where, text, before, faultAt] of [
  ["first", `L: mov [rbx], eax\n add rbx, ${STRIDE}\n inc rdx\n dec ecx\n jnz L\n ud2`, 0, CODE],
  ["second", `L: inc rdx\n mov [rbx], eax\n add rbx, ${STRIDE}\n dec ecx\n jnz L\n ud2`, 1, CODE + 3],
] as const) {
  test(`a compiled block faults precisely at its ${where} instruction`, () => {
    assert.ok(STEPS > 2 * COMPILE_THRESHOLD, "the block is compiled long before the fault");
    const b = bench();
    const x = run(b, text, { [RBX]: DATA, [RCX]: 100000, [RDX]: 0 });
    assert.equal(x.kind, "fault");
    assert.equal(x.kind === "fault" ? x.address : 0, DATA + 0x100000);
    assert.equal(b.c.rip, faultAt);
    assert.equal(b.c.retired(), STEPS * 5 + before, "every instruction before the store retired, not the store");
    assert.equal(b.c.getReg(RDX), STEPS + before);
    assert.equal(b.c.getReg(RCX), 100000 - STEPS);
  });
}

test("a loop gives the same results below and above the compile threshold", () => {
  const loop = "L: add eax, ecx\n imul eax, eax, 3\n dec ecx\n jnz L\n ud2";
  for (const n of [COMPILE_THRESHOLD - 1, COMPILE_THRESHOLD + 1, 3 * COMPILE_THRESHOLD]) {
    const b = bench();
    run(b, loop, { 0: 1, [RCX]: n });
    let eax = 1;
    for (let i = n; i > 0; i--) eax = Math.imul((eax + i) | 0, 3);
    assert.equal(b.c.getReg(0), eax >>> 0, `${n} iterations`);
    assert.equal(b.c.retired(), 4 * n, "UD2 faults without retiring");
  }
});

test("self-modifying code: a store into a (compiled) block's bytes retranslates it", () => {
  for (const n of [10, 3 * COMPILE_THRESHOLD]) {
    const b = bench();
    run(b, SELF_MODIFYING_LOOP, { [RBX]: n });
    assert.equal(b.c.getReg(RDX), n * 1 + n * 2, `${n} iterations per pass`);
  }
});
