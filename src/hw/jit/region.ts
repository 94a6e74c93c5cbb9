// SPDX-License-Identifier: MIT
// Region formation: from a hot block, the blocks that execution has already
// reached from it through direct branches, fall-throughs, direct calls, the
// returns to those calls and the predicted targets of PLT-style indirect jumps.
// One region becomes one WebAssembly function, so a loop (a called helper
// included) runs without returning to the run loop.
import type { Block } from "../cpu/translate/block.js";
import { FlowControl } from "../cpu/decode.js";
import { LWP_STATE_BLOCK } from "../lwp/events.js";

/** Most blocks and instructions in one region (compile time grows with both). */
const MAX_REGION_BLOCKS = 64;
const MAX_REGION_INSNS = 2000;

/** Instructions that end their block by throwing after they retired (the LWP unit's traps). */
const TRAPPING = new Set(["LLWPCB", "SLWPCB", "LWPINS", "LWPVAL", "XRSTOR", "XRSTOR64"]);

/** Whether a block may be compiled: not one the LWP unit handles itself. */
export function compilable(b: Block): boolean {
  return b.valid && b.lwpKind !== LWP_STATE_BLOCK && b.length > 0 && !b.insns.some((i) => TRAPPING.has(i.name));
}

/** The 8-byte pointer stored at a guest address, or undefined where none can be read. */
export type PointerAt = (addr: number) => number | undefined;

/**
 * Where a block's indirect JMP or CALL through a constant address goes today: the
 * pointer stored there. That is a PLT stub's `jmp *GOT(%rip)` (every call from a shared
 * library to a function it exports, or to another library) and the `call *GOT(%rip)` of
 * code built with -fno-plt. The compiled branch still compares its target with the
 * prediction, so a pointer that changes later costs a compare, never a wrong jump.
 */
function predictedTarget(b: Block, pointerAt: PointerAt): number | undefined {
  const last = b.insns[b.insns.length - 1]!;
  if (last.flow !== FlowControl.IndirectBranch && last.flow !== FlowControl.IndirectCall) return undefined;
  const m = last.mem;
  if (m === null || m.base >= 0 || m.index >= 0 || m.seg !== 0 || m.addr32 || m.bytes !== 8) return undefined;
  return pointerAt(m.disp);
}

/** Successors of a block: where its last instruction may continue (an indirect one where it is `predicted` to). */
function successors(b: Block, predicted: number | undefined): number[] {
  const last = b.insns[b.insns.length - 1]!;
  switch (last.flow) {
    case FlowControl.Next:
      return [b.end];
    case FlowControl.UnconditionalBranch:
      return last.branchTarget !== 0 ? [last.branchTarget] : [];
    case FlowControl.ConditionalBranch:
      return [last.branchTarget, b.end];
    case FlowControl.Call:
      return last.branchTarget !== 0 ? [last.branchTarget, b.end] : [b.end];
    case FlowControl.IndirectCall:
      return predicted !== undefined ? [predicted, b.end] : [b.end];
    case FlowControl.IndirectBranch:
      return predicted !== undefined ? [predicted] : [];
    default:
      return [];
  }
}

/**
 * The region headed by `head`: a breadth-first walk over successors that are
 * already translated and warm (`lookup` returns only those), within the size limits;
 * with the predicted targets of its blocks' indirect branches, by block start.
 */
export function formRegion(
  head: Block,
  lookup: (rip: number) => Block | undefined,
  pointerAt: PointerAt = () => undefined,
): { blocks: Block[]; predicted: Map<number, number> } {
  const out: Block[] = [];
  const predicted = new Map<number, number>();
  const add = (b: Block): void => {
    out.push(b);
    const p = predictedTarget(b, pointerAt);
    if (p !== undefined) predicted.set(b.start, p);
  };
  add(head);
  const seen = new Set([head.start]);
  let insns = head.length;
  for (let q = 0; q < out.length && out.length < MAX_REGION_BLOCKS; q++) {
    const from = out[q]!;
    for (const t of successors(from, predicted.get(from.start))) {
      if (seen.has(t)) continue;
      seen.add(t);
      const b = lookup(t);
      if (b === undefined || !compilable(b) || insns + b.length > MAX_REGION_INSNS) continue;
      add(b);
      insns += b.length;
      if (out.length >= MAX_REGION_BLOCKS) break;
    }
  }
  return { blocks: out, predicted };
}

/** Where execution most likely goes after `b` (the fall-through of a Jcc, a direct JMP or CALL's target). */
function next(b: Block): number {
  const last = b.insns[b.insns.length - 1]!;
  switch (last.flow) {
    case FlowControl.Next:
    case FlowControl.ConditionalBranch:
      return b.end;
    case FlowControl.UnconditionalBranch:
    case FlowControl.Call:
      return last.branchTarget;
    default:
      return -1;
  }
}

/**
 * Orders a region's blocks as chains along `next`, the head first: the compiler
 * turns a branch to the following block into a fall-through and any forward
 * branch into a direct jump; only backward branches go through the dispatch loop.
 */
export function layout(blocks: readonly Block[]): Block[] {
  const by = new Map(blocks.map((b) => [b.start, b]));
  const placed = new Set<number>();
  const out: Block[] = [];
  for (const b of blocks) {
    for (let cur: Block | undefined = b; cur !== undefined && !placed.has(cur.start); cur = by.get(next(cur))) {
      placed.add(cur.start);
      out.push(cur);
    }
  }
  return out;
}

/** Blocks that follow a call in the region: where its returns may land. */
export function returnSites(blocks: readonly Block[]): Set<number> {
  const s = new Set<number>();
  for (const b of blocks) {
    const f = b.insns[b.insns.length - 1]!.flow;
    if (f === FlowControl.Call || f === FlowControl.IndirectCall) s.add(b.end);
  }
  return s;
}
