// SPDX-License-Identifier: MIT
// Record layouts shared with runner.c (architectural state = GPRs, RIP, RFLAGS
// and an FXSAVE image, AMD APM Vol. 2 §11.4.4 "FXSAVE format"), the fixed
// addresses both sides map, and loading/dumping that state into the emulator.
import type { Cpu } from "../../src/hw/cpu/cpu.js";

/**
 * The snippet sits in the last CODE_BYTES of its page (the next page is
 * unmapped, which also keeps the emulator's code fetch short), and the data
 * window is the last WIN bytes of the scratch page (ditto: accesses that
 * straddle its end fault on both sides).
 */
export const CODE_PAGE = 0x10000000;
export const CODE_BYTES = 32;
export const CODE_ADDR = CODE_PAGE + 4096 - CODE_BYTES;
export const SCRATCH_PAGE = 0x10010000;
export const WIN = 640;
export const WIN_ADDR = SCRATCH_PAGE + 4096 - WIN;
/** Stack pointer placed in the window (pushes and pops land in compared memory). */
export const STACK_TOP = WIN_ADDR + WIN - 128;

export const STATE_BYTES = 656;
export const OFF_RIP = 128;
export const OFF_RFLAGS = 136;
export const OFF_FX = 144;
/** in_rec: code, state, window. */
export const IN_REC = CODE_BYTES + STATE_BYTES + WIN;
export const IN_STATE = CODE_BYTES;
export const IN_WIN = CODE_BYTES + STATE_BYTES;
/** out_rec: state, signo, si_code, si_addr, window. */
export const OUT_REC = STATE_BYTES + 16 + WIN;
export const OUT_SIGNO = STATE_BYTES;
export const OUT_SCODE = STATE_BYTES + 4;
export const OUT_SADDR = STATE_BYTES + 8;
export const OUT_WIN = STATE_BYTES + 16;

/** FXSAVE image offsets (relative to the image). */
export const FX_FCW = 0;
export const FX_FSW = 2;
export const FX_FTW = 4;
export const FX_MXCSR = 24;
export const FX_ST = 32;
export const FX_XMM = 160;

/** Linux signal numbers and codes (asm-generic/signal.h, siginfo.h). */
export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGBUS = 7;
export const SIGFPE = 8;
export const SIGSEGV = 11;
export const SI_KERNEL = 0x80;

/** Loads an architectural state image (at `off` in `buf`) into the emulator. */
export function loadState(c: Cpu, buf: Uint8Array, off: number): void {
  const dv = new DataView(buf.buffer, buf.byteOffset + off, STATE_BYTES);
  for (let i = 0; i < 32; i++) c.r32[i] = dv.getInt32(4 * i, true);
  c.rip = Number(dv.getBigUint64(OFF_RIP, true));
  c.f.rflags = dv.getUint32(OFF_RFLAGS, true);
  const fx = OFF_FX;
  for (let i = 0; i < 64; i++) c.x32[i] = dv.getInt32(fx + FX_XMM + 4 * i, true);
  c.mxcsr = dv.getUint32(fx + FX_MXCSR, true);
  const x = c.x87;
  x.fcw = dv.getUint16(fx + FX_FCW, true);
  x.status = dv.getUint16(fx + FX_FSW, true);
  x.tags = dv.getUint8(fx + FX_FTW);
  // FOP/FIP/FDP as fxrstor64 loads them (bytes 6, 8, 16 of the image), not left from the last case.
  x.fop = dv.getUint16(fx + 6, true) & 0x7ff;
  x.fip = Number(dv.getBigUint64(fx + 8, true));
  x.fdp = Number(dv.getBigUint64(fx + 16, true));
  for (let i = 0; i < 8; i++) {
    const p = (x.top + i) & 7;
    for (let k = 0; k < 10; k++) x.raw[10 * p + k] = dv.getUint8(fx + FX_ST + 16 * i + k);
  }
}

/** Writes the emulator's architectural state as an image (same layout as the native dump). */
export function dumpState(c: Cpu, buf: Uint8Array, off: number): void {
  buf.fill(0, off, off + STATE_BYTES);
  const dv = new DataView(buf.buffer, buf.byteOffset + off, STATE_BYTES);
  for (let i = 0; i < 32; i++) dv.setInt32(4 * i, c.r32[i]!, true);
  dv.setBigUint64(OFF_RIP, BigInt(c.rip), true);
  dv.setUint32(OFF_RFLAGS, c.f.rflags, true);
  const fx = OFF_FX;
  for (let i = 0; i < 64; i++) dv.setInt32(fx + FX_XMM + 4 * i, c.x32[i]!, true);
  dv.setUint32(fx + FX_MXCSR, c.mxcsr, true);
  const x = c.x87;
  dv.setUint16(fx + FX_FCW, x.fcw, true);
  dv.setUint16(fx + FX_FSW, x.status, true);
  dv.setUint8(fx + FX_FTW, x.tags);
  for (let i = 0; i < 8; i++) {
    const p = (x.top + i) & 7;
    for (let k = 0; k < 10; k++) dv.setUint8(fx + FX_ST + 16 * i + k, x.raw[10 * p + k]!);
  }
}
