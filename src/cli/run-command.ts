// SPDX-License-Identifier: MIT
// `lwp run`: runs an unmodified x86-64 Linux program on the emulated machine.
import { delimiter, posix, resolve } from "node:path";
import { existsSync, statSync } from "node:fs";
import { ExecError, Machine, signalMessage } from "../kernel/machine.js";
import type { KernelOptions } from "../kernel/kernel.js";
import { NodeHost } from "./node-host.js";
import { maybePrintStats } from "./stats.js";
import { FileRefused, MAX_INPUT_BYTES, readRegularFile } from "./files.js";
import { type OptionRow, type Parsed, UsageError, intOption } from "./options.js";

export const MACHINE_OPTIONS: readonly OptionRow[] = [
  { name: "strace", help: "print every system call like strace(1) does, on stderr" },
  { name: "seed", arg: "N", help: "seed of every random bit the guest sees (default 1)" },
  { name: "host-time", help: "show the guest the host's clocks instead of virtual time" },
  { name: "epoch", arg: "TIME", help: "the guest's clock reads TIME at start: Unix seconds or an ISO 8601 date (default: the host's time, whole seconds; lwp record keeps it in the profile)" },
  { name: "max-instructions", arg: "N", help: "stop the program after N instructions (exit status 124)" },
  { name: "cpu", arg: "MODEL", help: "CPU model: full (default, every LWP feature) or fam15h (real Family 15h LWP)" },
  { name: "no-lwp", help: "boot with XCR0 bit 62 clear: LWP instructions raise SIGILL" },
  { name: "root", arg: "DIR", help: "confine every guest path to DIR (the guest's /); PROGRAM is looked up inside it" },
  { name: "debug-translate", help: "report an instruction the CPU fails to translate (the builder's error) on stderr" },
];

export const RUN_OPTIONS: readonly OptionRow[] = [...MACHINE_OPTIONS, { name: "help", short: "h", help: "show this help" }];

/**
 * Finds PROGRAM as a shell would: a path if it has a slash, else along $PATH.
 * With a root, the search happens inside it and the guest path is returned.
 */
export function findProgram(name: string, root = ""): string {
  const host = (g: string): string => (root === "" ? g : root + g);
  if (name.includes("/")) return root === "" ? resolve(name) : posix.resolve("/", name);
  for (const dir of (process.env["PATH"] ?? "/usr/bin:/bin").split(delimiter)) {
    const p = root === "" ? resolve(dir || ".", name) : posix.resolve("/", dir || ".", name);
    if (existsSync(host(p)) && statSync(host(p)).isFile()) return p;
  }
  throw new CliError(`lwp: ${name}: command not found`, 127);
}

/** The --root directory as an absolute host path without a trailing slash ("" when absent). */
function rootOption(opts: Parsed): string {
  const v = opts.get("root");
  if (v === undefined) return "";
  if (v === true || !existsSync(v) || !statSync(v).isDirectory()) throw new UsageError(`Invalid value for --root: ${String(v)} (expected a directory)`);
  const abs = resolve(v);
  return abs === "/" ? "" : abs;
}

export class CliError extends Error {
  constructor(message: string, readonly status = 1) {
    super(message);
  }
}

/** Latest --epoch: the guest's 64-bit nanosecond clock stays in range for centuries of virtual time after it. */
const MAX_EPOCH_S = 2 ** 33;

/** --epoch TIME in ns (Unix seconds or an ISO 8601 date), null when absent. */
function epochOption(opts: Parsed): bigint | null {
  const v = opts.get("epoch");
  if (v === undefined) return null;
  if (opts.has("host-time")) throw new UsageError("--epoch and --host-time exclude each other (--host-time shows the host's clock)");
  const s = v === true ? NaN : /^\d+$/.test(v) ? Number(v) : /^\d{4}-\d\d-\d\d/.test(v) ? Date.parse(v) / 1000 : NaN;
  if (!Number.isInteger(s) || s < 0 || s > MAX_EPOCH_S) {
    throw new UsageError(`Invalid value for --epoch: ${String(v)} (expected Unix seconds or an ISO 8601 date such as 2011-10-12T00:00:00Z)`);
  }
  return BigInt(s) * 1_000_000_000n;
}

export function machineOptions(opts: Parsed): Partial<KernelOptions> {
  const cpu = opts.get("cpu") ?? "full";
  if (cpu !== "full" && cpu !== "fam15h") throw new UsageError(`Invalid value for --cpu: ${String(cpu)} (expected full or fam15h)`);
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
  };
}

export function readProgram(path: string): Uint8Array {
  try {
    const bytes = readRegularFile(path, MAX_INPUT_BYTES);
    // execve's may_open(MAY_EXEC): a regular file without any execute bit is EACCES.
    if ((statSync(path).mode & 0o111) === 0) throw new FileRefused("Permission denied", "EACCES");
    return bytes;
  } catch (e) {
    if (!(e instanceof FileRefused)) throw e;
    throw new CliError(`lwp: cannot run '${path}': ${e.reason}`, e.code === "ENOENT" ? 127 : 126);
  }
}

/** Starts the program and runs it to the end; returns the exit status for the CLI. */
export async function runProgram(opts: Parsed, rest: string[]): Promise<number> {
  const name = rest[0];
  if (name === undefined) throw new UsageError("Missing PROGRAM to run");
  const mopts = machineOptions(opts);
  const root = mopts.root ?? "";
  const path = findProgram(name, root);
  const bytes = readProgram(root + path);
  const machine = new Machine(new NodeHost(root === "" ? null : "/"), mopts);
  let proc;
  try {
    proc = machine.spawn({ path, bytes, argv: rest, envp: Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ""}`) });
  } catch (e) {
    if (e instanceof ExecError) throw new CliError(`lwp: cannot run '${path}': ${e.message}`, e.errno === 2 ? 127 : 126); // as a shell: 127 when a file is missing
    throw e;
  }
  const status = await machine.run(proc);
  if (proc.killedBy !== 0) {
    const msg = signalMessage(proc.killedBy);
    if (msg !== "") process.stderr.write(`${msg}\n`);
  }
  maybePrintStats(machine);
  return status;
}
