// SPDX-License-Identifier: MIT
// The LWP event table (LWP spec §0, §4.1): one row per EventId with its CPUID /
// Flags bit and how each record field is filled. The record encoder here and the
// record decoder in tools read the same rows, so the two cannot drift.

/** EventIds (spec §0 "EventIds"). */
export const EV = {
  VAL: 1,
  INSTRUCTIONS: 2,
  BRANCHES: 3,
  DCACHE: 4,
  CYCLES: 5,
  REF_CYCLES: 6,
  INS: 255,
} as const;

/** Branch record Flags bits (EventId 3; our layout, docs/lwp.md "Event 3"). */
export const BR_FLAG = {
  TAKEN: 1 << 0,
  PREDICTED: 1 << 1,
  PREDICTION_VALID: 1 << 2,
  /** Bits 9:8: branch class (BR_CLASS). */
  CLASS_SHIFT: 8,
} as const;

/** Branch classes used by the Filters bits 27/28/29 (docs/lwp.md "Event 3"). */
export const BR_CLASS = { NONE: 0, CONDITIONAL: 1, RELATIVE: 2, ABSOLUTE: 3 } as const;

/** `Block.lwpKind` of a block made of one LWP-state instruction (above the branch classes 0–3). */
export const LWP_STATE_BLOCK = 4;

/** Branch class by iced FlowControl (Next, UncondBr, IndirectBr, CondBr, Return, Call, IndirectCall, ...). */
const CLASS_BY_FLOW: readonly number[] = [
  0,
  BR_CLASS.RELATIVE,
  BR_CLASS.ABSOLUTE,
  BR_CLASS.CONDITIONAL,
  BR_CLASS.ABSOLUTE,
  BR_CLASS.RELATIVE,
  BR_CLASS.ABSOLUTE,
  0,
  0,
  0,
  0,
];
/** iced FlowControl.Call: CALL, but also SYSCALL, which is not a branch event 3 counts. */
const FLOW_CALL = 5;

/**
 * The event-3 class of an instruction, 0 when it is not a branch LWP counts.
 * The one definition behind branch records, branch filters and `lwp stat`'s
 * exact branch count (src/hw/cpu/probes.ts), so the three always agree.
 */
export function branchClassOf(i: { readonly flow: number; readonly name: string }): number {
  return i.flow === FLOW_CALL && i.name !== "CALL" ? 0 : (CLASS_BY_FLOW[i.flow] ?? 0);
}

/** D-cache miss record Flags (EventId 4; our layout, docs/lwp.md "Event 4"). */
export const DC_FLAG = {
  /** Bits 3:0: where the data came from (2 = L2, 3 = L3, 4 = DRAM). */
  LEVEL_MASK: 0xf,
  /** Data2 holds the data linear address (CPUID 8000_001C ECX[5]). */
  ADDRESS_VALID: 1 << 4,
} as const;

interface FlagBit {
  readonly bit: number;
  readonly name: string;
}

export interface EventRow {
  readonly id: number;
  /** Short name used by tools ("instructions"). */
  readonly key: string;
  readonly name: string;
  /** Spec section that defines the event. */
  readonly spec: string;
  /** Bit in CPUID 8000_001C EDX, LWP_CFG and LWPCB Flags (bit n for EventId n); -1 for LWPINS. */
  readonly cpuidBit: number;
  /** Smallest EventInterval the unit accepts (LLWPCB raises smaller values; docs/lwp.md). */
  readonly minInterval: number;
  /** What the record's Flags / Data1 / Data2 hold ("" = zero). */
  readonly flags: string;
  readonly data1: string;
  readonly data2: string;
  /** Named bits of the Flags field, for decoders. */
  readonly flagBits: readonly FlagBit[];
}

/** Minimum interval of the hardware events 2–6 (UNCONFIRMED in the spec; our choice, docs/lwp.md). */
export const MIN_HW_INTERVAL = 15;

export const EVENT_ROWS: readonly EventRow[] = [
  {
    id: EV.VAL,
    key: "lwpval",
    name: "Programmed value sample (LWPVAL)",
    spec: "§6.3, §4.1",
    cpuidBit: 1,
    minInterval: 0,
    flags: "imm32[15:0]",
    data1: "r/m32 operand",
    data2: "vvvv register (zero-extended)",
    flagBits: [],
  },
  {
    id: EV.INSTRUCTIONS,
    key: "instructions",
    name: "Instructions retired",
    spec: "§4.1, §7.2",
    cpuidBit: 2,
    minInterval: MIN_HW_INTERVAL,
    flags: "",
    data1: "",
    data2: "",
    flagBits: [],
  },
  {
    id: EV.BRANCHES,
    key: "branches",
    name: "Branches retired",
    spec: "§4.1, §3.2",
    cpuidBit: 3,
    minInterval: MIN_HW_INTERVAL,
    flags: "taken/predicted/prediction-valid, class in 9:8",
    data1: "",
    data2: "next RIP (target if taken)",
    flagBits: [
      { bit: 0, name: "TKN" },
      { bit: 1, name: "PRD" },
      { bit: 2, name: "PRV" },
    ],
  },
  {
    id: EV.DCACHE,
    key: "dcache-misses",
    name: "DCache misses",
    spec: "§4.1",
    cpuidBit: 4,
    minInterval: MIN_HW_INTERVAL,
    flags: "level in 3:0, address-valid bit 4",
    data1: "latency (cycles)",
    data2: "data linear address",
    flagBits: [{ bit: 4, name: "DAV" }],
  },
  {
    id: EV.CYCLES,
    key: "cycles",
    name: "Core clocks not halted",
    spec: "§4.1",
    cpuidBit: 5,
    minInterval: MIN_HW_INTERVAL,
    flags: "",
    data1: "",
    data2: "",
    flagBits: [],
  },
  {
    id: EV.REF_CYCLES,
    key: "ref-cycles",
    name: "Reference clocks not halted",
    spec: "§4.1",
    cpuidBit: 6,
    minInterval: MIN_HW_INTERVAL,
    flags: "",
    data1: "",
    data2: "",
    flagBits: [],
  },
  {
    id: EV.INS,
    key: "lwpins",
    name: "Programmed event (LWPINS)",
    spec: "§6.3, §4.1",
    cpuidBit: -1,
    minInterval: 0,
    flags: "imm32[15:0]",
    data1: "r/m32 operand",
    data2: "vvvv register (zero-extended)",
    flagBits: [],
  },
];

const BY_ID: (EventRow | undefined)[] = [];
for (const r of EVENT_ROWS) BY_ID[r.id] = r;

/** The row of an EventId, or undefined for ids the spec does not define. */
export function eventRow(id: number): EventRow | undefined {
  return BY_ID[id];
}
