// SPDX-License-Identifier: MIT
// The LWP event table as the tools see it (LWP notes §0, §4.1). Built from the
// hardware's rows in src/hw/lwp/events.ts, so the record encoder and this decoder
// cannot drift: EventId, tool name, and how Flags/Data1/Data2 are to be read.
import { BR_FLAG, DC_FLAG, EV, EVENT_ROWS } from "../../hw/lwp/events.js";

/** Bits of the Flags field of a branches-retired record (the unit's layout, BR_FLAG). */
export const BRANCH_FLAGS = {
  TKN: BR_FLAG.TAKEN,
  PRD: BR_FLAG.PREDICTED,
  PRV: BR_FLAG.PREDICTION_VALID,
  CLASS_SHIFT: BR_FLAG.CLASS_SHIFT,
} as const;

/** Branch class names by the value of Flags bits 9:8 (BR_CLASS). */
export const BRANCH_CLASSES = ["", "conditional", "relative", "absolute"] as const;

/** Bits of the Flags field of a D-cache miss record (the unit's layout, DC_FLAG). */
export const DCACHE_FLAGS = { LEVEL_MASK: DC_FLAG.LEVEL_MASK, DAV: DC_FLAG.ADDRESS_VALID } as const;

/** How a record's data fields are to be read. */
export type EventKind = "value" | "count" | "branch" | "dcache" | "marker";

export interface EventRow {
  readonly id: number;
  /** perf-style event name used on the command line and in every output. */
  readonly name: string;
  readonly description: string;
  readonly kind: EventKind;
}

const KIND: Readonly<Record<number, EventKind>> = {
  [EV.VAL]: "value",
  [EV.BRANCHES]: "branch",
  [EV.DCACHE]: "dcache",
  [EV.INS]: "marker",
};

/** Order in which outputs list events: the counting events first, then the programmed ones. */
const ORDER: readonly number[] = [EV.INSTRUCTIONS, EV.CYCLES, EV.REF_CYCLES, EV.BRANCHES, EV.DCACHE, EV.VAL, EV.INS];

/** LWP notes §0 "EventIds" and §4.1, in the order outputs list them. */
export const EVENTS: readonly EventRow[] = [...EVENT_ROWS]
  .sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id))
  .map((r) => ({ id: r.id, name: r.key, description: r.name, kind: KIND[r.id] ?? "count" }));

const BY_ID = new Map(EVENTS.map((e) => [e.id, e]));
const BY_NAME = new Map(EVENTS.map((e) => [e.name, e]));

/** The row of an EventId; unknown ids get a synthetic "event-N" row so no record is dropped. */
export function eventById(id: number): EventRow {
  return BY_ID.get(id) ?? { id, name: `event-${id}`, description: `unknown LWP event ${id}`, kind: "count" };
}

/** The row of an event name, or undefined. */
export function eventByName(name: string): EventRow | undefined {
  return BY_NAME.get(name);
}

/** Position of an event in outputs (EVENTS order; unknown ids last). */
export function eventOrder(id: number): number {
  const i = EVENTS.findIndex((e) => e.id === id);
  return i < 0 ? 1000 + id : i;
}
