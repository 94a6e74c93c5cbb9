// SPDX-License-Identifier: MIT
// Builds the data of the HTML report (html-data.ts) from a session: interned
// functions, every table row, unique callchains (flame graph, sandwich view),
// per-line counts and the source text around them (source view), and the timeline.
import { chainName } from "../session/aggregate.js";
import type { Frame, Sample, Session } from "../session/session.js";
import type {
  HtmlData,
  HtmlEvent,
  HtmlFunction,
  HtmlLine,
  HtmlRow,
  HtmlSourceBlock,
  HtmlTimeline,
} from "./html-data.js";

const MAX_TIMELINE_SAMPLES = 20000;
/** Lines of context shown around each sampled line. */
const CONTEXT = 3;
/** Source text embedded at most (characters over all files). */
const MAX_SOURCE_CHARS = 4_000_000;
const COLORS = ["#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#e377c2", "#7f7f7f"];

class Interner {
  readonly dsos: string[] = [];
  readonly functions: HtmlFunction[] = [];
  readonly files: string[] = [];
  private readonly dsoIds = new Map<string, number>();
  private readonly fnIds = new Map<string, number>();
  private readonly fileIds = new Map<string, number>();

  fn(f: Frame): number {
    const name = chainName(f);
    const key = `${f.dso}\0${name}`;
    let id = this.fnIds.get(key);
    if (id === undefined) {
      let d = this.dsoIds.get(f.dso);
      if (d === undefined) {
        d = this.dsos.length;
        this.dsos.push(f.dso);
        this.dsoIds.set(f.dso, d);
      }
      id = this.functions.length;
      this.functions.push(f.inlined === true ? { n: name, d, i: 1 } : { n: name, d });
      this.fnIds.set(key, id);
    }
    return id;
  }

  file(path: string): number {
    let id = this.fileIds.get(path);
    if (id === undefined) {
      id = this.files.length;
      this.files.push(path);
      this.fileIds.set(path, id);
    }
    return id;
  }
}

/** Self (the sampled function, never an inlined one) and children (anywhere on the callchain) per function. */
function rows(samples: readonly Sample[], ids: Interner): HtmlRow[] {
  const self = new Map<number, number>();
  const children = new Map<number, number>();
  for (const s of samples) {
    const leaf = s.callchain.find((f) => f.inlined !== true);
    if (leaf !== undefined) {
      const id = ids.fn(leaf);
      self.set(id, (self.get(id) ?? 0) + 1);
    }
    for (const id of new Set(s.callchain.map((f) => ids.fn(f)))) children.set(id, (children.get(id) ?? 0) + 1);
  }
  const key = (f: number): string => `${ids.dsos[ids.functions[f]!.d]!}\0${ids.functions[f]!.n}`;
  return [...children.keys()]
    .map((f) => ({ f, s: self.get(f) ?? 0, c: children.get(f) ?? 0 }))
    .sort((a, b) => b.s - a.s || b.c - a.c || (key(a.f) < key(b.f) ? -1 : key(a.f) > key(b.f) ? 1 : 0));
}

/** Unique callchains root first, with their sample counts, most frequent first. */
function stacks(samples: readonly Sample[], ids: Interner): number[][] {
  const counts = new Map<string, number[]>();
  for (const s of samples) {
    const chain = s.callchain.map((f) => ids.fn(f)).reverse();
    const k = chain.join(",");
    const e = counts.get(k);
    if (e === undefined) counts.set(k, [1, ...chain]);
    else e[0]!++;
  }
  return [...counts.values()].sort((a, b) => b[0]! - a[0]!);
}

/** Per-line counts: each real frame at its line-table position, each inlined function at its own position. */
function lines(samples: readonly Sample[], ids: Interner): HtmlLine[] {
  const table = new Map<string, [number, number, number, number, number]>();
  const at = (fn: number, file: string, line: number): [number, number, number, number, number] => {
    const fi = ids.file(file);
    const k = `${fn},${fi},${line}`;
    let e = table.get(k);
    if (e === undefined) {
      e = [fn, fi, line, 0, 0];
      table.set(k, e);
    }
    return e;
  };
  for (const s of samples) {
    const seen = new Set<[number, number, number, number, number]>();
    s.stack.forEach((f, depth) => {
      const own: { fn: number; file?: string; line?: number }[] = [
        ...(f.inlines ?? []).map((i) => ({
          fn: ids.fn({ ...f, symbol: i.symbol, inlined: true }),
          ...(i.file === undefined ? {} : { file: i.file }),
          ...(i.line === undefined ? {} : { line: i.line }),
        })),
        {
          fn: ids.fn(f),
          ...(f.file === undefined ? {} : { file: f.file }),
          ...(f.line === undefined ? {} : { line: f.line }),
        },
      ];
      own.forEach((o, k) => {
        if (o.file === undefined || o.line === undefined) return;
        const e = at(o.fn, o.file, o.line);
        if (depth === 0 && (k === 0 || k === own.length - 1)) e[3]++;
        if (!seen.has(e)) {
          seen.add(e);
          e[4]++;
        }
      });
    });
  }
  return [...table.values()];
}

/** The source text around every counted line, per readable file; the unreadable files' indexes. */
function sources(
  s: Session,
  ids: Interner,
  counted: readonly HtmlLine[],
): { sources: Record<number, HtmlSourceBlock[]>; missing: number[] } {
  const byFile = new Map<number, Set<number>>();
  for (const [, file, line] of counted) byFile.set(file, (byFile.get(file) ?? new Set()).add(line));
  const out: Record<number, HtmlSourceBlock[]> = {};
  const missing: number[] = [];
  let budget = MAX_SOURCE_CHARS;
  for (const [file, wanted] of [...byFile].sort((a, b) => a[0] - b[0])) {
    const bytes = s.fileBytes(ids.files[file]!);
    if (bytes === undefined || budget <= 0) {
      missing.push(file);
      continue;
    }
    const text = new TextDecoder().decode(bytes).split("\n");
    const blocks: HtmlSourceBlock[] = [];
    let block: string[] = [];
    let first = 0;
    for (let n = 1; n <= text.length; n++) {
      let near = false;
      for (let d = -CONTEXT; d <= CONTEXT && !near; d++) near = wanted.has(n + d);
      if (near) {
        if (block.length === 0) first = n;
        const t = text[n - 1]!.trimEnd();
        block.push(t);
        budget -= t.length + 1;
      } else if (block.length > 0) {
        blocks.push([first, ...block]);
        block = [];
      }
    }
    if (block.length > 0) blocks.push([first, ...block]);
    out[file] = blocks;
  }
  return { sources: out, missing };
}

function timeline(s: Session, eventIndex: Map<number, number>, ids: Interner): HtmlTimeline {
  const tids = [...new Set([...s.threads.map((t) => t.tid), ...s.samples.map((x) => x.tid)])];
  const label = (tid: number): string => {
    const t = s.threads.find((x) => x.tid === tid);
    return t === undefined ? `:${tid}` : `${t.comm} ${t.pid}/${tid}`;
  };
  const step = Math.max(1, Math.ceil(s.samples.length / MAX_TIMELINE_SAMPLES));
  const samples = s.samples
    .filter((x, i) => i % step === 0 && x.event.event.kind !== "marker" && x.stack[0] !== undefined)
    .map((x): [number, number, number, number] => [
      x.time,
      tids.indexOf(x.tid),
      eventIndex.get(x.event.eventId) ?? -1,
      ids.fn(x.stack[0]!),
    ]);
  const markers = s.samples
    .filter((x) => x.event.event.kind === "marker")
    .map((x) => {
      const d = x.event.detail;
      const data =
        d.kind === "marker"
          ? ` data1=0x${d.data1.toString(16)} data2=0x${d.data2.toString(16)} flags=0x${d.flags.toString(16)}`
          : "";
      return { t: x.time, label: `${x.stack[0]?.symbol ?? ""}${data}` };
    });
  let start = Infinity;
  let end = -Infinity;
  for (const x of s.samples) {
    start = Math.min(start, x.time);
    end = Math.max(end, x.time);
  }
  return {
    start: Number.isFinite(start) ? start : 0,
    end: Number.isFinite(end) ? end : 1,
    unit: s.timestamps ? "ns" : "sample",
    threads: tids.map((tid) => ({ tid, label: label(tid) })),
    samples,
    markers,
  };
}

/** The data the page script reads. */
export function htmlData(s: Session): HtmlData {
  const ids = new Interner();
  const present = s.events.filter((e) => e.samples > 0);
  const eventIndex = new Map(present.map((e, i) => [e.event.id, i]));
  const events: HtmlEvent[] = present.map((e) => {
    const samples = s.samples.filter((x) => x.event.eventId === e.event.id);
    return {
      name: e.event.name,
      samples: samples.length,
      interval: e.interval,
      period: e.period,
      rows: rows(samples, ids),
      stacks: stacks(samples, ids),
      lines: lines(samples, ids),
    };
  });
  const src = sources(
    s,
    ids,
    events.flatMap((e) => e.lines),
  );
  return {
    dsos: ids.dsos,
    functions: ids.functions,
    events,
    colors: present.map((_, i) => COLORS[i % COLORS.length]!),
    timeline: timeline(s, eventIndex, ids),
    files: ids.files,
    sources: src.sources,
    missingSources: src.missing,
  };
}
