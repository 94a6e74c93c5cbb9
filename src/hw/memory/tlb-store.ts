// SPDX-License-Identifier: MIT
// Where an address space keeps its software TLBs: a read and a write TLB as JavaScript
// typed arrays for the interpreter, and the same two in physical memory for translated
// code, with the slots filled since the last flush (so a flush empties those alone) and
// the trade of physical areas between spaces that share a CPU. The stores of destroyed
// address spaces are kept for the next one with their area in physical memory (parked:
// not counted as in use), so a process that forks and reaps children in a loop reuses a
// child's TLBs instead of allocating and first-touching 224 KB of memory per child, and
// empties only the slots its last space filled (docs/architecture.md, "Memory": "Fork
// and exit").
import { FRAME_SIZE, type PhysMem } from "./phys.js";

export const TLB_SIZE = 4096;
/** Bytes of one TLB in physical memory: 16 per entry (i64 page number; i32 frame offset − page address, mod 2^32; pad). */
export const TLB_BYTES = TLB_SIZE * 16;
const TLB_FRAMES = (2 * TLB_BYTES) / FRAME_SIZE;
/**
 * Slots filled since the last flush that a store lists, at most (a read slot as its
 * index, a write slot as TLB_SIZE + its index): a flush then empties those alone. A
 * forked child that runs briefly fills a few dozen; emptying all 8,192 slots of both
 * TLBs, in JavaScript and in physical memory, was 18 % of a fork's cost.
 */
export const FILL_LOG = 512;
/** Stores kept for reuse per physical memory (the live processes of a busy shell script are few). */
const POOL_MAX = 8;

const pools = new WeakMap<PhysMem, TlbStore[]>();

export class TlbStore {
  // Tags are page numbers (NaN when empty: -1 is the page of a wrapped negative address).
  readonly rTag = new Float64Array(TLB_SIZE);
  readonly wTag = new Float64Array(TLB_SIZE);
  readonly rOff = new Int32Array(TLB_SIZE);
  readonly wOff = new Int32Array(TLB_SIZE);
  /** Byte offset of the read TLB in physical memory; the write TLB follows it (set by `take`). */
  base = 0;
  /**
   * The slots filled since the last flush, a superset of those not empty in the arrays
   * and in the physical area the store's space holds (AddressSpace.fillTlb);
   * `filledCount` past FILL_LOG: too many to list, a flush empties every slot.
   */
  readonly filled = new Int32Array(FILL_LOG);
  filledCount = FILL_LOG + 1;

  private constructor(readonly phys: PhysMem) {}

  /**
   * A store whose slots are all listed, or unlisted (a new one): the caller flushes it
   * before use. A kept store brings its area, which holds only the slots it lists; a new
   * one takes a run from PhysMem. Either counts against the machine's memory limit
   * only while a space uses it.
   */
  static take(phys: PhysMem): TlbStore {
    const kept = pools.get(phys)?.pop();
    if (kept !== undefined) {
      phys.unpark(TLB_FRAMES);
      return kept;
    }
    const s = new TlbStore(phys);
    s.base = phys.allocRun(TLB_FRAMES, false) * FRAME_SIZE;
    return s;
  }

  /** Enters page `pn` at frame offset `off` in the read or the write (`w`) TLB, in both forms. */
  fill(pn: number, off: number, w: boolean): void {
    const i = pn & (TLB_SIZE - 1);
    const tags = w ? this.wTag : this.rTag;
    if (tags[i] !== tags[i]) this.log(w ? TLB_SIZE + i : i); // was empty (NaN)
    tags[i] = pn;
    (w ? this.wOff : this.rOff)[i] = off;
    this.writeArea(pn, off, w, i);
  }

  /** Slot `i` of the physical area's read or write TLB: page `pn` at frame offset `off`. */
  private writeArea(pn: number, off: number, w: boolean, i: number): void {
    const k = (this.base + (w ? TLB_BYTES : 0) + 16 * i) >> 2,
      m = this.phys.i32;
    m[k] = (pn % 4294967296) | 0;
    m[k + 1] = Math.floor(pn / 4294967296);
    m[k + 2] = (off - Math.imul(m[k]!, FRAME_SIZE)) | 0; // translated code adds the address (jit/emitter.ts access)
  }

  /** Lists a slot that was empty (`filled`). */
  private log(slot: number): void {
    if (this.filledCount < FILL_LOG) this.filled[this.filledCount] = slot;
    if (this.filledCount <= FILL_LOG) this.filledCount++;
  }

  /** Empties both TLBs, in both forms. */
  flush(): void {
    if (this.filledCount > FILL_LOG) {
      this.rTag.fill(NaN);
      this.wTag.fill(NaN);
      this.fillArea(0, 2 * TLB_BYTES);
    } else {
      for (let j = 0; j < this.filledCount; j++) this.empty(this.filled[j]!, true);
    }
    this.filledCount = 0;
  }

  /** Empties the write TLB, in both forms. */
  flushWrite(): void {
    if (this.filledCount > FILL_LOG) {
      this.wTag.fill(NaN);
      this.fillArea(TLB_BYTES, 2 * TLB_BYTES);
      return; // the read slots stay unlisted: the next full flush empties them
    }
    let kept = 0;
    for (let j = 0; j < this.filledCount; j++) {
      const slot = this.filled[j]!;
      if (slot >= TLB_SIZE) this.empty(slot, true);
      else this.filled[kept++] = slot;
    }
    this.filledCount = kept;
  }

  /**
   * Drops the write entries that point at frame offset `off` (the frame now holds code):
   * the listed write slots when they are listed (a dynamic program's start-up makes a
   * hundred frames code, each once scanning all 4,096 slots), else every slot.
   */
  evictWriteFrame(off: number): void {
    if (this.filledCount > FILL_LOG) {
      for (let i = 0; i < TLB_SIZE; i++) this.evictWriteSlot(i, off);
      return;
    }
    for (let j = 0; j < this.filledCount; j++) {
      const slot = this.filled[j]!;
      if (slot >= TLB_SIZE) this.evictWriteSlot(slot - TLB_SIZE, off);
    }
  }

  /** Empties write slot `i`, in each form, where it points at frame offset `off`. */
  private evictWriteSlot(i: number, off: number): void {
    if (this.wOff[i] === off) this.wTag[i] = NaN;
    const m = this.phys.i32,
      k = ((this.base + TLB_BYTES) >> 2) + 4 * i;
    if (((m[k + 2]! + Math.imul(m[k]!, FRAME_SIZE)) | 0) === off && m[k] !== -1) m[k] = m[k + 1] = -1;
  }

  /**
   * `b` takes the physical area `a` has (the one a CPU's compiled code reads) and `a`
   * takes `b`'s, both emptied; the arrays stay with their stores, their slots listed.
   * `b`, the space the CPU runs in next, then has its listed slots written into its new
   * area from its arrays (as filling them again on a miss would): each switch between a
   * shell and its subshell otherwise left the TLB of compiled code (and of PUSH and POP,
   * AddressSpace.frameAt) empty, while the interpreter's hit and never refilled it.
   */
  static trade(a: TlbStore, b: TlbStore): void {
    a.flushArea();
    b.flushArea();
    const base = a.base;
    a.base = b.base;
    b.base = base;
    b.refillArea();
  }

  /** Writes the listed slots that hold an entry into the physical area (unlisted: it stays empty). */
  private refillArea(): void {
    if (this.filledCount > FILL_LOG) return;
    for (let j = 0; j < this.filledCount; j++) {
      const slot = this.filled[j]!,
        w = slot >= TLB_SIZE,
        i = slot & (TLB_SIZE - 1);
      const pn = (w ? this.wTag : this.rTag)[i]!;
      if (pn === pn) this.writeArea(pn, (w ? this.wOff : this.rOff)[i]!, w, i);
    }
  }

  /** Empties the physical area (its slots stay listed with the arrays' until the next flush). */
  private flushArea(): void {
    if (this.filledCount > FILL_LOG) this.fillArea(0, 2 * TLB_BYTES);
    else for (let j = 0; j < this.filledCount; j++) this.empty(this.filled[j]!, false);
  }

  /** Empties slot `slot` (as `filled` lists it) in the physical area, and in the arrays when `js`. */
  private empty(slot: number, js: boolean): void {
    const w = slot >= TLB_SIZE,
      i = slot & (TLB_SIZE - 1);
    if (js) (w ? this.wTag : this.rTag)[i] = NaN;
    const k = (this.base + (w ? TLB_BYTES : 0) + 16 * i) >> 2,
      m = this.phys.i32;
    m[k] = m[k + 1] = -1;
  }

  /** Fills bytes [from, to) of the physical area with −1 (empty entries). */
  private fillArea(from: number, to: number): void {
    this.phys.i32.fill(-1, (this.base + from) >> 2, (this.base + to) >> 2);
  }

  /** Keeps the store, its area parked, for the next space (when fewer than POOL_MAX are kept); else frees its frames. */
  giveBack(): void {
    let pool = pools.get(this.phys);
    if (pool === undefined) pools.set(this.phys, (pool = []));
    if (pool.length >= POOL_MAX) {
      this.free();
      return;
    }
    this.phys.park(TLB_FRAMES);
    pool.push(this);
  }

  /** Frees the physical frames; the store must not be used afterwards but through `take`. */
  free(): void {
    this.phys.freeRun(this.base / FRAME_SIZE, TLB_FRAMES);
  }
}
