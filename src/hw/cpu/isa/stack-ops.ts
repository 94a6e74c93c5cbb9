// SPDX-License-Identifier: MIT
// Stack primitives shared by PUSH/POP/CALL/RET/ENTER/LEAVE/PUSHF (AMD APM
// Vol. 1 §2.3.2): RSP arithmetic on Numbers, memory written before RSP moves
// so a faulting push leaves RSP unchanged.
import type { Cpu } from "../cpu.js";

const TWO32 = 4294967296;

export function rsp(c: Cpu): number {
  return c.r32[9]! * TWO32 + (c.r32[8]! >>> 0);
}

export function setRsp(c: Cpu, v: number): void {
  c.r32[8] = v >>> 0;
  c.r32[9] = Math.floor(v / TWO32);
}

export function push64(c: Cpu, lo: number, hi: number): void {
  const sp = rsp(c) - 8;
  c.mem.write64(sp, lo, hi);
  setRsp(c, sp);
}

/** Pops 64 bits into c.t0/c.t1. */
export function pop64(c: Cpu): void {
  const sp = rsp(c);
  const lo = c.mem.read32(sp);
  c.t1 = c.mem.read32(sp + 4);
  c.t0 = lo;
  setRsp(c, sp + 8);
}

export function push16(c: Cpu, v: number): void {
  const sp = rsp(c) - 2;
  c.mem.write16(sp, v);
  setRsp(c, sp);
}

export function pop16(c: Cpu): number {
  const sp = rsp(c);
  const v = c.mem.read16(sp);
  setRsp(c, sp + 2);
  return v;
}

/** Pushes a 64-bit address given as a Number (return addresses). */
export function pushAddr(c: Cpu, a: number): void {
  push64(c, a >>> 0, Math.floor(a / TWO32));
}

/** Pops a 64-bit value as a Number (return addresses; exact below 2^53). */
export function popAddr(c: Cpu): number {
  pop64(c);
  return c.t1 * TWO32 + (c.t0 >>> 0);
}
