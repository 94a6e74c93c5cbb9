// SPDX-License-Identifier: MIT
// One CPU's translation cache: its blocks by address, a direct-mapped front for the run
// loop's lookups, the blocks on each code page (dropped when the page is written), and a
// bound on the instructions it holds.
//
// A big program translates far more code than it keeps running: cc1 -O2 of 200 lines
// translates 114k blocks (half a million instructions), most of them run a few times at
// start-up or in one pass, and a translated instruction costs about 0.3 KB of heap (its
// closures, their contexts and its block's share). As Valgrind's translation table
// evicts its oldest sector and QEMU flushes its code buffer when it is full, the cache
// sweeps when it holds more than its budget: every block that the run loop has not
// entered since the sweep before the last goes, except those a compiled region runs
// (docs/architecture.md "CPU", where the budget's measurements are). A block evicted
// and run again is translated again, usually from the decode cache's records
// (src/hw/cpu/decode-cache.ts).
import type { Block } from "./block.js";
import { DECODE_STATS } from "../stats.js";

/** Entries of the direct-mapped front (a power of two). */
const RECENT_BLOCKS = 4096;
/**
 * Entries of the front while the cache holds few blocks: a forked child that runs a few
 * dozen blocks before it exits must not allocate (and the collector copy) 32 KB for it.
 */
const RECENT_FIRST = 256;

/** Instructions a cache holds before it sweeps, unless tuned (LWP_TCACHE_INSNS). */
export const TCACHE_INSNS = 1 << 20;

export class TranslationCache {
  private readonly byIp = new Map<number, Block>();
  /**
   * A direct-mapped front of `byIp`: the run loop looks a block up after every region
   * exit and every branch its chaining does not know (a hash lookup was 1.7 % of sqlite3).
   * An invalidated block is never returned (`valid`), so entries need no flushing. It
   * grows by fours with the blocks held, up to RECENT_BLOCKS entries.
   */
  private recent: (Block | null)[] = new Array<Block | null>(RECENT_FIRST).fill(null);
  private recentMask = RECENT_FIRST - 1;
  /** The blocks with bytes on each page that holds code. */
  private readonly codePages = new Map<number, Block[]>();
  /** Sweeps so far, plus one: what the run loop stamps a block it enters with (`Block.used`). */
  epoch = 1;
  /** Instructions of the blocks held. */
  private held = 0;
  /** `held` past which the next translation sweeps first. */
  private limit: number;

  /**
   * @param budget instructions held before a sweep
   * @param markCode called for a page that gets its first block (its writes must be watched)
   * @param evicted called for each block a sweep drops (the shared translations forget it)
   */
  constructor(
    private readonly budget: number,
    private readonly markCode: (pn: number) => void,
    private readonly evicted: (b: Block) => void,
  ) {
    this.limit = budget;
  }

  /** The block at `rip`, or undefined. */
  find(rip: number): Block | undefined {
    // (rip may pass 2^32: the bit operators take its low 32 bits, enough for a hash)
    const k = (rip ^ (rip >>> 12)) & this.recentMask,
      r = this.recent[k]!;
    if (r !== null && r.start === rip && r.valid) return r;
    const b = this.byIp.get(rip);
    if (b !== undefined) this.recent[k] = b;
    return b;
  }

  /** The block at `rip` without touching the front (the region compiler's lookups), or undefined. */
  get(rip: number): Block | undefined {
    return this.byIp.get(rip);
  }

  /** Instructions of the blocks held (how much code the program has run, to the last sweep). */
  get heldInsns(): number {
    return this.held;
  }

  /** The blocks held. */
  blocks(): Iterable<Block> {
    return this.byIp.values();
  }

  /**
   * Enters a block just translated (or copied) for an address `find` missed, its pages
   * watched for writes; may sweep first.
   */
  add(b: Block): void {
    if (this.held + b.length > this.limit) this.sweep();
    b.used = this.epoch;
    this.byIp.set(b.start, b);
    if (this.byIp.size > this.recent.length && this.recent.length < RECENT_BLOCKS) {
      this.recent = new Array<Block | null>(this.recent.length * 4).fill(null);
      this.recentMask = this.recent.length - 1;
    }
    this.held += b.length;
    for (let pn = b.firstPage, last = b.lastPage; pn <= last; pn++) {
      let list = this.codePages.get(pn);
      if (list === undefined) {
        // A page stays in codePages until its code is invalidated (written, unmapped, made
        // not executable, remapped), so it is still marked: only a new one needs marking.
        this.markCode(pn);
        this.codePages.set(pn, (list = []));
      }
      list.push(b);
    }
  }

  /** The pages that hold code of the blocks held (each is marked: markCode). */
  codePageNumbers(): IterableIterator<number> {
    return this.codePages.keys();
  }

  /** Drops every block with bytes on page `pn`; returns whether the page held code. */
  invalidatePage(pn: number): boolean {
    const list = this.codePages.get(pn);
    if (list === undefined) return false;
    this.codePages.delete(pn);
    for (const b of list) {
      b.valid = false;
      if (this.byIp.get(b.start) === b) {
        this.byIp.delete(b.start);
        this.held -= b.length;
      }
    }
    return true;
  }

  /** Drops every block. */
  clear(): void {
    for (const b of this.byIp.values()) b.valid = false;
    this.byIp.clear();
    this.recent.fill(null);
    this.codePages.clear();
    this.held = 0;
    this.limit = this.budget;
  }

  /**
   * Evicts the blocks not entered since the sweep before this one (`used` below the
   * previous epoch) that no region runs, and unlinks the survivors from them, so that
   * nothing keeps their closures alive. The next sweep comes after at least half a
   * budget of new translations, however much survived: a sweep's cost (a pass over
   * the blocks held) stays a small part of translating.
   */
  private sweep(): void {
    const keep = this.epoch - 1;
    this.epoch++;
    const pages = new Set<number>();
    for (const b of this.byIp.values()) {
      if (b.used >= keep || b.jit !== null) continue;
      b.valid = false;
      b.next1 = b.next2 = null;
      this.byIp.delete(b.start);
      this.held -= b.length;
      DECODE_STATS.evicted++;
      for (const pn of b.pages) pages.add(pn);
      this.evicted(b);
    }
    for (const pn of pages) {
      const list = this.codePages.get(pn);
      if (list === undefined) continue;
      let n = 0;
      for (const b of list) if (b.valid) list[n++] = b;
      list.length = n;
    }
    for (const b of this.byIp.values()) {
      if (b.next1 !== null && !b.next1.valid) b.next1 = null;
      if (b.next2 !== null && !b.next2.valid) b.next2 = null;
    }
    const recent = this.recent;
    for (let k = 0; k < recent.length; k++) if (recent[k]?.valid === false) recent[k] = null;
    this.limit = Math.max(this.budget, this.held + (this.budget >> 1));
  }
}
