// SPDX-License-Identifier: MIT
// Aggregation of session samples (perf's hists): self and cumulative ("Children")
// sample counts per sort key and per event, plus call trees for flame graphs.
import { eventByName, type EventRow } from "../decode/events.js";
import type { Frame, Sample, Session } from "./session.js";

export const SORT_KEYS = ["symbol", "dso", "line", "event"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface HistRow {
  readonly key: string;
  readonly symbol: string;
  readonly dso: string;
  /** Samples whose sampled instruction is in this entry. */
  self: number;
  /** Samples with this entry anywhere on their stack (each sample counted once). */
  children: number;
}

export interface EventHist {
  readonly event: EventRow;
  readonly interval: number;
  readonly samples: number;
  readonly rows: readonly HistRow[];
}

const base = (p: string): string => p.slice(p.lastIndexOf("/") + 1) || p;

/** The display name of a frame's source position, or "" when DWARF has none. */
export function srcline(f: Frame): string {
  return f.file === undefined || f.line === undefined ? "" : `${base(f.file)}:${f.line}`;
}

/** The name of a callchain entry as perf report shows it: inlined functions say so. */
export const chainName = (f: Frame): string => (f.inlined === true ? `${f.symbol} (inlined)` : f.symbol);

/** The aggregation key of one frame. */
export function frameKey(f: Frame, key: SortKey): string {
  switch (key) {
    case "dso":
      return f.dso;
    case "line":
      return `${f.dso}\0${chainName(f)}\0${srcline(f)}`;
    default:
      return `${f.dso}\0${chainName(f)}`;
  }
}

/** Symbol name of a frame, with the source line when sorting by line. */
function rowSymbol(f: Frame, key: SortKey): string {
  if (key === "dso") return "";
  if (key !== "line") return chainName(f);
  const l = srcline(f);
  return l === "" ? chainName(f) : `${chainName(f)} ${l}`;
}

/**
 * Histogram of one event's samples by `key` (symbol/dso/line), sorted by self then
 * children: self is the sampled function (never an inlined one), children counts
 * every callchain entry, inlined functions included (as `lwp report --children`).
 */
export function histogram(samples: readonly Sample[], key: SortKey): HistRow[] {
  const rows = new Map<string, HistRow>();
  const rowOf = (f: Frame): HistRow => {
    const k = frameKey(f, key);
    let r = rows.get(k);
    if (r === undefined) {
      r = { key: k, symbol: rowSymbol(f, key), dso: f.dso, self: 0, children: 0 };
      rows.set(k, r);
    }
    return r;
  };
  for (const s of samples) {
    const leaf = s.callchain.find((f) => f.inlined !== true);
    if (leaf === undefined) continue;
    rowOf(leaf).self++;
    const seen = new Set<HistRow>();
    for (const f of s.callchain) seen.add(rowOf(f));
    for (const r of seen) r.children++;
  }
  return [...rows.values()].sort((a, b) => b.self - a.self || b.children - a.children || a.key.localeCompare(b.key));
}

/** One histogram per event present in the session (events with no samples included, empty). */
export function eventHistograms(session: Session, key: SortKey, filter?: ReadonlySet<number>): EventHist[] {
  return session.events
    .filter((e) => filter === undefined || filter.has(e.event.id))
    .map((e) => {
      const samples = session.samples.filter((s) => s.event.eventId === e.event.id);
      return { event: e.event, interval: e.interval, samples: samples.length, rows: histogram(samples, key) };
    });
}

/** Parses an --event list ("instructions,branches"); throws Error naming an unknown event. */
export function parseEventList(list: string): Set<number> {
  const ids = new Set<number>();
  for (const name of list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")) {
    const row = eventByName(name);
    if (row === undefined) throw new Error(`Unknown event: ${name}`);
    ids.add(row.id);
  }
  return ids;
}

/** A node of a merged call tree (root = all samples). */
export interface CallNode {
  readonly name: string;
  readonly dso: string;
  total: number;
  self: number;
  readonly children: Map<string, CallNode>;
}

/** Merges callchains (inlined frames included) root-first into a tree (flame graphs). */
export function callTree(samples: readonly Sample[]): CallNode {
  const root: CallNode = { name: "all", dso: "", total: 0, self: 0, children: new Map() };
  for (const s of samples) {
    let node = root;
    node.total++;
    for (let i = s.callchain.length - 1; i >= 0; i--) {
      const f = s.callchain[i]!;
      const name = chainName(f);
      const k = `${f.dso}\0${name}`;
      let next = node.children.get(k);
      if (next === undefined) {
        next = { name, dso: f.dso, total: 0, self: 0, children: new Map() };
        node.children.set(k, next);
      }
      next.total++;
      node = next;
    }
    node.self++;
  }
  return root;
}

/** Percentage text with two decimals, as perf prints it. */
export function pct(n: number, total: number): string {
  return `${total === 0 ? "0.00" : ((100 * n) / total).toFixed(2)}%`;
}

/** The event an output that carries one event uses: the first asked for, else the first with samples. */
export function primaryEvent(session: Session, filter?: ReadonlySet<number>): EventRow | undefined {
  const present = session.events.filter((e) => e.samples > 0 && (filter === undefined || filter.has(e.event.id)));
  return present[0]?.event;
}
