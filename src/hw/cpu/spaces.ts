// SPDX-License-Identifier: MIT
// The address spaces whose processes run on one CPU: one, or several forked from it
// that have the same executable pages (same frames, same mappings), so the CPU's
// translations and compiled regions are right for each
// (docs/kernel.md "Tasks and the CPU"). The CPU runs in one of them at a time
// (`Cpu.mem`); a switch trades their TLBs as a CR3 write would empty one. Every space
// watches the pages the CPU has translated code from, and tells when its code may stop
// being the others'.
import { AddressSpace } from "../memory/address-space.js";

/** What the set needs of its CPU. */
interface SpaceHost {
  /** The space the CPU runs in now (one of the set's). */
  mem: AddressSpace;
  /** Drops the translations of page `pn` (its code was written, remapped or unmapped). */
  invalidatePage(pn: number): void;
}

export class SpaceSet {
  private readonly list: AddressSpace[];
  /**
   * Called when the spaces may stop having the same code: a write to an executable page,
   * or a mapping change that covers or makes one. The kernel then moves every space but
   * the CPU's `mem` to a CPU of its own (`remove`).
   */
  onDiverge: (() => void) | null = null;

  constructor(
    private readonly host: SpaceHost,
    first: AddressSpace,
  ) {
    this.list = [first];
    first.onCodeWrite = this.codeWritten;
  }

  /**
   * A page with translated code in one of the spaces is written, remapped or unmapped. A
   * store that gives the writer other code than the other spaces have goes through an
   * executable mapping of the writer's, and onDiverge was called before (execChanging); a
   * store into a frame they all map changes their code alike.
   */
  private readonly codeWritten = (pn: number): void => this.host.invalidatePage(pn);

  private readonly execChanging = (): void => {
    if (this.list.length > 1) this.onDiverge?.();
  };

  /** Page `pn` holds translated code: its next write, in any of the spaces, is seen. */
  markCode(pn: number): void {
    for (const s of this.list) s.markCode(pn);
  }

  /**
   * Runs the processes of `s` too: a copy of one of the spaces (fork) whose code is the
   * same until onDiverge. Its pages with translated code (`codePages`) are marked.
   */
  add(s: AddressSpace, codePages: Iterable<number>): void {
    this.list.push(s);
    for (const pn of codePages) s.markCode(pn);
    s.onCodeWrite = this.codeWritten;
    for (const x of this.list) x.onExecChange = this.execChanging;
  }

  /**
   * Stops running `s` (its process exits, execs, or moves to a CPU of its own); a space
   * left alone no longer watches its executable pages.
   */
  remove(s: AddressSpace): void {
    const i = this.list.indexOf(s);
    if (i < 0 || this.list.length === 1) return;
    this.list.splice(i, 1);
    if (this.host.mem === s) this.switchTo(this.list[0]!);
    s.onCodeWrite = () => {};
    s.onExecChange = null;
    if (this.list.length === 1) this.list[0]!.onExecChange = null;
  }

  /** The CPU runs in `s` (one of the set's) from now on; its TLB takes the place compiled code reads. */
  switchTo(s: AddressSpace): void {
    const h = this.host;
    if (s === h.mem) return;
    AddressSpace.tradeTlbs(h.mem, s);
    h.mem = s;
  }
}
