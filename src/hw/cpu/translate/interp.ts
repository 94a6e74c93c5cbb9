// SPDX-License-Identifier: MIT
// Runs a block's packed instructions (packed.ts): each through the function of its kind
// (packed-ops.ts), the closure of an instruction that did not pack in its turn.
import type { Cpu } from "../cpu.js";
import type { Op } from "./types.js";
import { P_CLOSURE, P_JCC, P_LOAD, P_MOV_RR, P_STORE, P_WORDS } from "./packed.js";
import { HANDLERS, kJcc, kLoad, kMovRr, kStore } from "./packed-ops.js";

/**
 * Runs instructions [from, to) of the block whose packed words are `p` and closures `ops`
 * (the whole block, or LWP's quiet runs: src/hw/lwp/counting.ts); `end` is its end (RIP
 * already there). Each kind has a function of its own (HANDLERS): V8 optimizes the ones a
 * run makes hot, each small, instead of one switch over every kind (a 15–20 ms compile
 * that a short run paid and did not earn back).
 */
export function runPacked(c: Cpu, p: Int32Array, ops: readonly Op[], end: number, from: number, to: number): void {
  for (let i = from, k = from * P_WORDS; i < to; i++, k += P_WORDS) {
    c.ci = i;
    const w0 = p[k]!,
      kind = w0 & 0xff;
    // The commonest kinds are called directly (V8 inlines the small ones), the others
    // through the table.
    switch (kind) {
      case P_CLOSURE:
        ops[i]!(c);
        break;
      case P_LOAD:
        kLoad(c, w0, p[k + 1]!, p[k + 2]!, 0, end);
        break;
      case P_STORE:
        kStore(c, w0, p[k + 1]!, p[k + 2]!, 0, end);
        break;
      case P_MOV_RR:
        kMovRr(c, w0, 0, 0, 0, end);
        break;
      case P_JCC:
        kJcc(c, w0, 0, p[k + 2]!, 0, end);
        break;
      default:
        HANDLERS[kind]!(c, w0, p[k + 1]!, p[k + 2]!, p[k + 3]!, end);
    }
  }
}

/** Runs instruction `i` of a packed block alone (LWP's stepping), `op` being its entry in `steps`. */
export function runPackedAt(c: Cpu, p: Int32Array, op: Op, i: number, end: number): void {
  const k = i * P_WORDS,
    w0 = p[k]!,
    kind = w0 & 0xff;
  if (kind === P_CLOSURE) op(c);
  else HANDLERS[kind]!(c, w0, p[k + 1]!, p[k + 2]!, p[k + 3]!, end);
}
