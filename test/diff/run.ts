// SPDX-License-Identifier: MIT
// `npm run test:diff [-- --report] [--only MNEMONIC[,..]] [--cases N] [--seed N] [--workers N] [--decoder N]`:
// the differential test against this machine's CPU (docs/testing.md "Test tiers", 3).
// Splits the forms over worker threads (one native runner each), prints
// failures field by field, applies the known-failures ratchet, and exits 1 on
// any unexplained divergence.
import { cpus } from "node:os";
import { allForms, excludedForms } from "./forms.js";
import { casesPerForm, selectForms, shard } from "./select.js";
import { runShard } from "./pool.js";
import { judge, loadKnownFailures } from "./ratchet.js";
import { coverageReport } from "./report.js";
import { decoderCrossCheck } from "./decoder.js";
import { buildRunner } from "./native.js";

interface Args {
  report: boolean;
  only: string[];
  cases: number;
  seed: number;
  workers: number;
  decoder: number;
  min: number;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = {
    report: false,
    only: [],
    cases: 1_050_000,
    seed: 1,
    workers: Math.min(2, cpus().length),
    decoder: 20_000,
    min: 200,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    if (k === "--report") a.report = true;
    else if (k === "--only") a.only.push(...v().split(","));
    else if (k === "--cases") a.cases = Number(v());
    else if (k === "--seed") a.seed = Number(v());
    else if (k === "--workers") a.workers = Math.max(1, Number(v()));
    else if (k === "--decoder") a.decoder = Number(v());
    else if (k === "--min") a.min = Number(v());
    else throw new Error(`unknown option ${k}`);
  }
  return a;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  buildRunner();
  const forms = selectForms(args.only);
  const perForm = casesPerForm(args.cases, forms.length, args.min);
  console.log(`differential: ${forms.length} forms × ${perForm} cases, seed ${args.seed}, ${args.workers} workers`);
  let total = 0,
    last = 0;
  const onProgress = (d: number): void => {
    total += d;
    if (Date.now() - last > 15_000) {
      last = Date.now();
      console.log(`  ${total} cases, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  };
  const opts = { seed: args.seed, perForm, stallMs: 30_000, onProgress };
  const shards = await Promise.all(
    [...Array(args.workers).keys()].map((k) => runShard(shard(forms, k, args.workers), opts)),
  );
  const stats = shards.flat();
  const cases = stats.reduce((n, s) => n + s.cases, 0);
  const secs = (Date.now() - t0) / 1000;
  const verdict = judge(stats, loadKnownFailures());
  for (const s of [...verdict.unexplained, ...verdict.explained]) {
    console.log(
      `\n${s.name} (${s.group}): ${s.failures}/${s.cases} cases diverge${verdict.explained.includes(s) ? " [known]" : ""}`,
    );
    for (const d of s.samples) console.log(d);
  }
  if (args.report) {
    const advertised = new Map<string, number>();
    for (const f of allForms()) advertised.set(f.group, (advertised.get(f.group) ?? 0) + 1);
    console.log(`\n${coverageReport(stats, advertised, true)}`);
  }
  let bad = verdict.unexplained.length + verdict.nowPassing.length;
  if (args.decoder > 0 && args.only.length === 0) {
    const dec = decoderCrossCheck(args.seed, args.decoder);
    console.log(`\ndecoder cross-check vs objdump: ${dec.checked} byte strings, ${dec.mismatches.length} mismatches`);
    for (const m of dec.mismatches.slice(0, 20)) console.log(`  ${m}`);
    bad += dec.mismatches.length;
  }
  console.log(
    `\n${cases} cases in ${secs.toFixed(1)} s; ${stats.filter((s) => s.failures > 0).length} failing forms ` +
      `(${verdict.explained.length} known), ${excludedForms().length} forms excluded`,
  );
  const noisy = stats.filter((s) => (s.hostNoise ?? 0) > 0);
  if (noisy.length > 0) {
    const list = noisy.map((s) => `${s.name} ${s.hostNoise}`).join(", ");
    console.log(`host noise (a second native run agreed with the emulator): ${list}`);
  }
  for (const s of verdict.unexplained) console.log(`UNEXPLAINED: ${s.name} (${s.failures}/${s.cases})`);
  for (const k of verdict.nowPassing) console.log(`NOW PASSING (remove from known-failures.txt): ${k.form} ${k.link}`);
  return bad === 0 ? 0 : 1;
}

process.exitCode = await main();
