// SPDX-License-Identifier: MIT
// The LWP control block layout (LWP spec §3, §3.2): field offsets, Flags and
// Filters bits, and accessors that read/write the LWPCB in guest memory.
import type { AddressSpace } from "../memory/address-space.js";

/** Byte offsets of the fixed LWPCB fields (spec §3 table). */
export const CB = {
  FLAGS: 0x00,
  BUFFER_SIZE: 0x04,
  BUFFER_BASE: 0x08,
  HEAD: 0x10,
  MISSED: 0x18,
  THRESHOLD: 0x20,
  FILTERS: 0x24,
  BASE_IP: 0x28,
  LIMIT_IP: 0x30,
  TAIL: 0x40,
} as const;

export const FLAG_CONT = 1 << 29;
export const FLAG_PTSC = 1 << 30;
export const FLAG_INT = 1 << 31;

/** BufferSize is bits 27:0 of the dword at +4, Random bits 31:28 (spec §3, §7.4). */
export const BUFFER_SIZE_MASK = 0x0fffffff;
export const RANDOM_SHIFT = 28;

/**
 * Filters bits (spec §3.2; bits 27–29 confirmed, the rest our layout:
 * docs/lwp.md "Decisions on UNCONFIRMED points", items 12, 13 and 15).
 */
export const FILTER = {
  MIN_LATENCY_MASK: 0xff,
  NO_L2: 1 << 8,
  NO_L3: 1 << 9,
  NO_DRAM: 1 << 10,
  NO_PREDICTED: 1 << 25,
  NO_MISPREDICTED: 1 << 26,
  NO_ABSOLUTE: 1 << 27,
  NO_CONDITIONAL: 1 << 28,
  NO_RELATIVE: 1 << 29,
  IP_FILTER: 1 << 30,
  IP_INVERT: 1 << 31,
} as const;

/** Offset of EventInterval n (EventCounter n is 4 bytes later), spec §3. */
export function intervalOffset(eventOffset: number, n: number): number {
  return eventOffset + 8 * (n - 1);
}

/** Sign-extends the 26-bit interval/counter encoding (spec §3 "Interval and counter encoding"). */
export function from26(v: number): number {
  return (v << 6) >> 6;
}

/** Reads a 64-bit field as a Number (exact below 2^53: addresses and counts). */
export function read64(mem: AddressSpace, a: number): number {
  return (mem.read32(a + 4) >>> 0) * 4294967296 + (mem.read32(a) >>> 0);
}

export function write64(mem: AddressSpace, a: number, v: number): void {
  mem.write64(a, (v % 4294967296) | 0, Math.floor(v / 4294967296) | 0);
}
