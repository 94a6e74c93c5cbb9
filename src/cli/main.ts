#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// The `lwp` command: a table of subcommands (perf's commands[]) and a main
// that turns every user error into one line on stderr and a non-zero exit.
import { CliError, RUN_OPTIONS, runProgram } from "./run-command.js";
import { type OptionRow, UsageError, helpText, parseOptions } from "./options.js";

interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly options: readonly OptionRow[];
  readonly run: (opts: Map<string, string | true>, rest: string[]) => number;
}

const COMMANDS: readonly Command[] = [
  { name: "run", usage: "lwp run [options] [--] PROGRAM [ARGS...]", summary: "run an x86-64 Linux program on the emulated LWP machine", options: RUN_OPTIONS, run: runProgram },
];

function usage(): string {
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return `Usage: lwp COMMAND [options]\n\nCommands:\n${lines.join("\n")}\n\nRun 'lwp COMMAND --help' for a command's options.\n`;
}

function main(argv: string[]): number {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (cmd === undefined) throw new UsageError(`Unknown command: ${name} (try 'lwp --help')`);
  const { opts, rest } = parseOptions(cmd.options, args);
  if (opts.has("help")) {
    process.stdout.write(helpText(cmd.usage, cmd.options));
    return 0;
  }
  return cmd.run(opts, rest);
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(`lwp: ${e.message}\n`);
    process.exitCode = 2;
  } else if (e instanceof CliError) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = e.status;
  } else throw e;
}
