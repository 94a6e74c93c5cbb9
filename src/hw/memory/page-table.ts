// SPDX-License-Identifier: MIT
// The page table of one address space: virtual page number → frame, for the pages
// that were touched. Two levels (512 entries a leaf, like an x86 page table level)
// keyed by small integers, so lookups stay on V8's fast paths for 35-bit page numbers.

const LEAF_BITS = 9;
const LEAF = 1 << LEAF_BITS;

export class PageTable {
  private readonly leaves = new Map<number, Int32Array>();
  /** Pages with a frame. */
  count = 0;

  /** The frame of page `pn`, or 0 when it has none. */
  get(pn: number): number {
    const leaf = this.leaves.get(Math.floor(pn / LEAF));
    return leaf === undefined ? 0 : leaf[pn % LEAF]!;
  }

  /** Sets the frame of page `pn`; returns the previous one (0 for none). */
  set(pn: number, frame: number): number {
    const key = Math.floor(pn / LEAF);
    let leaf = this.leaves.get(key);
    if (leaf === undefined) {
      if (frame === 0) return 0;
      this.leaves.set(key, (leaf = new Int32Array(LEAF)));
    }
    const i = pn % LEAF;
    const old = leaf[i]!;
    leaf[i] = frame;
    this.count += (frame !== 0 ? 1 : 0) - (old !== 0 ? 1 : 0);
    return old;
  }

  /**
   * Calls `fn(pn, frame)` for every page with a frame in [first, end), in order, visiting
   * only leaves that exist: the cost follows the touched pages, not the range's size.
   */
  forEach(first: number, end: number, fn: (pn: number, frame: number) => void): void {
    const lo = Math.floor(first / LEAF),
      hi = Math.floor((end - 1) / LEAF);
    const keys =
      hi - lo + 1 <= this.leaves.size
        ? null
        : [...this.leaves.keys()].filter((k) => k >= lo && k <= hi).sort((a, b) => a - b);
    const visit = (k: number): void => {
      const leaf = this.leaves.get(k);
      if (leaf === undefined) return;
      const base = k * LEAF;
      const from = Math.max(first - base, 0),
        to = Math.min(end - base, LEAF);
      for (let i = from; i < to; i++) if (leaf[i] !== 0) fn(base + i, leaf[i]!);
    };
    if (keys === null) for (let k = lo; k <= hi; k++) visit(k);
    else for (const k of keys) visit(k);
  }

  /** Removes the frames of [first, end); calls `fn` with each removed frame. */
  clear(first: number, end: number, fn: (pn: number, frame: number) => void): void {
    const removed: number[] = [];
    this.forEach(first, end, (pn, f) => {
      removed.push(pn);
      fn(pn, f);
    });
    for (const pn of removed) this.set(pn, 0);
  }

  /** Makes this (empty) table a copy of `other`, calling `fn` with each frame (a fork's copy). */
  copyFrom(other: PageTable, fn: (frame: number) => void): void {
    for (const [k, leaf] of other.leaves) {
      const copy = leaf.slice();
      this.leaves.set(k, copy);
      for (let i = 0; i < LEAF; i++) if (copy[i] !== 0) fn(copy[i]!);
    }
    this.count = other.count;
  }

  /** Removes every frame; calls `fn` with each (a space's end). */
  clearAll(fn: (pn: number, frame: number) => void): void {
    for (const [k, leaf] of this.leaves) {
      for (let i = 0; i < LEAF; i++) if (leaf[i] !== 0) fn(k * LEAF + i, leaf[i]!);
    }
    this.leaves.clear();
    this.count = 0;
  }
}
