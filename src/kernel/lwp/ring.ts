// SPDX-License-Identifier: MIT
// The LWPCB and ring buffer the kernel prepares in a task's address space on its
// behalf (LWP spec §3, §7.3, §7.6; docs/kernel.md "Profiling unmodified programs"):
// placement in the reserved "[lwp]" window, the LWPCB contents, and draining.
import { type AddressSpace, MemoryFault, PAGE_SIZE, PROT_READ, PROT_WRITE } from "../../hw/memory/address-space.js";
import type { LwpGeometry } from "../../hw/lwp/caps.js";
import { CB, FILTER, FLAG_INT, FLAG_PTSC, RANDOM_SHIFT, intervalOffset, read64, write64 } from "../../hw/lwp/lwpcb.js";
import { RECORD_SIZE } from "../../hw/lwp/record.js";

/**
 * The reserved window: inside the gap between the mmap base (0x7ffff7fff000) and the
 * 8 MiB stack, so the program's own mmap addresses do not move when it is profiled.
 */
const LWP_WINDOW = 0x7ffff8000000;
const LWP_WINDOW_SIZE = 64 * 1024 * 1024;
/** One slot per task: the LWPCB page, then the ring. */
export const LWP_SLOT = 128 * 1024;
/** Default ring: 2048 records; the threshold interrupt fires when half of it is used. */
export const DEFAULT_RING_BYTES = 64 * 1024;

/** What the kernel programs into each LWPCB it prepares. */
export interface RingConfig {
  /** Enabled events with their EventInterval (the LWPCB value; one record per interval + 1 events). */
  readonly events: readonly { readonly id: number; readonly interval: number }[];
  /** LWPCB Random field (bits of the reload value randomised, §7.4). */
  readonly randomBits: number;
  /** IP filter (inclusive), or null. */
  readonly ipFilter: { readonly lo: number; readonly hi: number } | null;
  /** Threshold in bytes (32 = an interrupt after every record). */
  readonly threshold: number;
  readonly ringBytes: number;
  /** PTSC: each record's Data3 holds the (virtual) timestamp counter. */
  readonly timestamps?: boolean;
}

/** A prepared LWPCB + ring in one address space. */
export interface RingSlot {
  readonly mem: AddressSpace;
  readonly cb: number;
  readonly ring: number;
  readonly size: number;
  /** MissedEvents already reported. */
  missedSeen: number;
}

/** Finds a free slot in the window of `mem`, or -1 when the window is full. */
export function freeSlot(mem: AddressSpace): number {
  for (let a = LWP_WINDOW; a < LWP_WINDOW + LWP_WINDOW_SIZE; a += LWP_SLOT) if (!mem.isMapped(a)) return a;
  return -1;
}

/** Maps a slot at `at` and writes a fresh LWPCB for `cfg` (head = tail = 0, counters = intervals). */
export function prepareSlot(mem: AddressSpace, at: number, geo: LwpGeometry, cfg: RingConfig): RingSlot {
  const size = cfg.ringBytes;
  mem.map(at, PAGE_SIZE + size, PROT_READ | PROT_WRITE);
  const slot: RingSlot = { mem, cb: at, ring: at + PAGE_SIZE, size, missedSeen: 0 };
  writeLwpcb(slot, geo, cfg);
  return slot;
}

/** (Re)writes the LWPCB of a slot (a forked child re-initialises its copy). */
export function writeLwpcb(s: RingSlot, geo: LwpGeometry, cfg: RingConfig): void {
  const m = s.mem,
    cb = s.cb;
  m.writeBytes(cb, new Uint8Array(geo.cbBytes));
  let flags = FLAG_INT | (cfg.timestamps === true ? FLAG_PTSC : 0);
  for (const e of cfg.events) flags |= 1 << e.id;
  m.write32(cb + CB.FLAGS, flags);
  m.write32(cb + CB.BUFFER_SIZE, s.size | (cfg.randomBits << RANDOM_SHIFT));
  write64(m, cb + CB.BUFFER_BASE, s.ring);
  m.write32(cb + CB.THRESHOLD, cfg.threshold);
  if (cfg.ipFilter !== null) {
    m.write32(cb + CB.FILTERS, FILTER.IP_FILTER);
    write64(m, cb + CB.BASE_IP, cfg.ipFilter.lo);
    write64(m, cb + CB.LIMIT_IP, cfg.ipFilter.hi);
  }
  for (const e of cfg.events) {
    const off = cb + intervalOffset(geo.eventOffset, e.id);
    m.write32(off, e.interval);
    m.write32(off + 4, e.interval);
  }
  s.missedSeen = 0;
}

/** Unread records and new MissedEvents of a slot, consumed (tail ← head). */
interface Drained {
  readonly records: Uint8Array[];
  readonly missed: number;
}

/**
 * A head or tail offset read from the LWPCB, as the kernel uses it: inside the ring
 * and on a record boundary. The unit writes the head, but the program can write
 * anything there; an offset off the records' grid never meets the other one.
 */
function ringOffset(v: number, size: number): number {
  const o = (v >>> 0) % size;
  return o - (o % RECORD_SIZE);
}

/**
 * Reads every record between BufferTailOffset and BufferHeadOffset (the unit writes
 * the head after each store, docs/lwp.md decision 17) and advances the tail: one read
 * up to the head or the ring's end, and one from its start if it wrapped.
 * `limit` caps how many records are taken (a full consumer takes fewer; the rest wait).
 */
export function drainSlot(s: RingSlot, limit = Number.MAX_SAFE_INTEGER): Drained {
  const m = s.mem,
    cb = s.cb;
  const records: Uint8Array[] = [];
  try {
    const head = ringOffset(m.read32(cb + CB.HEAD), s.size);
    let tail = ringOffset(m.read32(cb + CB.TAIL), s.size);
    while (tail !== head && records.length < limit) {
      const n = Math.min(((head > tail ? head : s.size) - tail) / RECORD_SIZE, limit - records.length);
      const bytes = m.readBytes(s.ring + tail, n * RECORD_SIZE);
      for (let k = 0; k < n; k++) records.push(bytes.subarray(k * RECORD_SIZE, (k + 1) * RECORD_SIZE));
      tail = (tail + n * RECORD_SIZE) % s.size;
    }
    m.write32(cb + CB.TAIL, tail);
    const missed = read64(m, cb + CB.MISSED);
    const delta = Math.max(0, missed - s.missedSeen);
    s.missedSeen = missed;
    return { records, missed: delta };
  } catch (e) {
    if (e instanceof MemoryFault) return { records, missed: 0 }; // the program unmapped the window
    throw e;
  }
}

/** Records waiting in the ring (for poll). */
export function pendingRecords(s: RingSlot): number {
  try {
    const head = ringOffset(s.mem.read32(s.cb + CB.HEAD), s.size);
    const tail = ringOffset(s.mem.read32(s.cb + CB.TAIL), s.size);
    return ((head - tail + s.size) % s.size) / RECORD_SIZE;
  } catch (e) {
    if (e instanceof MemoryFault) return 0;
    throw e;
  }
}
