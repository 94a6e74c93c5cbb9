// SPDX-License-Identifier: MIT
// `npm run fuzz:elf [SEED] [COUNT]`: the long ELF mutation campaign; prints every
// mismatch and stack trace and exits non-zero when there is one.
import { fuzzElf } from "./elf-fuzz.js";

const seed = Number(process.argv[2] ?? 7),
  count = Number(process.argv[3] ?? 3000);
const r = fuzzElf(seed, count);
for (const m of r.mismatches) console.log(`mismatch: ${m}`);
for (const m of r.known) console.log(`known (a bss larger than lwp's RAM, docs/quirks.md Q-SYSINFO): ${m}`);
for (const t of r.traces) console.log(`trace: ${t}`);
console.log(
  `elf fuzz: seed ${seed}, ${r.cases} mutants, ${r.mismatches.length} mismatches, ${r.known.length} known, ${r.traces.length} trace lines`,
);
process.exit(r.mismatches.length + r.traces.length === 0 ? 0 : 1);
