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

// PUSH and POP of 64 bits first try RSP as its two 32-bit halves against the TLB of the
// translated code (AddressSpace.frameAt): no Number above 2^31 is made, which V8's baseline
// code would allocate as a heap number at each step. RSP's low half must not borrow or
// carry; any miss takes the Number path, which faults, fills the TLBs or crosses pages.

export function push64(c: Cpu, lo: number, hi: number): void {
  const sLo = c.r32[8]!;
  if (sLo < 0 || sLo >= 8) {
    const nLo = (sLo - 8) | 0,
      b = c.mem.frameAt(nLo, c.r32[9]!, 8, true);
    if (b >= 0) {
      c.mem.dv.setInt32(b, lo, true);
      c.mem.dv.setInt32(b + 4, hi, true);
      c.r32[8] = nLo;
      return;
    }
  }
  const sp = rsp(c) - 8;
  c.mem.write64(sp, lo, hi);
  setRsp(c, sp);
}

/** Pops 64 bits into c.t0/c.t1. */
export function pop64(c: Cpu): void {
  const sLo = c.r32[8]!;
  if (sLo >= 0 || sLo < -8) {
    const b = c.mem.frameAt(sLo, c.r32[9]!, 8, false);
    if (b >= 0) {
      c.t0 = c.mem.dv.getInt32(b, true);
      c.t1 = c.mem.dv.getInt32(b + 4, true);
      c.r32[8] = (sLo + 8) | 0;
      return;
    }
  }
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
