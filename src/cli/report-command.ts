// SPDX-License-Identifier: MIT
// `lwp report`: perf report for lwpdata files, plus the exports (json, folded,
// pprof, speedscope, callgrind, perf-script) and the offline HTML report.
import { resolve } from "node:path";
import { primaryEvent } from "../tools/session/aggregate.js";
import { KEY_NAMES, parseSortKeys } from "../tools/session/sort-keys.js";
import { stdoutIsTerminal } from "./pager.js";
import type { Session } from "../tools/session/session.js";
import { formatCallgrind } from "../tools/export/callgrind.js";
import { formatPprof } from "../tools/export/pprof.js";
import { formatSpeedscope } from "../tools/export/speedscope.js";
import { formatFolded, formatPerfScript } from "../tools/export/text-formats.js";
import { formatHtml } from "../tools/report/html.js";
import { type ReportOptions, formatReportJson, formatReportText } from "../tools/report/report-text.js";
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

export const REPORT_FORMATS = ["text", "json", "folded", "pprof", "speedscope", "callgrind", "perf-script"] as const;
type Format = (typeof REPORT_FORMATS)[number];

export const REPORT_OPTIONS: readonly OptionRow[] = [
  INPUT_OPTION,
  { name: "stdio", help: "text report on stdout (the default)" },
  {
    name: "sort",
    short: "s",
    arg: "KEYS",
    help: `histogram keys, comma-separated: ${KEY_NAMES.join(", ")}; or symbol (default), dso, line, event`,
  },
  {
    name: "call-graph",
    short: "g",
    arg: "ORDER",
    help: "call trees under each row: caller (root first) or callee (the entry first)",
  },
  { name: "children", help: "order rows by the Children column (inclusive samples)" },
  { name: "no-children", help: "do not show the Children column" },
  { name: "percent-limit", arg: "PCT", help: "hide rows below PCT percent" },
  { name: "show-nr-samples", short: "n", help: "show the Samples column (always shown)" },
  { name: "header-only", help: "print only the header" },
  { name: "no-pager", help: "do not pipe the report through a pager" },
  {
    name: "format",
    short: "F",
    arg: "FMT",
    help: `output format: ${REPORT_FORMATS.join(", ")} (default text); folded and perf-script carry one event (the first of -e, else the first sampled)`,
  },
  EVENT_OPTION,
  ...SYMBOL_OPTIONS,
  { name: "output", short: "o", arg: "FILE", help: "write the output to FILE instead of stdout" },
  { name: "html", arg: "FILE", help: "also write a self-contained offline HTML report to FILE" },
  HELP_OPTION,
];

function percentLimit(opts: Parsed): number {
  const v = opts.get("percent-limit");
  if (v === undefined) return 0;
  const n = typeof v === "string" ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < 0 || n > 100) {
    throw new UsageError(`Invalid value for --percent-limit: ${String(v)} (expected 0..100)`);
  }
  return n;
}

function textOptions(opts: Parsed, events: Set<number> | undefined, sort: string): ReportOptions {
  const g = opts.get("call-graph");
  if (g !== undefined && g !== "caller" && g !== "callee") {
    throw new UsageError(`Invalid value for --call-graph: ${String(g)} (expected caller or callee)`);
  }
  return {
    sort,
    ...(events === undefined ? {} : { events }),
    ...(g === undefined ? {} : { callGraph: g }),
    children: opts.has("children"),
    noChildren: opts.has("no-children"),
    percentLimit: percentLimit(opts),
    headerOnly: opts.has("header-only"),
    color: !opts.has("output") && stdoutIsTerminal(),
  };
}

function sortOption(opts: Parsed): string {
  const v = opts.get("sort");
  const sort = typeof v === "string" ? v : "symbol";
  if (sort !== "event") {
    try {
      parseSortKeys(sort);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return sort;
}

function render(s: Session, format: Format, opts: Parsed, events: Set<number> | undefined): string | Uint8Array {
  const sort = sortOption(opts);
  switch (format) {
    case "text":
      return formatReportText(s, textOptions(opts, events, sort));
    case "json":
      return formatReportJson(s, { sort, ...(events === undefined ? {} : { events }) });
    case "folded": {
      const e = primaryEvent(s, events);
      return e === undefined ? "" : formatFolded(s, e.id);
    }
    case "pprof":
      return formatPprof(s);
    case "speedscope":
      return formatSpeedscope(s, events);
    case "callgrind":
      return formatCallgrind(s, events);
    case "perf-script": {
      // speedscope imports only the first event type it meets: default to one event.
      const e = primaryEvent(s, events);
      return formatPerfScript(s, events ?? new Set(e === undefined ? [] : [e.id]));
    }
  }
}

export function reportCommand(opts: Parsed, rest: string[]): number {
  if (rest.length > 0) throw new UsageError(`Unexpected argument: ${rest[0]!}`);
  const format = choice(opts, "format", REPORT_FORMATS, "text");
  sortOption(opts);
  const events = eventFilter(opts);
  textOptions(opts, events, "symbol");
  const out = opts.get("output");
  const html = opts.get("html");
  const path = inputPath(opts);
  const s = loadSession(path, opts);
  if (typeof html === "string") {
    emit(formatHtml(s, `lwp report: ${path}`), html);
    process.stderr.write(`[ lwp report: wrote ${resolve(html)} ]\n`);
  }
  const wantsMain = typeof html !== "string" || opts.has("format") || opts.has("stdio") || opts.has("output");
  if (wantsMain) emit(render(s, format, opts, events), typeof out === "string" ? out : undefined);
  return 0;
}
