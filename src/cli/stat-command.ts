// SPDX-License-Identifier: MIT
// `lwp stat`: runs a program and prints exact event counts in perf stat's shapes:
// the human table, CSV (-x SEP) and JSON lines (-j); -r N repeats the run (with seeds
// N, N+1, … since a run with one seed is exactly reproducible) and adds ( +- x% ).
import type { Machine } from "../kernel/machine.js";
import { EV } from "../hw/lwp/events.js";
import { REF_DEN, REF_NUM } from "../hw/lwp/cost-table.js";
import { RECORDABLE } from "../tools/record/recorder.js";
import { eventById } from "../tools/decode/events.js";
import { MACHINE_OPTIONS } from "./run-command.js";
import { type OptionRow, type Parsed, UsageError, intOption } from "./options.js";
import { events, locate, reportKill, start } from "./record-command.js";
import { progressLine, runChunked } from "./run-loop.js";

export const STAT_OPTIONS: readonly OptionRow[] = [
  {
    name: "event",
    short: "e",
    arg: "LIST",
    help: `events to count: ${RECORDABLE.join(", ")} (default all but dcache-misses)`,
  },
  {
    name: "repeat",
    short: "r",
    arg: "N",
    help: "run the program N times (seeds SEED..SEED+N-1) and print means with their spread",
  },
  {
    name: "field-separator",
    short: "x",
    arg: "SEP",
    help: "CSV output: value,unit,event[,variance with -r],run-time,percent,metric,metric-unit separated by SEP",
  },
  { name: "json-output", short: "j", help: "one JSON object per counter, as perf stat -j" },
  ...MACHINE_OPTIONS,
  { name: "help", short: "h", help: "show this help" },
];

type Counts = ReturnType<Machine["counts"]>;

interface Line {
  readonly event: string;
  readonly values: readonly number[];
  readonly metric?: { readonly value: number; readonly unit: string };
}

const group = (n: number): string => Math.round(n).toLocaleString("en-US");
const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
/** perf's "( +- x% )": the standard error of the mean relative to the mean. */
function spread(v: readonly number[]): number {
  if (v.length < 2) return 0;
  const m = mean(v);
  const variance = v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
  return m === 0 ? 0 : (100 * Math.sqrt(variance / v.length)) / m;
}

function valueOf(id: number, c: Counts): number {
  const ref = Math.floor((c.cycles * REF_NUM) / REF_DEN);
  const v: Record<number, number> = {
    [EV.INSTRUCTIONS]: c.instructions,
    [EV.BRANCHES]: c.branches,
    [EV.CYCLES]: c.cycles,
    [EV.REF_CYCLES]: ref,
    [EV.DCACHE]: c.dcacheMisses,
  };
  return v[id] ?? 0;
}

/** The counter lines of N runs (each run's exact counts). */
export function statLines(ids: readonly number[], runs: readonly Counts[]): Line[] {
  const lines: Line[] = [];
  for (const id of ids) {
    const values = runs.map((c) => valueOf(id, c));
    let metric: Line["metric"];
    const insns = mean(runs.map((c) => c.instructions)),
      cycles = mean(runs.map((c) => c.cycles));
    if (id === EV.INSTRUCTIONS && ids.includes(EV.CYCLES) && cycles > 0) {
      metric = { value: insns / cycles, unit: "insn per cycle" };
    }
    if (id === EV.BRANCHES && insns > 0) metric = { value: (100 * mean(values)) / insns, unit: "% of instructions" };
    lines.push({ event: eventById(id).name, values, ...(metric === undefined ? {} : { metric }) });
    if (id === EV.INSTRUCTIONS) {
      lines.push({
        event: "instructions:rep",
        values: runs.map((c) => c.instructions - c.repInstructions + c.repIterations),
      });
    }
  }
  return lines;
}

/** perf stat's human-readable table. */
export function formatStat(
  command: readonly string[],
  ids: readonly number[],
  runs: readonly Counts[],
  ns: readonly number[],
): string {
  const n = runs.length;
  const out = [``, ` Performance counter stats for '${command.join(" ")}'${n > 1 ? ` (${n} runs)` : ""}:`, ``];
  for (const l of statLines(ids, runs)) {
    let note =
      l.metric === undefined
        ? ""
        : l.metric.unit.startsWith("%")
          ? `#  ${l.metric.value.toFixed(2)}${l.metric.unit}`
          : `#  ${l.metric.value.toFixed(2)}  ${l.metric.unit}`;
    if (l.event === "instructions:rep") note = "#  each REP iteration counted (as valgrind's Ir)";
    const sd = n > 1 ? `  ( +- ${spread(l.values).toFixed(2)}% )` : "";
    out.push(`${`${group(mean(l.values)).padStart(18)}      ${l.event.padEnd(22)} ${note}`.trimEnd()}${sd}`);
  }
  const sec = mean(ns) / 1e9;
  out.push(
    ``,
    `${sec.toFixed(9).padStart(18)} seconds time elapsed (virtual)${n > 1 ? `  ( +- ${spread(ns).toFixed(2)}% )` : ""}`,
    ``,
  );
  return out.join("\n") + "\n";
}

/**
 * -x SEP: perf's CSV columns (value, unit, event, the variance with -r, run time,
 * percent running, metric, metric unit).
 */
export function formatStatCsv(
  ids: readonly number[],
  runs: readonly Counts[],
  ns: readonly number[],
  sep: string,
): string {
  return (
    statLines(ids, runs)
      .map((l) =>
        [
          String(Math.round(mean(l.values))),
          "",
          l.event,
          ...(runs.length > 1 ? [`${spread(l.values).toFixed(2)}%`] : []),
          String(Math.round(mean(ns))),
          "100.00",
          l.metric === undefined ? "" : l.metric.value.toFixed(2),
          l.metric?.unit ?? "",
        ].join(sep),
      )
      .join("\n") + "\n"
  );
}

/** -j: one JSON object per line, perf stat -j's keys. */
export function formatStatJson(ids: readonly number[], runs: readonly Counts[], ns: readonly number[]): string {
  return (
    statLines(ids, runs)
      .map((l) =>
        JSON.stringify({
          "counter-value": mean(l.values).toFixed(6),
          unit: "",
          event: l.event,
          "event-runtime": Math.round(mean(ns)),
          "pcnt-running": 100,
          ...(runs.length > 1 ? { variance: Number(spread(l.values).toFixed(2)) } : {}),
          ...(l.metric === undefined
            ? {}
            : { "metric-value": l.metric.value.toFixed(6), "metric-unit": l.metric.unit }),
        }),
      )
      .join("\n") + "\n"
  );
}

export async function statCommand(opts: Parsed, rest: string[]): Promise<number> {
  const ids = events(opts, "instructions,branches,cycles,ref-cycles");
  const repeat = intOption(opts, "repeat", 1);
  if (repeat < 1) throw new UsageError("Invalid value for --repeat: 0 (expected at least 1)");
  const sep = opts.get("field-separator");
  if (sep === "") throw new UsageError("Invalid value for --field-separator: empty");
  if (typeof sep === "string" && opts.has("json-output")) throw new UsageError("-x and -j cannot be used together");
  const seed = intOption(opts, "seed", 1);
  locate(opts, rest); // `command not found` before any run
  const cyc = ids.includes(EV.CYCLES) || ids.includes(EV.REF_CYCLES);
  const runs: Counts[] = [],
    ns: number[] = [];
  let status = 0;
  for (let i = 0; i < repeat; i++) {
    const o = new Map(opts);
    o.set("seed", String(seed + i));
    const s = start(o, rest, {
      count: {
        branches: ids.includes(EV.BRANCHES),
        cycles: cyc,
        dcache: ids.includes(EV.DCACHE),
        repIterations: ids.includes(EV.INSTRUCTIONS),
      },
    });
    const r = await runChunked(s.machine, s.proc, {
      progress: (n, sec) => progressLine("stat", n, sec, repeat > 1 ? `, run ${i + 1}/${repeat}` : ""),
    });
    reportKill(s.proc);
    status = r.status;
    runs.push(s.machine.counts());
    ns.push(Number(s.machine.kernel.clockNs()));
  }
  const text =
    typeof sep === "string"
      ? formatStatCsv(ids, runs, ns, sep)
      : opts.has("json-output")
        ? formatStatJson(ids, runs, ns)
        : formatStat(rest, ids, runs, ns);
  process.stderr.write(text);
  return status;
}
