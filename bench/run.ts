// SPDX-License-Identifier: MIT
// `npm run bench` (bench/README.md): start-up, process creation, the loops and real
// programs, each natively and under QEMU, valgrind, cachegrind and lwp; medians of
// interleaved repetitions, CPU and wall time, peak RSS, ratios and geometric means.
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { compileStatic, repoRoot } from "../test/helpers/build-guests.js";
import type { Command } from "./measure.js";
import { type Ctx, workloads } from "./programs.js";
import { failures, geomeans, microTable, statsTable, workloadTables } from "./report.js";
import { type Case, type CaseResult, runCase } from "./suite.js";
import { TOOLS, type Tool, cleanUp, have, toolByKey } from "./tools.js";

interface Options {
  readonly filter: RegExp | undefined;
  readonly repeat: number;
  readonly startupRepeat: number;
  readonly tools: readonly Tool[];
  readonly scale: number;
  readonly json: string | undefined;
  readonly list: boolean;
}

const USAGE = `usage: npm run bench -- [PATTERN] [--repeat N] [--startup-repeat N] [--tools LIST] [--scale X] [--json FILE] [--list]
  PATTERN             regular expression on case names (--list shows them)
  --repeat N          interleaved repetitions of each workload and fork case (default 3)
  --startup-repeat N  repetitions of the start-up cases (default 21)
  --tools LIST        columns, comma-separated: ${TOOLS.map((t) => t.key).join(",")} (default: all installed)
  --scale X           multiply the real programs' input sizes (default 1; 0.1 for a quick look)
  --json FILE         also write every sample as JSON`;

class BenchUsage extends Error {}

function positive(name: string, v: string | undefined, integer: boolean): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new BenchUsage(`${name} needs a positive ${integer ? "integer" : "number"}, got ${String(v)}`);
  }
  return n;
}

/** A tool named on the command line (an unknown one is a usage error, not a stack trace). */
function toolArg(key: string): Tool {
  try {
    return toolByKey(key);
  } catch (e) {
    throw new BenchUsage((e as Error).message);
  }
}

/** The case-name pattern (an invalid regular expression is a usage error). */
function pattern(a: string): RegExp {
  try {
    return new RegExp(a);
  } catch {
    throw new BenchUsage(`invalid pattern ${a}`);
  }
}

function parse(argv: readonly string[]): Options {
  let filter: RegExp | undefined,
    repeat = 3,
    startupRepeat = 21,
    scale = 1,
    json: string | undefined,
    list = false;
  let tools = TOOLS.filter((t) => t.needs === null || have(t.needs));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--repeat") repeat = positive(a, argv[++i], true);
    else if (a === "--startup-repeat") startupRepeat = positive(a, argv[++i], true);
    else if (a === "--scale") scale = positive(a, argv[++i], false);
    else if (a === "--json") json = argv[++i];
    else if (a === "--list") list = true;
    else if (a === "--tools") tools = (argv[++i] ?? "").split(",").map(toolArg);
    else if (a === "--help" || a === "-h") throw new BenchUsage("");
    else if (a.startsWith("-")) throw new BenchUsage(`unknown option ${a}`);
    else filter = pattern(a);
  }
  return { filter, repeat, startupRepeat, tools, scale, json, list };
}

function pick(o: Options, keys: readonly string[]): Tool[] {
  return o.tools.filter((t) => keys.includes(t.key));
}

/** Every case of the bench, in the order they run (quick ones first). */
function cases(o: Options, ctx: Ctx): (Case | { name: string; missing: string })[] {
  const micro = (name: string): string => {
    const out = join(ctx.build, name);
    compileStatic("musl-gcc", join(ctx.root, "bench", "micro", `${name}.c`), out, ["-O2", "-Wall", "-Wextra"]);
    return out;
  };
  const startup = pick(o, ["native", "qemu", "run"]),
    forks = pick(o, ["native", "run"]);
  const bash = "for i in $(seq 1 300); do v=$(echo $((i * 2))); done; echo $v";
  const fixed: [string, Case["section"], () => Command, Tool[], number][] = [
    ["startup-static", "startup", () => ({ cmd: micro("hello"), args: [] }), startup, o.startupRepeat],
    ["startup-dynamic", "startup", () => ({ cmd: "/bin/true", args: [] }), startup, o.startupRepeat],
    // The same without the decoded-block cache (docs/architecture.md "Start-up"): a program's first run.
    [
      "startup-dynamic-nocache",
      "startup",
      () => ({ cmd: "/bin/true", args: [], env: { LWP_DECODE_CACHE: "0" } }),
      startup,
      o.startupRepeat,
    ],
    ["fork200", "forks", () => ({ cmd: micro("forks"), args: ["200"] }), forks, o.repeat],
    ["fork-bash", "forks", () => ({ cmd: "/bin/bash", args: ["-c", bash] }), forks, o.repeat],
  ];
  const all: (Case | { name: string; missing: string })[] = [];
  for (const [name, section, command, tools, repeat] of fixed) {
    if (o.filter?.test(name) === false) continue;
    all.push({ name, section, command: command(), tools, repeat });
  }
  for (const w of workloads(ctx.root)) {
    if (o.filter?.test(w.name) === false) continue;
    const command = w.prepare(ctx);
    if (typeof command === "string") all.push({ name: w.name, missing: command });
    else {
      all.push({
        name: w.name,
        section: w.group === "loop" ? "loops" : "programs",
        command,
        tools: [...o.tools],
        repeat: o.repeat,
      });
    }
  }
  return all;
}

function printSection(section: Case["section"], rows: readonly CaseResult[], o: Options): void {
  if (rows.length === 0) return;
  const tools = o.tools.filter((t) => rows.some((r) => r.byTool.has(t.key)));
  if (section === "startup") console.log(microTable("Start-up", rows, tools, "qemu"));
  else if (section === "forks") console.log(microTable("Process creation", rows, tools, "native"));
  else {
    console.log(`${section === "loops" ? "Loops" : "Real programs"}\n`);
    console.log(`${workloadTables(rows, tools)}\n`);
    console.log(`${geomeans(section === "loops" ? "loops" : "real programs", rows, tools)}\n`);
    console.log(statsTable(rows));
  }
  console.log("");
}

function main(argv: readonly string[]): number {
  const o = parse(argv);
  const root = repoRoot();
  const ctx: Ctx = { root, build: join(root, "build", "bench"), scale: o.scale };
  const all = cases(o, ctx);
  if (o.list) {
    for (const c of all) {
      console.log(
        "missing" in c
          ? `${c.name}  (cannot run: ${c.missing})`
          : `${c.name}  [${c.section}] ${[c.command.cmd, ...c.command.args].join(" ").replace(/\n/g, "\\n").slice(0, 100)}`,
      );
    }
    return 0;
  }
  const runstat = join(ctx.build, "runstat");
  compileStatic("gcc", join(root, "bench", "runstat.c"), runstat, ["-O2", "-Wall", "-Wextra"]);
  console.log(
    `lwp bench: ${new Date().toISOString()}, Node ${process.version}, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `medians of ${o.repeat} interleaved repetitions (start-up: ${o.startupRepeat}); CPU = user+system time of the process and the children it waited for\n`,
  );
  const results: CaseResult[] = [];
  for (const section of ["startup", "forks", "loops", "programs"] as const) {
    const here: CaseResult[] = [];
    for (const c of all) {
      if ("missing" in c) {
        if (section === "programs") results.push({ name: c.name, section, byTool: new Map(), error: c.missing });
        continue;
      }
      if (c.section !== section) continue;
      process.stderr.write(`${c.name}...\n`);
      here.push(runCase(runstat, c));
    }
    printSection(section, here, o);
    results.push(...here);
  }
  cleanUp();
  const f = failures(results);
  if (f !== "") console.log(f);
  if (o.json !== undefined) {
    writeFileSync(
      o.json,
      JSON.stringify(results, (_, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v), 2),
    );
  }
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof BenchUsage)) throw e;
  if (e.message !== "") console.error(`bench: ${e.message}`);
  console.error(USAGE);
  process.exitCode = e.message === "" ? 0 : 2;
}
