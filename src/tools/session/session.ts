// SPDX-License-Identifier: MIT
// Session layer (perf's util/session.c + machine/thread): decoded records of an
// lwpdata file (docs/formats/lwpdata.md §4) + MAPS + ELF symbols → per-thread samples.
import { ElfFile } from "../../common/elf/elf.js";
import { SymbolTable } from "../../common/elf/symbols.js";
import { eventById, eventOrder, type EventRow } from "../decode/events.js";
import { decodeRecord, type LwpEvent } from "../decode/record.js";
import type { LwpDataFile } from "../format/reader.js";
import type { LwpMap, LwpMeta } from "../format/writer.js";
import type { Inflate } from "../symbols/dwarf-line.js";
import { Symbolizer, type ResolvedFrame } from "../symbols/symbolizer.js";
import { DEFAULT_DEBUG_DIRS, type DebugFile, type DebugSearch, findDebugFile } from "../symbols/debuginfo.js";
import { readBuildId } from "../../common/elf/notes.js";

/** A resolved stack frame with its address (for callers, the return address). */
export interface Frame extends ResolvedFrame {
  readonly addr: number;
  /** A function inlined at `addr` (perf's "(inlined)" callchain entries); only in Sample.callchain. */
  readonly inlined?: true;
}

export interface Sample {
  /** Position of the SAMPLE record in the file. */
  readonly index: number;
  readonly pid: number;
  readonly tid: number;
  readonly comm: string;
  readonly event: LwpEvent;
  /** Events one sample stands for on average: META's mean period, else EventInterval + 1. */
  readonly period: number;
  /**
   * The whole events this sample is counted for in the exports: `period` apportioned
   * so that the weights of an event's samples add up to round(samples × period), the
   * total the report header prints (a randomised reload has a mean ending in .5).
   */
  readonly weight: number;
  /**
   * Virtual time (ns): the record's Data3 timestamp (PTSC) when the records carry
   * one, else spread evenly over the recorded run (META endTimeVirtual), else the index.
   */
  readonly time: number;
  /** Leaf first: the sampled instruction, then its callers. */
  readonly stack: readonly Frame[];
  /** `stack` with the inlined functions of each frame before it (innermost first), as perf --inline shows it. */
  readonly callchain: readonly Frame[];
}

export interface ThreadInfo {
  readonly pid: number;
  readonly tid: number;
  readonly comm: string;
  /** Sum of the thread's LOST records (LWPCB MissedEvents). */
  readonly lost: number;
}

export interface EventSummary {
  readonly event: EventRow;
  readonly interval: number;
  /** Mean events per sample (META period, else EventInterval + 1): totals are samples × period. */
  readonly period: number;
  readonly samples: number;
}

/** A module that some samples fell in but that had no usable symbols. */
export interface UnsymbolizedModule {
  readonly path: string;
  readonly reason: string;
  readonly samples: number;
}

export interface Session {
  readonly meta: LwpMeta;
  readonly maps: readonly LwpMap[];
  readonly samples: readonly Sample[];
  readonly threads: readonly ThreadInfo[];
  readonly lostTotal: number;
  /** Events present in META or in the samples, in EVENTS table order. */
  readonly events: readonly EventSummary[];
  readonly unsymbolized: readonly UnsymbolizedModule[];
  /** True when the records carry Data3 timestamps. */
  readonly timestamps: boolean;
  readonly hasCallchains: boolean;
  /** Symbolizes any address of a process (branch targets, data addresses). */
  readonly resolve: (pid: number, addr: number) => Frame;
  /** The bytes of a mapped file, as the loader gave them (cached). */
  readonly fileBytes: (path: string) => Uint8Array | undefined;
  /** Things the user should know (a file rebuilt since recording), one line each. */
  readonly warnings: readonly string[];
}

/** Returns a DSO's bytes by path, or why it cannot be read (a one-line reason, or undefined). */
export type ElfLoader = (path: string) => Uint8Array | string | undefined;

export interface SessionOptions {
  readonly demangle?: boolean;
  readonly inflate?: Inflate;
  /** Where separate debug files live (default /usr/lib/debug). */
  readonly debugDirs?: readonly string[];
  /** Inlined frames from DWARF in Sample.callchain (default true, perf's --inline). */
  readonly inline?: boolean;
}

const basename = (p: string): string => p.slice(p.lastIndexOf("/") + 1) || p;

/** Whether a frame fell back to "dso+0xoffset" or an unmapped address. */
export function isUnresolved(f: ResolvedFrame): boolean {
  return f.dso === "[unmapped]" || f.symbol.startsWith(`${basename(f.dso)}+0x`);
}

class DsoCache {
  private readonly bytes = new Map<string, Uint8Array | string | undefined>();
  private readonly debugs = new Map<string, DebugFile | undefined>();
  /** Paths whose file has another build-id than the one recorded. */
  readonly mismatched = new Map<string, string>();
  constructor(
    private readonly load: ElfLoader,
    private readonly search: DebugSearch,
  ) {}

  private raw(path: string): Uint8Array | string | undefined {
    if (!this.bytes.has(path)) this.bytes.set(path, path.startsWith("[") ? undefined : this.load(path));
    return this.bytes.get(path);
  }

  get(path: string): Uint8Array | undefined {
    const b = this.raw(path);
    return typeof b === "string" || this.mismatched.has(path) ? undefined : b;
  }

  /** Checks the file against the build-id recorded for it; a mismatch is remembered (and its symbols not used). */
  check(path: string, recorded: string): void {
    const b = this.raw(path);
    if (recorded === "" || b === undefined || typeof b === "string" || this.mismatched.has(path)) return;
    let now: string | undefined;
    try {
      now = readBuildId(ElfFile.parse(b));
    } catch {
      now = undefined;
    }
    if (now !== undefined && now !== recorded) this.mismatched.set(path, now);
  }

  /** The separate debug file for `path`, found by the recorded build-id or the file's debuglink. */
  debug(path: string, recorded: string): DebugFile | undefined {
    if (path.startsWith("[")) return undefined;
    if (!this.debugs.has(path)) {
      const b = this.get(path);
      let elf: ElfFile | undefined;
      try {
        elf = b === undefined ? undefined : ElfFile.parse(b);
      } catch {
        elf = undefined;
      }
      const load = (p: string): Uint8Array | undefined => {
        const x = this.load(p);
        return typeof x === "string" ? undefined : x;
      };
      this.debugs.set(path, findDebugFile(path, elf, recorded, load, this.search));
    }
    return this.debugs.get(path);
  }

  /** Why a module gives no symbols. */
  reason(path: string): string {
    const raw = this.raw(path);
    if (path.startsWith("[")) return "pseudo mapping, no file";
    const now = this.mismatched.get(path);
    if (now !== undefined) return `build-id mismatch: the file was rebuilt or replaced since recording (now ${now})`;
    if (typeof raw === "string") return raw;
    if (raw === undefined) return "file not readable";
    try {
      const elf = ElfFile.parse(raw);
      return SymbolTable.fromElf(elf).functions.length === 0
        ? "no .symtab or .dynsym functions"
        : "address outside every symbol";
    } catch (e) {
      return `not a usable ELF file (${(e as Error).message})`;
    }
  }
}

function symbolizers(maps: readonly LwpMap[], dsos: DsoCache, opts: SessionOptions): Map<number, Symbolizer> {
  const byPid = new Map<number, LwpMap[]>();
  for (const m of maps) byPid.set(m.pid, [...(byPid.get(m.pid) ?? []), m]);
  const out = new Map<number, Symbolizer>();
  for (const [pid, list] of byPid) {
    const mappings = list.map((m) => {
      dsos.check(m.path, m.buildId);
      const elf = dsos.get(m.path);
      const debug = dsos.debug(m.path, m.buildId);
      // A replaced file: its own bytes are not used, but a debug file of the recorded build-id is (it has the layout).
      const bytes = elf ?? (dsos.mismatched.has(m.path) ? debug?.bytes : undefined);
      return {
        start: m.start,
        end: m.end,
        pgoff: m.pgoff,
        path: m.path,
        ...(bytes === undefined ? {} : { elf: bytes }),
        ...(debug === undefined ? {} : { debug: debug.bytes }),
      };
    });
    out.set(pid, new Symbolizer(mappings, opts));
  }
  return out;
}

/** Resolves a stack: the IP as is, each return address at addr − 1 (the call), as perf does. */
function resolveStack(sym: Symbolizer | undefined, ip: number, callchain: readonly number[]): Frame[] {
  const unmapped = (addr: number): Frame => ({
    addr,
    dso: "[unmapped]",
    symbol: `0x${addr.toString(16)}`,
    offset: addr,
  });
  if (sym === undefined) return [ip, ...callchain].map(unmapped);
  const frames: Frame[] = [{ ...sym.resolve(ip), addr: ip }];
  for (const ret of callchain) {
    const r = sym.resolve(ret - 1);
    frames.push({ ...r, offset: isUnresolved(r) ? r.offset : r.offset + 1, addr: ret });
  }
  return frames;
}

/** The stack with each frame's inlined functions before it, innermost first (the same array when there are none). */
export function expandInlines(stack: readonly Frame[]): readonly Frame[] {
  if (!stack.some((f) => f.inlines !== undefined)) return stack;
  const out: Frame[] = [];
  for (const f of stack) {
    for (const i of f.inlines ?? []) {
      out.push({
        addr: f.addr,
        dso: f.dso,
        symbol: i.symbol,
        offset: f.offset,
        inlined: true,
        ...(i.mangled === undefined ? {} : { mangled: i.mangled }),
        ...(i.file === undefined || i.line === undefined ? {} : { file: i.file, line: i.line }),
      });
    }
    out.push(f);
  }
  return out;
}

/** Events one sample of `id` stands for: META's mean period, else EventInterval + 1 (LWP spec §7.2). */
export function periodOf(meta: LwpMeta, id: number): number {
  const e = meta.events.find((x) => x.eventId === id);
  if (e === undefined) return 1;
  const p = e["period"];
  if (typeof p === "number" && Number.isFinite(p) && p >= 1) return p;
  return e.interval > 0 ? e.interval + 1 : 1;
}

function summarizeEvents(meta: LwpMeta, samples: readonly Sample[]): EventSummary[] {
  const ids = new Set<number>([...meta.events.map((e) => e.eventId), ...samples.map((s) => s.event.eventId)]);
  return [...ids]
    .sort((a, b) => eventOrder(a) - eventOrder(b))
    .map((id) => ({
      event: eventById(id),
      interval: meta.events.find((e) => e.eventId === id)?.interval ?? 0,
      period: periodOf(meta, id),
      samples: samples.filter((s) => s.event.eventId === id).length,
    }));
}

function unsymbolizedModules(samples: readonly Sample[], dsos: DsoCache): UnsymbolizedModule[] {
  const count = new Map<string, number>();
  for (const s of samples) {
    const f = s.stack[0];
    if (f !== undefined && isUnresolved(f)) count.set(f.dso, (count.get(f.dso) ?? 0) + 1);
  }
  return [...count]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([path, n]) => ({
      path,
      samples: n,
      reason: path === "[unmapped]" ? "address outside every mapping" : dsos.reason(path),
    }));
}

/** Builds the session: decodes every SAMPLE, attributes it to its thread and symbolizes its stack. */
export function openSession(data: LwpDataFile, load: ElfLoader, opts: SessionOptions = {}): Session {
  const dsos = new DsoCache(load, { debugDirs: opts.debugDirs ?? DEFAULT_DEBUG_DIRS });
  const syms = symbolizers(data.maps, dsos, opts);
  const threadOf = new Map(data.threads.map((t) => [t.tid, t]));
  const decoded = data.samples.map((s) => decodeRecord(s.record));
  const timestamps = decoded.some((e) => e.data3 !== 0n);
  const end = data.meta["endTimeVirtual"];
  const n = data.samples.length;
  const spread = (i: number): number =>
    typeof end === "number" && Number.isFinite(end) && end > 0 ? Math.round(((i + 1) * end) / n) : i;
  const seen = new Map<number, number>();
  const samples = data.samples.map((raw, index): Sample => {
    const event = decoded[index]!;
    // The unit writes one record per EventInterval + 1 events (LWP spec §7.2).
    const period = periodOf(data.meta, event.eventId);
    const k = seen.get(event.eventId) ?? 0;
    seen.set(event.eventId, k + 1);
    const t = threadOf.get(raw.tid);
    const pid = t?.pid ?? raw.tid;
    const stack = resolveStack(syms.get(pid), event.ip, raw.callchain);
    return {
      index,
      pid,
      tid: raw.tid,
      comm: t?.comm ?? `:${raw.tid}`,
      event,
      period,
      weight: Math.round((k + 1) * period) - Math.round(k * period),
      time: timestamps ? Number(event.data3) : spread(index),
      stack,
      callchain: expandInlines(stack),
    };
  });
  const lostBy = new Map<number, number>();
  for (const l of data.lost) lostBy.set(l.tid, (lostBy.get(l.tid) ?? 0) + l.missedEvents);
  const threads = data.threads.map((t) => ({ ...t, lost: lostBy.get(t.tid) ?? 0 }));
  return {
    meta: data.meta,
    maps: data.maps,
    samples,
    threads,
    lostTotal: [...lostBy.values()].reduce((a, b) => a + b, 0),
    events: summarizeEvents(data.meta, samples),
    unsymbolized: unsymbolizedModules(samples, dsos),
    timestamps,
    hasCallchains: data.samples.some((s) => s.callchain.length > 0),
    resolve: (pid, addr) => resolveStack(syms.get(pid), addr, [])[0]!,
    fileBytes: (path) => dsos.get(path),
    warnings: [...dsos.mismatched].map(
      ([path, now]) =>
        `${path} was rebuilt or replaced since recording (build-id ${data.maps.find((m) => m.path === path)?.buildId ?? "?"}, now ${now}): its symbols are not used`,
    ),
  };
}
