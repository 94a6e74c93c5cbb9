// SPDX-License-Identifier: MIT
// Builders for the common operand shapes. A semantic function sees values
// (lo/hi int32 halves and the operand size) and leaves its result in c.t0/c.t1;
// these builders read, call and write back, with fast paths for register forms.
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import type { Builder, Op } from "./types.js";
import { isImm, isReg, prepareEa, reader, readerHi, withEa, writer } from "./operands.js";

/** dst ← f(dst, src): ADD, SUB, AND ... Result in c.t0 (lo) / c.t1 (hi). */
export type Sem2 = (c: Cpu, a: number, ah: number, b: number, bh: number, sz: number) => void;
/** dst ← f(dst): NOT, NEG, INC, DEC. */
export type Sem1 = (c: Cpu, a: number, ah: number, sz: number) => void;

/** Binary operation with write-back (or compare-only when `store` is false). */
export function binary(sem: Sem2, store = true): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0];
    const s = i.ops[1];
    if (d === undefined || s === undefined) return null;
    const sz = d.size;
    const fast = fastBinary(sem, i, store);
    if (fast !== null) return fast;
    const ra = reader(d),
      rah = readerHi(d),
      rb = reader(s, sz),
      rbh = readerHi(s, sz);
    const w = writer(d);
    const body: Op = store
      ? (c) => {
          sem(c, ra(c), rah(c), rb(c), rbh(c), sz);
          w(c, c.t0, c.t1);
        }
      : (c) => {
          sem(c, ra(c), rah(c), rb(c), rbh(c), sz);
        };
    return withEa(prepareEa(i), body);
  };
}

/** Register/register and register/immediate forms at 32 and 64 bits. */
function fastBinary(sem: Sem2, i: Insn, store: boolean): Op | null {
  const d = i.ops[0]!;
  const s = i.ops[1]!;
  if (!isReg(d) || (d.size !== 32 && d.size !== 64)) return null;
  const dl = 2 * d.reg,
    dh = dl + 1;
  if (isReg(s)) {
    const sl = 2 * s.reg,
      sh = sl + 1;
    if (d.size === 64) {
      return store
        ? (c) => {
            const r = c.r32;
            sem(c, r[dl]!, r[dh]!, r[sl]!, r[sh]!, 64);
            r[dl] = c.t0;
            r[dh] = c.t1;
          }
        : (c) => {
            const r = c.r32;
            sem(c, r[dl]!, r[dh]!, r[sl]!, r[sh]!, 64);
          };
    }
    return store
      ? (c) => {
          const r = c.r32;
          sem(c, r[dl]!, 0, r[sl]!, 0, 32);
          r[dl] = c.t0;
          r[dh] = 0;
        }
      : (c) => {
          const r = c.r32;
          sem(c, r[dl]!, 0, r[sl]!, 0, 32);
        };
  }
  if (isImm(s)) {
    const lo = s.immLo,
      hi = d.size === 64 ? s.immHi : 0;
    if (d.size === 64) {
      return store
        ? (c) => {
            const r = c.r32;
            sem(c, r[dl]!, r[dh]!, lo, hi, 64);
            r[dl] = c.t0;
            r[dh] = c.t1;
          }
        : (c) => {
            const r = c.r32;
            sem(c, r[dl]!, r[dh]!, lo, hi, 64);
          };
    }
    return store
      ? (c) => {
          const r = c.r32;
          sem(c, r[dl]!, 0, lo, 0, 32);
          r[dl] = c.t0;
          r[dh] = 0;
        }
      : (c) => {
          const r = c.r32;
          sem(c, r[dl]!, 0, lo, 0, 32);
        };
  }
  return null;
}

/** Unary read-modify-write operation on its single operand. */
export function unary(sem: Sem1): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0];
    if (d === undefined) return null;
    const sz = d.size;
    const ra = reader(d),
      rah = readerHi(d),
      w = writer(d);
    return withEa(prepareEa(i), (c) => {
      sem(c, ra(c), rah(c), sz);
      w(c, c.t0, c.t1);
    });
  };
}

/** An instruction with no operands to plumb: the semantic gets the CPU only. */
export function plain(fn: (c: Cpu) => void): Builder {
  return () => fn;
}

/** Masks of the low word per size. */
export const SIZE_MASK: Readonly<Record<number, number>> = { 8: 0xff, 16: 0xffff, 32: -1, 64: -1 };
