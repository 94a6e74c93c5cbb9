// SPDX-License-Identifier: MIT
// What the packed kinds (packed-ops.ts) share: the effective address of a packed memory
// operand, loads and stores of each size, and the operations behind several kinds, each
// in the order the instruction's closure does it (translate/operands.ts, forms.ts).
import type { Cpu } from "../cpu.js";
import { add, dec, inc, sub } from "../isa/arith.js";
import { and, or, xor } from "../isa/logic.js";
import { sar, shl, shr } from "../isa/shift.js";
import { pushAddr } from "../isa/stack-ops.js";
import {
  A_ADD,
  A_AND,
  A_CMP,
  A_OR,
  A_SUB,
  A_TEST,
  M_ABSOLUTE,
  M_ADDR32,
  S_SHL,
  S_SHR,
  X_SIGN64,
  X_ZERO,
  condOf,
  subOf,
} from "./packed.js";

const TWO32 = 4294967296;

/**
 * The effective address of word 1's memory operand (translate/operands.ts `eaOf`, in the
 * same order of operations), left in `c.ea` as the closures leave it.
 */
export function ea(c: Cpu, w1: number, d: number, end: number): number {
  const r = c.r32,
    b = (w1 & 31) - 1,
    x = ((w1 >> 5) & 31) - 1;
  let a: number;
  if ((w1 & M_ABSOLUTE) !== 0) a = end + d;
  else if (x < 0) a = b < 0 ? d : r[2 * b + 1]! * TWO32 + (r[2 * b]! >>> 0) + d;
  else {
    const ix = (r[2 * x + 1]! * TWO32 + (r[2 * x]! >>> 0)) * (1 << ((w1 >> 10) & 3));
    a = b < 0 ? ix + d : r[2 * b + 1]! * TWO32 + (r[2 * b]! >>> 0) + ix + d;
  }
  if ((w1 & M_ADDR32) !== 0) a = a >>> 0;
  const seg = (w1 >> 12) & 3;
  if (seg === 1) a = c.fsBase + a;
  else if (seg === 2) a = c.gsBase + a;
  c.ea = a;
  return a;
}

/** The low word of a register operand of `sz` bits at slot `y`. */
export function regLo(c: Cpu, y: number, sz: number): number {
  return sz === 8 ? c.r8[y]! : c.r32[y]!;
}

export function read64(c: Cpu, a: number): number {
  const lo = c.mem.read32(a) >>> 0;
  return c.mem.read32(a + 4) * TWO32 + lo;
}

export function load(c: Cpu, x: number, sz: number, a: number): void {
  if (sz === 8) {
    c.r8[x] = c.mem.read8(a);
    return;
  }
  const lo = c.mem.read32(a);
  c.r32[x + 1] = sz === 64 ? c.mem.read32(a + 4) : 0;
  c.r32[x] = lo;
}

export function store(c: Cpu, sz: number, a: number, lo: number, hi: number): void {
  if (sz === 64) c.mem.write64(a, lo, hi);
  else if (sz === 32) c.mem.write32(a, lo);
  else c.mem.write8(a, lo & 0xff);
}

/** MOVZX/MOVSX/MOVSXD of `v` (the source, zero-extended from its size) into slot `x`. */
export function movx(c: Cpu, x: number, sz: number, w0: number, from: number, v: number): void {
  const ext = condOf(w0);
  const r = c.r32;
  if (ext === X_ZERO) {
    r[x] = v;
    r[x + 1] = 0;
    return;
  }
  const s = from === 0 ? (v << 24) >> 24 : from === 1 ? (v << 16) >> 16 : v | 0;
  r[x] = s;
  r[x + 1] = ext === X_SIGN64 && sz === 64 ? s >> 31 : 0;
}

export function movxReg(c: Cpu, x: number, sz: number, w0: number, y: number): void {
  const from = subOf(w0);
  movx(c, x, sz, w0, from, from === 0 ? c.r8[y]! : from === 1 ? c.r16[y]! : c.r32[y]!);
}

export function movxMem(c: Cpu, x: number, sz: number, w0: number, a: number): void {
  const from = subOf(w0);
  const v = from === 0 ? c.mem.read8(a) : from === 1 ? c.mem.read16(a) : c.mem.read32(a);
  movx(c, x, sz, w0, from, v);
}

/** LEA: 64-bit arithmetic on halves, no segment base (isa/move.ts `lea`). */
export function lea(c: Cpu, x: number, sz: number, w1: number, disp: number, end: number): void {
  const r = c.r32,
    b = (w1 & 31) - 1,
    ix = ((w1 >> 5) & 31) - 1,
    s = 1 << ((w1 >> 10) & 3);
  const d = (w1 & M_ABSOLUTE) !== 0 ? end + disp : disp;
  let lo = d >>> 0,
    hi = Math.floor(d / TWO32);
  if (b >= 0) {
    lo += r[2 * b]! >>> 0;
    hi += r[2 * b + 1]!;
  }
  if (ix >= 0) {
    lo += (r[2 * ix]! >>> 0) * s;
    hi += r[2 * ix + 1]! * s;
  }
  hi += Math.floor(lo / TWO32);
  r[x] = lo | 0;
  r[x + 1] = sz === 64 && (w1 & M_ADDR32) === 0 ? hi | 0 : 0;
}

/** The ALU operation of word 0 on (a, ah) and (b, bh): result in c.t0/c.t1, flags set. */
export function alu(c: Cpu, w0: number, a: number, ah: number, b: number, bh: number, sz: number): void {
  switch (subOf(w0)) {
    case A_ADD:
      add(c, a, ah, b, bh, sz);
      return;
    case A_SUB:
    case A_CMP:
      sub(c, a, ah, b, bh, sz);
      return;
    case A_AND:
    case A_TEST:
      and(c, a, ah, b, bh, sz);
      return;
    case A_OR:
      or(c, a, ah, b, bh, sz);
      return;
    default:
      xor(c, a, ah, b, bh, sz);
  }
}

/** Whether word 0's ALU operation writes its result (CMP and TEST do not). */
export function stores(w0: number): boolean {
  const op = subOf(w0);
  return op !== A_CMP && op !== A_TEST;
}

export function aluReg(c: Cpu, w0: number, x: number, sz: number, b: number, bh: number): void {
  const r = c.r32;
  if (sz === 8) alu(c, w0, c.r8[x]!, 0, b, 0, 8);
  else alu(c, w0, r[x]!, sz === 64 ? r[x + 1]! : 0, b, bh, sz);
  if (!stores(w0)) return;
  if (sz === 8) c.r8[x] = c.t0;
  else {
    r[x] = c.t0;
    r[x + 1] = sz === 64 ? c.t1 : 0;
  }
}

export function aluRegMem(c: Cpu, w0: number, x: number, sz: number, a: number): void {
  if (sz === 8) {
    aluReg(c, w0, x, 8, c.mem.read8(a), 0);
    return;
  }
  const lo = c.mem.read32(a);
  aluReg(c, w0, x, sz, lo, sz === 64 ? c.mem.read32(a + 4) : 0);
}

export function aluMem(c: Cpu, w0: number, sz: number, a: number, b: number, bh: number): void {
  if (sz === 8) alu(c, w0, c.mem.read8(a), 0, b, 0, 8);
  else {
    const lo = c.mem.read32(a);
    alu(c, w0, lo, sz === 64 ? c.mem.read32(a + 4) : 0, b, bh, sz);
  }
  if (stores(w0)) store(c, sz, a, c.t0, c.t1);
}

export function incDec(c: Cpu, w0: number, x: number, sz: number): void {
  const r = c.r32;
  if (subOf(w0)) dec(c, r[x]!, sz === 64 ? r[x + 1]! : 0, sz);
  else inc(c, r[x]!, sz === 64 ? r[x + 1]! : 0, sz);
  r[x] = c.t0;
  r[x + 1] = sz === 64 ? c.t1 : 0;
}

export function cmovReg(c: Cpu, w0: number, x: number, sz: number, y: number): void {
  const r = c.r32;
  if (c.f.cond(condOf(w0))) {
    r[x] = r[y]!;
    if (sz === 64) r[x + 1] = r[y + 1]!;
  }
  if (sz === 32) r[x + 1] = 0;
}

export function cmovMem(c: Cpu, w0: number, x: number, sz: number, a: number): void {
  const v = c.mem.read32(a);
  const vh = sz === 64 ? c.mem.read32(a + 4) : 0;
  const r = c.r32;
  if (c.f.cond(condOf(w0))) {
    r[x] = v;
    if (sz === 64) r[x + 1] = vh;
  }
  if (sz === 32) r[x + 1] = 0;
}

/** SHL/SAL, SHR or SAR of register slot `x` by `n` (masked): isa/shift.ts's semantics. */
export function shiftReg(c: Cpu, w0: number, x: number, sz: number, n: number): void {
  const r = c.r32,
    a = sz === 8 ? c.r8[x]! : r[x]!,
    ah = sz === 64 ? r[x + 1]! : 0;
  const op = subOf(w0);
  if (op === S_SHL) shl(c, a, ah, n, sz);
  else if (op === S_SHR) shr(c, a, ah, n, sz);
  else sar(c, a, ah, n, sz);
  if (sz === 8) c.r8[x] = c.t0;
  else {
    r[x] = c.t0;
    r[x + 1] = sz === 64 ? c.t1 : 0;
  }
}

/** CALL: the target was read (and checked) before the return address is pushed. */
export function callTo(c: Cpu, t: number, next: number): void {
  pushAddr(c, next);
  c.rip = t;
}
