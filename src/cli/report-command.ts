// SPDX-License-Identifier: MIT
// `lwp report`: perf report for lwpdata files, plus the exports (json, folded,
// pprof, speedscope, callgrind, perf-script) and the offline HTML report.
import { resolve } from "node:path";
import { SORT_KEYS, primaryEvent } from "../tools/session/aggregate.js";
import type { Session } from "../tools/session/session.js";
import { formatCallgrind } from "../tools/export/callgrind.js";
import { formatPprof } from "../tools/export/pprof.js";
import { formatSpeedscope } from "../tools/export/speedscope.js";
import { formatFolded, formatPerfScript } from "../tools/export/text-formats.js";
import { formatHtml } from "../tools/report/html.js";
import { formatReportJson, formatReportText } from "../tools/report/report-text.js";
import { EVENT_OPTION, HELP_OPTION, INPUT_OPTION, choice, emit, eventFilter, inputPath, loadSession } from "./profile-input.js";
import { type OptionRow, type Parsed, UsageError } from "./options.js";

export const REPORT_FORMATS = ["text", "json", "folded", "pprof", "speedscope", "callgrind", "perf-script"] as const;
type Format = (typeof REPORT_FORMATS)[number];

export const REPORT_OPTIONS: readonly OptionRow[] = [
  INPUT_OPTION,
  { name: "stdio", help: "text report on stdout (the default)" },
  { name: "sort", short: "s", arg: "KEY", help: `histogram key: ${SORT_KEYS.join(", ")} (default symbol)` },
  { name: "format", short: "F", arg: "FMT", help: `output format: ${REPORT_FORMATS.join(", ")} (default text); folded and perf-script carry one event (the first of -e, else the first sampled)` },
  EVENT_OPTION,
  { name: "output", short: "o", arg: "FILE", help: "write the output to FILE instead of stdout" },
  { name: "html", arg: "FILE", help: "also write a self-contained offline HTML report to FILE" },
  HELP_OPTION,
];

function render(s: Session, format: Format, opts: Parsed, events: Set<number> | undefined): string | Uint8Array {
  const sort = choice(opts, "sort", SORT_KEYS, "symbol");
  switch (format) {
    case "text": return formatReportText(s, { sort, ...(events === undefined ? {} : { events }) });
    case "json": return formatReportJson(s, { sort, ...(events === undefined ? {} : { events }) });
    case "folded": {
      const e = primaryEvent(s, events);
      return e === undefined ? "" : formatFolded(s, e.id);
    }
    case "pprof": return formatPprof(s);
    case "speedscope": return formatSpeedscope(s, events);
    case "callgrind": return formatCallgrind(s, events);
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
  choice(opts, "sort", SORT_KEYS, "symbol");
  const events = eventFilter(opts);
  const out = opts.get("output");
  const html = opts.get("html");
  const path = inputPath(opts);
  const s = loadSession(path);
  if (typeof html === "string") { emit(formatHtml(s, `lwp report: ${path}`), html); process.stderr.write(`[ lwp report: wrote ${resolve(html)} ]\n`); }
  const wantsMain = typeof html !== "string" || opts.has("format") || opts.has("stdio") || opts.has("output");
  if (wantsMain) emit(render(s, format, opts, events), typeof out === "string" ? out : undefined);
  return 0;
}
