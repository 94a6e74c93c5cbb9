// SPDX-License-Identifier: MIT
// Where translated code finds the CPU: byte offsets inside the CPU's state frame
// in physical memory (src/hw/cpu/cpu.ts puts the registers there) and the words
// through which a region reports why it stopped.
import { STATE_FLAGS, STATE_GPR, STATE_XMM } from "../cpu/state-layout.js";

export { STATE_FLAGS, STATE_GPR, STATE_XMM };
/** FS and GS bases as 64-bit words, written before each entry (the interpreter keeps them as Numbers). */
export const STATE_FS = 512;
export const STATE_GS = 520;
/** Exit site index the region left by (see ExitSite). */
export const STATE_EXIT = 528;
/** The 64-bit target of a dynamic branch that left the region. */
export const STATE_TARGET = 536;
/** Non-zero when JavaScript wants the running region to stop after the current instruction. */
export const STATE_ABORT = 544;
/** Branches (LWP event 3's blocks) the region retired. */
export const STATE_BRANCHES = 548;
/** Table slot of the region that left (regions chain into each other: the last one reports). */
export const STATE_REGION = 552;
/** Bytes an access that crosses a page boundary goes through (slow path; 16 at most). */
export const STATE_SCRATCH = 560;
/**
 * Where a branch's predictor store goes when the predictor is off (an f64 nobody reads):
 * the store picks its address with a `select` instead of an `if`, whose merge made
 * V8's baseline compiler spill every register it held at every branch.
 */
export const STATE_PREDICT_SINK = 576;
/** Cycles the blocks of compiled regions charged (f64), for the `lwp stat` probes (src/hw/cpu/probes.ts). */
export const STATE_CYCLES = 1024;

/**
 * The chain cache: a table from guest RIP to the compiled block there, through
 * which a region continues in another one without returning to the run loop. The
 * run loop fills it: a block it enters a region at is linked. Entries are 16 bytes:
 * RIP (i64), table slot (i32), block index (i32). It is two-way set-associative,
 * the entry linked last first: direct-mapped, two hot return targets that shared an
 * entry evicted each other at every return (a third of sqlite3's region exits).
 */
export const CHAIN_SET_BITS = 13;
const CHAIN_SETS = 1 << CHAIN_SET_BITS;
export const CHAIN_ENTRIES = 2 * CHAIN_SETS;
export const CHAIN_BYTES = 16 * CHAIN_ENTRIES;
/** Fibonacci hashing's multiplier (2^32 / the golden ratio), as an int32. */
export const CHAIN_HASH = 0x9e3779b1 | 0;

/** The set of a RIP, from its low 32 bits (the compiled code computes the same). */
export function chainSet(lo: number): number {
  return Math.imul(lo, CHAIN_HASH) >>> (32 - CHAIN_SET_BITS);
}
