// SPDX-License-Identifier: MIT
// The page table (page-table.ts) against a plain Map of page → frame: random sets,
// clears of ranges, fork copies and a space's end, with pages on both sides of leaf and
// bitmap-word boundaries (entry 31 of a word and the sign bit of the word among them).
import { test } from "node:test";
import assert from "node:assert/strict";
import { PageTable } from "./page-table.js";
import { rng } from "../cpu/x87/native.testlib.js"; // seeded (xorshift32), so a failure replays

/** Pages near the interesting boundaries of three leaves, one far away (a 35-bit page number). */
const PAGES = [
  0,
  1,
  30,
  31,
  32,
  63,
  64,
  479,
  480,
  511,
  512,
  513,
  543,
  544,
  1023,
  1024,
  1055,
  2 ** 34 + 31,
  2 ** 34 + 511,
];

function entries(t: PageTable, first = 0, end = 2 ** 35): [number, number][] {
  const out: [number, number][] = [];
  t.forEach(first, end, (pn, f) => out.push([pn, f]));
  return out;
}

function model(m: Map<number, number>, first = 0, end = 2 ** 35): [number, number][] {
  return [...m].filter(([pn]) => pn >= first && pn < end).sort((a, b) => a[0] - b[0]);
}

test("the page table visits, clears, copies and empties exactly the pages a map holds", () => {
  for (let seed = 1; seed <= 40; seed++) {
    const r = rng(seed);
    const pick = (): number => PAGES[Math.floor(r() * PAGES.length)]!;
    const t = new PageTable(),
      m = new Map<number, number>();
    for (let step = 0; step < 200; step++) {
      const x = r(),
        pn = pick();
      if (x < 0.6) {
        const f = r() < 0.2 ? 0 : 1 + Math.floor(r() * 1000);
        assert.equal(t.set(pn, f), m.get(pn) ?? 0);
        if (f === 0) m.delete(pn);
        else m.set(pn, f);
      } else if (x < 0.75) {
        const a = pick(),
          b = pick();
        const [lo, hi] = a <= b ? [a, b + 1] : [b, a + 1];
        const removed: [number, number][] = [];
        t.clear(lo, hi, (p, f) => removed.push([p, f]));
        assert.deepEqual(removed, model(m, lo, hi), `seed ${seed}: clear [${lo}, ${hi})`);
        for (const [p] of removed) m.delete(p);
      } else if (x < 0.85) {
        const c = new PageTable(),
          frames: number[] = [];
        c.copyFrom(t, (f) => frames.push(f));
        // A copy and an end visit leaves in no particular order.
        const byValue = (a: number, b: number): number => a - b;
        assert.deepEqual(
          frames.sort(byValue),
          model(m)
            .map(([, f]) => f)
            .sort(byValue),
          `seed ${seed}: copy`,
        );
        assert.deepEqual(entries(c), model(m));
        assert.equal(c.count, m.size);
        c.set(pick(), 7); // the copy is its own
        assert.deepEqual(entries(t), model(m), `seed ${seed}: the copy shares nothing`);
      } else if (x < 0.9) {
        const seen: [number, number][] = [];
        t.clearAll((p, f) => seen.push([p, f]));
        assert.deepEqual(
          seen.sort((a, b) => a[0] - b[0]),
          model(m),
          `seed ${seed}: clearAll`,
        );
        m.clear();
      }
      const a = pick(),
        b = pick();
      assert.deepEqual(entries(t, Math.min(a, b), Math.max(a, b) + 1), model(m, Math.min(a, b), Math.max(a, b) + 1));
      assert.equal(t.count, m.size, `seed ${seed} step ${step}: count`);
      assert.equal(t.get(pn), m.get(pn) ?? 0);
    }
  }
});
