// SPDX-License-Identifier: MIT
// The deterministic branch predictor behind the prediction bits of LWP branch
// records (LWP spec §4.1, LKML 2011 "branch prediction hit/miss bit"; the model
// is ours, docs/lwp.md "Event 3"): a branch is predicted when it goes
// where it went the previous time it retired. For a conditional branch that is
// a one-bit direction predictor, for indirect branches and returns a last-target
// buffer, and a direct branch is mispredicted only the first time. One history
// entry per branch instruction, so training is one store.
//
// The entries are 64-bit slots in physical memory, so translated code trains
// them too: a history is the byte offset of its slot.
import { defaultPhysMem, FRAME_SIZE, type PhysMem } from "../memory/phys.js";

/** One branch instruction's history: the byte offset of a slot holding where it went the last time it retired (-1: never). */
export type BranchHistory = number;

const SLOTS_PER_FRAME = FRAME_SIZE / 8;

const frames = new FinalizationRegistry<{ phys: PhysMem; list: number[] }>((h) => {
  for (const f of h.list) h.phys.freeRun(f, 1);
});

export class BranchPredictor {
  private readonly entries = new Map<number, BranchHistory>();
  private readonly chunks: number[] = [];
  private used = SLOTS_PER_FRAME;
  private readonly f64: Float64Array;

  constructor(private readonly phys: PhysMem = defaultPhysMem()) {
    this.f64 = phys.f64;
    frames.register(this, { phys, list: this.chunks });
  }

  /** The history of the branch at `ip` (blocks keep it: see `Block.lwpHistory`). */
  historyOf(ip: number): BranchHistory {
    let h = this.entries.get(ip);
    if (h === undefined) {
      if (this.used === SLOTS_PER_FRAME) {
        this.chunks.push(this.phys.allocRun(1));
        this.used = 0;
      }
      h = this.chunks[this.chunks.length - 1]! * FRAME_SIZE + 8 * this.used++;
      this.f64[h / 8] = -1;
      this.entries.set(ip, h);
    }
    return h;
  }

  /** Trains the history on a retired branch that went to `next`. */
  train(h: BranchHistory, next: number): void {
    this.f64[h / 8] = next;
  }

  /** Predicts and trains on one retired branch that went to `next`; returns whether the prediction was right. */
  predict(h: BranchHistory, next: number): boolean {
    const k = h / 8,
      ok = this.f64[k] === next;
    this.f64[k] = next;
    return ok;
  }
}

/** The history that blocks ending without a branch have (slot 0 of the null frame: written, never read). */
export const NO_BRANCH_HISTORY: BranchHistory = 0;
