// SPDX-License-Identifier: MIT
// The x87 environment and state images of FNSTENV/FLDENV/FNSAVE/FRSTOR in
// 64-bit mode (AMD APM Vol. 1 §6.6.3, Figures 6-10 and 6-12): the 28-byte
// 32-bit protected-mode layout, or 14 bytes with an operand-size prefix.
import type { Cpu } from "../cpu.js";

/** Linux user code segment selector, stored with a nonzero FPU instruction pointer. */
const USER_CS = 0x33;

export function envBytes(is16: boolean): number {
  return is16 ? 14 : 28;
}

export function storeEnv(c: Cpu, a: number, is16: boolean): void {
  const x = c.x87,
    m = c.mem;
  const cs = x.fip !== 0 || x.fop !== 0 ? USER_CS : 0;
  if (is16) {
    const w = [x.fcw, x.status, x.fullTags(), x.fip & 0xffff, cs, x.fdp & 0xffff, 0];
    w.forEach((v, k) => m.write16(a + 2 * k, v));
    return;
  }
  const hi = 0xffff0000 | 0;
  m.write32(a, x.fcw | hi);
  m.write32(a + 4, x.status | hi);
  m.write32(a + 8, x.fullTags() | hi);
  m.write32(a + 12, x.fip | 0);
  m.write32(a + 16, cs | ((x.fop & 0x7ff) << 16));
  m.write32(a + 20, x.fdp | 0);
  m.write32(a + 24, hi);
}

export function loadEnv(c: Cpu, a: number, is16: boolean): void {
  const x = c.x87,
    m = c.mem;
  const k = is16 ? 2 : 4;
  const fcw = m.read16(a),
    fsw = m.read16(a + k),
    ftw = m.read16(a + 2 * k);
  const fip = is16 ? m.read16(a + 6) : m.read32(a + 12) >>> 0;
  const fop = is16 ? 0 : (m.read32(a + 16) >>> 16) & 0x7ff;
  const fdp = is16 ? m.read16(a + 10) : m.read32(a + 20) >>> 0;
  x.fcw = fixFcw(fcw);
  x.status = fsw;
  x.setFullTags(ftw);
  x.fip = fip;
  x.fop = fop;
  x.fdp = fdp;
}

/** FCW as the hardware keeps it: bit 6 reads as one, bits 7 and 13–15 as zero. */
export function fixFcw(v: number): number {
  return (v & 0x1f3f) | 0x40;
}

/** FNSAVE/FRSTOR register image: ST(0)..ST(7), 10 bytes each, after the environment. */
export function storeRegs(c: Cpu, a: number): void {
  const x = c.x87;
  for (let i = 0; i < 8; i++) {
    const p = x.phys(i) * 10;
    for (let b = 0; b < 10; b++) c.mem.write8(a + 10 * i + b, x.raw[p + b]!);
  }
}

export function loadRegs(c: Cpu, a: number): void {
  const x = c.x87;
  const bytes = c.mem.readBytes(a, 80);
  for (let i = 0; i < 8; i++) x.raw.set(bytes.subarray(10 * i, 10 * i + 10), x.phys(i) * 10);
}
