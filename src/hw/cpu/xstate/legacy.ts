// SPDX-License-Identifier: MIT
// The 512-byte legacy region shared by FXSAVE and XSAVE (AMD APM Vol. 2
// §11.4.4 "Saving Media and x87 State", Table 11-8): x87 control and pointer
// words, MXCSR, ST0–7 in stack order and XMM0–15.
import type { Cpu } from "../cpu.js";
import { fixFcw } from "../x87/env.js";

/** MXCSR_MASK reported by this EPYC host's FXSAVE (DAZ and MM writable). */
export const MXCSR_MASK = 0x0002ffff;

/**
 * Saves the x87 part (bytes 0–23 and 32–159). Like AMD hardware without
 * XSaveErPtr semantics observed on the host, FOP/FIP/FDP are stored only while
 * an unmasked exception is pending (FSW.ES); `wide` is the REX.W (…64) layout.
 */
export function saveX87(c: Cpu, a: number, wide: boolean): void {
  const x = c.x87, m = c.mem;
  const err = x.pending();
  m.write16(a, x.fcw);
  m.write16(a + 2, x.status);
  m.write16(a + 4, x.tags & 0xff);
  m.write16(a + 6, err ? x.fop & 0x7ff : 0);
  const fip = err ? x.fip : 0, fdp = err ? x.fdp : 0;
  if (wide) {
    m.write64(a + 8, fip | 0, Math.floor(fip / 4294967296));
    m.write64(a + 16, fdp | 0, Math.floor(fdp / 4294967296));
  } else {
    m.write64(a + 8, fip | 0, 0); // FCS/FDS are stored as zero on the host (unlike FNSTENV)
    m.write64(a + 16, fdp | 0, 0);
  }
  for (let i = 0; i < 8; i++) {
    const p = x.phys(i) * 10, o = a + 32 + 16 * i;
    for (let b = 0; b < 10; b++) m.write8(o + b, x.raw[p + b]!);
    m.write16(o + 10, 0);
    m.write32(o + 12, 0);
  }
}

export function restoreX87(c: Cpu, a: number, wide: boolean): void {
  const x = c.x87, m = c.mem;
  x.fcw = fixFcw(m.read16(a));
  x.status = m.read16(a + 2);
  x.tags = m.read8(a + 4);
  x.fop = m.read16(a + 6) & 0x7ff;
  x.fip = wide ? readAddr(c, a + 8) : m.read32(a + 8) >>> 0;
  x.fdp = wide ? readAddr(c, a + 16) : m.read32(a + 16) >>> 0;
  const regs = m.readBytes(a + 32, 128);
  for (let i = 0; i < 8; i++) x.raw.set(regs.subarray(16 * i, 16 * i + 10), x.phys(i) * 10);
}

function readAddr(c: Cpu, a: number): number {
  return (c.mem.read32(a + 4) >>> 0) * 4294967296 + (c.mem.read32(a) >>> 0);
}

export function initX87(c: Cpu): void {
  c.x87.reset();
}

export function saveXmm(c: Cpu, a: number): void {
  const bytes = c.x8;
  c.mem.writeBytes(a + 160, bytes);
}

export function restoreXmm(c: Cpu, a: number): void {
  c.x8.set(c.mem.readBytes(a + 160, 256));
}

export function initXmm(c: Cpu): void {
  c.x32.fill(0);
}

export function saveMxcsr(c: Cpu, a: number): void {
  c.mem.write32(a + 24, c.mxcsr);
  c.mem.write32(a + 28, MXCSR_MASK);
}

/** MXCSR from an image, or -1 when it sets reserved bits (#GP). */
export function mxcsrIn(c: Cpu, a: number): number {
  const v = c.mem.read32(a + 24) >>> 0;
  return (v & ~MXCSR_MASK) !== 0 ? -1 : v;
}
