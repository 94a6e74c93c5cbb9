// SPDX-License-Identifier: MIT
// `npm run bench`: builds bench/workloads/*.c (musl-gcc -O2 -static) and times each
// natively, under `lwp run`, qemu-x86_64 and valgrind cachegrind; prints a table.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { RunResult } from "../test/helpers/build-guests.js";
import { compileStatic, describeEnd, firstDifference, listSources, lwpCli, repoRoot, runLwp, runNative } from "../test/helpers/build-guests.js";
import { tmpdir } from "node:os";
import { resolve } from "node:path";

interface Timing { readonly seconds?: number; readonly error?: string }

interface Row {
  readonly name: string;
  readonly minsns?: number;
  readonly native: Timing;
  readonly lwp: Timing;
  /** `lwp record` with events 2+3 at EventInterval 10^5 (issue: overhead goal vs a plain run). */
  readonly record: Timing;
  readonly qemu?: Timing;
  readonly cachegrind?: Timing;
}

const LWP_TIMEOUT_MS = 900_000;

function have(cmd: string): boolean {
  const r = spawnSync(cmd, ["--version"], { stdio: "ignore" });
  return !r.error && r.status === 0;
}

function buildWorkloads(filter: RegExp | undefined): { name: string; path: string }[] {
  const root = repoRoot();
  const srcDir = join(root, "bench", "workloads");
  return listSources(srcDir)
    .filter((name) => !filter || filter.test(name))
    .map((name) => {
      const path = join(root, "build", "bench", name);
      compileStatic("musl-gcc", join(srcDir, `${name}.c`), path, ["-O2", "-Wall", "-Wextra"]);
      return { name, path };
    });
}

/** The most telling stderr line: the first that names an error, else the last non-empty one. */
function errorLine(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l && !/^Node\.js v\d/.test(l));
  const named = lines.find((l) => /error|fault|unimplemented|unsupported/i.test(l));
  return (named ?? lines[lines.length - 1] ?? "").slice(0, 200);
}

/** Error text for a run that did not exit 0 with the expected stdout, else undefined. */
function runProblem(r: RunResult, expected: Buffer | undefined): string | undefined {
  if (r.error) return r.error.message.split("\n")[0] ?? "error";
  if (r.status !== 0) {
    const line = errorLine(r.stderr.toString("utf8"));
    return `${describeEnd(r)}${line ? `: ${line}` : ""}`;
  }
  if (expected) {
    const d = firstDifference(expected, r.stdout);
    if (d) return `wrong output, ${d.split("\n")[0] ?? ""}`;
  }
  return undefined;
}

function timed(run: () => RunResult, expected: Buffer | undefined): Timing {
  try {
    const r = run();
    const problem = runProblem(r, expected);
    return problem ? { error: problem } : { seconds: r.seconds };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

function nativeBest(path: string, times: number): { timing: Timing; stdout?: Buffer } {
  let best: number | undefined;
  let stdout: Buffer | undefined;
  for (let i = 0; i < times; i++) {
    const r = runNative(path);
    const problem = runProblem(r, stdout);
    if (problem) return { timing: { error: problem } };
    stdout = r.stdout;
    best = best === undefined ? r.seconds : Math.min(best, r.seconds);
  }
  return stdout ? { timing: best === undefined ? {} : { seconds: best }, stdout } : { timing: { error: "no run" } };
}

/** Runs under cachegrind once: returns the instruction count (I refs) and the wall time. */
function cachegrind(path: string, expected: Buffer | undefined): { timing: Timing; irefs?: number } {
  const args = ["--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", path];
  const r = runNative("valgrind", args, { timeoutMs: LWP_TIMEOUT_MS });
  const problem = runProblem(r, expected);
  if (problem) return { timing: { error: problem } };
  const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr.toString("utf8"));
  const timing = { seconds: r.seconds };
  return m?.[1] ? { timing, irefs: Number(m[1].replace(/,/g, "")) } : { timing };
}

/**
 * Runs each measurement `times` times, interleaved (A B A B …), and keeps each one's
 * median run. On a shared machine run-to-run noise is several percent, as large as
 * the overheads compared (record/run), and comes in bursts: interleaving spreads a
 * burst over both, and the median ignores the lucky and unlucky runs that decide a
 * minimum. A failed run is reported as the failure.
 */
function interleavedMedian(times: number, runs: readonly (() => Timing)[]): Timing[] {
  const all: Timing[][] = runs.map(() => []);
  for (let i = 0; i < times; i++) {
    runs.forEach((run, k) => {
      if (all[k]!.some((t) => t.error !== undefined)) return;
      all[k]!.push(run());
    });
  }
  return all.map((ts) => {
    const failed = ts.find((t) => t.error !== undefined);
    if (failed !== undefined) return failed;
    const secs = ts.map((t) => t.seconds ?? Infinity).sort((x, y) => x - y);
    return secs.length === 0 ? {} : { seconds: secs[Math.floor(secs.length / 2)]! };
  });
}

interface Tools {
  readonly qemu: boolean;
  readonly valgrind: boolean;
  /** Interleaved repetitions of `lwp run` and `lwp record` (--repeat N). */
  readonly repeat: number;
}

function measure(name: string, path: string, tools: Tools): Row {
  const native = nativeBest(path, 3);
  const expected = native.stdout;
  const cg = tools.valgrind ? cachegrind(path, expected) : undefined;
  const data = join(tmpdir(), `lwp-bench-${process.pid}.data`);
  // -c is the sampling period (records per period events): EventInterval = period - 1 = 10^5.
  const [lwp = {}, record = {}] = interleavedMedian(tools.repeat, [
    () => timed(() => runLwp(path, [], { timeoutMs: LWP_TIMEOUT_MS }), expected),
    () => timed(() => runNative(process.execPath, [lwpCli(), "record", "-e", "instructions,branches", "-c", "100001", "-o", data, "--", resolve(path)], { timeoutMs: LWP_TIMEOUT_MS }), expected),
  ]);
  const qemu = tools.qemu ? timed(() => runNative("qemu-x86_64", [path], { timeoutMs: LWP_TIMEOUT_MS }), expected) : undefined;
  return {
    name,
    ...(cg?.irefs !== undefined ? { minsns: cg.irefs / 1e6 } : {}),
    native: native.timing,
    lwp,
    record,
    ...(qemu ? { qemu } : {}),
    ...(cg ? { cachegrind: cg.timing } : {}),
  };
}

const fmt = (x: number | undefined, digits: number): string => (x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(digits));
const secs = (t: Timing | undefined): string => (t === undefined ? "n/a" : t.error !== undefined ? "FAIL" : fmt(t.seconds, 3));
const ratio = (t: Timing | undefined, base: Timing, digits = 1): string =>
  t?.seconds !== undefined && base.seconds ? `${fmt(t.seconds / base.seconds, digits)}x` : "-";

function mips(row: Row): number | undefined {
  return row.minsns !== undefined && row.lwp.seconds ? row.minsns / row.lwp.seconds : undefined;
}

const HEADER = ["workload", "Minsns", "native s", "lwp s", "lwp MIPS", "lwp/native", "record s", "record/run", "qemu s", "qemu/native", "cachegrind s", "cg/native"];

function cells(row: Row): string[] {
  return [
    row.name, fmt(row.minsns, 1), secs(row.native), secs(row.lwp), fmt(mips(row), 2), ratio(row.lwp, row.native),
    secs(row.record), ratio(row.record, row.lwp, 3),
    secs(row.qemu), ratio(row.qemu, row.native), secs(row.cachegrind), ratio(row.cachegrind, row.native),
  ];
}

function printTable(rows: readonly Row[]): void {
  const table = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, c) => Math.max(...table.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]): string => r.map((s, c) => (c === 0 ? s.padEnd(widths[c] ?? 0) : s.padStart(widths[c] ?? 0))).join("  ");
  console.log(line(HEADER));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of table.slice(1)) console.log(line(r));
  const ok = rows.map(mips).filter((m): m is number => m !== undefined && m > 0);
  const geo = ok.length ? Math.exp(ok.reduce((s, m) => s + Math.log(m), 0) / ok.length) : undefined;
  console.log(`geomean lwp MIPS: ${fmt(geo, 2)} (over ${ok.length} of ${rows.length} workloads)`);
  for (const r of rows) {
    for (const [tool, t] of [["native", r.native], ["lwp", r.lwp], ["record", r.record], ["qemu", r.qemu], ["cachegrind", r.cachegrind]] as const) {
      if (t?.error !== undefined) console.log(`  ${r.name}: ${tool} failed: ${t.error}`);
    }
  }
}

function main(argv: readonly string[]): void {
  const r = argv.indexOf("--repeat");
  const repeat = r < 0 ? 7 : Number(argv[r + 1]);
  if (!Number.isInteger(repeat) || repeat < 1) {
    console.error(`bench: --repeat needs a positive integer, got ${String(argv[r + 1])}`);
    process.exitCode = 2;
    return;
  }
  const pattern = argv.find((a, i) => !a.startsWith("-") && (r < 0 || i !== r + 1));
  const filter = pattern ? new RegExp(pattern) : undefined;
  const tools: Tools = { qemu: have("qemu-x86_64"), valgrind: have("valgrind"), repeat };
  const workloads = buildWorkloads(filter);
  if (!workloads.length) {
    console.log(`no workload matches ${String(filter)}`);
    return;
  }
  if (!tools.qemu) console.log("qemu-x86_64 not installed: skipping its column (apt-get install qemu-user)");
  if (!tools.valgrind) console.log("valgrind not installed: no instruction counts (apt-get install valgrind)");
  const rows: Row[] = [];
  for (const w of workloads) {
    process.stderr.write(`running ${w.name}...\n`);
    rows.push(measure(w.name, w.path, tools));
  }
  printTable(rows);
  console.log(`lwp and record: median of ${repeat} interleaved runs each (--repeat N); native: fastest of 3`);
}

main(process.argv.slice(2));
