// SPDX-License-Identifier: MIT
// lwpdata file reader: docs/formats/lwpdata.md (header §2, sections §3, records
// §4, reader rules §5). Pure: bytes in, objects out; one-line LwpDataError messages.
import {
  HEADER_SIZE,
  LWP_EVENT_RECORD_SIZE,
  LWPDATA_MAGIC,
  LWPDATA_VERSION_MAJOR,
  RECORD,
  RECORD_HEADER_SIZE,
  RECORD_SIZE,
  SECTION,
  SECTION_ENTRY_SIZE,
  type LwpData,
  type LwpLost,
  type LwpMap,
  type LwpMeta,
  type LwpSample,
  type LwpThread,
} from "./writer.js";

/** Thrown for files this reader cannot decode; the message says why, on one line. */
export class LwpDataError extends Error {
  override name = "LwpDataError";
}

/** What readLwpData returns: the data plus what the file said about itself. */
export interface LwpDataFile extends LwpData {
  readonly version: { readonly major: number; readonly minor: number };
  /** Records of unknown type that were skipped (§5). */
  readonly skippedRecords: number;
  /** Section types this reader does not know, skipped (§5). */
  readonly unknownSections: readonly number[];
}

const SECTION_NAMES = new Map<number, string>(Object.entries(SECTION).map(([k, v]) => [v, k]));
const corrupt = (msg: string): LwpDataError => new LwpDataError(`Corrupt lwpdata file: ${msg}`);
const hex = (n: number): string => `0x${n.toString(16)}`;

/** Little-endian reads within one section, with u64 → Number checked against 2^53. */
class SectionView {
  readonly view: DataView;
  constructor(
    readonly name: string,
    readonly bytes: Uint8Array,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(at: number): number {
    return this.view.getUint8(at);
  }
  u16(at: number): number {
    return this.view.getUint16(at, true);
  }
  u32(at: number): number {
    return this.view.getUint32(at, true);
  }
  u64(at: number, what: string): number {
    const hi = this.u32(at + 4);
    if (hi >= 0x20_0000) {
      throw new LwpDataError(`Unsupported lwpdata file: ${what} at ${this.name}+${hex(at)} does not fit in 53 bits`);
    }
    return hi * 0x1_0000_0000 + this.u32(at);
  }
}

/** Calls `visit(type, offset, size)` for each framed record (§4), checking the framing. */
function forEachRecord(s: SectionView, visit: (type: number, at: number, size: number) => void): void {
  let at = 0;
  while (at < s.bytes.length) {
    if (at + RECORD_HEADER_SIZE > s.bytes.length) {
      throw corrupt(`record at ${s.name}+${hex(at)} extends past end of section`);
    }
    const type = s.u16(at);
    const size = s.u32(at + 4);
    if (size < RECORD_HEADER_SIZE || size % 8 !== 0) throw corrupt(`record at ${s.name}+${hex(at)} has size ${size}`);
    if (at + size > s.bytes.length) throw corrupt(`record at ${s.name}+${hex(at)} extends past end of section`);
    visit(type, at, size);
    at += size;
  }
}

/** Reads the records of one section type, counting the ones of other types as skipped. */
function readRecords<T>(
  s: SectionView | undefined,
  want: keyof typeof RECORD,
  decode: (s: SectionView, at: number, size: number) => T,
): [T[], number] {
  const out: T[] = [];
  let skipped = 0;
  if (s === undefined) return [out, 0];
  forEachRecord(s, (type, at, size) => {
    if (type !== RECORD[want]) {
      skipped++;
      return;
    }
    if (size < RECORD_SIZE[want]) throw corrupt(`${want} record at ${s.name}+${hex(at)} is too short (${size} bytes)`);
    out.push(decode(s, at, size));
  });
  return [out, skipped];
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

function stringAt(strings: Uint8Array, off: number): string {
  if (off >= strings.length || (off > 0 && strings[off - 1] !== 0)) {
    throw corrupt(`string offset ${hex(off)} outside STRINGS`);
  }
  const end = strings.indexOf(0, off);
  if (end < 0) throw corrupt(`string at STRINGS+${hex(off)} is not NUL-terminated`);
  return utf8.decode(strings.subarray(off, end));
}

function decodeMap(s: SectionView, at: number, size: number, strings: Uint8Array): LwpMap {
  const idLen = s.u8(at + 44);
  if (48 + idLen > size) throw corrupt(`MAP record at ${s.name}+${hex(at)} is too short for its build-id`);
  const id = s.bytes.subarray(at + 48, at + 48 + idLen);
  return {
    pid: s.u32(at + 8),
    tid: s.u32(at + 12),
    start: s.u64(at + 16, "MAP start"),
    end: s.u64(at + 24, "MAP end"),
    pgoff: s.u64(at + 32, "MAP pgoff"),
    path: stringAt(strings, s.u32(at + 40)),
    buildId: Array.from(id, (b) => b.toString(16).padStart(2, "0")).join(""),
  };
}

function decodeSample(s: SectionView, at: number, size: number): LwpSample {
  const nr = s.u32(at + 12);
  if (RECORD_SIZE.SAMPLE + 8 * nr > size) {
    throw corrupt(`SAMPLE record at ${s.name}+${hex(at)} is too short for ${nr} callchain entries`);
  }
  const callchain: number[] = [];
  for (let i = 0; i < nr; i++) callchain.push(s.u64(at + 48 + 8 * i, "SAMPLE callchain address"));
  return { tid: s.u32(at + 8), record: s.bytes.slice(at + 16, at + 16 + LWP_EVENT_RECORD_SIZE), callchain };
}

/** EventIds an LWP record can carry (LWP spec §4.1; docs/formats/lwpdata.md §3.1). */
const EVENT_IDS = new Set([1, 2, 3, 4, 5, 6, 255]);
/** EventInterval is 25 bits (LWP spec §3). */
const MAX_INTERVAL = 0x1ffffff;

const isCount = (x: unknown): boolean => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
const isTime = (x: unknown): boolean =>
  typeof x === "number" && Number.isFinite(x) && x >= 0 && x <= Number.MAX_SAFE_INTEGER;

function checkEvent(e: unknown, i: number, seen: Set<number>): void {
  if (typeof e !== "object" || e === null || Array.isArray(e)) throw corrupt(`META events[${i}] is not an object`);
  const r = e as Record<string, unknown>;
  const id = r["eventId"],
    iv = r["interval"],
    period = r["period"],
    bits = r["randomBits"];
  if (typeof id !== "number" || !EVENT_IDS.has(id)) {
    throw corrupt(`META events[${i}].eventId is ${JSON.stringify(id) ?? "missing"} (expected 1-6 or 255)`);
  }
  if (seen.has(id)) throw corrupt(`META events[${i}]: event ${id} listed twice`);
  seen.add(id);
  if (!isCount(iv) || (iv as number) > MAX_INTERVAL) {
    throw corrupt(`META events[${i}].interval is ${JSON.stringify(iv) ?? "missing"} (expected 0..${MAX_INTERVAL})`);
  }
  if (
    period !== undefined &&
    (typeof period !== "number" || !Number.isFinite(period) || period < 1 || period > 2 * (MAX_INTERVAL + 1))
  ) {
    throw corrupt(`META events[${i}].period is ${JSON.stringify(period)} (expected 1..${2 * (MAX_INTERVAL + 1)})`);
  }
  if (bits !== undefined && (!isCount(bits) || (bits as number) > 15)) {
    throw corrupt(`META events[${i}].randomBits is ${JSON.stringify(bits)} (expected 0..15)`);
  }
}

/** §3.1: the required keys with their types and ranges; the optional keys lwp writes, when present. */
function checkMeta(v: unknown): LwpMeta {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw corrupt("META is not a JSON object");
  const m = v as Record<string, unknown>;
  const need = (key: string, ok: (x: unknown) => boolean, what: string, optional = false): void => {
    if (optional && m[key] === undefined) return;
    if (!ok(m[key])) throw corrupt(`META field ${key} is ${optional ? "not" : "missing or not"} ${what}`);
  };
  need("command", (x) => Array.isArray(x) && x.every((a) => typeof a === "string"), "an array of strings");
  need("seed", isCount, "a non-negative integer");
  need("cpuModel", (x) => typeof x === "string", "a string");
  need("startTimeVirtual", isTime, "a time in ns");
  need("events", (x) => Array.isArray(x), "an array of {eventId, interval}");
  const seen = new Set<number>();
  (m["events"] as unknown[]).forEach((e, i) => checkEvent(e, i, seen));
  need("endTimeVirtual", isTime, "a time in ns", true);
  need("instructions", isCount, "a count", true);
  need("randomBits", (x) => isCount(x) && (x as number) <= 15, "0..15", true);
  need("callGraph", (x) => typeof x === "boolean", "a boolean", true);
  need("filterIp", (x) => Array.isArray(x) && x.length === 2 && x.every(isCount), "[lo, hi]", true);
  return m as LwpMeta;
}

function parseMeta(s: SectionView | undefined): LwpMeta {
  if (s === undefined) throw corrupt("no META section");
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(s.bytes));
  } catch {
    throw corrupt("META is not valid UTF-8 JSON");
  }
  return checkMeta(v);
}

/** Header (§2) and section table (§3): known sections by type, plus unknown type numbers. */
function readSections(bytes: Uint8Array): {
  version: LwpDataFile["version"];
  sections: Map<number, SectionView>;
  unknown: number[];
} {
  if (bytes.length < LWPDATA_MAGIC.length || LWPDATA_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new LwpDataError("Not an lwpdata file: bad magic");
  }
  if (bytes.length < HEADER_SIZE) throw corrupt("header extends past end of file");
  const head = new SectionView("header", bytes);
  const version = { major: head.u16(8), minor: head.u16(10) };
  if (version.major !== LWPDATA_VERSION_MAJOR) {
    throw new LwpDataError(
      `Unsupported lwpdata version ${version.major}.${version.minor} (this reader reads ${LWPDATA_VERSION_MAJOR}.x)`,
    );
  }
  const tableAt = head.u32(12);
  const count = head.u32(16);
  if (tableAt < HEADER_SIZE || tableAt + count * SECTION_ENTRY_SIZE > bytes.length) {
    throw corrupt("section table extends past end of file");
  }
  const sections = new Map<number, SectionView>();
  const unknown: number[] = [];
  for (let i = 0; i < count; i++) {
    const e = tableAt + i * SECTION_ENTRY_SIZE;
    const type = head.u32(e);
    const name = SECTION_NAMES.get(type);
    const offset = head.u64(e + 8, "section offset");
    const size = head.u64(e + 16, "section size");
    if (offset + size > bytes.length) throw corrupt(`section ${name ?? hex(type)} extends past end of file`);
    if (name === undefined) {
      unknown.push(type);
      continue;
    }
    if (sections.has(type)) throw corrupt(`duplicate section ${name}`);
    sections.set(type, new SectionView(name, bytes.subarray(offset, offset + size)));
  }
  return { version, sections, unknown };
}

/** Decodes an lwpdata file. Throws LwpDataError for bad magic, other major versions and corrupt contents. */
export function readLwpData(bytes: Uint8Array): LwpDataFile {
  const { version, sections, unknown } = readSections(bytes);
  const meta = parseMeta(sections.get(SECTION.META));
  const strings = sections.get(SECTION.STRINGS)?.bytes ?? Uint8Array.of(0);
  const m = readRecords(sections.get(SECTION.MAPS), "MAP", (v, at, size) => decodeMap(v, at, size, strings));
  const t = readRecords(sections.get(SECTION.THREADS), "THREAD", (v, at): LwpThread => ({
    pid: v.u32(at + 8),
    tid: v.u32(at + 12),
    comm: stringAt(strings, v.u32(at + 16)),
  }));
  const s = readRecords(sections.get(SECTION.SAMPLES), "SAMPLE", decodeSample);
  const l = readRecords(sections.get(SECTION.LOST), "LOST", (v, at): LwpLost => ({
    tid: v.u32(at + 8),
    missedEvents: v.u64(at + 16, "LOST missedEvents"),
  }));
  return {
    version,
    meta,
    maps: m[0],
    threads: t[0],
    samples: s[0],
    lost: l[0],
    skippedRecords: m[1] + t[1] + s[1] + l[1],
    unknownSections: unknown,
  };
}
