// SPDX-License-Identifier: MIT
// The decoded-block cache: what `decodeRun` made of a block's bytes, kept across runs
// (the CLI reads it at start and writes it at exit, src/cli/decode-cache-file.ts), so a
// program run again (its ld.so, its libc) is translated without asking iced-x86 at all,
// and iced's WebAssembly is not even instantiated when every block is found
// (docs/architecture.md "Start-up"). An entry is keyed by the block's address and the
// exact bytes it was decoded from: decoding is a function of those two alone, so an
// entry applies exactly when both match, whatever program mapped what where.
//
// Image: MAGIC and the build's identity (a cache made by another build is ignored), zero
// bytes to a multiple of four, then blocks of 32-bit words in the writing host's order:
// the block's length in words, its address (low and high halves), its byte count, its
// bytes four to a word, the records (decode-records.ts), and a hash of all the words
// before it (a damaged block is never used). A block's records are read only when the
// block is looked up.
import { type InsnFactory, type InsnNames, readInsns, Unencodable, Words, writeInsns } from "./decode-records.js";
import type { Insn } from "./decode.js";
import { concatBytes } from "../../common/bytes.js";

export type { InsnFactory, InsnNames } from "./decode-records.js";

const MAGIC = "lwp-decode-cache 2\n";
/** Most bytes of blocks an image keeps (this run's first, then the older ones). */
const MAX_IMAGE_BYTES = 4 << 20;
/** Size in words of the arenas that hold the blocks decoded in this run. */
const ARENA_WORDS = 16 << 10;
/** Words of a block before its bytes: length, address low and high, byte count. */
const HEAD_WORDS = 4;
const TWO32 = 4294967296;

/** FNV-1a over words: any one word changed changes it (each step is a bijection of the state). */
function hashWords(w: Int32Array, from: number, to: number): number {
  let h = 0x811c9dc5 | 0;
  for (let k = from; k < to; k++) h = Math.imul(h ^ w[k]!, 0x01000193);
  return h;
}

/** Where one block lies: in the image read at start, or in an arena when this run decoded it. */
interface Entry {
  readonly w: Int32Array;
  /** Its first word, and its length in words (the hash included). */
  readonly at: number;
  readonly words: number;
  readonly bytesLen: number;
  /** Set once the block's hash was checked: 1 good, -1 damaged. */
  checked: number;
  used: boolean;
}

export class DecodeCache {
  private readonly w: Int32Array;
  private readonly byIp = new Map<number, Entry[]>();
  /** The image's blocks, in its order. */
  private readonly order: Entry[] = [];
  /** Blocks iced decoded in this run (found by later lookups too: `lwp stat -r N` decodes once). */
  private readonly fresh: Entry[] = [];
  private freshBytes = 0;
  /** Where this run's blocks are encoded (`add`), and the arena they are copied into. */
  private readonly scratch = new Words();
  private arena = new Int32Array(0);
  private arenaUsed = 0;
  /** Blocks found (DECODE_STATS reports them). */
  hits = 0;

  /**
   * A cache over `image` (a previous run's `serialize()`), empty when it is absent,
   * made by another build, or not an image.
   */
  constructor(
    private readonly buildId: string,
    image: Uint8Array | null,
  ) {
    // Word access needs a 4-byte aligned start (a file read whole has one).
    const img = image !== null && image.byteOffset % 4 !== 0 ? image.slice() : image;
    this.w = img === null ? new Int32Array(0) : new Int32Array(img.buffer, img.byteOffset, img.length >> 2);
    const start = img === null ? -1 : headerEnd(img, buildId);
    if (start >= 0) this.index(start >> 2);
  }

  /** Blocks of the image read at start (0 when it was ignored). */
  get size(): number {
    return this.order.length;
  }

  private index(start: number): void {
    const w = this.w;
    for (let at = start; at + HEAD_WORDS < w.length;) {
      const words = w[at]!,
        bytesLen = w[at + 3]!;
      if (words <= HEAD_WORDS + 2 || words > w.length - at || bytesLen <= 0 || bytesLen > 4 * words) break;
      const e: Entry = { w, at, words, bytesLen, checked: 0, used: false };
      this.enter(w[at + 2]! * TWO32 + (w[at + 1]! >>> 0), e);
      this.order.push(e);
      at += words;
    }
  }

  private enter(ip: number, e: Entry): void {
    const list = this.byIp.get(ip);
    if (list === undefined) this.byIp.set(ip, [e]);
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
    let e: Entry | undefined;
    for (let k = 0; k < list.length && e === undefined; k++) if (this.matches(list[k]!, bytes)) e = list[k];
    if (e === undefined) return null;
    const out: Insn[] = [];
    const recAt = e.at + HEAD_WORDS + ((e.bytesLen + 3) >> 2);
    const end = readInsns(e.w, recAt + 1, e.w[recAt]!, bytes, e.bytesLen, ip, make, names, out);
    if (end !== e.at + e.words - 1) {
      e.checked = -1; // the hash matched, yet the records do not read back: never again
      return null;
    }
    e.used = true;
    this.hits++;
    // Only now is `stop` asked (it may count): the records are all read.
    for (let k = 0; k < out.length; k++) {
      if (stop(out[k]!)) return { insns: k === out.length - 1 ? out : out.slice(0, k + 1), complete: true };
    }
    return { insns: out, complete: false };
  }

  /** Whether entry `e` was made from the bytes `bytes` begins with, and is undamaged. */
  private matches(e: Entry, bytes: Uint8Array): boolean {
    const n = e.bytesLen;
    if (e.checked < 0 || n > bytes.length) return false;
    const w = e.w,
      at = e.at + HEAD_WORDS;
    // A word at a time: four bytes of `bytes` against one word of the block.
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      if (w[at + (j >> 2)] !== (bytes[j]! | (bytes[j + 1]! << 8) | (bytes[j + 2]! << 16) | (bytes[j + 3]! << 24))) {
        return false;
      }
    }
    for (; j < n; j++) if (((w[at + (j >> 2)]! >>> (8 * (j & 3))) & 255) !== bytes[j]) return false;
    if (e.checked === 0) e.checked = hashWords(w, e.at, e.at + e.words - 1) === w[e.at + e.words - 1] ? 1 : -1;
    return e.checked > 0;
  }

  /** Remembers a block iced decoded from `used` (exactly its instructions' bytes) at `ip`. */
  add(ip: number, used: Uint8Array, insns: readonly Insn[]): void {
    // Past what an image keeps, a long run stops paying for blocks it could not write.
    if (this.freshBytes >= MAX_IMAGE_BYTES || !Number.isSafeInteger(ip) || ip < 0) return;
    if (insns.length === 0 || insns.some((i) => i.invalid || i.len === 0)) return;
    const w = this.scratch;
    w.n = 0;
    w.push(0); // the length, known at the end
    const hi = Math.floor(ip / TWO32);
    w.push((ip - hi * TWO32) | 0);
    w.push(hi);
    w.push(used.length);
    for (let j = 0; j < used.length; j += 4) {
      w.push(used[j]! | ((used[j + 1] ?? 0) << 8) | ((used[j + 2] ?? 0) << 16) | ((used[j + 3] ?? 0) << 24));
    }
    try {
      writeInsns(w, insns);
    } catch (e) {
      if (e instanceof Unencodable) return; // a field too wide for the format: decoded again next time
      throw e;
    }
    w.buf[0] = w.n + 1;
    w.push(hashWords(w.buf, 0, w.n));
    const at = this.place(w.buf.subarray(0, w.n));
    const e: Entry = { w: this.arena, at, words: w.n, bytesLen: used.length, checked: 1, used: true };
    this.enter(ip, e);
    this.fresh.push(e);
    this.freshBytes += 4 * w.n;
  }

  /**
   * Copies an encoded block into the arena; returns its first word. Blocks share
   * arenas: a buffer each (grown by doubling from 256 bytes) held 48 MB of malloc'd
   * memory for cc1's 4 MB of blocks.
   */
  private place(enc: Int32Array): number {
    if (this.arenaUsed + enc.length > this.arena.length) {
      this.arena = new Int32Array(Math.max(ARENA_WORDS, enc.length));
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
    const parts: Uint8Array[] = [header(this.buildId)];
    let total = parts[0]!.length;
    const take = (e: Entry): void => {
      if (total + 4 * e.words > MAX_IMAGE_BYTES) return;
      parts.push(new Uint8Array(e.w.buffer, e.w.byteOffset + 4 * e.at, 4 * e.words));
      total += 4 * e.words;
    };
    for (const e of this.order) if (e.used && e.checked > 0) take(e);
    for (const e of this.fresh) take(e);
    for (const e of this.order) if (!e.used && e.checked >= 0) take(e);
    return concatBytes(parts);
  }
}

/** MAGIC, the build's identity and a newline, then zeros to a multiple of four bytes. */
function header(buildId: string): Uint8Array {
  const text = new TextEncoder().encode(`${MAGIC}${buildId}\n`);
  const out = new Uint8Array((text.length + 3) & ~3);
  out.set(text);
  return out;
}

/** Offset of the first block when `image` starts with this build's header, else -1. */
function headerEnd(image: Uint8Array, buildId: string): number {
  const head = header(buildId);
  if (image.length < head.length) return -1;
  for (let k = 0; k < head.length; k++) if (image[k] !== head[k]) return -1;
  return head.length;
}
