// SPDX-License-Identifier: MIT
// The user FPU state in XSAVE (standard, non-compacted) format as the kernel
// saves it at a context switch: the legacy area through the same layout code as
// FXSAVE/XSAVE (src/hw/cpu/xstate/legacy.ts, on a buffer instead of guest
// memory), the XSAVE header at 512 (AMD APM Vol. 2 §11.5.2), component 62
// through src/hw/lwp/xstate.ts, and the sizes from CPUID 0xD.
import { forgetXrstor } from "../hw/cpu/xstate/modified.js";
import type { Cpu } from "../hw/cpu/cpu.js";
import { MemoryFault } from "../hw/memory/address-space.js";
import { areaSize } from "../hw/cpu/xstate/components.js";
import { BufferImage, mxcsrIn, restoreX87, restoreXmm, saveMxcsr, saveX87, saveXmm } from "../hw/cpu/xstate/legacy.js";
import { LWP_XSTATE, lwpInit, lwpIsInit, lwpRestore, lwpSave } from "../hw/lwp/xstate.js";
import { XCR0_HI_LWP } from "../hw/lwp/unit.js";

const XSAVE_HDR = 512;
export const XSAVE_SIZE_LWP = 0x3c0;
const XFEATURE_LWP = BigInt(XCR0_HI_LWP) << 32n;

/** XCR0 of a CPU as a bigint. */
export function xcr0(c: Cpu): bigint {
  return (BigInt(c.xcr0Hi >>> 0) << 32n) | BigInt(c.xcr0Lo >>> 0);
}

/** Size of the user XSAVE area for the features enabled in XCR0 (CPUID 0xD.0 EBX). */
export function xstateSize(c: Cpu): number {
  return areaSize(c.xcr0Lo, c.xcr0Hi);
}

/** XSAVE of the user state into `buf` (length ≥ xstateSize); writes XSTATE_BV = FP|SSE. */
export function saveXstate(c: Cpu, buf: Uint8Array): void {
  buf.fill(0, 0, xstateSize(c));
  const v = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const img = new BufferImage(buf);
  saveX87(c, 0, true, img);
  saveMxcsr(c, 0, img);
  saveXmm(c, 0, img);
  v.setUint32(XSAVE_HDR, 3, true);
  if (lwpEnabled(c)) {
    lwpSave(c, buf.subarray(LWP_XSTATE.offset, LWP_XSTATE.offset + LWP_XSTATE.size));
    if (!lwpIsInit(c)) v.setUint32(XSAVE_HDR + 4, XCR0_HI_LWP, true);
  }
}

function lwpEnabled(c: Cpu): boolean {
  return (c.xcr0Hi & XCR0_HI_LWP) !== 0;
}

/** XRSTOR of component 62: the image, or the init state (LWP off) when XSTATE_BV[62] is clear. */
function restoreLwp(c: Cpu, buf: Uint8Array, bv: bigint): boolean {
  if ((bv & XFEATURE_LWP) === 0n || buf.length < LWP_XSTATE.offset + LWP_XSTATE.size) {
    lwpInit(c);
    return true;
  }
  try {
    lwpRestore(c, buf.subarray(LWP_XSTATE.offset, LWP_XSTATE.offset + LWP_XSTATE.size));
    return true;
  } catch (e) {
    if (e instanceof MemoryFault) return false;
    throw e;
  }
}

/**
 * XRSTOR/FXRSTOR of the user state from `buf` for the features in `rfbm`.
 * Returns false where the hardware raises #GP (reserved MXCSR bits, bad header).
 */
export function restoreXstate(c: Cpu, buf: Uint8Array, rfbm: bigint, fxOnly: boolean): boolean {
  forgetXrstor(c); // Linux's XRSTOR(S) at CPL 0: XSAVEOPT's modified optimisation starts over
  const v = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const img = new BufferImage(buf);
  const mx = mxcsrIn(c, 0, img);
  if (mx < 0) return false;
  let bv = 3n;
  if (!fxOnly) {
    bv = getU64(v, XSAVE_HDR);
    if ((bv & ~xcr0(c)) !== 0n || getU64(v, XSAVE_HDR + 8) !== 0n) return false;
    for (let o = XSAVE_HDR + 16; o < XSAVE_HDR + 64; o++) if (buf[o] !== 0) return false;
  }
  if ((rfbm & 1n) !== 0n) {
    if ((bv & 1n) === 0n) c.x87.reset();
    else restoreX87(c, 0, true, img);
  }
  if ((rfbm & 2n) !== 0n) {
    if ((bv & 2n) === 0n && !fxOnly) c.x8.fill(0);
    else restoreXmm(c, 0, img);
  }
  if ((rfbm & 3n) !== 0n) c.mxcsr = mx;
  if ((rfbm & XFEATURE_LWP) !== 0n && lwpEnabled(c)) return restoreLwp(c, buf, fxOnly ? 0n : bv);
  return true;
}

/** The init state a signal handler starts with (fpu__clear_user_states): FNINIT, MXCSR 0x1f80, XMM zero, LWP off. */
export function initXstate(c: Cpu): void {
  forgetXrstor(c);
  if (lwpEnabled(c)) lwpInit(c);
  c.x87.reset();
  c.mxcsr = 0x1f80;
  c.x8.fill(0);
}

function getU64(v: DataView, o: number): bigint {
  return v.getBigUint64(o, true);
}
