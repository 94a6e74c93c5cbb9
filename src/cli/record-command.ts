// SPDX-License-Identifier: MIT
// `lwp record` and `lwp stat`: run an unmodified program with the kernel profiling
// it through LWP (an LWPCB and ring per thread, drained into an lwpdata file), or
// counting events exactly (perf stat's shape, on stderr).
import { readFileSync, writeFileSync } from "node:fs";
import { ExecError, Machine, type SpawnOptions, signalMessage } from "../kernel/machine.js";
import { ProfileError } from "../kernel/lwp/options.js";
import type { Process } from "../kernel/process.js";
import { EV } from "../hw/lwp/events.js";
import { REF_DEN, REF_NUM } from "../hw/lwp/cost-table.js";
import { writeLwpData } from "../tools/format/writer.js";
import { Recorder, RECORDABLE, parseEvents } from "../tools/record/recorder.js";
import { eventById } from "../tools/decode/events.js";
import { CliError, MACHINE_OPTIONS, findProgram, machineOptions, readProgram } from "./run-command.js";
import { NodeHost } from "./node-host.js";
import { type OptionRow, type Parsed, UsageError, intOption } from "./options.js";

export const RECORD_OPTIONS: readonly OptionRow[] = [
  { name: "event", short: "e", arg: "LIST", help: `events to sample, comma-separated: ${RECORDABLE.join(", ")} (default instructions)` },
  { name: "count", short: "c", arg: "N", help: "sampling period: one sample every N events (default 100000)" },
  { name: "random", arg: "BITS", help: "randomise the low BITS (0-15) of each reload (LWPCB Random field)" },
  { name: "filter-ip", arg: "LO-HI", help: "count only instructions at addresses LO..HI (hex, inclusive)" },
  { name: "call-graph", short: "g", help: "record a call stack with each sample (shadow call stack)" },
  { name: "output", short: "o", arg: "FILE", help: "data file to write (default lwp.data)" },
  ...MACHINE_OPTIONS,
  { name: "help", short: "h", help: "show this help" },
];

export const STAT_OPTIONS: readonly OptionRow[] = [
  { name: "event", short: "e", arg: "LIST", help: `events to count: ${RECORDABLE.join(", ")} (default all but dcache-misses)` },
  ...MACHINE_OPTIONS,
  { name: "help", short: "h", help: "show this help" },
];

const DEFAULT_PERIOD = 100_000;

function events(opts: Parsed, fallback: string): number[] {
  const v = opts.get("event");
  try {
    return parseEvents(typeof v === "string" ? v : fallback);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function ipFilter(opts: Parsed): { lo: number; hi: number } | null {
  const v = opts.get("filter-ip");
  if (v === undefined) return null;
  const m = typeof v === "string" ? /^(?:0x)?([0-9a-f]+)-(?:0x)?([0-9a-f]+)$/i.exec(v) : null;
  const lo = m === null ? NaN : parseInt(m[1]!, 16), hi = m === null ? NaN : parseInt(m[2]!, 16);
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo > hi) throw new UsageError(`Invalid value for --filter-ip: ${String(v)} (expected LO-HI in hex)`);
  return { lo, hi };
}

interface Started {
  readonly machine: Machine;
  readonly proc: Process;
}

/** Loads PROGRAM as `lwp run` does and spawns it with the kernel's profiling options. */
function start(opts: Parsed, rest: string[], spawn: SpawnOptions): Started {
  const name = rest[0];
  if (name === undefined) throw new UsageError("Missing PROGRAM to run");
  const mopts = machineOptions(opts);
  if (mopts.lwp === false && spawn.profile !== undefined) throw new UsageError("lwp record needs LWP: drop --no-lwp");
  const root = mopts.root ?? "";
  const path = findProgram(name, root);
  const bytes = readProgram(root + path);
  const machine = new Machine(new NodeHost(root === "" ? null : "/"), mopts);
  try {
    const envp = Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ""}`);
    return { machine, proc: machine.spawn({ path, bytes, argv: rest, envp }, spawn) };
  } catch (e) {
    if (e instanceof ExecError) throw new CliError(`lwp: cannot run '${path}': ${e.message}`, 126);
    if (e instanceof ProfileError) throw new CliError(`lwp: ${e.message}`, 2);
    throw e;
  }
}

async function finish(s: Started): Promise<number> {
  const status = await s.machine.run(s.proc);
  if (s.proc.killedBy !== 0) {
    const msg = signalMessage(s.proc.killedBy);
    if (msg !== "") process.stderr.write(`${msg}\n`);
  }
  return status;
}

function readMaybe(path: string): Uint8Array | undefined {
  try { return readFileSync(path); } catch { return undefined; }
}

export async function recordCommand(opts: Parsed, rest: string[]): Promise<number> {
  const ids = events(opts, "instructions");
  const period = intOption(opts, "count", DEFAULT_PERIOD);
  const randomBits = intOption(opts, "random", 0);
  const filter = ipFilter(opts);
  const callGraph = opts.has("call-graph");
  const out = typeof opts.get("output") === "string" ? (opts.get("output") as string) : "lwp.data";
  const mopts = machineOptions(opts);
  const root = mopts.root ?? "";
  const rec = new Recorder((p) => readMaybe(root + p));
  const s = start(opts, rest, { profile: { events: ids.map((id) => ({ id, period })), randomBits, ipFilter: filter, callGraph, sink: rec } });
  const status = await finish(s);
  const meta = {
    command: rest, seed: mopts.seed ?? 1, cpuModel: s.proc.cpu.model.name,
    events: ids.map((id) => ({ eventId: id, interval: period - 1, period, name: eventById(id).name })),
    startTimeVirtual: 0, endTimeVirtual: Number(s.machine.kernel.clockNs()),
    randomBits, callGraph, ...(filter === null ? {} : { filterIp: [filter.lo, filter.hi] }),
    instructions: s.machine.counts().instructions,
  };
  const bytes = writeLwpData(rec.data(meta));
  try {
    writeFileSync(out, bytes);
  } catch (e) {
    throw new CliError(`lwp: cannot write '${out}': ${String((e as { code?: string }).code ?? e)}`);
  }
  const threads = new Set(rec.samples.map((x) => x.tid)).size;
  process.stderr.write(`[ lwp record: wrote ${(bytes.length / 1048576).toFixed(3)} MB ${out} (${rec.samples.length} samples, ${threads} threads, ${rec.lostTotal} lost) ]\n`);
  return status;
}

const group = (n: number): string => Math.round(n).toLocaleString("en-US");

/** perf stat's lines for the exact counts. */
export function formatStat(command: readonly string[], ids: readonly number[], c: ReturnType<Machine["counts"]>, ns: bigint): string {
  const lines = [``, ` Performance counter stats for '${command.join(" ")}':`, ``];
  const ref = Math.floor((c.cycles * REF_NUM) / REF_DEN);
  const value: Record<number, number> = {
    [EV.INSTRUCTIONS]: c.instructions, [EV.BRANCHES]: c.branches, [EV.CYCLES]: c.cycles, [EV.REF_CYCLES]: ref, [EV.DCACHE]: c.dcacheMisses,
  };
  for (const id of ids) {
    const name = eventById(id).name;
    let note = "";
    if (id === EV.INSTRUCTIONS && ids.includes(EV.CYCLES) && c.cycles > 0) note = `#  ${(c.instructions / c.cycles).toFixed(2)}  insn per cycle`;
    if (id === EV.BRANCHES && c.instructions > 0) note = `#  ${((100 * c.branches) / c.instructions).toFixed(2)}% of instructions`;
    lines.push(`${group(value[id] ?? 0).padStart(18)}      ${name.padEnd(22)} ${note}`.trimEnd());
    if (id === EV.INSTRUCTIONS) {
      const iters = c.instructions - c.repInstructions + c.repIterations;
      lines.push(`${group(iters).padStart(18)}      ${"instructions:rep".padEnd(22)} #  each REP iteration counted (as valgrind's Ir)`);
    }
  }
  lines.push(``, `${(Number(ns) / 1e9).toFixed(9).padStart(18)} seconds time elapsed (virtual)`, ``);
  return lines.join("\n") + "\n";
}

export async function statCommand(opts: Parsed, rest: string[]): Promise<number> {
  const ids = events(opts, "instructions,branches,cycles,ref-cycles");
  const cyc = ids.includes(EV.CYCLES) || ids.includes(EV.REF_CYCLES);
  const s = start(opts, rest, {
    count: { branches: ids.includes(EV.BRANCHES), cycles: cyc, dcache: ids.includes(EV.DCACHE), repIterations: ids.includes(EV.INSTRUCTIONS) },
  });
  const status = await finish(s);
  process.stderr.write(formatStat(rest, ids, s.machine.counts(), s.machine.kernel.clockNs()));
  return status;
}
