// SPDX-License-Identifier: MIT
// Shared plumbing of the lwpdata tools (report, annotate, script, diff): reading
// the data file and the mapped ELF files, with one-line errors for the CLI.
import { writeFileSync } from "node:fs";
import { FileRefused, MAX_INPUT_BYTES, MAX_SYMBOL_FILE_BYTES, errnoText, readRegularFile } from "./files.js";
import type * as Zlib from "node:zlib";
import { createRequire } from "node:module";
import { LwpDataError, readLwpData } from "../tools/format/reader.js";
import { parseEventList } from "../tools/session/aggregate.js";
import { openSession, type Session } from "../tools/session/session.js";
import { EVENTS } from "../tools/decode/events.js";
import { CliError } from "./run-command.js";
import { writeStdout } from "./pager.js";
import { type OptionRow, type Parsed, UsageError } from "./options.js";

export const DEFAULT_INPUT = "lwp.data";

export const INPUT_OPTION: OptionRow = {
  name: "input",
  short: "i",
  arg: "FILE",
  help: `lwpdata file to read (default ${DEFAULT_INPUT})`,
};
export const EVENT_OPTION: OptionRow = {
  name: "event",
  short: "e",
  arg: "LIST",
  help: `only these events, comma-separated (${EVENTS.map((e) => e.name).join(", ")})`,
};
export const HELP_OPTION: OptionRow = { name: "help", short: "h", help: "show this help" };

/** node:zlib, loaded when a compressed section is read (not at every command's start-up). */
const inflate = (b: Uint8Array): Uint8Array =>
  new Uint8Array((createRequire("/")("node:zlib") as typeof Zlib).inflateSync(b));

/** --symfs, --debug-dir: where the tools find the files a profile names. */
export const SYMBOL_OPTIONS: readonly OptionRow[] = [
  { name: "symfs", arg: "DIR", help: "look for every mapped file (and debug file) under DIR, as perf's --symfs" },
  {
    name: "debug-dir",
    arg: "DIRS",
    help: "colon-separated directories of separate debug files (default /usr/lib/debug)",
  },
  { name: "inline", help: "show functions inlined at an address as callchain entries, from DWARF (the default)" },
  { name: "no-inline", help: "do not read inlined frames from DWARF" },
];

/** Reads and decodes an lwpdata file, then symbolizes it against the files its MAPS name. */
export function loadSession(path: string, opts: Parsed = new Map()): Session {
  let bytes: Uint8Array;
  try {
    bytes = readRegularFile(path, MAX_INPUT_BYTES);
  } catch (e) {
    if (e instanceof FileRefused) throw new CliError(`lwp: cannot read '${path}': ${e.reason}`);
    throw e;
  }
  const symfs = typeof opts.get("symfs") === "string" ? (opts.get("symfs") as string).replace(/\/+$/, "") : "";
  const dirs = opts.get("debug-dir");
  const debugDirs = typeof dirs === "string" ? dirs.split(":").filter((d) => d !== "") : ["/usr/lib/debug"];
  const load = (p: string): Uint8Array | string => {
    try {
      return readRegularFile(symfs + p, MAX_SYMBOL_FILE_BYTES);
    } catch (e) {
      const why = e instanceof FileRefused ? e.reason : String(e);
      return symfs === "" ? why : `${symfs + p}: ${why}`;
    }
  };
  try {
    const data = readLwpData(bytes);
    const s = openSession(data, load, { inflate, debugDirs, inline: !opts.has("no-inline") });
    for (const w of s.warnings) process.stderr.write(`lwp: warning: ${w}\n`);
    return s;
  } catch (e) {
    if (e instanceof LwpDataError) throw new CliError(`lwp: ${path}: ${e.message}`);
    throw e;
  }
}

export function inputPath(opts: Parsed): string {
  const v = opts.get("input");
  return typeof v === "string" ? v : DEFAULT_INPUT;
}

/** The --event filter as EventIds, or undefined for all; unknown names are usage errors. */
export function eventFilter(opts: Parsed): Set<number> | undefined {
  const v = opts.get("event");
  if (typeof v !== "string") return undefined;
  try {
    const ids = parseEventList(v);
    if (ids.size === 0) throw new Error("Empty event list");
    return ids;
  } catch (e) {
    throw new UsageError(`${(e as Error).message} (known events: ${EVENTS.map((x) => x.name).join(", ")})`);
  }
}

/** Reads a choice option, or throws a UsageError listing the choices. */
export function choice<T extends string>(opts: Parsed, name: string, choices: readonly T[], fallback: T): T {
  const v = opts.get(name);
  if (v === undefined) return fallback;
  if (typeof v === "string" && (choices as readonly string[]).includes(v)) return v as T;
  throw new UsageError(`Invalid value for --${name}: ${String(v)} (expected ${choices.join(", ")})`);
}

/** Writes output to a file (-o) or stdout. */
export function emit(out: string | Uint8Array, path: string | undefined): void {
  if (path === undefined) {
    writeStdout(out);
    return;
  }
  try {
    writeFileSync(path, out);
  } catch (e) {
    throw new CliError(`lwp: cannot write '${path}': ${errnoText(e)}`);
  }
}
