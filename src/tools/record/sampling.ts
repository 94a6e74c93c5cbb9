// SPDX-License-Identifier: MIT
// How `lwp record` programs the sampling period: EventInterval and the LWPCB Random
// field (LWP spec §7.4: on each reload the low `r` bits of the interval are replaced
// by random bits). A fixed period can run in lockstep with a loop and sample the
// same few instructions forever; randomised reloads break the lockstep, as perf's
// frequency mode does by changing the period.
import { MIN_HW_INTERVAL } from "../../hw/lwp/events.js";

/** Largest EventInterval (25 bits, spec §3). */
const MAX_INTERVAL = 0x1ffffff;
/** The periods EventInterval can program (one record per interval + 1 events). */
export const MIN_PERIOD = MIN_HW_INTERVAL + 1;
export const MAX_PERIOD = MAX_INTERVAL + 1;

export interface Sampling {
  /** EventInterval programmed in the LWPCB (one record per interval + 1 events). */
  readonly interval: number;
  readonly randomBits: number;
  /** Mean events per sample: exact for r = 0, else the mean of the uniform reloads. */
  readonly meanPeriod: number;
  /** One line for the user saying what was chosen. */
  describe(events: string): string;
}

/** Default randomisation: 2^r at most 1/16 of the period (reloads vary by ±3 %), r ≤ 15. */
export function defaultRandomBits(period: number): number {
  return Math.max(0, Math.min(15, Math.floor(Math.log2(period)) - 4));
}

/**
 * The plan for `period` events per sample. With r random bits the reload is uniform
 * in [B, B + 2^r − 1] where B is the interval with its low r bits cleared; B is the
 * multiple of 2^r that brings the mean period (B + 2^(r−1) + 0.5) closest to `period`.
 * Throws an Error with a one-line message for impossible values.
 */
export function samplingPlan(period: number, bits?: number): Sampling {
  if (!Number.isSafeInteger(period) || period < MIN_PERIOD || period > MAX_PERIOD) {
    throw new Error(`sampling period ${period} out of range (${MIN_PERIOD}..${MAX_PERIOD})`);
  }
  const r = bits ?? defaultRandomBits(period);
  if (!Number.isInteger(r) || r < 0 || r > 15) throw new Error(`random bits ${r} out of range (0..15)`);
  if (r === 0) {
    return {
      interval: period - 1,
      randomBits: 0,
      meanPeriod: period,
      describe: (e) => `lwp record: sampling ${e} every ${period} events (exact period)`,
    };
  }
  const span = 2 ** r;
  let base = Math.round((period - span / 2 - 0.5) / span) * span;
  base = Math.max(span * Math.ceil(MIN_HW_INTERVAL / span), Math.min(base, MAX_INTERVAL - span + 1));
  const mean = base + span / 2 + 0.5;
  const interval = base + span / 2;
  return {
    interval,
    randomBits: r,
    meanPeriod: mean,
    describe: (e) =>
      `lwp record: sampling ${e} every ${base + 1}..${base + span} events (random reload, ${r} bits; mean ${mean}); --no-random for an exact period`,
  };
}
