// SPDX-License-Identifier: MIT
// A small deterministic branch predictor for the prediction bits of LWP branch
// records (LWP spec §4.1, LKML 2011 "branch prediction hit/miss bit"): a bimodal
// table of 2-bit counters for conditional branches and a last-target table for
// indirect branches and returns; direct unconditional branches always predict.
import { BR_CLASS } from "./events.js";

const BIMODAL = 4096;
const TARGETS = 1024;

export class BranchPredictor {
  private readonly counters = new Uint8Array(BIMODAL).fill(1);
  private readonly targets = new Float64Array(TARGETS).fill(-1);

  /** Predicts and trains on one retired branch; returns whether the prediction was right. */
  predict(ip: number, cls: number, taken: boolean, next: number): boolean {
    if (cls === BR_CLASS.CONDITIONAL) {
      const k = ip & (BIMODAL - 1);
      const v = this.counters[k]!;
      const ok = v >= 2 === taken;
      this.counters[k] = taken ? (v < 3 ? v + 1 : 3) : v > 0 ? v - 1 : 0;
      return ok;
    }
    if (cls === BR_CLASS.ABSOLUTE) {
      const k = ip & (TARGETS - 1);
      const ok = this.targets[k] === next;
      this.targets[k] = next;
      return ok;
    }
    return true;
  }

  reset(): void {
    this.counters.fill(1);
    this.targets.fill(-1);
  }
}
