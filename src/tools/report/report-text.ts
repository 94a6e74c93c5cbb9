// SPDX-License-Identifier: MIT
// `lwp report --stdio` and `--format json`: perf report's header lines and
// histogram (docs/tools.md "Report"), one block per LWP event.
import { chainName, eventHistograms, pct, type SortKey } from "../session/aggregate.js";
import type { EventSummary, Session } from "../session/session.js";
import { type KeyColumn, type KeyRow, keyHistogram, parseSortKeys } from "../session/sort-keys.js";

export interface ReportOptions {
  /** --sort: "symbol" (default), "dso", "line", "event", or perf's key list ("comm,dso,sym"). */
  readonly sort: string;
  /** Restrict to these EventIds. */
  readonly events?: ReadonlySet<number>;
  /** Order rows by the Children column (perf report --children). */
  readonly children?: boolean;
  /** Hide the Children column even with call stacks (--no-children). */
  readonly noChildren?: boolean;
  /** Call trees under each row: "caller" (root first) or "callee" (the entry first). */
  readonly callGraph?: "caller" | "callee";
  /** Hide rows below this percentage (of the ordering column). */
  readonly percentLimit?: number;
  /** Only the header lines. */
  readonly headerOnly?: boolean;
  /** ANSI colours for hot percentages (perf: red from 5 %, green from 0.5 %). */
  readonly color?: boolean;
}

function headerLines(s: Session): string[] {
  const lines = [
    `# lwp report`,
    `# cmdline: ${s.meta.command.join(" ")}`,
    `# cpu: ${s.meta.cpuModel}, seed: ${s.meta.seed}`,
    `# precise: exact IP (no skid)`,
    `# Total Lost Samples: ${s.lostTotal}`,
  ];
  if (s.meta["interrupted"] !== undefined) {
    lines.push(`# interrupted by ${String(s.meta["interrupted"])}: partial profile`);
  }
  for (const t of s.threads.filter((x) => x.lost > 0)) lines.push(`#   lost in ${t.comm} ${t.pid}/${t.tid}: ${t.lost}`);
  for (const w of s.warnings) lines.push(`# warning: ${w}`);
  return lines;
}

function paint(text: string, share: number, on: boolean): string {
  if (!on) return text;
  const c = share >= 5 ? "\x1b[31m" : share >= 0.5 ? "\x1b[32m" : "";
  return c === "" ? text : `${c}${text}\x1b[0m`;
}

function eventBlock(s: Session, e: EventSummary, o: ReportOptions, keys: readonly KeyColumn[]): string[] {
  const samples = s.samples.filter((x) => x.event.eventId === e.event.id);
  const n = samples.length;
  const lines = [
    "#",
    `# Samples: ${n} of event '${e.event.name}'`,
    `# Event count (approx.): ${Math.round(n * e.period)}`,
    "#",
  ];
  const showChildren = s.hasCallchains && o.noChildren !== true;
  const byChildren = showChildren && o.children === true;
  const rows = keyHistogram(samples, keys).sort((a, b) =>
    byChildren
      ? b.children - a.children || b.self - a.self || a.values.join().localeCompare(b.values.join())
      : b.self - a.self || b.children - a.children || a.values.join().localeCompare(b.values.join()),
  );
  const widths = keys.map((k, i) =>
    Math.max(k.name === "dso" ? 13 : k.header.length, ...rows.map((r) => r.values[i]!.length)),
  );
  const cols: string[] = [];
  if (showChildren) cols.push("Children".padStart(8));
  cols.push("Self".padStart(8), "Samples".padStart(7));
  lines.push(
    `# ${[...cols, ...keys.map((k, i) => (i === keys.length - 1 ? k.header : k.header.padEnd(widths[i]!)))].join("  ").trimEnd()}`,
    "#",
  );
  const limit = o.percentLimit ?? 0;
  for (const r of rows) {
    const share = (100 * (byChildren ? r.children : r.self)) / Math.max(1, n);
    // Without the Children column an entry is a sampled function, as perf --no-children lists them.
    if (share < limit || (!showChildren && r.self === 0)) continue;
    const c: string[] = [];
    if (showChildren) {
      c.push(paint(pct(r.children, n).padStart(8), (100 * r.children) / Math.max(1, n), o.color === true));
    }
    c.push(
      paint(pct(r.self, n).padStart(8), (100 * r.self) / Math.max(1, n), o.color === true),
      String(r.self).padStart(7),
    );
    keys.forEach((_, i) => c.push(i === keys.length - 1 ? r.values[i]! : r.values[i]!.padEnd(widths[i]!)));
    lines.push(`  ${c.join("  ").trimEnd()}`);
    if (o.callGraph !== undefined && s.hasCallchains) {
      const tree = callGraphLines(r, n, o.callGraph, showChildren);
      if (tree.length > 0) lines.push(...tree, "");
    }
  }
  return lines;
}

interface Trie {
  readonly name: string;
  count: number;
  readonly kids: Map<string, Trie>;
}

/**
 * perf report -g's tree for one row, callee order (entry first) or caller order (root
 * first): with the Children column, every stack through the entry; without it, the
 * stacks of the entry's own samples.
 */
function callGraphLines(r: KeyRow, total: number, order: "caller" | "callee", children: boolean): string[] {
  const root: Trie = { name: "", count: 0, kids: new Map() };
  for (const h of r.hits) {
    // The sampled function's own entry shows the whole callchain (its inlined functions too); a caller's, from it up.
    const leaf = h.sample.callchain.findIndex((f) => f.inlined !== true);
    if (!children && h.depth !== leaf) continue;
    const chain = h.sample.callchain.slice(h.depth === leaf ? 0 : h.depth).map(chainName);
    if (order === "caller") chain.reverse();
    let node = root;
    node.count++;
    for (const name of chain) {
      let k = node.kids.get(name);
      if (k === undefined) {
        k = { name, count: 0, kids: new Map() };
        node.kids.set(name, k);
      }
      k.count++;
      node = k;
    }
  }
  const out = ["            |", "            ---"];
  const walk = (node: Trie, indent: string, first: boolean): void => {
    const kids = [...node.kids.values()]
      .filter((k) => (100 * k.count) / total >= 0.5)
      .sort((a, b) => b.count - a.count);
    if (kids.length === 1 && kids[0]!.count === node.count) {
      const k = kids[0]!;
      if (first) out[out.length - 1] += k.name;
      else out.push(`${indent}${k.name}`);
      walk(k, indent, false);
      return;
    }
    kids.forEach((k, i) => {
      const last = i === kids.length - 1;
      out.push(`${indent}|`, `${indent}${last ? " " : "|"}--${pct(k.count, total)}--${k.name}`);
      walk(k, `${indent}${last ? " " : "|"}${" ".repeat(pct(k.count, total).length + 4)}`, false);
    });
  };
  walk(root, "               ", true);
  // Every branch below the threshold: no tree, as perf prints none.
  return out.length === 2 && out[1] === "            ---" ? [] : out;
}

function eventTable(s: Session, events: ReadonlySet<number> | undefined): string[] {
  const list = s.events.filter((e) => events === undefined || events.has(e.event.id));
  const total = list.reduce((a, e) => a + e.samples, 0);
  const lines = [
    "#",
    `# Samples: ${total} in ${list.length} events`,
    "#",
    `#  Overhead  Samples    Period  Event`,
    "#",
  ];
  for (const e of list) {
    lines.push(
      `  ${pct(e.samples, total).padStart(9)}  ${String(e.samples).padStart(7)}  ${String(Math.round(e.period)).padStart(8)}  ${e.event.name}`,
    );
  }
  return lines;
}

function moduleLines(s: Session): string[] {
  if (s.unsymbolized.length === 0) return [];
  const lines = ["#", "# Modules without symbols (samples shown as dso+0xoffset):"];
  for (const m of s.unsymbolized) {
    lines.push(`#   ${m.path}: ${m.reason} (${m.samples} sample${m.samples === 1 ? "" : "s"})`);
  }
  return lines;
}

/** The perf-style text report. Throws an Error for an unknown --sort key. */
export function formatReportText(s: Session, o: ReportOptions): string {
  const lines = headerLines(s);
  const list = s.events.filter((e) => o.events === undefined || o.events.has(e.event.id));
  if (o.headerOnly === true) {
    lines.push("#", ...list.map((e) => `# event: ${e.event.name}, ${e.samples} samples, period ${e.period}`));
  } else if (o.sort === "event") {
    lines.push(...eventTable(s, o.events));
  } else {
    const keys = parseSortKeys(o.sort);
    for (const e of list) lines.push(...eventBlock(s, e, o, keys));
    lines.push(...moduleLines(s));
  }
  return `${lines.join("\n")}\n`;
}

/** The same report as JSON (machine-readable, stable key order). */
export function formatReportJson(s: Session, o: ReportOptions): string {
  const key: SortKey = o.sort === "dso" || o.sort === "line" ? o.sort : "symbol";
  const events = eventHistograms(s, key, o.events).map((h) => ({
    event: h.event.name,
    eventId: h.event.id,
    interval: h.interval,
    samples: h.samples,
    rows: h.rows.map((r) => ({
      ...(key === "dso" ? {} : { symbol: r.symbol }),
      dso: r.dso,
      self: r.self,
      selfPercent: h.samples === 0 ? 0 : Number(((100 * r.self) / h.samples).toFixed(4)),
      ...(s.hasCallchains
        ? {
            children: r.children,
            childrenPercent: h.samples === 0 ? 0 : Number(((100 * r.children) / h.samples).toFixed(4)),
          }
        : {}),
    })),
  }));
  const out = {
    command: s.meta.command,
    cpuModel: s.meta.cpuModel,
    seed: s.meta.seed,
    precise: "exact IP (no skid)",
    sort: key,
    totalLostSamples: s.lostTotal,
    threads: s.threads.map((t) => ({ pid: t.pid, tid: t.tid, comm: t.comm, lost: t.lost })),
    events,
    modulesWithoutSymbols: s.unsymbolized,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
