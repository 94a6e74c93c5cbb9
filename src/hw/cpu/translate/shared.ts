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

/** A CPU as the shared translations see it. */
export interface BlockSource {
  readonly mem: AddressSpace;
  readonly probes: CpuProbes | null;
  readonly tiers: object;
  /** The blocks it holds now (none once its translations were flushed: exit, execve). */
  blocks(): Iterable<Block>;
}

export class SharedBlocks {
  /** Frame → (guest address → entry) for every frame an entry covers. */
  private readonly byFrame = new Map<number, Map<number, Entry>>();
  /**
   * The machine's CPUs until sharing starts (null after): a machine that never runs two
   * address spaces with code at once (a program that does not fork) has no one to share
   * with, and an entry per block was 17 MB of cc1's heap.
   */
  private dormant: WeakRef<BlockSource>[] | null = [];

  constructor(phys: PhysMem) {
    phys.onCodeFrameDropped = (f) => this.drop(f);
  }

  /**
   * A new CPU on the machine. Sharing starts when another CPU still holds blocks (a
   * fork's parent): the blocks the CPUs made so far are offered then, as each would
   * have offered them when it translated them.
   */
  join(cpu: BlockSource): void {
    if (this.dormant === null) return;
    const others: BlockSource[] = [];
    for (const w of this.dormant) {
      const o = w.deref();
      if (o !== undefined && holdsBlocks(o)) others.push(o);
    }
    if (others.length === 0) {
      this.dormant = [new WeakRef(cpu)];
      return;
    }
    this.dormant = null;
    for (const o of others) for (const b of o.blocks()) this.add(o.mem, b, o.probes, o.tiers);
  }

  /** A copy of the block at `rip` made by another CPU for the same bytes, or undefined. */
  find(mem: AddressSpace, rip: number, pn: number, probes: CpuProbes | null, tiers: object): Block | undefined {
    const f = mem.execFrame(pn);
    if (f === 0) return undefined;
    const e = this.byFrame.get(f)?.get(rip);
    if (e === undefined || e.probes !== probes || e.tiers !== tiers) return undefined;
    if (e.frames.length > 1 && mem.execFrame(e.block.lastPage) !== e.frames[1]) return undefined;
    return e.block.copy();
  }

  /** Offers a block just translated by a CPU running in `mem`. */
  add(mem: AddressSpace, b: Block, probes: CpuProbes | null, tiers: object): void {
    if (this.dormant !== null) return;
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

function holdsBlocks(cpu: BlockSource): boolean {
  for (const _ of cpu.blocks()) return true;
  return false;
}

const machines = new WeakMap<PhysMem, SharedBlocks>();

/** The shared translations of the machine whose physical memory is `phys`. */
export function sharedBlocks(phys: PhysMem): SharedBlocks {
  let s = machines.get(phys);
  if (s === undefined) machines.set(phys, (s = new SharedBlocks(phys)));
  return s;
}
