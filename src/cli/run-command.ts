// SPDX-License-Identifier: MIT
// `lwp run`: runs an unmodified x86-64 Linux program on the emulated machine.
import { existsSync, realpathSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { ExecError, Machine, type SpawnOptions, signalMessage } from "../kernel/machine.js";
import type { Process } from "../kernel/process.js";
import { OutOfMemory } from "../hw/memory/phys.js";
import type { KernelOptions } from "../kernel/kernel.js";
import { NodeHost } from "./node-host.js";
import { maybePrintStats } from "./stats.js";
import { runChunked } from "./run-loop.js";
import { type OptionRow, type Parsed, UsageError, intOption } from "./options.js";

export const MACHINE_OPTIONS: readonly OptionRow[] = [
  { name: "strace", help: "print every system call like strace(1) does, on stderr" },
  { name: "seed", arg: "N", help: "seed of every random bit the guest sees (default 1)" },
  { name: "host-time", help: "show the guest the host's clocks instead of virtual time" },
  {
    name: "epoch",
    arg: "TIME",
    help: "the guest's clock reads TIME at start: Unix seconds or an ISO 8601 date (default: the host's time, whole seconds; lwp record keeps it in the profile)",
  },
  { name: "max-instructions", arg: "N", help: "stop the program after N instructions (exit status 124)" },
  { name: "cpu", arg: "MODEL", help: "CPU model: full (default, every LWP feature) or fam15h (real Family 15h LWP)" },
  { name: "no-lwp", help: "boot with XCR0 bit 62 clear: LWP instructions raise SIGILL" },
  { name: "root", arg: "DIR", help: "confine every guest path to DIR (the guest's /); PROGRAM is looked up inside it" },
  {
    name: "memory-limit",
    arg: "SIZE",
    help: "RAM of the emulated machine (bytes, or with K, M, G; default and most 2G): past it the OOM killer ends the largest process",
  },
  { name: "debug-translate", help: "report an instruction the CPU fails to translate (the builder's error) on stderr" },
];

export const RUN_OPTIONS: readonly OptionRow[] = [
  ...MACHINE_OPTIONS,
  { name: "help", short: "h", help: "show this help" },
];

/** The --root directory as an absolute host path without a trailing slash ("" when absent). */
function rootOption(opts: Parsed): string {
  const v = opts.get("root");
  if (v === undefined) return "";
  if (v === true || !existsSync(v) || !statSync(v).isDirectory()) {
    throw new UsageError(`Invalid value for --root: ${String(v)} (expected a directory)`);
  }
  const abs = realpathSync(resolve(v)); // the guest's paths are joined to this one: no symbolic link in it
  return abs === "/" ? "" : abs;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly status = 1,
  ) {
    super(message);
  }
}

/** The most RAM the emulated machine can have: what the physical memory holds (src/hw/memory/phys.ts). */
const MAX_RAM = 2 ** 31;

/** --memory-limit SIZE: bytes, or a number with K, M or G (powers of 1024), at least 1M and at most 2G. */
function memoryLimit(opts: Parsed): number | null {
  const v = opts.get("memory-limit");
  if (v === undefined) return null;
  const m = typeof v === "string" ? /^(\d+)([KMG]?)$/i.exec(v) : null;
  if (m === null) {
    throw new UsageError(`Invalid value for --memory-limit: ${String(v)} (expected a size like 512M or 2G)`);
  }
  const n = Number(m[1]) * 1024 ** " KMG".indexOf(m[2]!.toUpperCase() || " ");
  if (n < 2 ** 20 || n > MAX_RAM) throw new UsageError(`Invalid value for --memory-limit: ${v} (expected 1M to 2G)`);
  return Math.floor(n / 4096) * 4096;
}

/** Latest --epoch: the guest's 64-bit nanosecond clock stays in range for centuries of virtual time after it. */
const MAX_EPOCH_S = 2 ** 33;

/** --epoch TIME in ns (Unix seconds or an ISO 8601 date), null when absent. */
function epochOption(opts: Parsed): bigint | null {
  const v = opts.get("epoch");
  if (v === undefined) return null;
  if (opts.has("host-time")) {
    throw new UsageError("--epoch and --host-time exclude each other (--host-time shows the host's clock)");
  }
  const s = v === true ? NaN : /^\d+$/.test(v) ? Number(v) : /^\d{4}-\d\d-\d\d/.test(v) ? Date.parse(v) / 1000 : NaN;
  if (!Number.isInteger(s) || s < 0 || s > MAX_EPOCH_S) {
    throw new UsageError(
      `Invalid value for --epoch: ${String(v)} (expected Unix seconds or an ISO 8601 date such as 2011-10-12T00:00:00Z)`,
    );
  }
  return BigInt(s) * 1_000_000_000n;
}

export function machineOptions(opts: Parsed): Partial<KernelOptions> {
  const cpu = opts.get("cpu") ?? "full";
  if (cpu !== "full" && cpu !== "fam15h") {
    throw new UsageError(`Invalid value for --cpu: ${String(cpu)} (expected full or fam15h)`);
  }
  return {
    strace: opts.has("strace"),
    seed: intOption(opts, "seed", 1),
    hostTime: opts.has("host-time"),
    maxInstructions: opts.has("max-instructions") ? intOption(opts, "max-instructions", 0) : null,
    cpu,
    lwp: !opts.has("no-lwp"),
    root: rootOption(opts),
    epochNs: epochOption(opts),
    debugTranslate: opts.has("debug-translate"),
    memoryLimit: memoryLimit(opts),
  };
}

/** One line for a program the kernel could not start (a shell's wording; 127 when missing, 126 otherwise). */
function cannotRun(path: string, e: ExecError): CliError {
  const missing = e.errno === 2;
  return new CliError(`lwp: cannot run '${path}': ${e.message}`, missing ? 127 : 126);
}

/**
 * Finds PROGRAM as a shell would (a path if it has a slash, else along $PATH),
 * looked up by the kernel as the guest would see it (inside --root), and
 * creates its process; the errors are the CLI's one-line messages.
 */
export function spawnProgram(machine: Machine, rest: string[], spawn: SpawnOptions = {}): Process {
  const name = rest[0]!;
  const path = machine.findProgram(name, process.env["PATH"] ?? "/usr/bin:/bin");
  if (path === null) throw new CliError(`lwp: ${name}: command not found`, 127);
  try {
    return machine.spawn(
      { path, argv: rest, envp: Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ""}`) },
      spawn,
    );
  } catch (e) {
    if (e instanceof ExecError) throw cannotRun(path, e);
    if (e instanceof OutOfMemory) throw new CliError(`lwp: cannot run '${path}': out of memory (--memory-limit)`, 137);
    throw e;
  }
}

/** Starts the program and runs it to the end; returns the exit status for the CLI. */
export async function runProgram(opts: Parsed, rest: string[]): Promise<number> {
  if (rest[0] === undefined) throw new UsageError("Missing PROGRAM to run");
  const mopts = machineOptions(opts);
  const root = mopts.root ?? "";
  const machine = new Machine(new NodeHost(root === "" ? null : "/"), mopts);
  const proc = spawnProgram(machine, rest);
  const { status } = await runChunked(machine, proc);
  if (proc.killedBy !== 0) {
    const msg = signalMessage(proc.killedBy);
    if (msg !== "") process.stderr.write(`${msg}\n`);
  }
  maybePrintStats(machine);
  return status;
}
