// SPDX-License-Identifier: MIT
// `lwp run`: runs an unmodified x86-64 Linux program on the emulated machine.
import { readFileSync } from "node:fs";
import { delimiter, posix, resolve } from "node:path";
import { existsSync, statSync } from "node:fs";
import { ExecError, Machine, signalMessage } from "../kernel/machine.js";
import type { KernelOptions } from "../kernel/kernel.js";
import { NodeHost } from "./node-host.js";
import { type OptionRow, type Parsed, UsageError, intOption } from "./options.js";

export const MACHINE_OPTIONS: readonly OptionRow[] = [
  { name: "strace", help: "print every system call like strace(1) does, on stderr" },
  { name: "seed", arg: "N", help: "seed of every random bit the guest sees (default 1)" },
  { name: "host-time", help: "show the guest the host's clocks instead of virtual time" },
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
    debugTranslate: opts.has("debug-translate"),
  };
}

export function readProgram(path: string): Uint8Array {
  try {
    const st = statSync(path);
    if (st.isDirectory() || !st.isFile() || (st.mode & 0o111) === 0) throw Object.assign(new Error("EACCES"), { code: "EACCES" });
    return readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === "ENOENT" ? "No such file or directory" : code === "EACCES" ? "Permission denied" : code === "EISDIR" ? "Is a directory" : String(code);
    throw new CliError(`lwp: cannot run '${path}': ${why}`, code === "ENOENT" ? 127 : 126);
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
    if (e instanceof ExecError) throw new CliError(`lwp: cannot run '${path}': ${e.message}`, 126);
    throw e;
  }
  const status = await machine.run(proc);
  if (proc.killedBy !== 0) {
    const msg = signalMessage(proc.killedBy);
    if (msg !== "") process.stderr.write(`${msg}\n`);
  }
  return status;
}
