// SPDX-License-Identifier: MIT
// REP MOVS and REP STOS compiled as a loop of single moves (src/hw/jit/ops/string.ts) up
// to REP_INLINE elements, through the interpreter's closure past it. Forced tier 3 must
// leave what tier 1 leaves: memory, RCX, RSI, RDI and RIP, with DF either way, counts
// of 0, overlapping copies, and a fault partway (an unmapped page), where RCX, RSI and
// RDI stop at the element that faulted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { JIT_TOTALS } from "../../src/hw/jit/jit.js";
import { REP_INLINE } from "../../src/hw/jit/ops/string.js";
import { CODE, DATA, withCodeCpu } from "../helpers/code-cpu.js";

const PAGES = 2; // the page after them is unmapped
const RCX = 1,
  RSI = 6,
  RDI = 7;
const DATA_BYTES = Uint8Array.from({ length: PAGES * 4096 }, (_, k) => (k * 7 + (k >> 8)) & 0xff);

/** Runs `code` then UD2; the exit, RCX, RSI, RDI, RIP and an FNV-1a hash of the data pages. */
function run(tier: 1 | 3, code: number[], regs: Record<number, number>, df: boolean): string {
  return withCodeCpu(tier, code, PAGES, DATA_BYTES, (c, mem) => {
    c.setReg64(0, 0x1122334455667788n);
    for (const [r, v] of Object.entries(regs)) c.setReg(Number(r), v);
    c.f.rflags = 0x202 | (df ? 0x400 : 0);
    const x = c.run(1000);
    let h = 0x811c9dc5;
    for (const b of mem.peek(DATA, PAGES * 4096)) h = Math.imul(h ^ b, 0x01000193);
    const kind = x.kind === "fault" ? `fault ${x.vector} ${x.address.toString(16)}` : x.kind;
    const hex = (r: number): string => c.getReg(r).toString(16);
    return [kind, hex(RCX), hex(RSI), hex(RDI), (c.rip - CODE).toString(16), (h >>> 0).toString(16)].join(" ");
  });
}

const FORMS: [string, number[], number][] = [
  ["rep movsb", [0xf3, 0xa4], 1],
  ["rep movsw", [0x66, 0xf3, 0xa5], 2],
  ["rep movsd", [0xf3, 0xa5], 4],
  ["rep movsq", [0xf3, 0x48, 0xa5], 8],
  ["rep stosb", [0xf3, 0xaa], 1],
  ["rep stosw", [0x66, 0xf3, 0xab], 2],
  ["rep stosd", [0xf3, 0xab], 4],
  ["rep stosq", [0xf3, 0x48, 0xab], 8],
];

test("REP MOVS and REP STOS leave in tier 3 what they leave in tier 1, faults included", () => {
  let faults = 0,
    cases = 0;
  for (const [name, code, k] of FORMS) {
    for (const count of [0, 1, 5, REP_INLINE, REP_INLINE + 1, 300]) {
      for (const df of [false, true]) {
        // [RSI, RDI]: apart; overlapping forward and backward; the copy running into the unmapped page.
        const places: [number, number][] = [
          [DATA + 16, DATA + 4096 + 24],
          [DATA + 100, DATA + 100 + k],
          [DATA + 100 + 3 * k, DATA + 100],
          df ? [DATA + 8, DATA + 40] : [DATA + 16, DATA + PAGES * 4096 - 5 * k],
          df ? [DATA + 4096, DATA + 2 * k] : [DATA + PAGES * 4096 - 3 * k, DATA + 64],
        ];
        for (const [si, di] of places) {
          const regs = { [RCX]: count, [RSI]: si, [RDI]: di };
          const t1 = run(1, code, regs, df);
          if (t1.startsWith("fault")) faults++;
          cases++;
          assert.equal(run(3, code, regs, df), t1, `${name} rcx=${count} df=${df} rsi=${si} rdi=${di}`);
        }
      }
    }
  }
  assert.ok(faults >= 20, `${faults} of ${cases} cases fault partway`);
});

test("a region copies REP_INLINE elements or fewer without a helper", () => {
  const before = JIT_TOTALS.helperCalls;
  // rep movsq; rep stosb: 8 quadwords copied, then 8 bytes filled.
  const code = [0xf3, 0x48, 0xa5, 0xb9, 8, 0, 0, 0, 0xf3, 0xaa];
  const regs = { [RCX]: 8, [RSI]: DATA, [RDI]: DATA + 4096 };
  const out = run(3, code, regs, false);
  assert.equal(run(1, code, regs, false), out);
  assert.equal(JIT_TOTALS.helperCalls - before, 1, "one call: the closing UD2's");
  run(3, code, { ...regs, [RCX]: REP_INLINE + 1 }, false);
  assert.equal(JIT_TOTALS.helperCalls - before, 3, "a longer copy goes through the closure (and the UD2)");
});
