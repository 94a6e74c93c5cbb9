// SPDX-License-Identifier: MIT
// An SVG flame graph of a call tree: click a frame to zoom into it (and select its
// function), frames whose function matches the search are highlighted, and an
// inverted ("icicle") form draws the root at the top (the sandwich view's callers).
import { clear, pct, svg } from "./dom.js";
import type { TreeNode } from "./model.js";

export interface FlameOptions {
  /** Root at the top, children below (callers); default: root at the bottom. */
  readonly inverted?: boolean;
  /** The text of a function index (-1 is the root). */
  readonly label: (fn: number) => string;
  /** Whether a function is inlined (drawn in its own colours). */
  readonly inlined: (fn: number) => boolean;
  /** Called when a frame is clicked. */
  readonly onSelect?: (fn: number) => void;
  /** Where hovering writes a frame's figures. */
  readonly details?: HTMLElement;
}

const ROW = 18;
const CHAR_WIDTH = 6.6;

/** A warm colour from the name (flamegraph.pl's palette idea), blue-green for inlined functions. */
function colour(name: string, inlined: boolean): string {
  let x = 0;
  for (let i = 0; i < name.length; i++) x = (x * 31 + name.charCodeAt(i)) >>> 0;
  return inlined ? `hsl(${170 + (x % 30)},55%,${62 + (x % 12)}%)` : `hsl(${10 + (x % 45)},85%,${55 + (x % 15)}%)`;
}

export class FlameGraph {
  private root: TreeNode | undefined;
  /** From the root to the zoomed node. */
  private path: TreeNode[] = [];
  private match: ((fn: number) => boolean) | undefined;

  constructor(
    private readonly el: SVGSVGElement,
    private readonly opts: FlameOptions,
  ) {}

  /** Shows a new tree, unzoomed. */
  show(root: TreeNode): void {
    this.root = root;
    this.path = [root];
    this.draw();
  }

  /** Highlights frames whose function matches (undefined: none). */
  highlight(match: ((fn: number) => boolean) | undefined): void {
    this.match = match;
    this.draw();
  }

  resetZoom(): void {
    if (this.root !== undefined) this.path = [this.root];
    this.draw();
  }

  /** The zoomed node's function (-1 for the root of all samples). */
  get focus(): number {
    return this.path[this.path.length - 1]?.fn ?? -1;
  }

  draw(): void {
    clear(this.el);
    const root = this.root;
    const focus = this.path[this.path.length - 1];
    if (root === undefined || focus === undefined) return;
    const depth = (n: TreeNode): number => 1 + n.children.reduce((m, c) => Math.max(m, depth(c)), 0);
    const rows = this.path.length - 1 + depth(focus);
    const width = this.el.clientWidth || Number(this.el.getAttribute("width")) || 1000;
    this.el.setAttribute("height", String(rows * ROW + 2));
    const y = (d: number): number => (this.opts.inverted === true ? d : rows - 1 - d) * ROW;
    this.path.forEach((n, d) => this.frame(n, 0, width, y(d), root.total, d < this.path.length - 1));
    const lay = (n: TreeNode, x: number, w: number, d: number): void => {
      let off = x;
      for (const c of n.children) {
        const cw = n.total === 0 ? 0 : (w * c.total) / n.total;
        if (cw >= 0.5) {
          this.frame(c, off, cw, y(d), root.total, false);
          lay(c, off, cw, d + 1);
        }
        off += cw;
      }
    };
    lay(focus, 0, width, this.path.length);
  }

  private frame(n: TreeNode, x: number, w: number, y: number, total: number, ancestor: boolean): void {
    const name = this.opts.label(n.fn);
    const matched = this.match !== undefined && n.fn >= 0 && this.match(n.fn);
    const fill = matched ? "rgb(230,0,230)" : ancestor ? "#ddd" : colour(name, n.fn >= 0 && this.opts.inlined(n.fn));
    const g = svg("g", { class: matched ? "frame match" : "frame" }, this.el);
    const r = svg(
      "rect",
      {
        x: x.toFixed(2),
        y,
        width: Math.max(w - 0.5, 0.5).toFixed(2),
        height: ROW - 1,
        fill,
        "data-fn": n.fn,
        "data-name": name,
      },
      g,
    );
    svg("title", {}, r).textContent = `${name} — ${n.total} samples (${pct(n.total, total)}), self ${n.self}`;
    if (w > 30) {
      const t = svg("text", { x: (x + 3).toFixed(2), y: y + 12 }, g);
      const chars = Math.floor((w - 6) / CHAR_WIDTH);
      t.textContent = name.length > chars ? `${name.slice(0, Math.max(chars - 2, 0))}..` : name;
    }
    r.addEventListener("click", () => this.zoomTo(n));
    r.addEventListener("mouseover", () => {
      if (this.opts.details !== undefined) {
        this.opts.details.textContent = `${name} — ${n.total} samples, ${pct(n.total, total)} of all, self ${n.self}`;
      }
    });
  }

  private zoomTo(n: TreeNode): void {
    const root = this.root;
    if (root === undefined) return;
    const path = findPath(root, n);
    if (path !== undefined) this.path = path;
    this.draw();
    if (n.fn >= 0) this.opts.onSelect?.(n.fn);
  }
}

/** The nodes from `root` to `target` (by identity). */
function findPath(root: TreeNode, target: TreeNode): TreeNode[] | undefined {
  if (root === target) return [root];
  for (const c of root.children) {
    const p = findPath(c, target);
    if (p !== undefined) return [root, ...p];
  }
  return undefined;
}
