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

/** Size of the user XSAVE area for the features enabled in XCR0 (CPUID 0xD.0 EBX). */
export function xstateSize(c: Cpu): number {
  return areaSize(c.xcr0Lo, c.xcr0Hi);
}

/** XSAVE of the user state into `buf` (length ≥ xstateSize); writes XSTATE_BV = FP|SSE. */
export function saveXstate(c: Cpu, buf: Uint8Array): void {
  buf.fill(0, 0, xstateSize(c));
  const img = new BufferImage(buf);
  saveX87(c, 0, true, img);
  saveMxcsr(c, 0, img);
  saveXmm(c, 0, img);
  img.write32(XSAVE_HDR, 3);
  if (lwpEnabled(c)) {
    lwpSave(c, buf.subarray(LWP_XSTATE.offset, LWP_XSTATE.offset + LWP_XSTATE.size));
    if (!lwpIsInit(c)) img.write32(XSAVE_HDR + 4, XCR0_HI_LWP);
  }
}

function lwpEnabled(c: Cpu): boolean {
  return (c.xcr0Hi & XCR0_HI_LWP) !== 0;
}

/** XRSTOR of component 62: the image, or the init state (LWP off) when XSTATE_BV[62] (in `bvHi`) is clear. */
function restoreLwp(c: Cpu, buf: Uint8Array, bvHi: number): boolean {
  if ((bvHi & XCR0_HI_LWP) === 0 || buf.length < LWP_XSTATE.offset + LWP_XSTATE.size) {
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
 * XRSTOR of the user state from `buf` with every component XCR0 enables (RFBM = XCR0,
 * as Linux restores a task's state at a switch). Returns false where the hardware
 * raises #GP (reserved MXCSR bits, bad header). The masks are handled as 32-bit halves:
 * this runs at every task switch, where BigInt arithmetic would allocate.
 */
export function restoreXstate(c: Cpu, buf: Uint8Array): boolean {
  forgetXrstor(c); // Linux's XRSTOR(S) at CPL 0: XSAVEOPT's modified optimisation starts over
  const img = new BufferImage(buf);
  const mx = mxcsrIn(c, 0, img);
  if (mx < 0) return false;
  const bvLo = img.read32(XSAVE_HDR),
    bvHi = img.read32(XSAVE_HDR + 4);
  if ((bvLo & ~c.xcr0Lo) !== 0 || (bvHi & ~c.xcr0Hi) !== 0) return false;
  // XCOMP_BV and the rest of the header are zero in the standard format.
  for (let o = XSAVE_HDR + 8; o < XSAVE_HDR + 64; o++) if (buf[o] !== 0) return false;
  const rfbm = c.xcr0Lo;
  if ((rfbm & 1) !== 0) {
    if ((bvLo & 1) === 0) c.x87.reset();
    else restoreX87(c, 0, true, img);
  }
  if ((rfbm & 2) !== 0) {
    if ((bvLo & 2) === 0) c.x8.fill(0);
    else restoreXmm(c, 0, img);
  }
  if ((rfbm & 3) !== 0) c.mxcsr = mx;
  if (lwpEnabled(c)) return restoreLwp(c, buf, bvHi);
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
