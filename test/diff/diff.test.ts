// SPDX-License-Identifier: MIT
// The seeded quick subset of the differential tests (docs/testing.md "Test tiers", 3),
// run by `npm test`: ≥ 20,000 cases spread over every form the instruction
// table advertises, judged by the known-failures ratchet, plus a small decoder
// cross-check against objdump. `npm run test:diff` is the full run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { allForms } from "./forms.js";
import { runShard } from "./pool.js";
import { casesPerForm, shard } from "./select.js";
import { judge, loadKnownFailures, parseKnownFailures } from "./ratchet.js";
import { buildRunner, nativeAvailable } from "./native.js";
import { decoderCrossCheck } from "./decoder.js";

const QUICK_CASES = 20_000;
const SEED = 20240601;
const hasGcc = spawnSync("gcc", ["--version"]).status === 0;
const skip = !nativeAvailable() || !hasGcc ? "needs x86-64 Linux and gcc (the host CPU is the oracle)" : false;

test("known-failures.txt parses and links every entry to docs/quirks.md", () => {
  loadKnownFailures();
  assert.deepEqual(parseKnownFailures("Bsf_r32_rm32  docs/quirks.md#q-x  # why\n# comment\n"), [
    { form: "Bsf_r32_rm32", link: "docs/quirks.md#q-x" },
  ]);
  assert.throws(() => parseKnownFailures("Bsf_r32_rm32\n"));
});

/** Runs the quick subset with `seed` (and `env` for the emulator); returns what the ratchet does not explain. */
async function quickSubset(seed: number, env: Record<string, string> = {}): Promise<string[]> {
  buildRunner();
  const forms = allForms();
  const perForm = casesPerForm(QUICK_CASES, forms.length);
  // Two workers (one per core), each with its own native runner; the watchdog turns an emulator hang into a failure.
  const opts = { seed, perForm, stallMs: 20_000, onProgress: () => {}, env };
  const stats = (await Promise.all([0, 1].map((k) => runShard(shard(forms, k, 2), opts)))).flat();
  const cases = stats.reduce((n, s) => n + s.cases, 0);
  assert.ok(cases >= QUICK_CASES, `only ${cases} cases ran`);
  const v = judge(stats, loadKnownFailures());
  return [
    ...v.unexplained.map((s) => `${s.name} (${s.group}): ${s.failures}/${s.cases} diverge\n${s.samples.join("\n")}`),
    ...v.nowPassing.map((k) => `${k.form} passes now: remove it from test/diff/known-failures.txt (${k.link})`),
  ];
}

test(`differential quick subset: ≥ ${QUICK_CASES} cases against the host CPU`, { skip, timeout: 600_000 }, async () => {
  const report = await quickSubset(SEED);
  assert.equal(
    report.length,
    0,
    `${report.length} differential problems (reproduce: npm run test:diff -- --only <Form> --seed ${SEED}):\n${report.join("\n")}`,
  );
});

// Tier 1's packed instructions from the first one (a CPU packs only past its start-up:
// src/hw/cpu/translate/packed.ts), with other operands.
test(`differential quick subset, packed: ≥ ${QUICK_CASES} more cases`, { skip, timeout: 600_000 }, async () => {
  const report = await quickSubset(SEED + 1, { LWP_PACK_START: "0" });
  assert.equal(
    report.length,
    0,
    `${report.length} differential problems packed (reproduce: LWP_PACK_START=0 npm run test:diff -- --only <Form> --seed ${SEED + 1}):\n${report.join("\n")}`,
  );
});

// Every case compiled to WebAssembly before its first instruction runs, with other
// operands: tier 3's memory accesses, flags and faults against the host as well.
test(`differential quick subset in tier 3: ≥ ${QUICK_CASES} more cases`, { skip, timeout: 600_000 }, async () => {
  const report = await quickSubset(SEED + 3, { LWP_TIER: "3" });
  assert.equal(
    report.length,
    0,
    `${report.length} differential problems in tier 3 (reproduce: LWP_TIER=3 npm run test:diff -- --only <Form> --seed ${SEED + 3}):\n${report.join("\n")}`,
  );
});

test(
  "decoder cross-check: our decoder and objdump agree on length and mnemonic",
  { skip: spawnSync("objdump", ["--version"]).status === 0 ? false : "needs binutils" },
  () => {
    const r = decoderCrossCheck(SEED, 3000);
    assert.ok(r.checked > 1000, `only ${r.checked} strings were comparable`);
    assert.deepEqual(r.mismatches, []);
  },
);
