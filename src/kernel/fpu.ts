// SPDX-License-Identifier: MIT
// The user FPU state in XSAVE (standard, non-compacted) format as the kernel
// saves it: FXSAVE legacy area (AMD APM Vol. 2 §11.4.4, Vol. 4 FXSAVE), the
// XSAVE header at 512 (Vol. 2 §11.5.2), and the component sizes from CPUID 0xD.
// Signal frames use the CPU's XSAVE (src/hw/cpu/xstate/xsave.ts) on guest memory;
// context switches save into a kernel buffer, which that API cannot target yet:
// TODO(xstate): a buffer-based save/restore over components() would replace this file's
// legacy-area code (component 62 goes through src/hw/lwp/xstate.ts meanwhile).
import type { Cpu } from "../hw/cpu/cpu.js";
import { MemoryFault } from "../hw/memory/address-space.js";
import { areaSize } from "../hw/cpu/xstate/components.js";
import { MXCSR_MASK } from "../hw/cpu/xstate/legacy.js";
import { LWP_XSTATE, lwpInit, lwpIsInit, lwpRestore, lwpSave } from "../hw/lwp/xstate.js";

export const FXSAVE_SIZE = 512;
export const XSAVE_HDR = 512;
/** XSAVE size for x87|SSE, and with the LWP component (offset 0x340, 128 bytes). */
export const XSAVE_SIZE_BASE = 576;
export const XSAVE_SIZE_LWP = 0x3c0;
export const XFEATURE_FPSSE = 3n;
export const XFEATURE_LWP = 1n << 62n;

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
  const x = c.x87;
  v.setUint16(0, x.fcw, true);
  v.setUint16(2, x.status, true);
  v.setUint8(4, x.tags & 0xff);
  v.setUint16(6, x.fop, true);
  setU64(v, 8, x.fip);
  setU64(v, 16, x.fdp);
  v.setUint32(24, c.mxcsr >>> 0, true);
  v.setUint32(28, MXCSR_MASK, true);
  for (let i = 0; i < 8; i++) {
    const phys = (x.top + i) & 7;
    buf.set(x.raw.subarray(phys * 10, phys * 10 + 10), 32 + 16 * i);
  }
  buf.set(c.x8, 160);
  v.setUint32(XSAVE_HDR, 3, true);
  if (lwpEnabled(c)) {
    lwpSave(c, buf.subarray(LWP_XSTATE.offset, LWP_XSTATE.offset + LWP_XSTATE.size));
    if (!lwpIsInit(c)) v.setUint32(XSAVE_HDR + 4, 1 << 30, true);
  }
}

function lwpEnabled(c: Cpu): boolean {
  return (c.xcr0Hi & (1 << 30)) !== 0;
}

/** XRSTOR of component 62: the image, or the init state (LWP off) when XSTATE_BV[62] is clear. */
function restoreLwp(c: Cpu, buf: Uint8Array, bv: bigint): boolean {
  if ((bv & XFEATURE_LWP) === 0n || buf.length < LWP_XSTATE.offset + LWP_XSTATE.size) { lwpInit(c); return true; }
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
  const v = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const mx = v.getUint32(24, true);
  if ((mx & ~MXCSR_MASK) !== 0) return false;
  let bv = 3n;
  if (!fxOnly) {
    bv = getU64(v, XSAVE_HDR);
    if ((bv & ~xcr0(c)) !== 0n || getU64(v, XSAVE_HDR + 8) !== 0n) return false;
    for (let o = XSAVE_HDR + 16; o < XSAVE_HDR + 64; o++) if (buf[o] !== 0) return false;
  }
  const x = c.x87;
  if ((rfbm & 1n) !== 0n) {
    if ((bv & 1n) === 0n) x.reset();
    else {
      x.fcw = v.getUint16(0, true);
      x.status = v.getUint16(2, true);
      x.tags = v.getUint8(4);
      x.fop = v.getUint16(6, true) & 0x7ff;
      x.fip = Number(getU64(v, 8));
      x.fdp = Number(getU64(v, 16));
      for (let i = 0; i < 8; i++) x.raw.set(buf.subarray(32 + 16 * i, 42 + 16 * i), ((x.top + i) & 7) * 10);
    }
  }
  if ((rfbm & 2n) !== 0n) {
    if ((bv & 2n) === 0n && !fxOnly) c.x8.fill(0);
    else c.x8.set(buf.subarray(160, 160 + 256));
  }
  if ((rfbm & 3n) !== 0n) c.mxcsr = mx;
  if ((rfbm & XFEATURE_LWP) !== 0n && lwpEnabled(c)) return restoreLwp(c, buf, fxOnly ? 0n : bv);
  return true;
}

/** The init state a signal handler starts with (fpu__clear_user_states): FNINIT, MXCSR 0x1f80, XMM zero, LWP off. */
export function initXstate(c: Cpu): void {
  if (lwpEnabled(c)) lwpInit(c);
  c.x87.reset();
  c.mxcsr = 0x1f80;
  c.x8.fill(0);
}

function setU64(v: DataView, o: number, x: number): void {
  v.setUint32(o, x >>> 0, true);
  v.setUint32(o + 4, Math.floor(x / 4294967296) >>> 0, true);
}

function getU64(v: DataView, o: number): bigint {
  return v.getBigUint64(o, true);
}
