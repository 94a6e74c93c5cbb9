// SPDX-License-Identifier: MIT
// The deterministic branch predictor behind the prediction bits of LWP branch
// records (LWP spec §4.1, LKML 2011 "branch prediction hit/miss bit"; the model
// is ours, docs/lwp.md "Event 3"): a branch is predicted when it goes
// where it went the previous time it retired. For a conditional branch that is
// a one-bit direction predictor, for indirect branches and returns a last-target
// buffer, and a direct branch is mispredicted only the first time. One history
// entry per branch instruction, so training is one store.

/** One branch instruction's history: where it went the last time it retired (-1: never). */
export interface BranchHistory {
  next: number;
}

export class BranchPredictor {
  private readonly entries = new Map<number, BranchHistory>();

  /** The history entry of the branch at `ip` (blocks keep it: see `Block.lwpHistory`). */
  historyOf(ip: number): BranchHistory {
    let h = this.entries.get(ip);
    if (h === undefined) this.entries.set(ip, (h = { next: -1 }));
    return h;
  }

  /** Predicts and trains on one retired branch that went to `next`; returns whether the prediction was right. */
  static predict(h: BranchHistory, next: number): boolean {
    const ok = h.next === next;
    h.next = next;
    return ok;
  }
}

/** The entry blocks that end without a branch write to (never read). */
export const NO_BRANCH_HISTORY: BranchHistory = { next: -1 };
