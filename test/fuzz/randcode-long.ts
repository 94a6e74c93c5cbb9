// SPDX-License-Identifier: MIT
// `npm run fuzz:code [SEED] [COUNT] [LEN]`: the long random-code campaign; prints
// every unexplained difference, the count of each documented class and the
// mismatch rate, and exits non-zero when a difference is unexplained.
import { fuzzCode } from "./randcode.js";

const seed = Number(process.argv[2] ?? 2),
  count = Number(process.argv[3] ?? 20000),
  len = Number(process.argv[4] ?? 32);
const r = fuzzCode(seed, 0, count, {
  len,
  batch: 1000,
  progress: (p) =>
    console.log(
      `... ${p.cases} snippets, ${p.mismatches.length} differ, ${p.mismatches.filter((m) => m.quirk === null).length} unexplained, CPU ${p.lwpSeconds.toFixed(0)} s under lwp`,
    ),
});
const byClass = new Map<string, number>();
for (const m of r.mismatches) {
  if (m.quirk === null) console.log(`unexplained #${m.index} ${m.bytes}: native ${m.native} | lwp ${m.lwp}`);
  byClass.set(m.quirk ?? "unexplained", (byClass.get(m.quirk ?? "unexplained") ?? 0) + 1);
}
for (const [k, v] of [...byClass].sort((x, y) => y[1] - x[1])) console.log(`${k}: ${v}`);
const rate = (100 * r.mismatches.length) / Math.max(1, r.cases);
console.log(
  `random code: seed ${seed}, ${r.cases} snippets of ${len} bytes, ${r.mismatches.length} end differently (${rate.toFixed(2)} %), ` +
    `${byClass.get("unexplained") ?? 0} unexplained; CPU ${r.lwpSeconds.toFixed(0)} s under lwp, ${r.nativeSeconds.toFixed(1)} s native`,
);
process.exit(byClass.has("unexplained") ? 1 : 0);
