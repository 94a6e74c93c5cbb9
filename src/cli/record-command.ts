// SPDX-License-Identifier: MIT
// `lwp record`: runs an unmodified program with the kernel profiling it through LWP
// (an LWPCB and ring per thread), streaming the records into an lwpdata file that
// is renamed into place at the end (record-output.ts). SIGINT/SIGTERM/SIGHUP stop
// the guest and still write a valid profile, as perf record does.
import { posix, resolve } from "node:path";
import { Machine, type SpawnOptions, signalMessage } from "../kernel/machine.js";
import { ProfileError } from "../kernel/lwp/options.js";
import type { Process } from "../kernel/process.js";
import { LwpDataStream } from "../tools/format/stream-writer.js";
import { Recorder, RECORDABLE, parseEvents } from "../tools/record/recorder.js";
import { MAX_PERIOD, MIN_PERIOD, type Sampling, samplingPlan } from "../tools/record/sampling.js";
import { eventById } from "../tools/decode/events.js";
import { CliError, MACHINE_OPTIONS, machineOptions, spawnProgram } from "./run-command.js";
import { NodeHost } from "./node-host.js";
import { maybePrintStats } from "./stats.js";
import { type OptionRow, type Parsed, UsageError, intOption } from "./options.js";
import { RecordOutput } from "./record-output.js";
import { progressLine, reraise, runChunked } from "./run-loop.js";
import { buildIdOfFile } from "./files.js";

export const CALL_GRAPH_MODES = ["fp", "dwarf", "lbr"] as const;

export const RECORD_OPTIONS: readonly OptionRow[] = [
  {
    name: "event",
    short: "e",
    arg: "LIST",
    help: `events to sample, comma-separated: ${RECORDABLE.join(", ")} (default instructions)`,
  },
  { name: "count", short: "c", arg: "N", help: "sampling period: one sample every N events (default 100000)" },
  {
    name: "freq",
    short: "F",
    arg: "HZ",
    help: "sample rate per second of virtual time (1 ns per instruction): sets the period to 1e9/HZ events",
  },
  {
    name: "random",
    arg: "BITS",
    help: "randomise the low BITS (0-15) of each reload (LWPCB Random field; default: chosen from the period)",
  },
  { name: "no-random", help: "exact periods: no randomisation of the reload (may alias with loops)" },
  { name: "filter-ip", arg: "LO-HI", help: "count only instructions at addresses LO..HI (hex, inclusive)" },
  { name: "g", short: "g", shortOnly: true, help: "record a call stack with each sample (same as --call-graph fp)" },
  {
    name: "call-graph",
    arg: "MODE",
    help: `record call stacks: ${CALL_GRAPH_MODES.join(", ")} (all give the exact shadow call stack; dwarf,SIZE accepted)`,
  },
  {
    name: "output",
    short: "o",
    arg: "FILE",
    help: "data file to write (default lwp.data; an existing one is kept as FILE.old)",
  },
  { name: "quiet", short: "q", help: "print nothing but errors" },
  ...MACHINE_OPTIONS,
  { name: "help", short: "h", help: "show this help" },
];

const DEFAULT_PERIOD = 100_000;

export function events(opts: Parsed, fallback: string): number[] {
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
  const lo = m === null ? NaN : parseInt(m[1]!, 16),
    hi = m === null ? NaN : parseInt(m[2]!, 16);
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo > hi) {
    throw new UsageError(`Invalid value for --filter-ip: ${String(v)} (expected LO-HI in hex)`);
  }
  return { lo, hi };
}

/** --call-graph MODE / -g: the mode, or null for no call stacks. */
export function callGraphMode(opts: Parsed): string | null {
  const v = opts.get("call-graph");
  if (v === undefined) return opts.has("g") ? "fp" : null;
  const mode = typeof v === "string" ? v.split(",")[0]! : "";
  const size = typeof v === "string" ? v.split(",")[1] : undefined;
  if (
    !(CALL_GRAPH_MODES as readonly string[]).includes(mode) ||
    (size !== undefined && (mode !== "dwarf" || !/^\d+$/.test(size)))
  ) {
    throw new UsageError(
      `Invalid value for --call-graph: ${String(v)} (expected ${CALL_GRAPH_MODES.join(", ")}, or dwarf,SIZE)`,
    );
  }
  return mode;
}

function period(opts: Parsed): number {
  if (opts.has("freq") && opts.has("count")) throw new UsageError("-c and -F cannot be used together");
  if (!opts.has("freq")) return intOption(opts, "count", DEFAULT_PERIOD);
  const hz = intOption(opts, "freq", 0);
  if (hz === 0) throw new UsageError("Invalid value for --freq: 0 (expected a rate above 0)");
  const p = Math.max(1, Math.round(1e9 / hz));
  if (p < MIN_PERIOD || p > MAX_PERIOD) {
    // The rates whose rounded period fits EventInterval (25 bits, at least MIN_HW_INTERVAL).
    const lo = Math.ceil(1e9 / (MAX_PERIOD + 0.5)),
      hi = Math.floor(1e9 / (MIN_PERIOD - 0.5));
    throw new UsageError(
      `Invalid value for --freq: ${hz} (a period of ${p} events; the LWP unit takes ${MIN_PERIOD}..${MAX_PERIOD} events, -F ${lo}..${hi})`,
    );
  }
  return p;
}

function sampling(opts: Parsed): Sampling {
  if (opts.has("random") && opts.has("no-random")) {
    throw new UsageError("--random and --no-random cannot be used together");
  }
  const bits = opts.has("no-random") ? 0 : opts.has("random") ? intOption(opts, "random", 0) : undefined;
  try {
    return samplingPlan(period(opts), bits);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export interface Started {
  readonly machine: Machine;
  readonly proc: Process;
}

/**
 * Finds PROGRAM as `lwp run` does (through the kernel's path lookup, inside --root):
 * its guest path and the host path the profile's output is checked against.
 */
export function locate(opts: Parsed, rest: string[]): { path: string; host: string } {
  const name = rest[0];
  if (name === undefined) throw new UsageError("Missing PROGRAM to run");
  const mopts = machineOptions(opts);
  const root = mopts.root ?? "";
  const path = new Machine(new NodeHost(root === "" ? null : "/"), mopts).findProgram(
    name,
    process.env["PATH"] ?? "/usr/bin:/bin",
  );
  if (path === null) throw new CliError(`lwp: ${name}: command not found`, 127);
  return { path, host: root === "" ? resolve(path) : root + posix.resolve("/", path) };
}

/** Spawns the located program with the kernel's profiling or counting options. */
export function start(opts: Parsed, rest: string[], spawn: SpawnOptions): Started {
  const mopts = machineOptions(opts);
  if (mopts.lwp === false && spawn.profile !== undefined) throw new UsageError("lwp record needs LWP: drop --no-lwp");
  const root = mopts.root ?? "";
  const machine = new Machine(new NodeHost(root === "" ? null : "/"), mopts);
  try {
    return { machine, proc: spawnProgram(machine, rest, spawn) };
  } catch (e) {
    if (e instanceof ProfileError) throw new CliError(`lwp: ${e.message}`, 2);
    throw e;
  }
}

/** The shell's line for a guest killed by a signal. */
export function reportKill(p: Process): void {
  if (p.killedBy === 0) return;
  const msg = signalMessage(p.killedBy);
  if (msg !== "") process.stderr.write(`${msg}\n`);
}

export async function recordCommand(opts: Parsed, rest: string[]): Promise<number> {
  const ids = events(opts, "instructions");
  const plan = sampling(opts);
  const filter = ipFilter(opts);
  const mode = callGraphMode(opts);
  const quiet = opts.has("quiet");
  const mopts = machineOptions(opts);
  const root = mopts.root ?? "";
  const prog = locate(opts, rest);
  const name = typeof opts.get("output") === "string" ? (opts.get("output") as string) : "lwp.data";
  const out = RecordOutput.open(name, prog.host);
  const stream = new LwpDataStream(out);
  const rec = new Recorder((p) => buildIdOfFile(root + p), stream);
  let s: Started;
  try {
    s = start(opts, rest, {
      profile: {
        events: ids.map((id) => ({ id, period: plan.interval + 1 })),
        randomBits: plan.randomBits,
        ipFilter: filter,
        callGraph: mode !== null,
        timestamps: true,
        sink: rec,
      },
    });
  } catch (e) {
    out.abandon();
    throw e;
  }
  if (!quiet) process.stderr.write(`${plan.describe(ids.map((id) => eventById(id).name).join(","))}\n`);
  const run = await runChunked(s.machine, s.proc, {
    catchSignals: true,
    jsAllAlong: true,
    progress: (n, sec) => progressLine("record", n, sec, `, ${rec.samples} samples`),
  });
  const meta = {
    command: rest,
    seed: mopts.seed ?? 1,
    cpuModel: s.proc.cpu.model.name,
    events: ids.map((id) => ({
      eventId: id,
      interval: plan.interval,
      period: plan.meanPeriod,
      name: eventById(id).name,
    })),
    startTimeVirtual: 0,
    endTimeVirtual: Number(s.machine.kernel.clockNs()),
    epoch: Number(s.machine.kernel.epochNs / 1_000_000_000n),
    randomBits: plan.randomBits,
    callGraph: mode !== null,
    ...(mode === null ? {} : { callGraphMode: mode }),
    ...(filter === null ? {} : { filterIp: [filter.lo, filter.hi] }),
    instructions: s.machine.counts().instructions,
    ...(run.interrupted === null ? {} : { interrupted: run.interrupted }),
  };
  const size = rec.finish(meta);
  out.commit();
  maybePrintStats(s.machine);
  if (run.interrupted === null) reportKill(s.proc);
  const threads = rec.perThread.size;
  if (!quiet) {
    if (run.interrupted !== null) {
      process.stderr.write(
        `lwp record: ${run.interrupted} received: the program was stopped after ${s.machine.kernel.retiredTotal} instructions; the profile is partial\n`,
      );
    }
    process.stderr.write(
      `[ lwp record: wrote ${(size / 1048576).toFixed(3)} MB ${name} (${rec.samples} samples, ${threads} threads, ${rec.lostTotal} lost) ]\n`,
    );
  }
  if (run.interrupted !== null) reraise(run.interrupted);
  return run.status;
}
