// SPDX-License-Identifier: MIT
// The regions' work counters (docs/architecture.md "Work counted where it is done"): an
// f64 per table slot in physical memory, to which a region's code adds the instructions
// it retired wherever a run leaves it or chains on (Emitter.chargeWork), counting up from
// minus its budget; the JIT compiles a region again to be optimized once its counter is
// no longer negative (optimize.ts). A slot keeps its counter: its address is compiled
// into the code of every region that gets the slot.
import { PAGE_SIZE } from "../memory/address-space.js";
import type { PhysMem } from "../memory/phys.js";

/** Counters per frame. */
const PER_FRAME = PAGE_SIZE / 8;

const frames = new FinalizationRegistry<{ phys: PhysMem; list: number[] }>((h) => {
  for (const f of h.list) h.phys.freeRun(f, 1);
});

export class WorkCounters {
  private readonly frames: number[] = [];
  private readonly f64: Float64Array;

  constructor(private readonly phys: PhysMem) {
    this.f64 = phys.f64;
    frames.register(this, { phys, list: this.frames });
  }

  /** Byte offset of the counter of `slot` (a frame of counters is taken when its first slot is). */
  cell(slot: number): number {
    const k = Math.floor(slot / PER_FRAME);
    while (this.frames.length <= k) this.frames.push(this.phys.allocRun(1));
    return this.frames[k]! * PAGE_SIZE + 8 * (slot % PER_FRAME);
  }

  get(cell: number): number {
    return this.f64[cell / 8]!;
  }

  set(cell: number, v: number): void {
    this.f64[cell / 8] = v;
  }
}
