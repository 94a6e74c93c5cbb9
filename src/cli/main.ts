#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// The `lwp` command: a table of subcommands (perf's commands[]) and a main
// that turns every user error into one line on stderr and a non-zero exit.
import { restoreWasmTiering } from "./wasm-tiering.js"; // first: before iced-x86 is instantiated
import iced from "iced-x86";
import Module from "node:module";
import { setFlagsFromString } from "node:v8";
import { CliError, RUN_OPTIONS, runProgram } from "./run-command.js";
import { tiersFromEnv, wasmBaselineOnly } from "./tiers.js";
import { type OptionRow, UsageError, helpText, parseOptions } from "./options.js";
import { REPORT_OPTIONS, reportCommand } from "./report-command.js";
import { RECORD_OPTIONS, recordCommand } from "./record-command.js";
import { STAT_OPTIONS, statCommand } from "./stat-command.js";
import {
  ANNOTATE_OPTIONS,
  DIFF_OPTIONS,
  SCRIPT_OPTIONS,
  annotateCommand,
  diffCommand,
  scriptCommand,
} from "./tool-commands.js";
import { setPager } from "./pager.js";
import { openDecodeCache } from "./decode-cache-file.js";
import { VERSION } from "./version.js";
import { JIT_TOTALS } from "../hw/jit/jit.js";

interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly options: readonly OptionRow[];
  readonly run: (opts: Map<string, string | true>, rest: string[]) => number | Promise<number>;
  /** Options may follow operands (commands that take no guest command line). */
  readonly interleaved?: boolean;
  /** Runs a guest program (and so decodes x86 code: the decoded-block cache is opened). */
  readonly guest?: boolean;
}

const COMMANDS: readonly Command[] = [
  {
    name: "run",
    usage: "lwp run [options] [--] PROGRAM [ARGS...]",
    summary: "run an x86-64 Linux program on the emulated LWP machine",
    options: RUN_OPTIONS,
    run: runProgram,
    guest: true,
  },
  {
    name: "record",
    usage:
      "lwp record [-e EVENTS] [-c N | -F HZ] [--no-random] [--filter-ip LO-HI] [-g | --call-graph MODE] [-o FILE] [--] PROGRAM [ARGS...]",
    summary: "profile a program with LWP into an lwpdata file",
    options: RECORD_OPTIONS,
    run: recordCommand,
    guest: true,
  },
  {
    name: "stat",
    usage: "lwp stat [-e EVENTS] [-r N] [-x SEP | -j] [--] PROGRAM [ARGS...]",
    summary: "run a program and print exact event counts",
    options: STAT_OPTIONS,
    run: statCommand,
    guest: true,
  },
  {
    name: "report",
    usage:
      "lwp report [-i FILE] [--stdio] [-s KEYS] [-g caller|callee] [--children] [--format FMT] [-o OUT] [--html OUT.html]",
    summary: "show or export the profile in an lwpdata file",
    options: REPORT_OPTIONS,
    run: reportCommand,
    interleaved: true,
  },
  {
    name: "annotate",
    usage: "lwp annotate [-i FILE] [-M att|intel] [SYMBOL]",
    summary: "disassemble a symbol with per-instruction sample shares and source lines",
    options: ANNOTATE_OPTIONS,
    run: annotateCommand,
    interleaved: true,
  },
  {
    name: "script",
    usage: "lwp script [-i FILE] [-e EVENTS] [-F FIELDS]",
    summary: "print every LWP event record, one per line",
    options: SCRIPT_OPTIONS,
    run: scriptCommand,
    interleaved: true,
  },
  {
    name: "diff",
    usage: "lwp diff [-e EVENT] BASELINE NEW",
    summary: "per-symbol share differences between two lwpdata files",
    options: DIFF_OPTIONS,
    run: diffCommand,
    interleaved: true,
  },
];

function usage(): string {
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return (
    `Usage: lwp [--version] [--no-pager] COMMAND [options]\n\nCommands:\n${lines.join("\n")}\n\n` +
    `Run 'lwp help COMMAND' or 'lwp COMMAND -h' for a command's options.\n`
  );
}

function findCommand(name: string): Command {
  const cmd = COMMANDS.find((c) => c.name === name);
  if (cmd === undefined) throw new UsageError(`Unknown command: ${name} (try 'lwp --help')`);
  return cmd;
}

function main(argv: string[]): number | Promise<number> {
  tiersFromEnv(process.env);
  wasmBaselineOnly();
  let args = argv;
  while (args[0] === "--no-pager" || args[0] === "--paginate") {
    setPager(args[0] === "--paginate");
    args = args.slice(1);
  }
  const [name, ...rest] = args;
  // `lwp run` leaves stdout to the guest (fd 1 directly): creating process.stdout (a socket on a pipe) would only slow its start.
  if (name !== "run") quietOnClosedStdout();
  if (name === "--version" || name === "-v" || name === "version") {
    process.stdout.write(`lwp version ${VERSION}\n`);
    return 0;
  }
  if (name === undefined || name === "--help" || name === "-h" || (name === "help" && rest.length === 0)) {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "help") {
    const cmd = findCommand(rest[0]!);
    process.stdout.write(helpText(cmd.usage, cmd.options));
    return 0;
  }
  const cmd = findCommand(name);
  const { opts, rest: operands } = parseOptions(cmd.options, rest, cmd.interleaved ?? false);
  if (opts.has("help")) {
    quietOnClosedStdout();
    process.stdout.write(helpText(cmd.usage, cmd.options));
    return 0;
  }
  if (opts.has("no-pager")) setPager(false);
  if (cmd.guest !== true) {
    youngGenerationAsV8();
    return cmd.run(opts, operands);
  }
  if (operands[0] !== undefined) openDecodeCache(operands[0]);
  return Promise.resolve(cmd.run(opts, operands)).then(exitAtOnce);
}

/**
 * The launcher holds V8's young generation at its first 1 MB through a guest's start-up
 * (bin/lwp.js; the run loop lets it grow afterwards, src/cli/run-loop.ts). A command that
 * runs no guest lets it grow as V8 would from the start: `lwp report` allocates hundreds of
 * MB decoding DWARF, which in 1 MB took 338 scavenges, half of its CPU profile.
 */
function youngGenerationAsV8(): void {
  setFlagsFromString("--semi-space-growth-factor=2");
}

/**
 * Ends a command that ran a guest with `process.exit`, not by letting Node free its
 * environment and heap first: that teardown cost a dynamic /bin/true 20-30 ms of its
 * 300 (docs/architecture.md "Start-up"). Such a command has written everything by now
 * (its output is synchronous: files, pipes and terminals on Linux), and 'exit'
 * handlers still run (the decoded-block and code caches are saved there). Node's own
 * compile cache (Node >= 22.1) is saved by a natural exit or a flush: where Node has
 * no flush (22.1 to 22.9), the process ends naturally.
 */
function exitAtOnce(status: number): number {
  process.exitCode = status;
  const m = Module as { enableCompileCache?: unknown; flushCompileCache?: () => void };
  if (typeof m.enableCompileCache === "function" && typeof m.flushCompileCache !== "function") return status;
  m.flushCompileCache?.();
  process.exit(status);
}

// A reader that went away (`lwp script | head`): stop quietly with the status of a
// process killed by SIGPIPE, as perf and coreutils do (Node ignores the signal itself).
let quiet = false;
function quietOnClosedStdout(): void {
  if (quiet) return;
  quiet = true;
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    process.exit(128 + 13);
  });
}

function fail(e: unknown): void {
  if (e instanceof UsageError) {
    process.stderr.write(`lwp: ${e.message}\n`);
    process.exitCode = 2;
  } else if (e instanceof CliError) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = e.status;
  } else throw e;
}

/**
 * Regions this process compiled, for bin/lwp.js as it exits: a code cache written by a run
 * that compiled none lacks the region compiler, which every later run that compiles one
 * would then compile from source.
 */
export function compiledRegions(): number {
  return JIT_TOTALS.regions;
}

restoreWasmTiering(iced);
try {
  const r = main(process.argv.slice(2));
  if (typeof r === "number") process.exitCode = r;
  else {
    r.then((status) => {
      process.exitCode = status;
    }, fail);
  }
} catch (e) {
  fail(e);
}
