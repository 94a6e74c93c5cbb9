// SPDX-License-Identifier: MIT
// lwpdata file writer, and the layout constants and object model shared with
// reader.ts. Format: docs/formats/lwpdata.md (header §2, sections §3, records §4).
// Pure: objects in, bytes out. Always little-endian.

/** §2: "LWPDATA\0". */
export const LWPDATA_MAGIC = Uint8Array.of(0x4c, 0x57, 0x50, 0x44, 0x41, 0x54, 0x41, 0x00);
export const LWPDATA_VERSION_MAJOR = 1;
export const LWPDATA_VERSION_MINOR = 0;
export const HEADER_SIZE = 24;
export const SECTION_ENTRY_SIZE = 24;
export const RECORD_HEADER_SIZE = 8;
/** Bytes of one LWP event record (LWP spec §4). */
export const LWP_EVENT_RECORD_SIZE = 32;

/** §3 section types, one row each. */
export const SECTION = { META: 1, MAPS: 2, THREADS: 3, SAMPLES: 4, LOST: 5, STRINGS: 6 } as const;
export type SectionType = (typeof SECTION)[keyof typeof SECTION];

/** §4 record types (each lives in one section). */
export const RECORD = { MAP: 1, THREAD: 2, SAMPLE: 3, LOST: 4 } as const;

/** Fixed part of each record, header included (§4). */
export const RECORD_SIZE = { MAP: 48, THREAD: 24, SAMPLE: 48, LOST: 24 } as const;

/** One configured LWP event (META.events[]). */
export interface LwpEventConfig {
  /** LWP EventId (spec §4.1): 1 LWPVAL … 6 reference cycles, 255 LWPINS. */
  readonly eventId: number;
  /** EventInterval programmed in the LWPCB. */
  readonly interval: number;
  readonly [key: string]: unknown;
}

/** §3.1 META: a JSON object; unknown keys are kept. */
export interface LwpMeta {
  readonly command: readonly string[];
  readonly seed: number;
  readonly cpuModel: string;
  readonly events: readonly LwpEventConfig[];
  /** Virtual clock (ns) when recording started. */
  readonly startTimeVirtual: number;
  readonly [key: string]: unknown;
}

/** §4.1 MAP record. u64 fields are Numbers (< 2^53). */
export interface LwpMap {
  readonly pid: number;
  /** 0 when the mapping belongs to the whole process. */
  readonly tid: number;
  readonly start: number;
  readonly end: number;
  readonly pgoff: number;
  readonly path: string;
  /** GNU build-id as lowercase hex; "" when unknown. */
  readonly buildId: string;
}

/** §4.2 THREAD record. */
export interface LwpThread {
  readonly pid: number;
  readonly tid: number;
  readonly comm: string;
}

/** §4.3 SAMPLE record: the raw 32-byte event record plus an optional call stack. */
export interface LwpSample {
  readonly tid: number;
  /** Exactly 32 bytes, as the LWP unit wrote them into the ring. */
  readonly record: Uint8Array;
  /** Return addresses, innermost caller first; empty when not recorded. */
  readonly callchain: readonly number[];
}

/** §4.4 LOST record: MissedEvents observed for a thread (totals are sums). */
export interface LwpLost {
  readonly tid: number;
  readonly missedEvents: number;
}

/** The contents of an lwpdata file. */
export interface LwpData {
  readonly meta: LwpMeta;
  readonly maps: readonly LwpMap[];
  readonly threads: readonly LwpThread[];
  readonly samples: readonly LwpSample[];
  readonly lost: readonly LwpLost[];
}

/** A growable little-endian byte buffer. */
class ByteWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): number {
    const at = this.length;
    if (at + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, at + n));
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.length = at + n;
    return at;
  }
  // reserve() may replace this.view, so call it before reading this.view.
  u8(v: number): void {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
  }
  u16(v: number): void {
    const at = this.reserve(2);
    this.view.setUint16(at, v, true);
  }
  u32(v: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, v, true);
  }
  u64(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`Cannot write ${v} as u64`);
    const at = this.reserve(8);
    this.view.setUint32(at, v % 0x1_0000_0000, true);
    this.view.setUint32(at + 4, Math.floor(v / 0x1_0000_0000), true);
  }
  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length); // may replace this.buf
    this.buf.set(b, at);
  }
  align8(): void {
    while (this.length % 8 !== 0) this.u8(0);
  }
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  /** §4 framing: {type u16, misc u16, size u32}, body, zero padding to 8. */
  record(type: number, body: () => void): void {
    const at = this.length;
    this.u16(type);
    this.u16(0);
    this.u32(0);
    body();
    this.align8();
    this.patchU32(at + 4, this.length - at);
  }
}

/** §3.6 STRINGS: NUL-terminated UTF-8, offset 0 is "". */
class StringTable {
  private readonly w = new ByteWriter();
  private readonly index = new Map<string, number>([["", 0]]);
  private readonly enc = new TextEncoder();
  constructor() {
    this.w.u8(0);
  }
  add(s: string): number {
    let off = this.index.get(s);
    if (off === undefined) {
      off = this.w.length;
      this.w.bytes(this.enc.encode(s));
      this.w.u8(0);
      this.index.set(s, off);
    }
    return off;
  }
  finish(): Uint8Array {
    return this.w.finish();
  }
}

function hexToBytes(hex: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/i.test(hex) || hex.length > 510) throw new RangeError(`Bad build-id: ${hex}`);
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

function writeMaps(maps: readonly LwpMap[], strings: StringTable): Uint8Array {
  const w = new ByteWriter();
  for (const m of maps) {
    const id = hexToBytes(m.buildId);
    w.record(RECORD.MAP, () => {
      w.u32(m.pid);
      w.u32(m.tid);
      w.u64(m.start);
      w.u64(m.end);
      w.u64(m.pgoff);
      w.u32(strings.add(m.path));
      w.u8(id.length);
      w.u8(0);
      w.u16(0);
      w.bytes(id);
    });
  }
  return w.finish();
}

function writeThreads(threads: readonly LwpThread[], strings: StringTable): Uint8Array {
  const w = new ByteWriter();
  for (const t of threads) {
    w.record(RECORD.THREAD, () => {
      w.u32(t.pid);
      w.u32(t.tid);
      w.u32(strings.add(t.comm));
      w.u32(0);
    });
  }
  return w.finish();
}

/** A SAMPLE record's bytes before its call chain: header, tid, chain length, the LWP record (a multiple of 8). */
const SAMPLE_FIXED = 16 + LWP_EVENT_RECORD_SIZE;

/**
 * §4.3 SAMPLE records, sized first and written into one buffer: `lwp record` encodes
 * every sample here, a batch at a time, so no closure or growth per record.
 */
function writeSamples(samples: readonly LwpSample[]): Uint8Array {
  let size = 0;
  for (const s of samples) size += SAMPLE_FIXED + 8 * s.callchain.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let at = 0;
  for (const s of samples) {
    if (s.record.length !== LWP_EVENT_RECORD_SIZE) {
      throw new RangeError(`LWP event record must be 32 bytes, got ${s.record.length}`);
    }
    const n = s.callchain.length,
      bytes = SAMPLE_FIXED + 8 * n;
    v.setUint16(at, RECORD.SAMPLE, true); // the record header (§4): type, 0, size
    v.setUint32(at + 4, bytes, true);
    v.setUint32(at + 8, s.tid, true);
    v.setUint32(at + 12, n, true);
    out.set(s.record, at + 16);
    for (let k = 0, p = at + SAMPLE_FIXED; k < n; k++, p += 8) {
      const a = s.callchain[k]!;
      if (!Number.isSafeInteger(a) || a < 0) throw new RangeError(`Cannot write ${a} as u64`);
      v.setUint32(p, a % 0x1_0000_0000, true);
      v.setUint32(p + 4, Math.floor(a / 0x1_0000_0000), true);
    }
    at += bytes;
  }
  return out;
}

function writeLost(lost: readonly LwpLost[]): Uint8Array {
  const w = new ByteWriter();
  for (const l of lost) {
    w.record(RECORD.LOST, () => {
      w.u32(l.tid);
      w.u32(0);
      w.u64(l.missedEvents);
    });
  }
  return w.finish();
}

/** One section table entry (§3): where a section's bytes are in the file. */
export interface SectionEntry {
  readonly type: SectionType;
  readonly offset: number;
  readonly size: number;
}

/** The header (§2) and section table (§3) for `entries`: HEADER_SIZE + 24 × n bytes. */
export function encodeHeader(entries: readonly SectionEntry[]): Uint8Array {
  const w = new ByteWriter();
  w.bytes(LWPDATA_MAGIC);
  w.u16(LWPDATA_VERSION_MAJOR);
  w.u16(LWPDATA_VERSION_MINOR);
  w.u32(HEADER_SIZE);
  w.u32(entries.length);
  w.u32(0);
  for (const e of entries) {
    w.u32(e.type);
    w.u32(0);
    w.u64(e.offset);
    w.u64(e.size);
  }
  return w.finish();
}

/** SAMPLES records for `samples` (a writer may append several such runs back to back). */
export const encodeSamples = writeSamples;

/** The sections other than SAMPLES, in SECTION order: META, MAPS, THREADS, LOST, STRINGS. */
export function encodeMetaSections(data: Omit<LwpData, "samples">): [SectionType, Uint8Array][] {
  const strings = new StringTable();
  const maps = writeMaps(data.maps, strings);
  const threads = writeThreads(data.threads, strings);
  return [
    [SECTION.META, new TextEncoder().encode(JSON.stringify(data.meta))],
    [SECTION.MAPS, maps],
    [SECTION.THREADS, threads],
    [SECTION.LOST, writeLost(data.lost)],
    [SECTION.STRINGS, strings.finish()],
  ];
}

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Encodes `data` as an lwpdata file (version 1.0), sections in SECTION order. */
export function writeLwpData(data: LwpData): Uint8Array {
  const rest = encodeMetaSections(data);
  const sections: [SectionType, Uint8Array][] = [
    ...rest.slice(0, 3),
    [SECTION.SAMPLES, writeSamples(data.samples)],
    ...rest.slice(3),
  ];
  let offset = HEADER_SIZE + sections.length * SECTION_ENTRY_SIZE;
  const entries = sections.map(([type, bytes]) => {
    const e = { type, offset, size: bytes.length };
    offset += pad8(bytes.length);
    return e;
  });
  const out = new Uint8Array(offset);
  out.set(encodeHeader(entries));
  sections.forEach(([, bytes], i) => out.set(bytes, entries[i]!.offset));
  return out;
}
