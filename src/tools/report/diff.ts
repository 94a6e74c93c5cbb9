// SPDX-License-Identifier: MIT
// `lwp diff A B`: per-symbol share differences of one event between a baseline and
// a new profile (perf diff's delta column; pprof -diff_base), sorted by |delta|.
import { histogram, type HistRow } from "../session/aggregate.js";
import type { Session } from "../session/session.js";

export interface DiffRow {
  readonly symbol: string;
  readonly dso: string;
  /** Shares in percent of the event's samples. */
  readonly baseline: number;
  readonly current: number;
  readonly delta: number;
}

const base = (p: string): string => p.slice(p.lastIndexOf("/") + 1) || p;

function shares(s: Session, eventId: number): { total: number; rows: Map<string, HistRow> } {
  const samples = s.samples.filter((x) => x.event.eventId === eventId);
  const rows = new Map<string, HistRow>();
  // Key by file name, not path: the two runs may live in different directories.
  for (const r of histogram(samples, "symbol")) rows.set(`${base(r.dso)}\0${r.symbol}`, r);
  return { total: samples.length, rows };
}

/** Rows for every symbol present in either profile, biggest |delta| first. */
export function diffRows(a: Session, b: Session, eventId: number): DiffRow[] {
  const A = shares(a, eventId);
  const B = shares(b, eventId);
  const keys = new Set([...A.rows.keys(), ...B.rows.keys()]);
  const share = (n: number | undefined, total: number): number => (total === 0 ? 0 : (100 * (n ?? 0)) / total);
  const rows = [...keys].map((k): DiffRow => {
    const ra = A.rows.get(k);
    const rb = B.rows.get(k);
    const r = (ra ?? rb)!;
    const baseline = share(ra?.self, A.total);
    const current = share(rb?.self, B.total);
    return { symbol: r.symbol, dso: base(r.dso), baseline, current, delta: current - baseline };
  });
  const q = (x: number): number => Math.round(x * 1e6); // compare at display precision, not float noise
  return rows.sort(
    (x, y) =>
      q(Math.abs(y.delta)) - q(Math.abs(x.delta)) || x.dso.localeCompare(y.dso) || x.symbol.localeCompare(y.symbol),
  );
}

const signed = (x: number): string => `${x >= 0 ? "+" : ""}${x.toFixed(2)}%`;

/** The diff as text. */
export function formatDiff(a: Session, b: Session, eventId: number, names: readonly [string, string]): string {
  const eventName =
    a.events.find((e) => e.event.id === eventId)?.event.name ??
    b.events.find((e) => e.event.id === eventId)?.event.name ??
    String(eventId);
  const na = a.samples.filter((x) => x.event.eventId === eventId).length;
  const nb = b.samples.filter((x) => x.event.eventId === eventId).length;
  const rows = diffRows(a, b, eventId);
  const dsoWidth = Math.max(13, ...rows.map((r) => r.dso.length));
  const out = [
    `# Event '${eventName}'`,
    `# Baseline: ${names[0]} (${na} samples)`,
    `# New:      ${names[1]} (${nb} samples)`,
    "#",
    `# ${"Baseline".padStart(8)}  ${"New".padStart(8)}  ${"Delta".padStart(8)}  ${"Shared Object".padEnd(dsoWidth)}  Symbol`,
    "#",
  ];
  for (const r of rows) {
    out.push(
      `  ${`${r.baseline.toFixed(2)}%`.padStart(8)}  ${`${r.current.toFixed(2)}%`.padStart(8)}  ${signed(r.delta).padStart(8)}  ${r.dso.padEnd(dsoWidth)}  [.] ${r.symbol}`,
    );
  }
  return `${out.join("\n")}\n`;
}
