// SPDX-License-Identifier: MIT
// Optimized regions (src/hw/jit/optimize.ts): a region that ran long enough is compiled
// again, alone in a module V8 may optimize, and runs on from the same table slot. The
// copy must run as the interpreter does: the same registers and retired counts, a
// fault at the same instruction, self-modifying code seen, whatever region the run
// entered or left by.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { setDefaultTiers, type TierOptions } from "../../src/hw/cpu/cpu.js";
import { JIT_TOTALS, type Jit } from "../../src/hw/jit/jit.js";
import { OPT_WORK, OPT_WORK_PER_BYTE, optWork } from "../../src/hw/jit/optimize.js";
import { bench, run, DATA, RAX, RBX, RCX, RDX, RSI, SELF_MODIFYING_LOOP } from "../lwp/helpers.js";
import { compileStatic, lwpCli, repoRoot } from "../helpers/build-guests.js";

test("a region is compiled again after OPT_WORK instructions, more for a big one; 0 turns it off", () => {
  assert.equal(optWork(1000, undefined), OPT_WORK, "a small region: OPT_WORK");
  const big = Math.ceil((2 * OPT_WORK) / OPT_WORK_PER_BYTE);
  assert.equal(optWork(big, undefined), big * OPT_WORK_PER_BYTE, "a big one: in proportion to its code");
  assert.equal(optWork(big, 5), 5, "LWP_JIT_OPT=N: N for every region");
  assert.equal(optWork(big, 0), Infinity, "LWP_JIT_OPT=0: never");
});

/** Runs `text` under tiers `t`: the exit, the registers named, the retired count and the regions optimized. */
function under(
  t: TierOptions,
  text: string,
  regs: Record<number, number>,
): { exit: string; rip: number; values: number[]; optimized: number } {
  const before = JIT_TOTALS.optimized;
  setDefaultTiers(t);
  try {
    const b = bench();
    const x = run(b, text, regs);
    const exit = x.kind === "fault" ? `fault at ${x.address.toString(16)}` : x.kind;
    const values = [RAX, RBX, RCX, RDX, RSI].map((r) => b.c.getReg(r));
    return { exit, rip: b.c.rip, values: [...values, b.c.retired()], optimized: JIT_TOTALS.optimized - before };
  } finally {
    setDefaultTiers({ tier: 3, forced: false });
  }
}

const INTERPRETER: TierOptions = { tier: 1, forced: true };
/** Regions from their first runs, each compiled again for V8 after 1,000 instructions through it. */
const OPTIMIZING: TierOptions = { tier: 3, forced: false, start: 0, threshold: 64, hot: 16, opt: 1000 };

const PROGRAMS: [string, string, Record<number, number>][] = [
  [
    // A loop calling a function with a loop of its own, branches inside both (regions of
    // several blocks), flags live across blocks (ADC).
    "nested loops and calls",
    [
      " xor eax, eax",
      " xor edx, edx",
      "O: call F",
      " adc edx, eax",
      " test eax, 1",
      " jz S",
      " xor edx, 0x55",
      "S: dec ebx",
      " jnz O",
      " ud2",
      "F: mov ecx, 50",
      "L: add eax, ecx",
      " test ecx, 3",
      " jnz M",
      " rol eax, 3",
      "M: dec ecx",
      " jnz L",
      " ret",
    ].join("\n"),
    { [RBX]: 4000 },
  ],
  [
    // Stores that run off the end of the mapping: the fault comes from the optimized copy.
    "a store loop that faults",
    ["L: mov [rbx], eax", " add rbx, 16", " inc rdx", " dec ecx", " jnz L", " ud2"].join("\n"),
    { [RBX]: DATA, [RCX]: 1 << 20, [RDX]: 0 },
  ],
  [
    // Rewrites an instruction of the loop between two long passes over it.
    "self-modifying code",
    SELF_MODIFYING_LOOP,
    { [RBX]: 20000 },
  ],
];

for (const [name, text, regs] of PROGRAMS) {
  test(`optimized regions run as the interpreter: ${name}`, () => {
    const ref = under(INTERPRETER, text, regs);
    const opt = under(OPTIMIZING, text, regs);
    assert.ok(opt.optimized > 0, "some region was compiled again");
    assert.deepEqual(opt, { ...ref, optimized: opt.optimized });
  });
}

test("lwp run: a guest's hot loops are optimized (LWP_STATS), and LWP_JIT_OPT=0 turns it off", () => {
  const bin = join(repoRoot(), "build", "tools", "optimize-qsort");
  compileStatic("musl-gcc", join(repoRoot(), "test", "guests", "qsort.c"), bin, ["-O2"]);
  const optimized = (env: Record<string, string>): number => {
    const r = spawnSync(process.execPath, [lwpCli(), "run", "--", bin], {
      env: { ...env, LWP_STATS: "1" },
      encoding: "utf8",
      timeout: 300_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const m = /regions_optimized=(\d+)/.exec(r.stderr);
    assert.ok(m !== null, r.stderr);
    return Number(m[1]);
  };
  assert.ok(optimized({ LWP_JIT_OPT: "1" }) > 0);
  assert.equal(optimized({ LWP_JIT_OPT: "0" }), 0);
});

/** A loop of 200 blocks: more than a region holds, so its regions chain into one another. */
const LONG_LOOP = [
  "O: mov eax, ebx",
  ...Array.from({ length: 100 }, (_, k) => ` test eax, ${1 << (k % 8)}\n jz A${k}\n inc edx\nA${k}: add eax, edx`),
  " dec ebx",
  " jnz O",
  " ud2",
].join("\n");

/** Runs LONG_LOOP under `t`: the work its regions charged (Jit.chargedWork), the instructions retired in regions, the regions compiled and optimized. */
function regionRun(t: TierOptions): { work: number[]; retired: number; optimized: number; regions: number } {
  const retired = JIT_TOTALS.retired,
    optimized = JIT_TOTALS.optimized;
  setDefaultTiers(t);
  try {
    const b = bench();
    assert.equal(run(b, LONG_LOOP, { [RBX]: 3000 }).kind, "ud");
    const jit = (b.c as unknown as { up: { jit: Jit | null } }).up.jit!;
    return {
      work: jit.chargedWork(),
      retired: JIT_TOTALS.retired - retired,
      optimized: JIT_TOTALS.optimized - optimized,
      regions: jit.compiled,
    };
  } finally {
    setDefaultTiers({ tier: 3, forced: false });
  }
}

const COUNTING: TierOptions = { tier: 3, forced: false, start: 0, threshold: 64, hot: 16, opt: 2 ** 40 };

test("each region's work counter holds the instructions run in it, however runs enter, chain and leave", () => {
  // Budgets too large to reach: the counters only count. The run loop enters the ring of
  // regions a few times; the counters together hold what the regions retired.
  const r = regionRun(COUNTING);
  assert.ok(r.regions > 2, `regions: ${r.regions}`);
  assert.ok(r.retired > 1_000_000, `retired in regions: ${r.retired}`);
  assert.equal(
    r.work.reduce((a, b) => a + b, 0),
    r.retired,
  );
});

test("a region that runs only chained into and out of is optimized by its own work", () => {
  // Every region whose own work reaches the budget is optimized, though the run loop
  // entered most of them never and the run left them never.
  const budget = 20_000;
  const counted = regionRun(COUNTING).work.filter((w) => w >= budget).length;
  assert.ok(counted >= 3, `regions past the budget: ${counted}`);
  const r = regionRun({ ...COUNTING, opt: budget });
  assert.equal(r.optimized, counted);
});
