// SPDX-License-Identifier: MIT
// Where an address space keeps its software TLBs: a read and a write TLB as JavaScript
// typed arrays for the interpreter, and the same two in physical memory for translated
// code. The arrays of destroyed address spaces are kept for the next one, and their frames
// are the run allocRun hands out next, so a process that forks and reaps children in a loop
// reuses a child's TLBs instead of allocating and first-touching 224 KB of memory per child
// (docs/architecture.md, "Memory": "Fork and exit").
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
   * A store with undefined contents: the caller flushes it before use. Its frames come
   * from PhysMem's runs like any other's, so they count against the machine's memory
   * limit only while a space uses them; the run a destroyed space freed is the one
   * allocRun hands out next (in practice only TLBs take runs of this length).
   */
  static take(phys: PhysMem): TlbStore {
    const s = pools.get(phys)?.pop() ?? new TlbStore(phys);
    s.base = phys.allocRun(TLB_FRAMES, false) * FRAME_SIZE;
    return s;
  }

  /** Frees the frames and keeps the arrays for the next space (when fewer than POOL_MAX are kept). */
  giveBack(): void {
    this.free();
    let pool = pools.get(this.phys);
    if (pool === undefined) pools.set(this.phys, (pool = []));
    if (pool.length < POOL_MAX) pool.push(this);
  }

  /** Frees the physical frames; the store must not be used afterwards but through `take`. */
  free(): void {
    this.phys.freeRun(this.base / FRAME_SIZE, TLB_FRAMES);
  }
}
