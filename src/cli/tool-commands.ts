// SPDX-License-Identifier: MIT
// `lwp annotate`, `lwp script` and `lwp diff`: thin CLI wrappers over src/tools/report.
import { primaryEvent, histogram } from "../tools/session/aggregate.js";
import { AnnotateError, formatAnnotate } from "../tools/report/annotate.js";
import { formatDiff } from "../tools/report/diff.js";
import { SCRIPT_FIELDS, type ScriptField, formatScript, parseScriptFields } from "../tools/report/script.js";
import { CliError } from "./run-command.js";
import {
  EVENT_OPTION,
  HELP_OPTION,
  INPUT_OPTION,
  SYMBOL_OPTIONS,
  choice,
  emit,
  eventFilter,
  inputPath,
  loadSession,
} from "./profile-input.js";
import { type OptionRow, type Parsed, UsageError } from "./options.js";

export const ANNOTATE_OPTIONS: readonly OptionRow[] = [
  INPUT_OPTION,
  EVENT_OPTION,
  ...SYMBOL_OPTIONS,
  { name: "disassembler-style", short: "M", arg: "STYLE", help: "att (default) or intel" },
  HELP_OPTION,
];

export const SCRIPT_OPTIONS: readonly OptionRow[] = [
  INPUT_OPTION,
  EVENT_OPTION,
  {
    name: "fields",
    short: "F",
    arg: "LIST",
    help: `fields to print: ${SCRIPT_FIELDS.join(",")} (+f,-f to change the default set)`,
  },
  ...SYMBOL_OPTIONS,
  HELP_OPTION,
];

export const DIFF_OPTIONS: readonly OptionRow[] = [EVENT_OPTION, ...SYMBOL_OPTIONS, HELP_OPTION];

export function annotateCommand(opts: Parsed, rest: string[]): number {
  if (rest.length > 1) throw new UsageError(`Unexpected argument: ${rest[1]!}`);
  const syntax = choice(opts, "disassembler-style", ["att", "intel"] as const, "att");
  const events = eventFilter(opts);
  const s = loadSession(inputPath(opts), opts);
  let symbol = rest[0];
  if (symbol === undefined) {
    // Like perf annotate without a symbol, but only the hottest one.
    const e = primaryEvent(s, events);
    symbol =
      e === undefined
        ? undefined
        : histogram(
            s.samples.filter((x) => x.event.eventId === e.id),
            "symbol",
          )[0]?.symbol;
    if (symbol === undefined) throw new CliError("lwp: no samples to annotate");
  }
  try {
    emit(formatAnnotate(s, symbol, { syntax, ...(events === undefined ? {} : { events }) }), undefined);
  } catch (e) {
    if (e instanceof AnnotateError) throw new CliError(`lwp: ${e.message}`);
    throw e;
  }
  return 0;
}

export function scriptCommand(opts: Parsed, rest: string[]): number {
  if (rest.length > 0) throw new UsageError(`Unexpected argument: ${rest[0]!}`);
  const events = eventFilter(opts);
  const spec = opts.get("fields");
  let fields: ScriptField[] | undefined;
  try {
    fields = typeof spec === "string" ? parseScriptFields(spec) : undefined;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  emit(formatScript(loadSession(inputPath(opts), opts), events, fields), undefined);
  return 0;
}

export function diffCommand(opts: Parsed, rest: string[]): number {
  const [a, b, extra] = rest;
  if (a === undefined || b === undefined) throw new UsageError("lwp diff needs two data files: BASELINE NEW");
  if (extra !== undefined) throw new UsageError(`Unexpected argument: ${extra}`);
  const events = eventFilter(opts);
  const sa = loadSession(a, opts);
  const sb = loadSession(b, opts);
  const e = primaryEvent(sa, events) ?? primaryEvent(sb, events);
  if (e === undefined) throw new CliError("lwp: no samples in either file");
  emit(formatDiff(sa, sb, e.id, [a, b]), undefined);
  return 0;
}
