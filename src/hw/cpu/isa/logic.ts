// SPDX-License-Identifier: MIT
// Bitwise logic group: AND OR XOR TEST NOT (AMD APM Vol. 3). AND/OR/XOR/TEST
// clear OF and CF, set SZP from the result; AF is undefined (AMD: cleared).
import type { Cpu } from "../cpu.js";
import { K_LOGIC } from "../flags.js";
import { binary, unary } from "../translate/forms.js";
import { type InsnRow, row } from "../translate/types.js";

export const LOGIC_ROWS: readonly InsnRow[] = [
  row("AND", binary(and), { writes: "OSZAPC", undefinedFlags: "A", lock: true }),
  row("OR", binary(or), { writes: "OSZAPC", undefinedFlags: "A", lock: true }),
  row("XOR", binary(xor), { writes: "OSZAPC", undefinedFlags: "A", lock: true }),
  row("TEST", binary(and, /* store */ false), { writes: "OSZAPC", undefinedFlags: "A" }),
  row("NOT", unary(not), { lock: true }),
];

function logic(c: Cpu, lo: number, hi: number, sz: number): void {
  c.t0 = lo;
  c.t1 = hi;
  c.f.set(K_LOGIC, sz, 0, 0, 0, 0, lo, hi);
}

export function and(c: Cpu, a: number, ah: number, b: number, bh: number, sz: number): void {
  logic(c, a & b, ah & bh, sz);
}

export function or(c: Cpu, a: number, ah: number, b: number, bh: number, sz: number): void {
  logic(c, a | b, ah | bh, sz);
}

export function xor(c: Cpu, a: number, ah: number, b: number, bh: number, sz: number): void {
  logic(c, a ^ b, ah ^ bh, sz);
}

/** NOT: no flags. */
export function not(c: Cpu, a: number, ah: number): void {
  c.t0 = ~a;
  c.t1 = ~ah;
}
