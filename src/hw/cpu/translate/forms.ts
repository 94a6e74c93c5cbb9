// SPDX-License-Identifier: MIT
// Builders for the common operand shapes. A semantic function sees values
// (lo/hi int32 halves and the operand size) and leaves its result in c.t0/c.t1;
// these builders read, call and write back, with fast paths for register forms.
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import type { Builder, Op } from "./types.js";
import { type Ea, type Rd, type Wr, isImm, isReg, prepareEa, reader, readerHi, writer } from "./operands.js";

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
    const ea = prepareEa(i);
    return store ? binaryStore(ea, sem, ra, rah, rb, rbh, writer(d), sz) : binaryCompare(ea, sem, ra, rah, rb, rbh, sz);
  };
}

// The general forms compute a memory operand's address themselves (`withEa`'s work, in
// the same closure): one closure and one context per instruction instead of two each.

function binaryStore(ea: Ea | null, sem: Sem2, ra: Rd, rah: Rd, rb: Rd, rbh: Rd, w: Wr, sz: number): Op {
  if (ea === null) {
    return (c) => {
      sem(c, ra(c), rah(c), rb(c), rbh(c), sz);
      w(c, c.t0, c.t1);
    };
  }
  return (c) => {
    c.ea = ea(c);
    sem(c, ra(c), rah(c), rb(c), rbh(c), sz);
    w(c, c.t0, c.t1);
  };
}

function binaryCompare(ea: Ea | null, sem: Sem2, ra: Rd, rah: Rd, rb: Rd, rbh: Rd, sz: number): Op {
  if (ea === null) return (c) => sem(c, ra(c), rah(c), rb(c), rbh(c), sz);
  return (c) => {
    c.ea = ea(c);
    sem(c, ra(c), rah(c), rb(c), rbh(c), sz);
  };
}

/** Register/register and register/immediate forms at 32 and 64 bits. */
function fastBinary(sem: Sem2, i: Insn, store: boolean): Op | null {
  const d = i.ops[0]!;
  const s = i.ops[1]!;
  if (!isReg(d) || (d.size !== 32 && d.size !== 64)) return null;
  const dl = 2 * d.reg,
    wide = d.size === 64;
  if (isReg(s)) return wide ? regReg64(sem, dl, 2 * s.reg, store) : regReg32(sem, dl, 2 * s.reg, store);
  if (!isImm(s)) return null;
  return wide ? regImm64(sem, dl, s.immLo, s.immHi, store) : regImm32(sem, dl, s.immLo, store);
}

// Each shape's closure is made by a function of its own, which captures its operands and
// nothing else: made in one scope with a block scope inside, it would keep two contexts
// alive per instruction (docs/architecture.md "Translation memory").

function regReg64(sem: Sem2, dl: number, sl: number, store: boolean): Op {
  return store
    ? (c) => {
        const r = c.r32;
        sem(c, r[dl]!, r[dl + 1]!, r[sl]!, r[sl + 1]!, 64);
        r[dl] = c.t0;
        r[dl + 1] = c.t1;
      }
    : (c) => {
        const r = c.r32;
        sem(c, r[dl]!, r[dl + 1]!, r[sl]!, r[sl + 1]!, 64);
      };
}

function regReg32(sem: Sem2, dl: number, sl: number, store: boolean): Op {
  return store
    ? (c) => {
        const r = c.r32;
        sem(c, r[dl]!, 0, r[sl]!, 0, 32);
        r[dl] = c.t0;
        r[dl + 1] = 0;
      }
    : (c) => {
        const r = c.r32;
        sem(c, r[dl]!, 0, r[sl]!, 0, 32);
      };
}

function regImm64(sem: Sem2, dl: number, lo: number, hi: number, store: boolean): Op {
  return store
    ? (c) => {
        const r = c.r32;
        sem(c, r[dl]!, r[dl + 1]!, lo, hi, 64);
        r[dl] = c.t0;
        r[dl + 1] = c.t1;
      }
    : (c) => {
        const r = c.r32;
        sem(c, r[dl]!, r[dl + 1]!, lo, hi, 64);
      };
}

function regImm32(sem: Sem2, dl: number, lo: number, store: boolean): Op {
  return store
    ? (c) => {
        const r = c.r32;
        sem(c, r[dl]!, 0, lo, 0, 32);
        r[dl] = c.t0;
        r[dl + 1] = 0;
      }
    : (c) => {
        const r = c.r32;
        sem(c, r[dl]!, 0, lo, 0, 32);
      };
}

/** Unary read-modify-write operation on its single operand. */
export function unary(sem: Sem1): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0];
    if (d === undefined) return null;
    const sz = d.size;
    return unaryWith(prepareEa(i), sem, reader(d), readerHi(d), writer(d), sz);
  };
}

function unaryWith(ea: Ea | null, sem: Sem1, ra: Rd, rah: Rd, w: Wr, sz: number): Op {
  if (ea === null) {
    return (c) => {
      sem(c, ra(c), rah(c), sz);
      w(c, c.t0, c.t1);
    };
  }
  return (c) => {
    c.ea = ea(c);
    sem(c, ra(c), rah(c), sz);
    w(c, c.t0, c.t1);
  };
}

/** An instruction with no operands to plumb: the semantic gets the CPU only. */
export function plain(fn: (c: Cpu) => void): Builder {
  return () => fn;
}

/** Masks of the low word per size. */
export const SIZE_MASK: Readonly<Record<number, number>> = { 8: 0xff, 16: 0xffff, 32: -1, 64: -1 };
