// SPDX-License-Identifier: MIT
// Regions compiled several to a module. V8 gives every WebAssembly module a fixed
// cost, about 15 KB of malloc'd memory, a page of jump table and its JavaScript
// objects, 35 KB in all (docs/architecture.md "Regions per module"), which a big
// program pays a thousand times over. Once a CPU has compiled BIG_PROGRAM regions, a
// new region waits here: for HOT_WAIT instructions at most if its head became hot by
// its rate (a loop), for THRESHOLD_WAIT if it only reached the threshold over a long
// time (code run once per function compiled, per row, per record), or until
// BATCH_REGIONS wait; then all that wait compile together. A small program's regions
// (the loops of a benchmark) never wait. And a big program's block that is not hot by
// its rate must run BIG_COUNT times the threshold before its region compiles: each
// region costs a big program about 100 KB (cc1: 903 regions, peak RSS 328 MB; 668 and
// 297 MB at twice the threshold, for the same CPU time) — a program big in code too
// (BIG_CODE); a program of less code compiles such a block at SMALL_COUNT times. Only the CPU's retired count and what it translated decide, so a run
// compiles the same modules every time.
import type { Block } from "../cpu/translate/block.js";
import type { RegionRequest } from "./jit.js";

/** Regions compiled together at most. */
export const BATCH_REGIONS = 16;
/** Regions a CPU compiles one by one, as they are asked for, before regions wait. */
export const BIG_PROGRAM = 64;
/** Instructions a region whose head is hot by its rate waits at most. */
export const HOT_WAIT = 400_000;
/** Instructions a region whose head reached the threshold waits at most. */
export const THRESHOLD_WAIT = 16_000_000;
/** Times the threshold a big program's block runs, unless hot by its rate, before its region compiles... */
export const BIG_COUNT = 2;
/**
 * ...once the program's translated blocks hold this many instructions (cc1: 520,000; python3:
 * 150,000; sqlite3: 60,000). A program of less code has few blocks that reach the threshold
 * at all, and those are its steady work (code run once per row or record): compiled at twice
 * the threshold, sqlite3's ran 40 % of its rows in tier 1. Its code cannot become many
 * regions, so such a block compiles sooner: at SMALL_COUNT times the threshold.
 */
export const BIG_CODE = 200_000;
/** Times the threshold a block of a program below BIG_CODE runs, unless hot by its rate, before its region compiles. */
export const SMALL_COUNT = 0.5;

export class RegionBatch {
  private pending: RegionRequest[] = [];
  /** The pending requests' heads. */
  private readonly heads = new Set<Block>();
  /** The CPU's retired count by which the batch compiles. */
  private deadline = Infinity;

  /** Adds a request that may wait `wait` instructions; true when the batch is full. */
  add(r: RegionRequest, icount: number, wait: number): boolean {
    this.deadline = Math.min(this.deadline, icount + wait);
    this.pending.push(r);
    this.heads.add(r.head);
    return this.pending.length >= BATCH_REGIONS;
  }

  /** Whether `b` heads a pending request: it is as hot as a compiled head, so regions take it in. */
  holds(b: Block): boolean {
    return this.heads.has(b);
  }

  /** Whether a pending request has waited as long as it may. */
  due(icount: number): boolean {
    return icount >= this.deadline;
  }

  /**
   * The pending requests whose heads still need a region (valid, in none). The batch
   * keeps them (`holds`) until `clear`: regions formed from them take each other's heads in.
   */
  requests(): RegionRequest[] {
    return this.pending.filter((r) => stillCold(r.head));
  }

  /** Forgets every pending request (compiled, or the CPU dropped its translations). */
  clear(): void {
    this.pending = [];
    this.heads.clear();
    this.deadline = Infinity;
  }
}

/** A head is compiled only while its translation stands and no region runs it yet. */
function stillCold(b: Block): boolean {
  return b.valid && b.jit === null;
}
