// SPDX-License-Identifier: MIT
// Ring-buffer arithmetic of the LWP event buffer (LWP spec §7.3, §7.6): head is
// written by the unit, tail by software; one slot is always kept free.
import { RECORD_SIZE } from "./record.js";

/** Normalises an offset read from the LWPCB: event-size aligned and inside the ring (spec §3.3 rule 3). */
export function normaliseOffset(off: number, size: number): number {
  const o = (off >>> 0) - ((off >>> 0) % RECORD_SIZE);
  return o >= size ? 0 : o;
}

/** Full ⇔ (head + EventSize) mod size = tail (spec §7.3). */
export function isFull(head: number, tail: number, size: number): boolean {
  return (head + RECORD_SIZE) % size === tail;
}

export function advance(head: number, size: number): number {
  return (head + RECORD_SIZE) % size;
}

/** Bytes of unread records between tail and head. */
export function buffered(head: number, tail: number, size: number): number {
  return (head - tail + size) % size;
}

/** The threshold is crossed when a store moves the buffered count from < T to ≥ T (spec §7.6, §12.10). */
export function crossesThreshold(before: number, after: number, threshold: number): boolean {
  const t = Math.max(threshold, RECORD_SIZE);
  return before < t && after >= t;
}
