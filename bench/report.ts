// SPDX-License-Identifier: MIT
// The bench's tables: per case the medians of CPU time, wall time and peak RSS under
// each tool, the ratios the issues track (lwp against cachegrind, record against run,
// lwp against QEMU and native), geometric means, and lwp's translation statistics.
import { geomean, median } from "./measure.js";
import { type CaseResult, instructions } from "./suite.js";
import type { Tool } from "./tools.js";

type Metric = "cpu" | "wall" | "rssMb";

const fmt = (x: number | undefined, digits: number): string =>
  x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(digits);

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  const line = (r: readonly string[]): string =>
    r
      .map((s, c) => (c === 0 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function value(r: CaseResult, key: string, m: Metric): number | undefined {
  return r.byTool.get(key)?.median?.[m];
}

function cell(r: CaseResult, key: string, m: Metric): string {
  const t = r.byTool.get(key);
  if (t === undefined) return "n/a";
  if (t.error !== undefined) return "FAIL";
  return fmt(t.median?.[m], m === "rssMb" ? 0 : m === "cpu" || m === "wall" ? 3 : 2);
}

function ratio(r: CaseResult, a: string, b: string, m: Metric = "cpu", digits = 1): number | undefined {
  const x = value(r, a, m),
    y = value(r, b, m);
  return x === undefined || y === undefined || y === 0 ? undefined : Number((x / y).toFixed(digits + 2));
}

/**
 * The median over repetitions of a's CPU time over b's in the same repetition: the suite
 * runs one repetition's tools back to back, so each pair saw about the same load, and a
 * drift of the shared machine's speed over the case cancels (the ratio of the two medians
 * may pair one tool's fast repetitions with the other's slow ones).
 */
function pairedRatio(r: CaseResult, a: string, b: string): number | undefined {
  const x = r.byTool.get(a),
    y = r.byTool.get(b);
  if (x?.median === undefined || y?.median === undefined || x.samples.length !== y.samples.length) return undefined;
  return median(x.samples.map((s, i) => s.cpu / y.samples[i]!.cpu));
}

/** Guest MIPS under lwp run: instructions per CPU second. */
function mips(r: CaseResult): number | undefined {
  const n = instructions(r),
    s = value(r, "run", "cpu");
  return n === undefined || s === undefined || s === 0 ? undefined : n / 1e6 / s;
}

/** CPU, wall and RSS tables for workloads (loops and programs). */
export function workloadTables(rows: readonly CaseResult[], tools: readonly Tool[]): string {
  const keys = tools.map((t) => t.key);
  const cpuHead = [
    "workload",
    "Minsns",
    ...tools.map((t) => t.title),
    "lwp MIPS",
    "run/cg",
    "run/cg+sim",
    "rec/run",
    "paired",
    "run/qemu",
  ];
  const cpuRows = rows.map((r) => [
    r.name,
    fmt((instructions(r) ?? NaN) / 1e6, 1),
    ...keys.map((k) => cell(r, k, "cpu")),
    fmt(mips(r), 1),
    fmt(ratio(r, "run", "cg"), 1),
    fmt(ratio(r, "run", "cgsim"), 1),
    fmt(ratio(r, "record", "run", "cpu", 3), 3),
    fmt(pairedRatio(r, "record", "run"), 3),
    fmt(ratio(r, "run", "qemu"), 1),
  ]);
  const plain = (m: Metric): string =>
    table(
      ["workload", ...tools.map((t) => t.title)],
      rows.map((r) => [r.name, ...keys.map((k) => cell(r, k, m))]),
    );
  return [
    "CPU seconds (user+system, median):",
    table(cpuHead, cpuRows),
    "",
    "Wall seconds (median):",
    plain("wall"),
    "",
    "Peak RSS, MB (median):",
    plain("rssMb"),
  ].join("\n");
}

/** Geometric means of the ratios over a group of workloads. */
export function geomeans(label: string, rows: readonly CaseResult[], tools: readonly Tool[]): string {
  const lines = [`Geometric means over the ${label} (${rows.length}), CPU time:`];
  const g = (f: (r: CaseResult) => number | undefined): number | undefined =>
    geomean(rows.map(f).filter((x): x is number => x !== undefined));
  for (const t of tools) {
    if (t.key === "run" || t.key === "record") continue;
    const x = g((r) => ratio(r, "run", t.key, "cpu", 4));
    if (x !== undefined) lines.push(`  lwp run / ${t.title.padEnd(16)} ${fmt(x, 2)}x`);
  }
  const rec = g((r) => ratio(r, "record", "run", "cpu", 4));
  if (rec !== undefined) lines.push(`  lwp record / lwp run         ${fmt(rec, 3)}x`);
  const paired = g((r) => pairedRatio(r, "record", "run"));
  if (paired !== undefined) lines.push(`  the same, paired repetitions ${fmt(paired, 3)}x`);
  const m = g(mips);
  if (m !== undefined) lines.push(`  lwp run guest MIPS           ${fmt(m, 1)}`);
  return lines.join("\n");
}

/** lwp's LWP_STATS counters per workload (from the last `lwp run`). */
export function statsTable(rows: readonly CaseResult[]): string {
  const keys = [
    "blocks",
    "decoded",
    "decode_ms",
    "evicted_blocks",
    "regions",
    "region_modules",
    "regions_optimized",
    "region_entries",
    "region_insns",
    "region_blocks",
    "startup_tiering_end",
    "native_insns",
    "helper_insns",
    "helper_calls",
    "code_bytes",
    "compile_ms",
    "max_rss_mb",
  ];
  const body = rows.map((r) => {
    const s = r.byTool.get("run")?.stats;
    return [r.name, ...keys.map((k) => s?.get(k) ?? "-")];
  });
  return ["Translation, lwp run (LWP_STATS=1, last run):", table(["workload", ...keys], body)].join("\n");
}

/** Start-up or fork cases: each tool's CPU and wall medians, and lwp's ratio to `base`. */
export function microTable(title: string, rows: readonly CaseResult[], tools: readonly Tool[], base: string): string {
  const head = ["case", ...tools.flatMap((t) => [`${t.title} cpu`, "wall"]), `lwp/${base} cpu`, "wall"];
  const body = rows.map((r) => [
    r.name,
    ...tools.flatMap((t) => [cell(r, t.key, "cpu"), cell(r, t.key, "wall")]),
    fmt(ratio(r, "run", base, "cpu", 2), 2),
    fmt(ratio(r, "run", base, "wall", 2), 2),
  ]);
  return [`${title} (seconds, median):`, table(head, body)].join("\n");
}

/** Every failure, one line each. */
export function failures(rows: readonly CaseResult[]): string {
  const out: string[] = [];
  for (const r of rows) {
    if (r.error !== undefined) out.push(`  ${r.name}: ${r.error}`);
    for (const [key, t] of r.byTool) if (t.error !== undefined) out.push(`  ${r.name}: ${key} failed: ${t.error}`);
  }
  return out.length === 0 ? "" : ["Failures:", ...out].join("\n");
}
