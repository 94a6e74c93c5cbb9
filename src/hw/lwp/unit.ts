// SPDX-License-Identifier: MIT
// The LWP unit (LWP spec §3, §6, §7): LWP_CFG/LWP_CBADDR, the cached LWPCB state,
// LLWPCB/SLWPCB/LWPINS/LWPVAL semantics and the ring-buffer store. Per-block event
// counting is in exec.ts; XSAVE component 62 in xstate.ts. Decisions: docs/lwp.md.
import type { Cpu } from "../cpu/cpu.js";
import { CpuException, VEC_UD, type Exit } from "../cpu/exits.js";
import { MemoryFault } from "../memory/address-space.js";
import { type CacheConfig, CacheModel, FAM15H_CACHES } from "./cache-model.js";
import { type LwpCaps, type LwpGeometry, geometry } from "./caps.js";
import { EV, eventRow, BR_CLASS } from "./events.js";
import {
  BUFFER_SIZE_MASK,
  CB,
  FILTER,
  FLAG_CONT,
  FLAG_INT,
  FLAG_PTSC,
  RANDOM_SHIFT,
  from26,
  intervalOffset,
  read64,
  write64,
} from "./lwpcb.js";
import { BranchPredictor } from "./predictor.js";
import { encodeRecord, RECORD_SIZE } from "./record.js";
import { advance, buffered, crossesThreshold, isFull, normaliseOffset } from "./ring.js";

/** XCR0 bit 62 as a bit of the high word (spec §1.5). */
export const XCR0_HI_LWP = 1 << 30;

/**
 * Thrown by an instruction that completed but must end its block: LLWPCB (counting
 * starts or stops at the next instruction) or a record store that crossed the
 * threshold. The run loop retires the instruction and returns `c.pendingExit`, if any.
 */
export const LWP_TRAP: { readonly lwpTrap: true } = Object.freeze({ lwpTrap: true });

/**
 * Thrown by an instruction that replaced the LWP configuration (LLWPCB, XRSTOR of
 * component 62): it retires, counted by neither the old nor the new configuration,
 * and ends its block, so the new one applies from the next instruction (docs/lwp.md, 23).
 */
export const LWP_RELOAD: { readonly lwpReload: true } = Object.freeze({ lwpReload: true });

/** Results of a ring store. */
const STORED = 0;
export const OVERWROTE = 1;
export const STORED_THRESHOLD = 2;

export interface LwpOptions {
  /** Source of 32 random bits for randomised intervals (the kernel passes its seeded PRNG). */
  readonly random?: () => number;
  readonly caches?: CacheConfig;
}

/** A tiny deterministic default PRNG (xorshift32, fixed seed). */
export function xorshift32(seed = 0x2545f491): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

export class LwpUnit {
  readonly geo: LwpGeometry;
  /** LWP_CFG low word (events/CONT/PTSC/INT) and bits 47:32 (CoreId, vector). */
  cfgLo: number;
  cfgHi = 0;
  /** LWP_CBADDR: 0 = LWP off. */
  cbaddr = 0;
  // ---- the cached LWPCB (spec §3.1)
  flags = 0;
  base = 0;
  size = 0;
  randomBits = 0;
  head = 0;
  threshold = 0;
  filters = 0;
  baseIp = 0;
  limitIp = 0;
  missed = 0;
  readonly intervals = new Int32Array(8);
  readonly counters = new Int32Array(8);
  /** Record being built, and the one kept pending after a faulting store (XSAVE SavedEventRecord). */
  readonly rec = new Int32Array(8);
  readonly pending = new Int32Array(8);
  hasPending = false;
  // ---- derived from flags/filters by update()
  ev2 = false;
  ev3 = false;
  ev4 = false;
  ev5 = false;
  ev6 = false;
  /** 0 = no IP filter, 1 = count inside [BaseIP, LimitIP], 2 = count outside. */
  ipMode = 0;
  /** Per branch class: 1 when Filters exclude it from event 3. */
  readonly skipClass = new Uint8Array(4);
  /** Only events 2/3, no IP, branch-class or prediction filter: the CPU runs `Cpu.runQuick`. */
  quick = false;
  /** Incremented by every `update()`: an instruction that changes it ends its block. */
  generation = 0;
  /** Whether the block run at full speed is inside the IP filter (set by fastPathOk). */
  blockCounted = true;
  /** Fractional reference-clock accumulator (event 6). */
  refUnits = 0;
  /** The branch predictor (the CPU gives it the physical memory its histories live in). */
  predictor = new BranchPredictor();
  private cacheModel: CacheModel | null = null;
  random: () => number;

  constructor(
    readonly caps: LwpCaps,
    readonly opts: LwpOptions = {},
  ) {
    this.geo = geometry(caps);
    this.random = opts.random ?? xorshift32();
    // Power-on LWP_CFG: every supported feature but the interrupt (docs/lwp.md "LWP_CFG at reset").
    this.cfgLo = caps.edx & ~FLAG_INT & ~1;
  }

  get active(): boolean {
    return this.cbaddr !== 0;
  }

  get cache(): CacheModel {
    return (this.cacheModel ??= new CacheModel(this.opts.caches ?? FAM15H_CACHES));
  }

  /** Flags bits the unit may enable: supported ∧ allowed by LWP_CFG (spec §3.3 rule 1). */
  allowed(): number {
    return this.caps.edx & this.cfgLo & ~1;
  }

  get coreId(): number {
    return this.cfgHi & 0xff;
  }

  get vector(): number {
    return (this.cfgHi >>> 8) & 0xff;
  }

  /** #UD unless XCR0[62] is set (spec §6.4); CPUID LWP is set in both models. */
  gate(c: Cpu): void {
    if ((c.xcr0Hi & XCR0_HI_LWP) === 0) throw new CpuException(VEC_UD);
  }

  // ---- LLWPCB / SLWPCB (spec §6.1, §6.2) ---------------------------------------

  /** LLWPCB: flush the old state, then load, validate and normalise the new LWPCB (0 = disable). */
  llwpcb(c: Cpu, addr: number): void {
    if (addr !== 0) {
      c.mem.probeRead(addr, this.geo.cbBytes);
      c.mem.probeWrite(addr, this.geo.cbBytes);
    }
    if (this.active) {
      this.flushPending(c);
      this.flush(c);
    }
    this.disable(c);
    if (addr !== 0) this.load(c, addr);
  }

  /** SLWPCB: flush the internal state to the LWPCB; returns its address or 0. */
  slwpcb(c: Cpu): number {
    if (!this.active) return 0;
    this.flushPending(c);
    this.flush(c);
    return this.cbaddr;
  }

  /** Writes the unit-owned fields back to the LWPCB (spec §7.8). Throws MemoryFault. */
  flush(c: Cpu): void {
    const m = c.mem,
      a = this.cbaddr;
    m.probeWrite(a, this.geo.cbBytes);
    m.write32(a + CB.FLAGS, this.flags);
    m.write32(a + CB.HEAD, this.head);
    write64(m, a + CB.MISSED, this.missed);
    for (let n = 1; n <= this.geo.maxEvents; n++) {
      m.write32(a + intervalOffset(this.geo.eventOffset, n) + 4, this.counters[n]!);
    }
  }

  /** Turns LWP off, discarding the internal state (LWP_CBADDR ← 0). */
  disable(c: Cpu): void {
    this.cbaddr = 0;
    this.flags = 0;
    this.hasPending = false;
    this.update(c);
  }

  private load(c: Cpu, addr: number): void {
    const m = c.mem,
      g = this.geo;
    const sizeWord = m.read32(addr + CB.BUFFER_SIZE);
    const size = (sizeWord & BUFFER_SIZE_MASK) - ((sizeWord & BUFFER_SIZE_MASK) % RECORD_SIZE);
    if (size < g.minBufferBytes) {
      m.write32(addr + CB.FLAGS, 0); // invalid LWPCB: LWP stays off, Flags read back as 0
      return;
    }
    this.size = size;
    this.randomBits = sizeWord >>> RANDOM_SHIFT;
    this.flags = m.read32(addr + CB.FLAGS) & this.allowed();
    this.base = read64(m, addr + CB.BUFFER_BASE);
    this.head = normaliseOffset(m.read32(addr + CB.HEAD), size);
    this.missed = read64(m, addr + CB.MISSED);
    this.loadSoftwareFields(c, addr);
    for (let n = 1; n <= g.maxEvents; n++) {
      const off = addr + intervalOffset(g.eventOffset, n);
      this.counters[n] = Math.max(0, from26(m.read32(off + 4)));
    }
    this.cbaddr = addr;
    m.write32(addr + CB.FLAGS, this.flags);
    m.write32(addr + CB.HEAD, this.head);
    for (let n = 1; n <= g.maxEvents; n++) m.write32(addr + intervalOffset(g.eventOffset, n) + 4, this.counters[n]!);
    this.update(c);
  }

  /** Fields software owns that are not in the XSAVE image: re-read at LLWPCB and XRSTOR (spec §7.9). */
  loadSoftwareFields(c: Cpu, addr: number): void {
    const m = c.mem,
      g = this.geo;
    const t = m.read32(addr + CB.THRESHOLD) >>> 0;
    this.threshold = t - (t % RECORD_SIZE);
    this.filters = m.read32(addr + CB.FILTERS);
    this.baseIp = g.ipFiltering ? read64(m, addr + CB.BASE_IP) : 0;
    this.limitIp = g.ipFiltering ? read64(m, addr + CB.LIMIT_IP) : 0;
    for (let n = 1; n <= g.maxEvents; n++) {
      const v = from26(m.read32(addr + intervalOffset(g.eventOffset, n)));
      this.intervals[n] = Math.max(v, eventRow(n)?.minInterval ?? 0);
    }
  }

  /** Recomputes the derived switches after flags/filters/pending change. */
  update(c: Cpu): void {
    const f = this.active ? this.flags : 0;
    this.ev2 = (f & (1 << EV.INSTRUCTIONS)) !== 0;
    this.ev3 = (f & (1 << EV.BRANCHES)) !== 0;
    this.ev4 = (f & (1 << EV.DCACHE)) !== 0;
    this.ev5 = (f & (1 << EV.CYCLES)) !== 0;
    this.ev6 = (f & (1 << EV.REF_CYCLES)) !== 0;
    const fl = this.filters;
    this.ipMode = this.geo.ipFiltering && (fl & FILTER.IP_FILTER) !== 0 ? ((fl & FILTER.IP_INVERT) !== 0 ? 2 : 1) : 0;
    this.skipClass[BR_CLASS.ABSOLUTE] = (fl & FILTER.NO_ABSOLUTE) !== 0 ? 1 : 0;
    this.skipClass[BR_CLASS.CONDITIONAL] = (fl & FILTER.NO_CONDITIONAL) !== 0 ? 1 : 0;
    this.skipClass[BR_CLASS.RELATIVE] = (fl & FILTER.NO_RELATIVE) !== 0 ? 1 : 0;
    this.generation++;
    const classFilter = (fl & (FILTER.NO_ABSOLUTE | FILTER.NO_CONDITIONAL | FILTER.NO_RELATIVE)) !== 0;
    this.quick =
      !this.ev4 &&
      !this.ev5 &&
      !this.ev6 &&
      this.ipMode === 0 &&
      !classFilter &&
      (fl & (FILTER.NO_PREDICTED | FILTER.NO_MISPREDICTED)) === 0;
    c.lwpCounting = this.active && (this.ev2 || this.ev3 || this.ev4 || this.ev5 || this.ev6 || this.hasPending);
  }

  // ---- records and the ring (spec §4, §7.3) --------------------------------------

  /** Reload value of event n's counter, randomised by the LWPCB Random field (spec §7.4). */
  reload(n: number): number {
    const iv = this.intervals[n]!;
    const r = this.randomBits;
    if (r === 0) return iv;
    const mask = (1 << r) - 1;
    return (iv & ~mask) | (this.random() & mask);
  }

  /** Builds a record in `rec` (Data3 = timestamp when PTSC is on). */
  build(c: Cpu, id: number, flags: number, data1: number, ip: number, d2lo: number, d2hi: number): void {
    const ts = (this.flags & FLAG_PTSC) !== 0 ? c.readTsc() : 0;
    encodeRecord(this.rec, id, this.coreId, flags, data1, ip, d2lo, d2hi, ts);
  }

  /**
   * Stores `rec` at the head (spec §7.3): re-reads the tail; full in synchronised
   * mode → overwrite at head and MissedEvents++. Throws MemoryFault with nothing changed.
   */
  storeRing(c: Cpu, rec: Int32Array): number {
    const m = c.mem,
      cb = this.cbaddr,
      size = this.size;
    const tail = normaliseOffset(m.read32(cb + CB.TAIL), size);
    const full = (this.flags & FLAG_CONT) === 0 && isFull(this.head, tail, size);
    const at = this.base + this.head;
    m.probeWrite(at, RECORD_SIZE);
    m.probeWrite(cb + CB.HEAD, 16);
    for (let k = 0; k < 8; k++) m.write32(at + 4 * k, rec[k]!);
    if (full) {
      this.missed++;
      write64(m, cb + CB.MISSED, this.missed);
      return OVERWROTE;
    }
    const before = buffered(this.head, tail, size);
    this.head = advance(this.head, size);
    m.write32(cb + CB.HEAD, this.head);
    const intOn = (this.flags & FLAG_INT) !== 0;
    return intOn && crossesThreshold(before, buffered(this.head, tail, size), this.threshold)
      ? STORED_THRESHOLD
      : STORED;
  }

  /** Stores the pending record, if any (before any other record). Throws MemoryFault. */
  flushPending(c: Cpu): number {
    if (!this.hasPending) return STORED;
    const r = this.storeRing(c, this.pending);
    this.hasPending = false;
    this.update(c);
    return r;
  }

  /** The threshold interrupt exit (spec §7.6). */
  interruptExit(): Exit {
    return { kind: "lwpInterrupt", vector: this.vector };
  }

  /** Ends the current instruction with the threshold interrupt (the run loop retires it). */
  trap(c: Cpu): never {
    c.pendingExit = this.interruptExit();
    throw LWP_TRAP;
  }

  /** LWPINS/LWPVAL record store: an instruction fault if it faults (restartable). */
  insert(c: Cpu, id: number, ip: number, flags: number, data1: number, d2lo: number, d2hi: number): number {
    const p = this.flushPending(c);
    this.build(c, id, flags & 0xffff, data1, ip, d2lo, d2hi);
    const r = this.storeRing(c, this.rec);
    return p === STORED_THRESHOLD && r === STORED ? STORED_THRESHOLD : r;
  }

  /**
   * A hardware event fired at `ip` (events 2–6): reload its counter and store a
   * record; a faulting store keeps the record pending and reports #PF as a trap.
   */
  fire(c: Cpu, id: number, ip: number, flags: number, data1: number, d2lo: number, d2hi: number): Exit | null {
    const carry = this.counters[id]! + 1;
    this.counters[id] = Math.max(0, this.reload(id) + carry);
    if (this.hasPending) {
      this.lose(c);
      return null;
    }
    this.build(c, id, flags, data1, ip, d2lo, d2hi);
    try {
      return this.storeRing(c, this.rec) === STORED_THRESHOLD ? this.interruptExit() : null;
    } catch (e) {
      if (!(e instanceof MemoryFault)) throw e;
      this.pending.set(this.rec);
      this.hasPending = true;
      this.update(c);
      return c.faultExit(e);
    }
  }

  /** An event lost because a record is already pending: counted in MissedEvents. */
  private lose(c: Cpu): void {
    this.missed++;
    try {
      write64(c.mem, this.cbaddr + CB.MISSED, this.missed);
    } catch (e) {
      if (!(e instanceof MemoryFault)) throw e;
    }
  }
}
