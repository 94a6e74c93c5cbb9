// SPDX-License-Identifier: MIT
// Runs one bench case under each of its tools, repetitions interleaved (rep 1 of every
// tool, then rep 2, ...), so that a burst of load on the shared machine falls on all
// of them; keeps every sample, checks every run's stdout against the native run's.
import type { Command, Run, Sample } from "./measure.js";
import { measure, medianSample } from "./measure.js";
import { type Tool, irefs, lwpStats } from "./tools.js";

export interface Case {
  readonly name: string;
  readonly section: "loops" | "programs" | "startup" | "forks";
  readonly command: Command;
  readonly tools: readonly Tool[];
  readonly repeat: number;
}

export interface ToolResult {
  readonly samples: Sample[];
  /** Median of each measurement, when every run succeeded. */
  median?: Sample;
  error?: string;
  /** Guest instructions (cachegrind's I refs), from a cachegrind run. */
  irefs?: number;
  /** The LWP_STATS line of the last lwp run. */
  stats?: Map<string, string>;
}

export interface CaseResult {
  readonly name: string;
  readonly section: Case["section"];
  readonly byTool: Map<string, ToolResult>;
  /** Why the case did not run at all (its native run failed, a program is missing). */
  error?: string;
}

const TIMEOUT_S = 1800;

/** What is wrong with a run (failure, or stdout unlike the native run's), or undefined. */
function problem(run: Run, expected: Buffer): string | undefined {
  if (run.error !== undefined) return run.error;
  if (!run.stdout.equals(expected)) {
    return `stdout differs from the native run (${run.stdout.length} bytes, native ${expected.length})`;
  }
  return undefined;
}

function progress(c: Case, rep: number, tool: Tool, run: Run): void {
  const what =
    run.sample === undefined
      ? `FAILED: ${run.error ?? ""}`
      : `${run.sample.cpu.toFixed(2)} s CPU, ${run.sample.wall.toFixed(2)} s wall`;
  process.stderr.write(`  ${c.name} ${rep + 1}/${c.repeat} ${tool.title}: ${what}\n`);
}

export function runCase(runstat: string, c: Case): CaseResult {
  const result: CaseResult = { name: c.name, section: c.section, byTool: new Map() };
  const ref = measure(runstat, c.command, TIMEOUT_S);
  if (ref.error !== undefined) return { ...result, error: `native run failed: ${ref.error}` };
  for (const t of c.tools) result.byTool.set(t.key, { samples: [] });
  for (let rep = 0; rep < c.repeat; rep++) {
    for (const tool of c.tools) {
      const r = result.byTool.get(tool.key)!;
      if (r.error !== undefined) continue;
      const run = measure(runstat, tool.wrap(c.command), TIMEOUT_S);
      progress(c, rep, tool, run);
      const bad = problem(run, ref.stdout);
      if (bad !== undefined) {
        r.error = bad;
        continue;
      }
      r.samples.push(run.sample!);
      const ir = r.irefs ?? irefs(run.stderr);
      if (ir !== undefined) r.irefs = ir;
      const stats = lwpStats(run.stderr);
      if (stats !== undefined) r.stats = stats;
    }
  }
  for (const r of result.byTool.values()) {
    if (r.error === undefined) {
      const m = medianSample(r.samples);
      if (m !== undefined) r.median = m;
    }
  }
  return result;
}

/** Guest instructions of a case: cachegrind's count, else lwp's own exact count. */
export function instructions(r: CaseResult): number | undefined {
  for (const key of ["cg", "cgsim"]) {
    const n = r.byTool.get(key)?.irefs;
    if (n !== undefined) return n;
  }
  const s = r.byTool.get("run")?.stats?.get("instructions");
  return s === undefined ? undefined : Number(s);
}
