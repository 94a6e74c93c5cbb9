// SPDX-License-Identifier: MIT
// XSAVE state component 62 (LWP spec §8, §7.9): 128 bytes at offset 0x340 of the
// standard format. Save stores the live state; restore reloads it and re-reads the
// software-owned LWPCB fields from guest memory; the init state is "LWP off".
import type { Cpu } from "../cpu/cpu.js";
import { registerComponent } from "../cpu/xstate/components.js";
import { BUFFER_SIZE_MASK, CB, RANDOM_SHIFT, read64 } from "./lwpcb.js";
import { RECORD_SIZE } from "./record.js";
import { normaliseOffset } from "./ring.js";

export const LWP_XSTATE = { bit: 62, size: 0x80, offset: 0x340 } as const;

/** Offsets inside the component (spec §8 table). */
export const XS = {
  CBADDR: 0x00,
  FLAGS: 0x08,
  HEAD: 0x0c,
  BASE: 0x10,
  SIZE: 0x18,
  FILTERS: 0x1c,
  SAVED_RECORD: 0x20,
  COUNTERS: 0x40,
} as const;

function view(b: Uint8Array): DataView {
  if (b.length < LWP_XSTATE.size) throw new RangeError("LWP xstate image needs 128 bytes");
  return new DataView(b.buffer, b.byteOffset, LWP_XSTATE.size);
}

/** Whether the component is in its init state (LWP off): XSTATE_BV[62] = 0. */
export function lwpIsInit(c: Cpu): boolean {
  return !c.lwp.active;
}

/** XSAVE/XSAVEOPT: fills the 128-byte image (all zeros when LWP is off). No LWPCB write-back. */
export function lwpSave(c: Cpu, out: Uint8Array): void {
  const u = c.lwp,
    v = view(out);
  out.fill(0, 0, LWP_XSTATE.size);
  if (!u.active) return;
  v.setBigUint64(XS.CBADDR, BigInt(u.cbaddr), true);
  v.setUint32(XS.FLAGS, u.flags >>> 0, true);
  v.setUint32(XS.HEAD, u.head, true);
  v.setBigUint64(XS.BASE, BigInt(u.base), true);
  v.setUint32(XS.SIZE, (u.size | (u.randomBits << RANDOM_SHIFT)) >>> 0, true);
  v.setUint32(XS.FILTERS, u.filters >>> 0, true);
  if (u.hasPending) for (let k = 0; k < 8; k++) v.setInt32(XS.SAVED_RECORD + 4 * k, u.pending[k]!, true);
  for (let n = 1; n < u.counters.length; n++) v.setInt32(XS.COUNTERS + 4 * (n - 1), u.counters[n]!, true);
}

/**
 * XRSTOR with XSTATE_BV[62] = 1: the image becomes the internal state (CBADDR 0 →
 * off); Threshold, intervals, BaseIP/LimitIP and MissedEvents are re-read from the
 * LWPCB (spec §7.9). Flags are intersected again with the current LWP_CFG.
 * Throws MemoryFault (nothing changed) when the LWPCB is not readable.
 */
export function lwpRestore(c: Cpu, img: Uint8Array): void {
  const u = c.lwp,
    v = view(img),
    m = c.mem;
  const cb = Number(v.getBigUint64(XS.CBADDR, true));
  if (cb === 0) {
    lwpInit(c);
    return;
  }
  m.probeRead(cb, u.geo.cbBytes);
  u.disable(c);
  const sizeWord = v.getUint32(XS.SIZE, true);
  const size = (sizeWord & BUFFER_SIZE_MASK) - ((sizeWord & BUFFER_SIZE_MASK) % RECORD_SIZE);
  u.size = Math.max(size, RECORD_SIZE * 2);
  u.randomBits = sizeWord >>> RANDOM_SHIFT;
  u.flags = v.getInt32(XS.FLAGS, true) & u.allowed();
  u.head = normaliseOffset(v.getUint32(XS.HEAD, true), u.size);
  u.base = Number(v.getBigUint64(XS.BASE, true));
  u.missed = read64(m, cb + CB.MISSED);
  for (let n = 1; n < u.counters.length; n++) u.counters[n] = Math.max(0, v.getInt32(XS.COUNTERS + 4 * (n - 1), true));
  u.cbaddr = cb;
  u.loadSoftwareFields(c, cb);
  u.filters = v.getInt32(XS.FILTERS, true);
  for (let k = 0; k < 8; k++) u.pending[k] = v.getInt32(XS.SAVED_RECORD + 4 * k, true);
  u.hasPending = (u.pending[0]! & 0xff) !== 0;
  u.update(c);
}

/** XRSTOR with XSTATE_BV[62] = 0, and reset: LWP off, nothing flushed. */
export function lwpInit(c: Cpu): void {
  c.lwp.disable(c);
}

/** The XSAVE component row for bit 62 (src/hw/cpu/xstate/components.ts). */
registerComponent({
  bit: LWP_XSTATE.bit,
  name: "LWP",
  size: LWP_XSTATE.size,
  offset: LWP_XSTATE.offset,
  align64: false,
  save: (c, base) => {
    const img = new Uint8Array(LWP_XSTATE.size);
    lwpSave(c, img);
    c.mem.writeBytes(base + LWP_XSTATE.offset, img);
  },
  restore: (c, base) => lwpRestore(c, c.mem.readBytes(base + LWP_XSTATE.offset, LWP_XSTATE.size)),
  init: lwpInit,
  inUse: (c) => !lwpIsInit(c),
});
