// SPDX-License-Identifier: MIT
// `lwp report --stdio` and `--format json`: perf report's header lines and
// histogram (docs/tools.md "Report"), one block per LWP event.
import { eventHistograms, pct, type EventHist, type SortKey } from "../session/aggregate.js";
import type { Session } from "../session/session.js";

export interface ReportOptions {
  readonly sort: SortKey;
  /** Restrict to these EventIds. */
  readonly events?: ReadonlySet<number>;
}

const base = (p: string): string => p.slice(p.lastIndexOf("/") + 1) || p;

function headerLines(s: Session): string[] {
  const lines = [
    `# lwp report`,
    `# cmdline: ${s.meta.command.join(" ")}`,
    `# cpu: ${s.meta.cpuModel}, seed: ${s.meta.seed}`,
    `# precise: exact IP (no skid)`,
    `# Total Lost Samples: ${s.lostTotal}`,
  ];
  for (const t of s.threads.filter((x) => x.lost > 0)) lines.push(`#   lost in ${t.comm} ${t.pid}/${t.tid}: ${t.lost}`);
  return lines;
}

function eventBlock(h: EventHist, sort: SortKey, children: boolean): string[] {
  const lines = [
    "#",
    `# Samples: ${h.samples} of event '${h.event.name}'`,
    `# Event count (approx.): ${h.samples * Math.max(1, h.interval)}`,
    "#",
  ];
  const cols: string[] = [];
  if (children) cols.push("Children".padStart(8));
  cols.push("Self".padStart(8), "Samples".padStart(7));
  const head = sort === "dso" ? ["Shared Object"] : sort === "line" ? ["Shared Object", "Symbol and source line"] : ["Shared Object", "Symbol"];
  const dsoWidth = Math.max(13, ...h.rows.map((r) => base(r.dso).length));
  lines.push(`# ${[...cols, head[0]!.padEnd(dsoWidth), ...head.slice(1)].join("  ").trimEnd()}`, "#");
  for (const r of h.rows) {
    const c: string[] = [];
    if (children) c.push(pct(r.children, h.samples).padStart(8));
    c.push(pct(r.self, h.samples).padStart(8), String(r.self).padStart(7), base(r.dso).padEnd(dsoWidth));
    if (sort !== "dso") c.push(`[.] ${r.symbol}`);
    lines.push(`  ${c.join("  ").trimEnd()}`);
  }
  return lines;
}

function eventTable(s: Session, events: ReadonlySet<number> | undefined): string[] {
  const list = s.events.filter((e) => events === undefined || events.has(e.event.id));
  const total = list.reduce((a, e) => a + e.samples, 0);
  const lines = ["#", `# Samples: ${total} in ${list.length} events`, "#", `#  Overhead  Samples  Interval  Event`, "#"];
  for (const e of list) {
    lines.push(`  ${pct(e.samples, total).padStart(9)}  ${String(e.samples).padStart(7)}  ${String(e.interval).padStart(8)}  ${e.event.name}`);
  }
  return lines;
}

function moduleLines(s: Session): string[] {
  if (s.unsymbolized.length === 0) return [];
  const lines = ["#", "# Modules without symbols (samples shown as dso+0xoffset):"];
  for (const m of s.unsymbolized) lines.push(`#   ${m.path}: ${m.reason} (${m.samples} sample${m.samples === 1 ? "" : "s"})`);
  return lines;
}

/** The perf-style text report. */
export function formatReportText(s: Session, o: ReportOptions): string {
  const lines = headerLines(s);
  if (o.sort === "event") {
    lines.push(...eventTable(s, o.events));
  } else {
    for (const h of eventHistograms(s, o.sort, o.events)) lines.push(...eventBlock(h, o.sort, s.hasCallchains));
  }
  lines.push(...moduleLines(s));
  return `${lines.join("\n")}\n`;
}

/** The same report as JSON (machine-readable, stable key order). */
export function formatReportJson(s: Session, o: ReportOptions): string {
  const key = o.sort === "event" ? "symbol" : o.sort;
  const events = eventHistograms(s, key, o.events).map((h) => ({
    event: h.event.name, eventId: h.event.id, interval: h.interval, samples: h.samples,
    rows: h.rows.map((r) => ({
      ...(key === "dso" ? {} : { symbol: r.symbol }), dso: r.dso,
      self: r.self, selfPercent: h.samples === 0 ? 0 : Number(((100 * r.self) / h.samples).toFixed(4)),
      ...(s.hasCallchains ? { children: r.children, childrenPercent: h.samples === 0 ? 0 : Number(((100 * r.children) / h.samples).toFixed(4)) } : {}),
    })),
  }));
  const out = {
    command: s.meta.command, cpuModel: s.meta.cpuModel, seed: s.meta.seed, precise: "exact IP (no skid)",
    sort: key, totalLostSamples: s.lostTotal,
    threads: s.threads.map((t) => ({ pid: t.pid, tid: t.tid, comm: t.comm, lost: t.lost })),
    events, modulesWithoutSymbols: s.unsymbolized,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
