// SPDX-License-Identifier: MIT
// Counters of the decoder, for `LWP_STATS=1 lwp run` (src/cli/stats.ts) and
// `npm run bench` (bench/README.md): how many blocks and instructions were decoded for
// translation and how long it took. The WebAssembly tier keeps its own (JitStats in
// src/hw/jit/jit.ts, one per CPU).

interface DecodeStats {
  /** Basic blocks decoded for translation (decode.ts, decodeRun). */
  blocks: number;
  /** Of those, blocks found in the decoded-block cache (decode-cache.ts) instead of decoded by iced. */
  cachedBlocks: number;
  /** Guest instructions decoded. */
  decoded: number;
  /** Instructions of translated blocks decoded again for a rare reader (tier 3, faults, LWP). */
  redecoded: number;
  /** Host milliseconds spent decoding. */
  decodeMs: number;
  /** Blocks evicted from translation caches by their sweeps (translate/cache.ts). */
  evicted: number;
}

/** The counters of this process (every CPU of the run adds to them). */
export const DECODE_STATS: DecodeStats = {
  blocks: 0,
  cachedBlocks: 0,
  decoded: 0,
  redecoded: 0,
  decodeMs: 0,
  evicted: 0,
};

let clock = (): number => globalThis.performance.now();

/**
 * A clock for the counters, in milliseconds: the host's high-resolution clock
 * (`performance`, a global in Node and browsers), or the one the host sets.
 */
export function nowMs(): number {
  return clock();
}

/** Sets the counters' clock (Node builds its `performance` global on first use: 2 ms of a start-up). */
export function setStatsClock(c: () => number): void {
  clock = c;
}
