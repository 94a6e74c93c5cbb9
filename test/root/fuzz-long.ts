// SPDX-License-Identifier: MIT
// `npm run fuzz:root [-- CASES [FIRST_SEED]]`: the long run of the hostile
// --root tree fuzzer; prints every failing case and a one-line summary
// (cases tried, failures), and exits 1 if any case failed.
import { type FuzzMode, pathopsBinary, runCase } from "./fuzz.js";

const cases = Number(process.argv[2] ?? 400);
const first = Number(process.argv[3] ?? 1000);
const bin = pathopsBinary();
const t0 = process.hrtime.bigint();
let failed = 0;
for (let i = 0; i < cases; i++) {
  const mode: FuzzMode = i % 4 === 3 ? "confine" : "compare";
  const why = runCase(first + i, mode, bin);
  if (why !== null) {
    failed++;
    process.stdout.write(`FAIL ${why}\n\n`);
  }
}
const s = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(
  `root fuzz: ${cases} cases (seeds ${first}..${first + cases - 1}), ${failed} failed, ${s.toFixed(0)} s\n`,
);
process.exit(failed === 0 ? 0 : 1);
