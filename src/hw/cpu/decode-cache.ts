// SPDX-License-Identifier: MIT
// The decoded-block cache: what `decodeRun` made of a block's bytes, kept across runs
// (the CLI reads it at start and writes it at exit, src/cli/decode-cache-file.ts), so a
// program run again (its ld.so, its libc) is translated without asking iced-x86 at all,
// and iced's WebAssembly is not even instantiated when every block is found
// (docs/architecture.md "Start-up"). An entry is keyed by the block's address and the
// exact bytes it was decoded from: decoding is a function of those two alone, so an
// entry applies exactly when both match, whatever program mapped what where.
//
// Image: MAGIC, the build's identity (a cache made by another build is ignored), then
// blocks: ip, byte count, the bytes, record length, the records, and an FNV-1a hash of
// bytes and records (a damaged block is never used). Numbers are LEB128 varints, signed
// ones zigzagged (a displacement beyond ±2^50 as a float64). A block's records are read
// only when the block is looked up.
import type { Insn, MemRef, Operand } from "./decode.js";
import { concatBytes, readU32LE } from "../../common/bytes.js";

const MAGIC = "lwp-decode-cache 1\n";
/** Most bytes of blocks an image keeps (this run's first, then the older ones). */
const MAX_IMAGE_BYTES = 4 << 20;
/** Size of the arenas that hold the blocks decoded in this run. */
const ARENA_BYTES = 64 << 10;

/** Makes a decoded-instruction record pointing at `len` bytes of `src` from `at` (decode.ts). */
export type InsnFactory = (src: Uint8Array, at: number, len: number) => Insn;

class Writer {
  buf = new Uint8Array(256);
  n = 0;

  byte(b: number): void {
    if (this.n === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = b;
  }

  /** A non-negative integer below 2^53. */
  uint(v: number): void {
    while (v >= 128) {
      this.byte((v % 128) | 128);
      v = Math.floor(v / 128);
    }
    this.byte(v);
  }

  /**
   * Any number: one within ±2^50 as its zigzag code doubled, else 1 and the 8 bytes of
   * its float64 (a 64-bit displacement or target beyond ±2^53 is a rounded double already).
   */
  int(v: number): void {
    if (Number.isInteger(v) && Math.abs(v) <= 2 ** 50) {
      this.uint(2 * (v < 0 ? -2 * v - 1 : 2 * v));
      return;
    }
    this.uint(1);
    const f = new DataView(new ArrayBuffer(8));
    f.setFloat64(0, v, true);
    for (let k = 0; k < 8; k++) this.byte(f.getUint8(k));
  }

  bytes(b: Uint8Array): void {
    for (let i = 0; i < b.length; i++) this.byte(b[i]!);
  }

  done(): Uint8Array {
    return this.buf.subarray(0, this.n);
  }
}

/** Thrown by a Reader that runs past its end (a damaged image). */
class Truncated extends Error {}

class Reader {
  constructor(
    readonly buf: Uint8Array,
    public at: number,
    readonly end: number,
  ) {}

  uint(): number {
    let v = 0,
      scale = 1;
    for (;;) {
      if (this.at >= this.end || scale > 2 ** 49) throw new Truncated();
      const b = this.buf[this.at++]!;
      v += (b & 127) * scale;
      if (b < 128) return v;
      scale *= 128;
    }
  }

  int(): number {
    const c = this.uint();
    if (c === 1) {
      if (this.at + 8 > this.end) throw new Truncated();
      const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.at, 8).getFloat64(0, true);
      this.at += 8;
      return v;
    }
    const z = c / 2;
    return z % 2 === 1 ? -(z + 1) / 2 : z / 2;
  }
}

function fnv1a(buf: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h >>> 0;
}

const F_REP = 1,
  F_REPE = 2,
  F_REPNE = 4,
  F_LOCK = 8,
  F_MEM = 16;

function writeOperand(w: Writer, o: Operand): void {
  w.uint(o.kind);
  w.int(o.reg);
  w.uint(o.rclass);
  w.uint(o.size);
  w.uint(o.hi8 ? 1 : 0);
  w.int(o.immLo);
  w.int(o.immHi);
}

function writeMem(w: Writer, m: MemRef): void {
  w.int(m.base);
  w.int(m.index);
  w.uint(m.scale);
  w.int(m.disp);
  w.uint(m.seg);
  w.uint(m.addr32 ? 1 : 0);
  w.uint(m.bytes);
}

/** The records of a block's instructions (their addresses follow from the block's and the lengths). */
function writeInsns(w: Writer, insns: readonly Insn[]): void {
  w.uint(insns.length);
  for (const i of insns) {
    w.uint(i.len);
    w.uint(i.code);
    w.uint(i.mnemonic);
    const f =
      (i.rep ? F_REP : 0) |
      (i.repe ? F_REPE : 0) |
      (i.repne ? F_REPNE : 0) |
      (i.lock ? F_LOCK : 0) |
      (i.mem ? F_MEM : 0);
    w.uint(f);
    w.int(i.cc);
    w.uint(i.flow);
    w.int(i.branchTarget);
    w.uint(i.flagsRead);
    w.uint(i.flagsModified);
    w.uint(i.flagsUndefined);
    w.uint(i.ops.length);
    for (const o of i.ops) writeOperand(w, o);
    if (i.mem !== null) writeMem(w, i.mem);
  }
}

function readOperand(r: Reader): Operand {
  return {
    kind: r.uint(),
    reg: r.int(),
    rclass: r.uint(),
    size: r.uint(),
    hi8: r.uint() === 1,
    immLo: r.int(),
    immHi: r.int(),
  };
}

function readMem(r: Reader): MemRef {
  return {
    base: r.int(),
    index: r.int(),
    scale: r.uint(),
    disp: r.int(),
    seg: r.uint(),
    addr32: r.uint() === 1,
    bytes: r.uint(),
  };
}

/** Names of a Code and a Mnemonic (decode.ts: iced's enums, no WebAssembly). */
export interface InsnNames {
  form(code: number): string;
  name(mnemonic: number): string;
}

/** The rest of an instruction record read back (its length was read): the fields decode.ts's `toInsn` sets. */
function readInsn(r: Reader, d: Insn, ip: number, len: number, names: InsnNames): void {
  d.ip = ip;
  d.len = len;
  d.next = ip + len;
  d.code = r.uint();
  d.form = names.form(d.code);
  d.mnemonic = r.uint();
  d.name = names.name(d.mnemonic);
  const f = r.uint();
  d.rep = (f & F_REP) !== 0;
  d.repe = (f & F_REPE) !== 0;
  d.repne = (f & F_REPNE) !== 0;
  d.lock = (f & F_LOCK) !== 0;
  d.cc = r.int();
  d.flow = r.uint();
  d.branchTarget = r.int();
  d.flagsRead = r.uint();
  d.flagsModified = r.uint();
  d.flagsUndefined = r.uint();
  const n = r.uint();
  const ops: Operand[] = [];
  for (let k = 0; k < n; k++) ops.push(readOperand(r));
  d.ops = ops;
  d.mem = (f & F_MEM) !== 0 ? readMem(r) : null;
  d.invalid = false;
}

/** Where one block lies: in the image read at start, or in an arena when this run decoded it. */
interface Entry {
  readonly buf: Uint8Array;
  readonly ip: number;
  readonly bytesAt: number;
  readonly bytesLen: number;
  /** Start and end of the block's whole encoding (what is copied to the next image). */
  readonly from: number;
  readonly to: number;
  /** Set once the block's hash was checked: 1 good, -1 damaged. */
  checked: number;
  used: boolean;
}

export class DecodeCache {
  private readonly buf: Uint8Array;
  private readonly byIp = new Map<number, Entry[]>();
  /** The image's blocks, in its order. */
  private readonly order: Entry[] = [];
  /** Blocks iced decoded in this run (found by later lookups too: `lwp stat -r N` decodes once). */
  private readonly fresh: Entry[] = [];
  private freshBytes = 0;
  /** Where this run's blocks are encoded (`add`), and the arena they are copied into. */
  private readonly scratch = new Writer();
  private readonly scratchRecords = new Writer();
  private arena = new Uint8Array(0);
  private arenaUsed = 0;
  /** Blocks found, and records read from them (DECODE_STATS reports them). */
  hits = 0;

  /**
   * A cache over `image` (a previous run's `serialize()`), empty when it is absent,
   * made by another build, or not an image.
   */
  constructor(
    private readonly buildId: string,
    image: Uint8Array | null,
  ) {
    this.buf = image ?? new Uint8Array(0);
    const start = image === null ? -1 : headerEnd(image, buildId);
    if (start >= 0) this.index(start);
  }

  /** Blocks of the image read at start (0 when it was ignored). */
  get size(): number {
    return this.order.length;
  }

  private index(start: number): void {
    const r = new Reader(this.buf, start, this.buf.length);
    try {
      while (r.at < r.end) {
        const from = r.at;
        const ip = r.uint();
        const bytesLen = r.uint();
        const bytesAt = r.at;
        r.at += bytesLen;
        const recordsLen = r.uint();
        r.at += recordsLen + 4; // the records, the hash
        if (r.at > r.end) break;
        const e: Entry = { buf: this.buf, ip, bytesAt, bytesLen, from, to: r.at, checked: 0, used: false };
        this.enter(e);
        this.order.push(e);
      }
    } catch (e) {
      if (!(e instanceof Truncated)) throw e;
    }
  }

  private enter(e: Entry): void {
    const list = this.byIp.get(e.ip);
    if (list === undefined) this.byIp.set(e.ip, [e]);
    else list.push(e);
  }

  /**
   * The records of the block at `ip` whose bytes begin `bytes`, cut where `stop` says
   * (it is asked of each record in order, as decodeRun asks it), or null. `stop` may not
   * have said so by the block's end (a caller that ends blocks elsewhere): the records
   * are returned with `complete` false and the caller decodes on from their end.
   */
  lookup(
    bytes: Uint8Array,
    ip: number,
    stop: (i: Insn) => boolean,
    make: InsnFactory,
    names: InsnNames,
  ): { insns: Insn[]; complete: boolean } | null {
    const list = this.byIp.get(ip);
    if (list === undefined) return null;
    const e = list.find((x) => this.matches(x, bytes));
    if (e === undefined) return null;
    const out = this.records(e, bytes, ip, make, names);
    if (out === null) return null;
    // Only now is `stop` asked (it may count): the records are all read.
    for (let k = 0; k < out.length; k++) if (stop(out[k]!)) return this.found(e, out.slice(0, k + 1), true);
    return this.found(e, out, false);
  }

  /** Every record of entry `e`, or null (and the entry never used again) if they do not read back whole. */
  private records(e: Entry, bytes: Uint8Array, ip: number, make: InsnFactory, names: InsnNames): Insn[] | null {
    const out: Insn[] = [];
    const r = new Reader(e.buf, e.bytesAt + e.bytesLen, e.to - 4);
    try {
      const recordsLen = r.uint();
      const recEnd = r.at + recordsLen;
      let offset = 0;
      const n = r.uint();
      for (let k = 0; k < n; k++) {
        const len = r.uint();
        if (len === 0 || offset + len > e.bytesLen) throw new Truncated();
        const d = make(bytes, offset, len);
        readInsn(r, d, ip + offset, len, names);
        offset += len;
        out.push(d);
      }
      if (r.at !== recEnd || offset !== e.bytesLen) throw new Truncated();
    } catch (x) {
      if (!(x instanceof Truncated)) throw x;
      e.checked = -1; // the hash matched, yet the records do not read back: never again
      return null;
    }
    return out;
  }

  private found(e: Entry, insns: Insn[], complete: boolean): { insns: Insn[]; complete: boolean } {
    e.used = true;
    this.hits++;
    return { insns, complete };
  }

  /** Whether entry `e` was made from the bytes `bytes` begins with, and is undamaged. */
  private matches(e: Entry, bytes: Uint8Array): boolean {
    if (e.checked < 0 || e.bytesLen > bytes.length) return false;
    const b = e.buf;
    for (let k = 0; k < e.bytesLen; k++) if (b[e.bytesAt + k] !== bytes[k]) return false;
    if (e.checked === 0) e.checked = fnv1a(b, e.from, e.to - 4) === readU32LE(b, e.to - 4) ? 1 : -1;
    return e.checked > 0;
  }

  /** Remembers a block iced decoded from `used` (exactly its instructions' bytes) at `ip`. */
  add(ip: number, used: Uint8Array, insns: readonly Insn[]): void {
    // Past what an image keeps, a long run stops paying for blocks it could not write.
    if (this.freshBytes >= MAX_IMAGE_BYTES) return;
    if (insns.length === 0 || insns.some((i) => i.invalid || i.len === 0)) return;
    const w = this.scratch,
      rec = this.scratchRecords;
    w.n = rec.n = 0;
    w.uint(ip);
    w.uint(used.length);
    w.bytes(used);
    writeInsns(rec, insns);
    w.uint(rec.n);
    w.bytes(rec.done());
    const h = fnv1a(w.buf, 0, w.n);
    for (let k = 0; k < 4; k++) w.byte((h >>> (8 * k)) & 255);
    const from = this.place(w.done());
    const bytesAt = from + lebLength(ip) + lebLength(used.length);
    const e: Entry = {
      buf: this.arena,
      ip,
      bytesAt,
      bytesLen: used.length,
      from,
      to: from + w.n,
      checked: 1,
      used: true,
    };
    this.enter(e);
    this.fresh.push(e);
    this.freshBytes += w.n;
  }

  /**
   * Copies an encoded block into the arena; returns where it starts. Blocks share
   * arenas: a buffer each (grown by doubling from 256 bytes) held 48 MB of malloc'd
   * memory for cc1's 4 MB of blocks.
   */
  private place(enc: Uint8Array): number {
    if (this.arenaUsed + enc.length > this.arena.length) {
      this.arena = new Uint8Array(Math.max(ARENA_BYTES, enc.length));
      this.arenaUsed = 0;
    }
    const at = this.arenaUsed;
    this.arena.set(enc, at);
    this.arenaUsed += enc.length;
    return at;
  }

  /** Whether this run decoded a block the image did not hold (the image is then worth writing). */
  get changed(): boolean {
    return this.fresh.length > 0;
  }

  /**
   * The next image: this run's blocks (found or decoded) first, then the older ones, up
   * to MAX_IMAGE_BYTES (damaged ones left out).
   */
  serialize(): Uint8Array {
    const parts: Uint8Array[] = [new TextEncoder().encode(`${MAGIC}${this.buildId}\n`)];
    let total = parts[0]!.length;
    const take = (p: Uint8Array): void => {
      if (total + p.length > MAX_IMAGE_BYTES) return;
      parts.push(p);
      total += p.length;
    };
    for (const e of this.order) if (e.used && e.checked > 0) take(e.buf.subarray(e.from, e.to));
    for (const e of this.fresh) take(e.buf.subarray(e.from, e.to));
    for (const e of this.order) {
      if (!e.used && e.checked >= 0) take(e.buf.subarray(e.from, e.to));
    }
    return concatBytes(parts);
  }
}

/** Bytes of `v` as a LEB128 varint. */
function lebLength(v: number): number {
  let n = 1;
  for (; v >= 128; v = Math.floor(v / 128)) n++;
  return n;
}

/** Offset of the first block when `image` starts with this build's header, else -1. */
function headerEnd(image: Uint8Array, buildId: string): number {
  const head = new TextEncoder().encode(`${MAGIC}${buildId}\n`);
  if (image.length < head.length) return -1;
  for (let k = 0; k < head.length; k++) if (image[k] !== head[k]) return -1;
  return head.length;
}
