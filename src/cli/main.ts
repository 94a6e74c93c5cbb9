#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// The `lwp` command: a table of subcommands (perf's commands[]) and a main
// that turns every user error into one line on stderr and a non-zero exit.
import { CliError, RUN_OPTIONS, runProgram } from "./run-command.js";
import { tiersFromEnv } from "./tiers.js";
import { type OptionRow, UsageError, helpText, parseOptions } from "./options.js";
import { REPORT_OPTIONS, reportCommand } from "./report-command.js";
import { RECORD_OPTIONS, STAT_OPTIONS, recordCommand, statCommand } from "./record-command.js";
import { ANNOTATE_OPTIONS, DIFF_OPTIONS, SCRIPT_OPTIONS, annotateCommand, diffCommand, scriptCommand } from "./tool-commands.js";

interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly options: readonly OptionRow[];
  readonly run: (opts: Map<string, string | true>, rest: string[]) => number | Promise<number>;
  /** Options may follow operands (commands that take no guest command line). */
  readonly interleaved?: boolean;
}

const COMMANDS: readonly Command[] = [
  { name: "run", usage: "lwp run [options] [--] PROGRAM [ARGS...]", summary: "run an x86-64 Linux program on the emulated LWP machine", options: RUN_OPTIONS, run: runProgram },
  { name: "record", usage: "lwp record [-e EVENTS] [-c N] [--random BITS] [--filter-ip LO-HI] [-g] [-o FILE] [--] PROGRAM [ARGS...]", summary: "profile a program with LWP into an lwpdata file", options: RECORD_OPTIONS, run: recordCommand },
  { name: "stat", usage: "lwp stat [-e EVENTS] [--] PROGRAM [ARGS...]", summary: "run a program and print exact event counts", options: STAT_OPTIONS, run: statCommand },
  { name: "report", usage: "lwp report [-i FILE] [--sort KEY] [--format FMT] [-o OUT] [--html OUT.html]", summary: "show or export the profile in an lwpdata file", options: REPORT_OPTIONS, run: reportCommand, interleaved: true },
  { name: "annotate", usage: "lwp annotate [-i FILE] [-M att|intel] [SYMBOL]", summary: "disassemble a symbol with per-instruction sample shares and source lines", options: ANNOTATE_OPTIONS, run: annotateCommand, interleaved: true },
  { name: "script", usage: "lwp script [-i FILE] [-e EVENTS]", summary: "print every LWP event record, one per line", options: SCRIPT_OPTIONS, run: scriptCommand, interleaved: true },
  { name: "diff", usage: "lwp diff [-e EVENT] BASELINE NEW", summary: "per-symbol share differences between two lwpdata files", options: DIFF_OPTIONS, run: diffCommand, interleaved: true },
];

function usage(): string {
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return `Usage: lwp COMMAND [options]\n\nCommands:\n${lines.join("\n")}\n\nRun 'lwp COMMAND --help' for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  tiersFromEnv(process.env);
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (cmd === undefined) throw new UsageError(`Unknown command: ${name} (try 'lwp --help')`);
  const { opts, rest } = parseOptions(cmd.options, args, cmd.interleaved ?? false);
  if (opts.has("help")) {
    process.stdout.write(helpText(cmd.usage, cmd.options));
    return 0;
  }
  return cmd.run(opts, rest);
}

// A reader that went away (`lwp script | head`): stop quietly with the status of a
// process killed by SIGPIPE, as perf and coreutils do (Node ignores the signal itself).
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e;
  process.exit(128 + 13);
});

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(`lwp: ${e.message}\n`);
    process.exitCode = 2;
  } else if (e instanceof CliError) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = e.status;
  } else throw e;
}
