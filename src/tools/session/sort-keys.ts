// SPDX-License-Identifier: MIT
// perf report's --sort keys (util/sort.c): each key names a column; a histogram
// entry is the tuple of the keys' values. Sample keys (comm, pid, tid) come from the
// thread, frame keys (dso, sym, srcline) from a stack frame.
import { srcline } from "./aggregate.js";
import type { Frame, Sample } from "./session.js";

export const KEY_NAMES = ["comm", "pid", "tid", "dso", "sym", "srcline"] as const;
export type KeyName = (typeof KEY_NAMES)[number];

/** Old single-key names of `lwp report --sort`, kept as aliases. */
const ALIASES: Readonly<Record<string, readonly KeyName[]>> = {
  symbol: ["dso", "sym"],
  line: ["dso", "sym", "srcline"],
  dso: ["dso"],
  sym: ["dso", "sym"],
};

export interface KeyColumn {
  readonly name: KeyName;
  readonly header: string;
  readonly value: (s: Sample, f: Frame) => string;
}

const base = (p: string): string => p.slice(p.lastIndexOf("/") + 1) || p;

const COLUMNS: Readonly<Record<KeyName, KeyColumn>> = {
  comm: { name: "comm", header: "Command", value: (s) => s.comm },
  pid: { name: "pid", header: "Pid:Command", value: (s) => `${s.pid}:${s.comm}` },
  tid: { name: "tid", header: "Tid:Command", value: (s) => `${s.tid}:${s.comm}` },
  dso: { name: "dso", header: "Shared Object", value: (_, f) => base(f.dso) },
  sym: { name: "sym", header: "Symbol", value: (_, f) => `[.] ${f.symbol}${f.inlined === true ? " (inlined)" : ""}` },
  srcline: { name: "srcline", header: "Source:Line", value: (_, f) => srcline(f) || "??:0" },
};

/**
 * Parses --sort ("comm,dso,sym"; the aliases symbol, line, dso alone keep their old
 * meaning); throws an Error naming an unknown key. "event" is handled by the caller.
 */
export function parseSortKeys(spec: string): KeyColumn[] {
  const alias = ALIASES[spec];
  if (alias !== undefined) return alias.map((k) => COLUMNS[k]);
  const out: KeyColumn[] = [];
  for (const k of spec
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "")) {
    const name = k === "symbol" ? "sym" : k === "line" ? "srcline" : k;
    if (!(KEY_NAMES as readonly string[]).includes(name)) {
      throw new Error(`Unknown --sort key: ${k} (known keys: ${KEY_NAMES.join(", ")}, event)`);
    }
    const col = COLUMNS[name as KeyName];
    if (!out.includes(col)) out.push(col);
  }
  if (out.length === 0) throw new Error("Empty --sort key list");
  return out;
}

export interface KeyRow {
  readonly values: readonly string[];
  /** The frame's function (for call graphs): dso + symbol. */
  readonly fn: string;
  self: number;
  children: number;
  /** Samples (counted once) with this entry on the stack, and where on the stack it first is. */
  readonly hits: { readonly sample: Sample; readonly depth: number }[];
}

/**
 * The histogram of `samples` by `keys`: self = the sampled function (never an inlined
 * one, as perf), children = entries anywhere on the callchain, inlined frames included.
 */
export function keyHistogram(samples: readonly Sample[], keys: readonly KeyColumn[]): KeyRow[] {
  const rows = new Map<string, KeyRow>();
  for (const s of samples) {
    const seen = new Set<KeyRow>();
    const leaf = s.callchain.findIndex((f) => f.inlined !== true);
    s.callchain.forEach((f, depth) => {
      const values = keys.map((k) => k.value(s, f));
      const id = values.join("\0");
      let r = rows.get(id);
      if (r === undefined) {
        r = { values, fn: `${f.dso}\0${f.symbol}`, self: 0, children: 0, hits: [] };
        rows.set(id, r);
      }
      if (depth === leaf) r.self++;
      if (!seen.has(r)) {
        seen.add(r);
        r.children++;
        r.hits.push({ sample: s, depth });
      }
    });
  }
  return [...rows.values()];
}
