// SPDX-License-Identifier: MIT
// `npm run fuzz:profile [CASES] [SEED]`: the long run of the lwpdata fuzzer.
import { fuzz } from "./profile-fuzz.js";

const cases = Number(process.argv[2] ?? 20000);
const seed = Number(process.argv[3] ?? 1);
const t0 = process.hrtime.bigint();
const t = fuzz(seed, cases);
const sec = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(
  `profile fuzz: seed ${seed}, ${cases} cases: ${t.ok} read, ${t.rejected} refused with one line, 0 escaped (${sec.toFixed(1)} s)\n`,
);
