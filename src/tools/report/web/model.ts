// SPDX-License-Identifier: MIT
// Call trees of the report page, built from the embedded unique callchains: the
// merged flame graph, and the sandwich view's callers and callees of one function
// (each sample counted once, at the function's outermost occurrence on its stack).
import type { HtmlStack } from "../html-data.js";

/** A node of a call tree; `fn` is a function index (-1 for the root of all samples). */
export interface TreeNode {
  readonly fn: number;
  total: number;
  self: number;
  readonly children: TreeNode[];
}

interface Building {
  readonly fn: number;
  total: number;
  self: number;
  readonly kids: Map<number, Building>;
}

const node = (fn: number): Building => ({ fn, total: 0, self: 0, kids: new Map() });

/** Adds `count` samples along `path` (from the tree's root function down). */
function add(root: Building, path: readonly number[], count: number): void {
  let n = root;
  n.total += count;
  for (const fn of path) {
    let k = n.kids.get(fn);
    if (k === undefined) {
      k = node(fn);
      n.kids.set(fn, k);
    }
    k.total += count;
    n = k;
  }
  n.self += count;
}

/** Freezes a tree: children as arrays, largest first (ties by function index, so the order is stable). */
function finish(b: Building): TreeNode {
  const children = [...b.kids.values()].map(finish).sort((x, y) => y.total - x.total || x.fn - y.fn);
  return { fn: b.fn, total: b.total, self: b.self, children };
}

/** The frames of a stack entry, root first (the first element is the sample count). */
const framesOf = (s: HtmlStack): readonly number[] => s.slice(1);

/** All samples merged root first (the flame graph). */
export function mergeStacks(stacks: readonly HtmlStack[]): TreeNode {
  const root = node(-1);
  for (const s of stacks) add(root, framesOf(s), s[0] ?? 0);
  return finish(root);
}

/** What `fn` calls: each stack from the outermost `fn` to its leaf, merged under `fn`. */
export function calleesOf(stacks: readonly HtmlStack[], fn: number): TreeNode {
  const root = node(fn);
  for (const s of stacks) {
    const frames = framesOf(s);
    const at = frames.indexOf(fn);
    if (at >= 0) add(root, frames.slice(at + 1), s[0] ?? 0);
  }
  return finish(root);
}

/** Who calls `fn`: each stack from the outermost `fn` back to its root, merged under `fn` (an inverted tree). */
export function callersOf(stacks: readonly HtmlStack[], fn: number): TreeNode {
  const root = node(fn);
  for (const s of stacks) {
    const frames = framesOf(s);
    const at = frames.indexOf(fn);
    if (at >= 0) add(root, frames.slice(0, at).reverse(), s[0] ?? 0);
  }
  return finish(root);
}

/** Samples with at least one frame for which `match` holds. */
export function matchingSamples(stacks: readonly HtmlStack[], match: (fn: number) => boolean): number {
  let n = 0;
  for (const s of stacks) if (framesOf(s).some(match)) n += s[0] ?? 0;
  return n;
}
