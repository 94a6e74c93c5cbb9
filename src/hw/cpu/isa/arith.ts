// SPDX-License-Identifier: MIT
// Integer add/subtract group: ADD ADC SUB SBB CMP INC DEC NEG
// (AMD APM Vol. 3 "ADD", "ADC", "SUB", "SBB", "CMP", "INC", "DEC", "NEG").
import type { Cpu } from "../cpu.js";
import { K_ADC, K_ADD, K_INC, K_DEC, K_SBB, K_SUB } from "../flags.js";
import { binary, unary } from "../translate/forms.js";
import { type InsnRow, row } from "../translate/types.js";

export const ARITH_ROWS: readonly InsnRow[] = [
  row("ADD", binary(add), { writes: "OSZAPC", lock: true }),
  row("ADC", binary(adc), { writes: "OSZAPC", lock: true }),
  row("SUB", binary(sub), { writes: "OSZAPC", lock: true }),
  row("SBB", binary(sbb), { writes: "OSZAPC", lock: true }),
  row("CMP", binary(sub, /* store */ false), { writes: "OSZAPC" }),
  row("INC", unary(inc), { writes: "OSZAP", lock: true }),
  row("DEC", unary(dec), { writes: "OSZAP", lock: true }),
  row("NEG", unary(neg), { writes: "OSZAPC", lock: true }),
];

/** ADD: dst ← dst + src. */
export function add(c: Cpu, a: number, ah: number, b: number, bh: number, sz: number): void {
  let lo: number,
    hi = 0;
  if (sz === 64) {
    const s = (a >>> 0) + (b >>> 0);
    lo = s | 0;
    hi = (ah + bh + (s > 0xffffffff ? 1 : 0)) | 0;
  } else lo = (a + b) | 0;
  c.t0 = lo;
  c.t1 = hi;
  c.f.set(K_ADD, sz, a, ah, b, bh, lo, hi);
}

/** ADC: dst ← dst + src + CF. */
function adc(c: Cpu, a: number, ah: number, b: number, bh: number, sz: number): void {
  const cin = c.f.cf() ? 1 : 0;
  let lo: number,
    hi = 0;
  if (sz === 64) {
    const s = (a >>> 0) + (b >>> 0) + cin;
    lo = s | 0;
    hi = (ah + bh + (s > 0xffffffff ? 1 : 0)) | 0;
  } else lo = (a + b + cin) | 0;
  c.t0 = lo;
  c.t1 = hi;
  c.f.set(K_ADC, sz, a, ah, b, bh, lo, hi);
  c.f.aux = cin;
}

/** SUB (and CMP without write-back): dst ← dst − src. */
export function sub(c: Cpu, a: number, ah: number, b: number, bh: number, sz: number): void {
  let lo: number,
    hi = 0;
  if (sz === 64) {
    const d = (a >>> 0) - (b >>> 0);
    lo = d | 0;
    hi = (ah - bh - (d < 0 ? 1 : 0)) | 0;
  } else lo = (a - b) | 0;
  c.t0 = lo;
  c.t1 = hi;
  c.f.set(K_SUB, sz, a, ah, b, bh, lo, hi);
}

/** SBB: dst ← dst − (src + CF). */
function sbb(c: Cpu, a: number, ah: number, b: number, bh: number, sz: number): void {
  const cin = c.f.cf() ? 1 : 0;
  let lo: number,
    hi = 0;
  if (sz === 64) {
    const d = (a >>> 0) - (b >>> 0) - cin;
    lo = d | 0;
    hi = (ah - bh - (d < 0 ? 1 : 0)) | 0;
  } else lo = (a - b - cin) | 0;
  c.t0 = lo;
  c.t1 = hi;
  c.f.set(K_SBB, sz, a, ah, b, bh, lo, hi);
  c.f.aux = cin;
}

/** INC: dst ← dst + 1, CF preserved. */
export function inc(c: Cpu, a: number, ah: number, sz: number): void {
  const cf = c.f.cf() ? 1 : 0;
  const lo = (a + 1) | 0;
  const hi = sz === 64 ? (ah + (lo === 0 ? 1 : 0)) | 0 : 0;
  c.t0 = lo;
  c.t1 = hi;
  c.f.set(K_INC, sz, a, ah, 1, 0, lo, hi);
  c.f.aux = cf;
}

/** DEC: dst ← dst − 1, CF preserved. */
export function dec(c: Cpu, a: number, ah: number, sz: number): void {
  const cf = c.f.cf() ? 1 : 0;
  const lo = (a - 1) | 0;
  const hi = sz === 64 ? (ah - (a === 0 ? 1 : 0)) | 0 : 0;
  c.t0 = lo;
  c.t1 = hi;
  c.f.set(K_DEC, sz, a, ah, 1, 0, lo, hi);
  c.f.aux = cf;
}

/** NEG: dst ← 0 − dst; flags as SUB 0, dst. */
export function neg(c: Cpu, a: number, ah: number, sz: number): void {
  sub(c, 0, 0, a, ah, sz);
}
