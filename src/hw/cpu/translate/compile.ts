// SPDX-License-Identifier: MIT
// The second tier: a block that ran often enough becomes one straight-line
// function calling its ops in order (docs/architecture.md "Tier 2"). The source
// is unique per block, so V8 keeps one feedback vector per block: each call
// site has one target, which V8 inlines. Semantics do not change: the same ops
// run in the same order, with `c.ci` set before each as the loop does.
import type { Cpu } from "../cpu.js";
import type { Op } from "./types.js";

/** Runs a whole block (RIP already at its end); throws what its ops throw. */
export type BlockFn = (c: Cpu) => void;

/**
 * Executions of a block before it is compiled. Compiling costs V8 about a
 * millisecond of (background) TurboFan time per block, so only blocks that run
 * many thousands of times repay it: at 64, python3 (thousands of warm blocks) ran
 * 30 % slower than without the tier; at 16384 it runs as fast, and hot loops
 * still gain the whole speed-up (docs/architecture.md "Tier 2").
 */
export const COMPILE_THRESHOLD = 16384;

let serial = 0;

export function compileBlock(start: number, ops: readonly Op[]): BlockFn {
  const names = ops.map((_, i) => `o${i}`);
  const body = ops.map((_, i) => `c.ci = ${i}; o${i}(c);`).join("\n  ");
  // The serial keeps V8's compilation cache from handing two blocks (another process's
  // copy of the same code) one shared feedback vector, which would make calls polymorphic.
  const src = `return function block_${start.toString(16)}_${serial++}(c) {\n  ${body}\n};`;
  return new Function(...names, src)(...ops) as BlockFn;
}
