// SPDX-License-Identifier: MIT
// Regions compiled several to a module (src/hw/jit/batch.ts): what waits and for how
// long, and a program with more regions than BIG_PROGRAM runs its later ones from
// shared modules with the interpreter's registers and retired count.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setDefaultTiers, type TierOptions } from "../../src/hw/cpu/cpu.js";
import type { Block } from "../../src/hw/cpu/translate/block.js";
import {
  BATCH_REGIONS,
  BIG_COUNT,
  BIG_PROGRAM,
  RegionBatch,
  SMALL_COUNT,
  THRESHOLD_WAIT,
} from "../../src/hw/jit/batch.js";
import { JIT_TOTALS, type RegionRequest } from "../../src/hw/jit/jit.js";
import { bench, run, RAX, RDX } from "../lwp/helpers.js";

/** A request for a stand-in head: the batch reads only `valid` and `jit`. */
function request(valid = true, jit: unknown = null): RegionRequest {
  return { head: { valid, jit } as unknown as Block, lookup: () => undefined };
}

test("a batch compiles by its earliest deadline, or once it holds BATCH_REGIONS", () => {
  const q = new RegionBatch();
  assert.equal(q.due(1e12), false, "an empty batch is never due");
  assert.equal(q.add(request(), 1000, THRESHOLD_WAIT), false);
  assert.equal(q.due(1000 + THRESHOLD_WAIT - 1), false);
  // A request that may wait less (a loop's) shortens the wait of everything pending.
  assert.equal(q.add(request(), 2000, 500), false);
  assert.equal(q.due(2499), false);
  assert.equal(q.due(2500), true);
  q.clear();
  assert.equal(q.due(1e12), false, "cleared, the deadline goes");
  for (let k = 1; k < BATCH_REGIONS; k++) assert.equal(q.add(request(), 0, THRESHOLD_WAIT), false);
  assert.equal(q.add(request(), 0, THRESHOLD_WAIT), true, "the BATCH_REGIONS-th request fills it");
});

test("a batch gives back the heads that still need a region, and holds them until cleared", () => {
  const q = new RegionBatch();
  const live = request(),
    stale = request(false),
    compiled = request(true, {});
  for (const r of [live, stale, compiled]) q.add(r, 0, THRESHOLD_WAIT);
  assert.deepEqual(q.requests(), [live], "a head translated again or run by a region is dropped");
  assert.equal(q.holds(live.head), true, "regions formed from the batch may take its heads in");
  q.clear();
  assert.equal(q.holds(live.head), false);
  assert.deepEqual(q.requests(), []);
});

// LOOPS small functions, each with an inner loop, called in turn by an outer loop: every
// inner loop becomes hot by its rate within a few thousand instructions of the others.
const LOOPS = BIG_PROGRAM + 16;

function program(outer = 300): string {
  const lines = [" xor eax, eax", " xor edx, edx", ` mov ebx, ${outer}`, "O:"];
  for (let k = 0; k < LOOPS; k++) lines.push(` call F${k}`);
  lines.push(" dec ebx", " jnz O", " ud2");
  for (let k = 0; k < LOOPS; k++) {
    lines.push(`F${k}: mov ecx, 40`, `L${k}: add eax, ecx`, ` xor edx, ${k + 1}`, " dec ecx", ` jnz L${k}`, " ret");
  }
  return lines.join("\n");
}

/** Runs the program under tiers `t`: [rax, rdx, retired], and the regions and modules it compiled. */
function loops(t: TierOptions, outer = 300): { result: number[]; regions: number; modules: number } {
  const regions = JIT_TOTALS.regions,
    modules = JIT_TOTALS.modules;
  setDefaultTiers(t);
  try {
    const b = bench();
    const x = run(b, program(outer), {});
    assert.equal(x.kind, "ud", `${JSON.stringify(t)}: ends at UD2`);
    return {
      result: [b.c.getReg(RAX), b.c.getReg(RDX), b.c.retired()],
      regions: JIT_TOTALS.regions - regions,
      modules: JIT_TOTALS.modules - modules,
    };
  } finally {
    setDefaultTiers({ tier: 3, forced: false });
  }
}

test("past BIG_PROGRAM regions, regions that become hot together share modules and run as in the interpreter", () => {
  const interpreted = loops({ tier: 1, forced: true });
  // From the first instruction (no start-up rule), as a long-running program's loops would.
  const batched = loops({ tier: 3, forced: false, start: 0 });
  assert.deepEqual(batched.result, interpreted.result, "registers and retired count as in tier 1");
  assert.ok(batched.regions > BIG_PROGRAM, `every loop compiled (${batched.regions} regions)`);
  assert.ok(
    batched.modules < batched.regions - 8,
    `the first ${BIG_PROGRAM} one by one, the rest together: ${batched.regions} regions in ${batched.modules} modules`,
  );
  // Without the wait, and under a forced tier, a region compiles when it is asked for: one module each.
  for (const t of [
    { tier: 3, forced: false, start: 0, wait: 0 },
    { tier: 3, forced: true },
  ] as const) {
    const one = loops(t);
    assert.deepEqual(one.result, interpreted.result, JSON.stringify(t));
    assert.equal(one.modules, one.regions, JSON.stringify(t));
  }
});

test("in a big program, a block that is not hot by its rate compiles at BIG_COUNT times the threshold", () => {
  // The outer loop's blocks (a call each) run once per outer iteration, some 13,000
  // instructions apart: never hot by their rate (16 runs within 1,000 instructions),
  // only by their count. The inner loops are hot by their rate and make the program big
  // in regions; `bigCode: 0` makes it big in code as well.
  const threshold = 64;
  const t = { tier: 3, forced: false, start: 0, wait: 0, threshold, hot: 16, window: 1000, bigCode: 0 } as const;
  const below = loops(t, threshold * BIG_COUNT - 8),
    past = loops(t, threshold * BIG_COUNT + 8);
  assert.equal(below.regions, LOOPS, "only the inner loops, though the outer blocks passed the threshold");
  assert.ok(past.regions > LOOPS, `the outer loop's blocks compiled too (${past.regions} regions)`);
  const interpreted = loops({ tier: 1, forced: true }, threshold * BIG_COUNT + 8);
  assert.deepEqual(past.result, interpreted.result);
});

test("in a program of little code, a block that is not hot by its rate compiles at SMALL_COUNT times the threshold", () => {
  // The same program has a few hundred instructions of code, far below BIG_CODE: however
  // many regions it has, the outer loop's blocks compile sooner than the threshold.
  const threshold = 64,
    at = threshold * SMALL_COUNT;
  const t = { tier: 3, forced: false, start: 0, wait: 0, threshold, hot: 16, window: 1000 } as const;
  const below = loops(t, at - 8),
    past = loops(t, at + 8);
  assert.equal(below.regions, LOOPS, "only the inner loops");
  assert.ok(past.regions > LOOPS, `the outer loop's blocks compiled too (${past.regions} regions)`);
  assert.deepEqual(past.result, loops({ tier: 1, forced: true }, at + 8).result);
});
