// SPDX-License-Identifier: MIT
// pprof export: a gzip-compressed profile.proto (google/pprof proto/profile.proto),
// one sample type per LWP event, locations per address with DWARF lines.
import type * as Zlib from "node:zlib";
import { createRequire } from "node:module";
import type { Frame, Session } from "../session/session.js";
import { ProtoWriter } from "./protobuf.js";

/** profile.proto field numbers. */
const PROFILE = {
  sampleType: 1,
  sample: 2,
  mapping: 3,
  location: 4,
  function: 5,
  stringTable: 6,
  timeNanos: 9,
  periodType: 11,
  period: 12,
  comment: 13,
  defaultSampleType: 14,
} as const;
const VALUE_TYPE = { type: 1, unit: 2 } as const;
const SAMPLE = { locationId: 1, value: 2, label: 3 } as const;
const LABEL = { key: 1, str: 2, num: 3 } as const;
const MAPPING = {
  id: 1,
  start: 2,
  limit: 3,
  offset: 4,
  filename: 5,
  buildId: 6,
  hasFunctions: 7,
  hasFilenames: 8,
  hasLineNumbers: 9,
  hasInlineFrames: 10,
} as const;
const LOCATION = { id: 1, mappingId: 2, address: 3, line: 4 } as const;
const LINE = { functionId: 1, line: 2 } as const;
const FUNCTION = { id: 1, name: 2, systemName: 3, filename: 4 } as const;

class Strings {
  readonly list: string[] = [""];
  private readonly index = new Map<string, number>([["", 0]]);
  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

function valueType(str: Strings, type: string, unit: string): ProtoWriter {
  const w = new ProtoWriter();
  w.uint(VALUE_TYPE.type, str.id(type));
  w.uint(VALUE_TYPE.unit, str.id(unit));
  return w;
}

/** Interns functions and locations; returns location ids for a stack. */
class Tables {
  readonly functions = new Map<string, { id: number; w: ProtoWriter }>();
  readonly locations = new Map<string, { id: number; w: ProtoWriter }>();
  constructor(
    private readonly str: Strings,
    private readonly s: Session,
  ) {}

  private functionId(f: Pick<Frame, "dso" | "symbol" | "mangled" | "file">): number {
    const key = `${f.dso}\0${f.symbol}`;
    let e = this.functions.get(key);
    if (e === undefined) {
      const w = new ProtoWriter();
      const id = this.functions.size + 1;
      w.uint(FUNCTION.id, id);
      w.uint(FUNCTION.name, this.str.id(f.symbol));
      w.uint(FUNCTION.systemName, this.str.id(f.mangled ?? f.symbol));
      w.uint(FUNCTION.filename, this.str.id(f.file ?? f.dso));
      e = { id, w };
      this.functions.set(key, e);
    }
    return e.id;
  }

  locationId(pid: number, f: Frame): number {
    const key = `${pid}:${f.addr}`;
    let e = this.locations.get(key);
    if (e === undefined) {
      const w = new ProtoWriter();
      const id = this.locations.size + 1;
      w.uint(LOCATION.id, id);
      const m = this.s.maps.findIndex((x) => x.pid === pid && f.addr >= x.start && f.addr < x.end);
      if (m >= 0) w.uint(LOCATION.mappingId, m + 1);
      w.uint(LOCATION.address, f.addr);
      // Inlined functions first, the function they are inlined in last (profile.proto: "the last entry is the caller").
      for (const i of f.inlines ?? []) {
        this.line(
          w,
          {
            dso: f.dso,
            symbol: i.symbol,
            ...(i.mangled === undefined ? {} : { mangled: i.mangled }),
            ...(i.file === undefined ? {} : { file: i.file }),
          },
          i.line,
        );
      }
      this.line(
        w,
        f.site === undefined ? f : { ...f, file: f.site.file },
        f.inlines === undefined ? f.line : f.site?.line,
      );
      e = { id, w };
      this.locations.set(key, e);
    }
    return e.id;
  }

  private line(
    loc: ProtoWriter,
    f: Pick<Frame, "dso" | "symbol" | "mangled" | "file">,
    line: number | undefined,
  ): void {
    const w = new ProtoWriter();
    w.uint(LINE.functionId, this.functionId(f));
    w.uint(LINE.line, line ?? 0);
    loc.message(LOCATION.line, w);
  }
}

function mappings(p: ProtoWriter, str: Strings, s: Session): void {
  s.maps.forEach((m, i) => {
    const w = new ProtoWriter();
    w.uint(MAPPING.id, i + 1);
    w.uint(MAPPING.start, m.start);
    w.uint(MAPPING.limit, m.end);
    w.uint(MAPPING.offset, m.pgoff);
    w.uint(MAPPING.filename, str.id(m.path));
    w.uint(MAPPING.buildId, str.id(m.buildId));
    const symbolized = !s.unsymbolized.some((u) => u.path === m.path);
    w.bool(MAPPING.hasFunctions, symbolized);
    w.bool(MAPPING.hasFilenames, symbolized);
    w.bool(
      MAPPING.hasLineNumbers,
      s.samples.some((x) => x.stack[0]?.dso === m.path && x.stack[0].line !== undefined),
    );
    w.bool(
      MAPPING.hasInlineFrames,
      s.samples.some((x) => x.stack.some((f) => f.dso === m.path && f.inlines !== undefined)),
    );
    p.message(PROFILE.mapping, w);
  });
}

function label(str: Strings, key: string, v: string | number): ProtoWriter {
  const w = new ProtoWriter();
  w.uint(LABEL.key, str.id(key));
  if (typeof v === "string") w.uint(LABEL.str, str.id(v));
  else w.uint(LABEL.num, v);
  return w;
}

/** The uncompressed Profile message. */
export function encodeProfile(s: Session): Uint8Array {
  const str = new Strings();
  const p = new ProtoWriter();
  const events = s.events.filter((e) => e.samples > 0);
  // perf's pprof converters' shape: a sample count, then each event's estimated count.
  p.message(PROFILE.sampleType, valueType(str, "samples", "count"));
  for (const e of events) p.message(PROFILE.sampleType, valueType(str, e.event.name, "count"));
  const tables = new Tables(str, s);
  for (const smp of s.samples) {
    const w = new ProtoWriter();
    w.packed(
      SAMPLE.locationId,
      smp.stack.map((f) => tables.locationId(smp.pid, f)),
    );
    w.packed(SAMPLE.value, [1, ...events.map((e) => (e.event.id === smp.event.eventId ? smp.weight : 0))]);
    w.message(SAMPLE.label, label(str, "thread", `${smp.comm} ${smp.pid}/${smp.tid}`));
    w.message(SAMPLE.label, label(str, "tid", smp.tid));
    p.message(PROFILE.sample, w);
  }
  mappings(p, str, s);
  for (const { w } of tables.locations.values()) p.message(PROFILE.location, w);
  for (const { w } of tables.functions.values()) p.message(PROFILE.function, w);
  const first = events[0];
  if (first !== undefined) {
    p.message(PROFILE.periodType, valueType(str, first.event.name, "count"));
    p.uint(PROFILE.period, Math.round(first.period));
  }
  p.packed(PROFILE.comment, [
    str.id(`lwp seed=${s.meta.seed} cpu=${s.meta.cpuModel}`),
    str.id(`precise: exact IP (no skid); lost samples: ${s.lostTotal}`),
  ]);
  if (first !== undefined) p.uint(PROFILE.defaultSampleType, str.id(first.event.name));
  for (const x of str.list) p.string(PROFILE.stringTable, x);
  return p.finish();
}

/** profile.pb.gz bytes. Gzip header mtime is 0, so output is reproducible. */
export function formatPprof(s: Session): Uint8Array {
  // node:zlib is loaded here, not imported: every command's start-up would pay for it.
  return (createRequire("/")("node:zlib") as typeof Zlib).gzipSync(encodeProfile(s));
}
