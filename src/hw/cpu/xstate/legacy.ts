// SPDX-License-Identifier: MIT
// The 512-byte legacy region shared by FXSAVE and XSAVE (AMD APM Vol. 2
// §11.4.4 "Saving Media and x87 State", Table 11-8): x87 control and pointer
// words, MXCSR, ST0–7 in stack order and XMM0–15. The one definition of the
// layout: the instructions write it to guest memory, the kernel's context
// switch to a buffer (src/kernel/fpu.ts), through the same functions.
import type { Cpu } from "../cpu.js";
import { fixFcw } from "../x87/env.js";

/** Where an image lives: guest memory (the CPU's `mem`) or a kernel buffer (BufferImage). */
interface XImage {
  read8(a: number): number;
  read16(a: number): number;
  read32(a: number): number;
  write8(a: number, v: number): void;
  write16(a: number, v: number): void;
  write32(a: number, v: number): void;
  write64(a: number, lo: number, hi: number): void;
  readBytes(a: number, n: number): Uint8Array;
  writeBytes(a: number, bytes: Uint8Array): void;
}

/** An image in a byte buffer, little-endian, offsets from its start. */
export class BufferImage implements XImage {
  private readonly v: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  read8(a: number): number {
    return this.v.getUint8(a);
  }
  read16(a: number): number {
    return this.v.getUint16(a, true);
  }
  read32(a: number): number {
    return this.v.getInt32(a, true);
  }
  write8(a: number, v: number): void {
    this.v.setUint8(a, v & 0xff);
  }
  write16(a: number, v: number): void {
    this.v.setUint16(a, v & 0xffff, true);
  }
  write32(a: number, v: number): void {
    this.v.setInt32(a, v | 0, true);
  }
  write64(a: number, lo: number, hi: number): void {
    this.write32(a, lo);
    this.write32(a + 4, hi);
  }
  readBytes(a: number, n: number): Uint8Array {
    return this.buf.slice(a, a + n);
  }
  writeBytes(a: number, bytes: Uint8Array): void {
    this.buf.set(bytes, a);
  }
}

/** MXCSR_MASK reported by this EPYC host's FXSAVE (DAZ and MM writable). */
export const MXCSR_MASK = 0x0002ffff;

/**
 * Saves the x87 part (bytes 0–23 and 32–159). Like AMD hardware without
 * XSaveErPtr semantics observed on the host, FOP/FIP/FDP are stored only while
 * an unmasked exception is pending (FSW.ES); `wide` is the REX.W (…64) layout.
 */
export function saveX87(c: Cpu, a: number, wide: boolean, m: XImage = c.mem): void {
  const x = c.x87;
  const err = x.pending();
  m.write16(a, x.fcw);
  m.write16(a + 2, x.status);
  m.write16(a + 4, x.tags & 0xff);
  m.write16(a + 6, err ? x.fop & 0x7ff : 0);
  const fip = err ? x.fip : 0,
    fdp = err ? x.fdp : 0;
  if (wide) {
    m.write64(a + 8, fip | 0, Math.floor(fip / 4294967296));
    m.write64(a + 16, fdp | 0, Math.floor(fdp / 4294967296));
  } else {
    m.write64(a + 8, fip | 0, 0); // FCS/FDS are stored as zero on the host (unlike FNSTENV)
    m.write64(a + 16, fdp | 0, 0);
  }
  // Each register's 10 bytes as 4 + 4 + 2, then 6 zero bytes: no view made per register.
  const raw = x.raw;
  for (let i = 0; i < 8; i++) {
    const p = x.phys(i) * 10,
      o = a + 32 + 16 * i;
    m.write32(o, raw[p]! | (raw[p + 1]! << 8) | (raw[p + 2]! << 16) | (raw[p + 3]! << 24));
    m.write32(o + 4, raw[p + 4]! | (raw[p + 5]! << 8) | (raw[p + 6]! << 16) | (raw[p + 7]! << 24));
    m.write16(o + 8, raw[p + 8]! | (raw[p + 9]! << 8));
    m.write16(o + 10, 0);
    m.write32(o + 12, 0);
  }
}

export function restoreX87(c: Cpu, a: number, wide: boolean, m: XImage = c.mem): void {
  const x = c.x87;
  x.fcw = fixFcw(m.read16(a));
  x.status = m.read16(a + 2);
  x.tags = m.read8(a + 4);
  x.fop = m.read16(a + 6) & 0x7ff;
  x.fip = wide ? readAddr(m, a + 8) : m.read32(a + 8) >>> 0;
  x.fdp = wide ? readAddr(m, a + 16) : m.read32(a + 16) >>> 0;
  const raw = x.raw;
  for (let i = 0; i < 8; i++) {
    const p = x.phys(i) * 10,
      o = a + 32 + 16 * i;
    const lo = m.read32(o),
      hi = m.read32(o + 4),
      top = m.read16(o + 8);
    for (let b = 0; b < 4; b++) {
      raw[p + b] = lo >>> (8 * b);
      raw[p + 4 + b] = hi >>> (8 * b);
    }
    raw[p + 8] = top;
    raw[p + 9] = top >>> 8;
  }
}

function readAddr(m: XImage, a: number): number {
  return (m.read32(a + 4) >>> 0) * 4294967296 + (m.read32(a) >>> 0);
}

export function initX87(c: Cpu): void {
  c.x87.reset();
}

export function saveXmm(c: Cpu, a: number, m: XImage = c.mem): void {
  m.writeBytes(a + 160, c.x8);
}

export function restoreXmm(c: Cpu, a: number, m: XImage = c.mem): void {
  c.x8.set(m.readBytes(a + 160, 256));
}

export function initXmm(c: Cpu): void {
  c.x32.fill(0);
}

export function saveMxcsr(c: Cpu, a: number, m: XImage = c.mem): void {
  m.write32(a + 24, c.mxcsr);
  m.write32(a + 28, MXCSR_MASK);
}

/** MXCSR from an image, or -1 when it sets reserved bits (#GP). */
export function mxcsrIn(c: Cpu, a: number, m: XImage = c.mem): number {
  const v = m.read32(a + 24) >>> 0;
  return (v & ~MXCSR_MASK) !== 0 ? -1 : v;
}
