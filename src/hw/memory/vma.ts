// SPDX-License-Identifier: MIT
// Virtual memory areas (Linux's vm_area_struct, user-visible part): the address
// space as a sorted list of page-aligned ranges with their protection and, for
// shared mappings, the memory object behind them. Every operation costs a
// number of steps in the count of areas, never in the size of a range, so a
// mapping of 2^46 bytes is as cheap as one of a page.
import type { MemObject } from "./mem-object.js";

export interface Vma {
  start: number;
  end: number;
  prot: number;
  /** The shared object mapped here (MAP_SHARED, shm, memfd), or null for private memory. */
  obj: MemObject | null;
  /** Page index within `obj` of the page at `start`. */
  pgoff: number;
  /** A private (MAP_PRIVATE) view of `obj`: pages are read from it and copied on the first write. */
  cow?: boolean;
}

const PAGE = 4096;

function mergeable(a: Vma, b: Vma): boolean {
  return (
    a.end === b.start &&
    a.prot === b.prot &&
    a.obj === b.obj &&
    (a.cow ?? false) === (b.cow ?? false) &&
    (a.obj === null || a.pgoff + (a.end - a.start) / PAGE === b.pgoff)
  );
}

export class VmaList {
  private list: Vma[] = [];

  get length(): number {
    return this.list.length;
  }

  /** Replaces the (empty) list with a copy of each of `other`'s areas, in order and merged as they are (fork). */
  copyFrom(other: VmaList): void {
    this.list = other.list.map((v) => ({ ...v }));
  }

  /** The areas in address order (read-only view for /proc/self/maps and fork). */
  all(): readonly Vma[] {
    return this.list;
  }

  /** Index of the first area whose end is above `addr`. */
  private lowerBound(addr: number): number {
    let lo = 0,
      hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.list[mid]!.end <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The area holding `addr`, or undefined. */
  find(addr: number): Vma | undefined {
    const v = this.list[this.lowerBound(addr)];
    return v !== undefined && v.start <= addr ? v : undefined;
  }

  /** Whether no area intersects [start, end). */
  isFree(start: number, end: number): boolean {
    const v = this.list[this.lowerBound(start)];
    return v === undefined || v.start >= end;
  }

  /** Whether areas cover [start, end) without a hole. */
  isCovered(start: number, end: number): boolean {
    let at = start;
    for (let i = this.lowerBound(start); at < end; i++) {
      const v = this.list[i];
      if (v === undefined || v.start > at) return false;
      at = v.end;
    }
    return true;
  }

  /** Splits the area holding `addr` so that an area boundary falls on it. */
  private splitAt(addr: number): void {
    const i = this.lowerBound(addr);
    const v = this.list[i];
    if (v === undefined || v.start >= addr) return;
    const tail: Vma = { ...v, start: addr, pgoff: v.obj === null ? 0 : v.pgoff + (addr - v.start) / PAGE };
    v.end = addr;
    this.list.splice(i + 1, 0, tail);
  }

  /** Removes [start, end) from the list; returns the removed pieces. */
  remove(start: number, end: number): Vma[] {
    this.splitAt(start);
    this.splitAt(end);
    const i = this.lowerBound(start);
    let j = i;
    while (j < this.list.length && this.list[j]!.start < end) j++;
    return this.list.splice(i, j - i);
  }

  /** Maps a new area over [v.start, v.end), replacing whatever was there; returns the replaced pieces. */
  insert(v: Vma): Vma[] {
    const old = this.remove(v.start, v.end);
    const i = this.lowerBound(v.start);
    this.list.splice(i, 0, v);
    this.mergeAround(i);
    return old;
  }

  /**
   * Applies `fn` to the areas inside [start, end) (split at the ends), in order, and
   * stops at the first hole: returns false there, as mprotect does (ENOMEM).
   */
  update(start: number, end: number, fn: (v: Vma) => void): boolean {
    this.splitAt(start);
    this.splitAt(end);
    let at = start;
    let i = this.lowerBound(start);
    for (; at < end; i++) {
      const v = this.list[i];
      if (v === undefined || v.start > at) break;
      fn(v);
      at = v.end;
    }
    this.mergeAll();
    return at >= end;
  }

  /** The highest gap of `len` bytes whose end is at most `top` and start at least `bottom`, or -1. */
  findGap(len: number, top: number, bottom: number): number {
    let i = this.lowerBound(top);
    let hi = top;
    const spanning = this.list[i];
    if (spanning !== undefined && spanning.start < top) hi = spanning.start;
    for (i--; i >= 0; i--) {
      const v = this.list[i]!;
      if (hi - Math.max(v.end, bottom) >= len) return hi - len;
      hi = Math.min(hi, v.start);
      if (hi <= bottom) return -1;
    }
    return hi - bottom >= len ? hi - len : -1;
  }

  /** A copy of every area (fork). */
  clone(): VmaList {
    const c = new VmaList();
    c.list = this.list.map((v) => ({ ...v }));
    return c;
  }

  private mergeAround(i: number): void {
    if (i + 1 < this.list.length && mergeable(this.list[i]!, this.list[i + 1]!)) {
      this.list[i]!.end = this.list[i + 1]!.end;
      this.list.splice(i + 1, 1);
    }
    if (i > 0 && mergeable(this.list[i - 1]!, this.list[i]!)) {
      this.list[i - 1]!.end = this.list[i]!.end;
      this.list.splice(i, 1);
    }
  }

  private mergeAll(): void {
    const out: Vma[] = [];
    for (const v of this.list) {
      const last = out[out.length - 1];
      if (last !== undefined && mergeable(last, v)) last.end = v.end;
      else out.push(v);
    }
    this.list = out;
  }
}
