// SPDX-License-Identifier: MIT
// Translations shared by every CPU of a machine, found by physical frame (as QEMU
// finds its translation blocks by physical address): a process forked from another,
// or one that maps the same file pages (libc through the page cache), runs the same
// bytes at the same addresses, so it takes a copy of a block another CPU translated
// instead of decoding and translating it again. A block is keyed by its address
// and the frame of its first page, and used only where every page it covers maps
// the same frame, executable; a write to a frame drops the blocks made from it,
// as the CPUs drop their own (src/hw/memory/phys.ts, codeWritten).
import type { AddressSpace } from "../../memory/address-space.js";
import type { PhysMem } from "../../memory/phys.js";
import type { CpuProbes } from "../probes.js";
import type { Block } from "./block.js";

interface Entry {
  readonly block: Block;
  /** The frame of each of `block.pages`. */
  readonly frames: readonly number[];
  /** The probes woven into the block's ops (null: none). */
  readonly probes: CpuProbes | null;
  /** The tier settings the block was made under (its tier-2 countdown depends on them). */
  readonly tiers: object;
}

export class SharedBlocks {
  /** Frame → (guest address → entry) for every frame an entry covers. */
  private readonly byFrame = new Map<number, Map<number, Entry>>();

  constructor(phys: PhysMem) {
    phys.onCodeFrameDropped = (f) => this.drop(f);
  }

  /** A copy of the block at `rip` made by another CPU for the same bytes, or undefined. */
  find(mem: AddressSpace, rip: number, pn: number, probes: CpuProbes | null, tiers: object): Block | undefined {
    const f = mem.execFrame(pn);
    if (f === 0) return undefined;
    const e = this.byFrame.get(f)?.get(rip);
    if (e === undefined || e.probes !== probes || e.tiers !== tiers) return undefined;
    const pages = e.block.pages;
    for (let k = 1; k < pages.length; k++) if (mem.execFrame(pages[k]!) !== e.frames[k]) return undefined;
    return e.block.copy();
  }

  /** Offers a block just translated by a CPU running in `mem`. */
  add(mem: AddressSpace, b: Block, probes: CpuProbes | null, tiers: object): void {
    const frames = b.pages.map((pn) => mem.execFrame(pn));
    if (frames.includes(0)) return;
    const e: Entry = { block: b, frames, probes, tiers };
    for (const f of frames) {
      let m = this.byFrame.get(f);
      if (m === undefined) this.byFrame.set(f, (m = new Map()));
      m.set(b.start, e);
    }
  }

  /** A CPU evicted `b` (translate/cache.ts): the entry it made for `b`, if any, goes too. */
  forget(mem: AddressSpace, b: Block): void {
    for (const pn of b.pages) {
      const f = mem.execFrame(pn),
        m = this.byFrame.get(f);
      if (m?.get(b.start)?.block !== b) continue;
      m.delete(b.start);
      if (m.size === 0) this.byFrame.delete(f);
    }
  }

  /** Frame `f` was written or freed: no block made from it may be used again. */
  private drop(f: number): void {
    const m = this.byFrame.get(f);
    if (m === undefined) return;
    this.byFrame.delete(f);
    for (const e of m.values()) {
      for (const g of e.frames) {
        if (g === f) continue;
        const other = this.byFrame.get(g);
        if (other?.get(e.block.start) === e) {
          other.delete(e.block.start);
          if (other.size === 0) this.byFrame.delete(g);
        }
      }
    }
  }
}

const machines = new WeakMap<PhysMem, SharedBlocks>();

/** The shared translations of the machine whose physical memory is `phys`. */
export function sharedBlocks(phys: PhysMem): SharedBlocks {
  let s = machines.get(phys);
  if (s === undefined) machines.set(phys, (s = new SharedBlocks(phys)));
  return s;
}
