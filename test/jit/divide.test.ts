// SPDX-License-Identifier: MIT
// DIV and IDIV compiled inline (src/hw/jit/ops/muldiv.ts) for the divisions one i64
// division answers, and through the interpreter's closure for the others (a 128-bit
// dividend, a divisor of 0 or −1, a quotient that overflows: #DE). Forced tier 3 must
// leave what tier 1 leaves, registers, flags and faults alike (tier 1 is checked against
// the host by the differential suite, `npm run test:diff -- --only DIV,IDIV`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { JIT_TOTALS } from "../../src/hw/jit/jit.js";
import { CODE, DATA, withCodeCpu } from "../helpers/code-cpu.js";

const RAX = 0,
  RCX = 1,
  RDX = 2,
  RSI = 6;

/** Runs `code` then UD2 from the given registers and arithmetic flags; the exit, RAX, RDX, RIP and flags. */
function run(tier: 1 | 3, code: number[], regs: Record<number, bigint>, flags: number): string {
  const divisor = new Uint8Array(new BigUint64Array([BigInt.asUintN(64, regs[RCX] ?? 0n)]).buffer);
  return withCodeCpu(tier, code, 1, divisor, (c) => {
    for (const [r, v] of Object.entries(regs)) c.setReg64(Number(r), BigInt.asUintN(64, v));
    c.f.rflags = 0x202 | flags;
    const x = c.run(1000);
    const kind = x.kind === "fault" ? `fault ${x.vector}` : x.kind;
    return [
      kind,
      c.getReg64(RAX),
      c.getReg64(RDX),
      (c.rip - CODE).toString(16),
      (c.f.rflags & 0x8d5).toString(16),
    ].join(" ");
  });
}

const M64 = (1n << 64n) - 1n;
const CASES: [string, number[]][] = [
  ["div ecx", [0xf7, 0xf1]],
  ["idiv ecx", [0xf7, 0xf9]],
  ["div rcx", [0x48, 0xf7, 0xf1]],
  ["idiv rcx", [0x48, 0xf7, 0xf9]],
  ["div dword [rsi]", [0xf7, 0x36]],
  ["idiv qword [rsi]", [0x48, 0xf7, 0x3e]],
];
// [RDX, RAX, divisor]: quotients that fit, negative operands, 128-bit dividends, 0, −1, overflow.
const OPERANDS: [bigint, bigint, bigint][] = [
  [0n, 1000n, 7n],
  [0n, 0xffff_ffffn, 0x10n],
  [5n, 0x1234_5678n, 0x100n],
  [0x1_0000_0005n, 0x9_8765_4321n, 0x1234_5679n],
  [M64, -1000n, 7n],
  [M64, -1000n, -7n],
  [0n, 1000n, -7n],
  [0n, 0x8000_0000n, -1n],
  [M64, 0x8000_0000_0000_0000n, -1n],
  [M64, -0x8000_0000n, -1n],
  [0n, 12345n, 0n],
  [3n, 0n, 3n],
  [1n, 0n, 0x8000_0000_0000_0000n],
  [0x7fff_ffffn, 0xffff_ffffn, 0x8000_0000n],
  [0n, 0x7fff_ffff_ffff_ffffn, 0x1_0000_0000n],
];

test("DIV and IDIV of 32 and 64 bits leave in tier 3 what they leave in tier 1, faults included", () => {
  let faults = 0;
  for (const [name, code] of CASES) {
    for (const [rdx, rax, d] of OPERANDS) {
      for (const flags of [0, 0x8d5]) {
        const regs = { [RDX]: rdx, [RAX]: rax, [RCX]: d, [RSI]: BigInt(DATA) };
        const t1 = run(1, code, regs, flags);
        if (t1.startsWith("fault 0 ")) faults++;
        assert.equal(run(3, code, regs, flags), t1, `${name} rdx=${rdx} rax=${rax} d=${d} flags=${flags}`);
      }
    }
  }
  assert.ok(faults >= 20, `${faults} cases raise #DE`);
});

test("a region divides inline: the divisions one i64 division answers call no helper", () => {
  const before = JIT_TOTALS.helperCalls;
  // div rcx; div ecx; cqo; idiv rcx; cdq; idiv ecx: 1000 → 142 r 6 → 3681400559 r 5 → 525914365 r 4 → 75130623 r 4.
  const chain = [0x48, 0xf7, 0xf1, 0xf7, 0xf1, 0x48, 0x99, 0x48, 0xf7, 0xf9, 0x99, 0xf7, 0xf9];
  const out = run(3, chain, { [RDX]: 0n, [RAX]: 1000n, [RCX]: 7n }, 0);
  assert.match(out, /^ud 75130623 4 d /);
  assert.equal(run(1, chain, { [RDX]: 0n, [RAX]: 1000n, [RCX]: 7n }, 0), out);
  assert.equal(JIT_TOTALS.helperCalls - before, 1, "one call: the closing UD2's");
  run(3, [0x48, 0xf7, 0xf1], { [RDX]: 1n, [RAX]: 1000n, [RCX]: 7n }, 0);
  assert.equal(JIT_TOTALS.helperCalls - before, 3, "a 128-bit dividend goes through the closure (and the UD2)");
});
