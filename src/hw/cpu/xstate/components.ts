// SPDX-License-Identifier: MIT
// The XSAVE state components, one row per XCR0 bit (AMD APM Vol. 2 §11.5
// "XSAVE/XRSTOR", standard format; Bochs's xsave_restore[] as a table). The
// LWP unit registers its row (bit 62, 128 bytes at 0x340) with registerComponent.
import type { Cpu } from "../cpu.js";
import { initX87, initXmm, restoreX87, restoreXmm, saveX87, saveXmm } from "./legacy.js";

interface XComponent {
  /** XCR0 bit number (0 = x87, 1 = SSE, 62 = LWP). */
  readonly bit: number;
  readonly name: string;
  /** Size in bytes and offset from the XSAVE area base in the standard format. */
  readonly size: number;
  readonly offset: number;
  /** Compacted format: component starts 64-byte aligned (informational; XSAVEC is not advertised). */
  readonly align64: boolean;
  /** Writes the component to the area at `base` (`wide`: REX.W form, x87 pointer layout). */
  readonly save: (c: Cpu, base: number, wide: boolean) => void;
  /** Loads the component from the area at `base`; only called after every check passed. */
  readonly restore: (c: Cpu, base: number, wide: boolean) => void;
  /** Puts the component in its initial configuration (XRSTOR with XSTATE_BV[bit] = 0). */
  readonly init: (c: Cpu) => void;
  /** XINUSE[bit]: false when the component is in its initial configuration. */
  readonly inUse: (c: Cpu) => boolean;
}

const ROWS: XComponent[] = [
  {
    bit: 0,
    name: "x87",
    size: 160,
    offset: 0,
    align64: false,
    save: saveX87,
    restore: restoreX87,
    init: initX87,
    inUse: (c) => !c.x87.isInit(),
  },
  {
    bit: 1,
    name: "SSE",
    size: 256,
    offset: 160,
    align64: false,
    save: (c, base) => saveXmm(c, base),
    restore: (c, base) => restoreXmm(c, base),
    init: initXmm,
    inUse: (c) => c.x32.some((v) => v !== 0),
  },
];

/** Adds (or replaces) the row for an XCR0 bit; rows stay sorted by bit. */
export function registerComponent(row: XComponent): void {
  const k = ROWS.findIndex((r) => r.bit === row.bit);
  if (k >= 0) ROWS[k] = row;
  else {
    ROWS.push(row);
    ROWS.sort((a, b) => a.bit - b.bit);
  }
}

export function components(): readonly XComponent[] {
  return ROWS;
}

/** Whether bit `bit` is set in a 64-bit mask given as two 32-bit halves. */
export function hasBit(lo: number, hi: number, bit: number): boolean {
  return bit < 32 ? ((lo >>> bit) & 1) !== 0 : ((hi >>> (bit - 32)) & 1) !== 0;
}

/** Size of the standard-format area for the components in a mask (XSAVE header included). */
export function areaSize(lo: number, hi: number): number {
  let end = 576;
  for (let i = 0; i < ROWS.length; i++) {
    const r = ROWS[i]!; // indexed: an iterator per call in unoptimized code (every task switch)
    if (hasBit(lo, hi, r.bit)) end = Math.max(end, r.offset + r.size);
  }
  return end;
}
