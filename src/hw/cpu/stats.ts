// SPDX-License-Identifier: MIT
// Counters of the CPU's translation work, for `LWP_STATS=1 lwp run` (src/cli/stats.ts)
// and `npm run bench` (bench/README.md). Each tier adds to them where it does the work;
// a counter no tier keeps yet stays NOT_COUNTED and is printed as "n/a".

export const NOT_COUNTED = -1;

export interface TierStats {
  /** Basic blocks decoded for translation (decode.ts, decodeRun). */
  blocks: number;
  /** Guest instructions decoded (decode.ts). */
  decoded: number;
  /** Host milliseconds spent decoding (decode.ts). */
  decodeMs: number;
  /** Blocks or regions turned into host code by a compiler tier. */
  compiled: number;
  /** Host milliseconds spent compiling them (code generation and instantiation). */
  compileMs: number;
  /** Size of the generated code in bytes (JavaScript source or WebAssembly). */
  codeBytes: number;
}

/**
 * The counters of this process. The compiler tier's three (`compiled`, `compileMs`,
 * `codeBytes`) are where the block compiler reports its cost: set each to 0 when the
 * tier starts counting it, then add per compilation.
 */
export const TIER_STATS: TierStats = {
  blocks: 0,
  decoded: 0,
  decodeMs: 0,
  compiled: NOT_COUNTED,
  compileMs: NOT_COUNTED,
  codeBytes: NOT_COUNTED,
};

/** A clock for the counters: the host's high-resolution clock (a global in Node and browsers). */
export function nowMs(): number {
  return globalThis.performance.now();
}
