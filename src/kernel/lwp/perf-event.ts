// SPDX-License-Identifier: MIT
// The waitable LWP buffer asked for on LKML in 2011 (docs/kernel.md "LWP as an OS feature"):
// a perf_event fd of the "lwp" PMU. The kernel drains the target task's LWP ring into
// a perf-style ring the consumer mmaps (struct perf_event_mmap_page + data pages), as
// PERF_RECORD_SAMPLE / PERF_RECORD_LOST records; every LWP record is delivered once.
import type { AddressSpace } from "../../hw/memory/address-space.js";
import { MemoryFault, PAGE_SIZE, PROT_READ, PROT_WRITE } from "../../hw/memory/address-space.js";
import { EINVAL } from "../errno.js";
import type { OpenFile } from "../fs/files.js";
import type { Kernel } from "../kernel.js";
import type { Mapping, Process } from "../process.js";
import type { Task } from "../task.js";
import type { ProfileSink } from "./profiler.js";
import { pendingRecords } from "./ring.js";
import { REC, RECORD_SIZE } from "../../hw/lwp/record.js";

/** The PMU type published in /sys/bus/event_source/devices/lwp/type (a dynamic PMU number). */
export const PERF_TYPE_LWP = 21;
const PERF_RECORD_LOST = 2;
const PERF_RECORD_SAMPLE = 9;
const PERF_RECORD_MISC_USER = 2;
/** sample_type bits we can fill (include/uapi/linux/perf_event.h). */
export const SAMPLE = {
  IP: 1 << 0,
  TID: 1 << 1,
  TIME: 1 << 2,
  ADDR: 1 << 3,
  CPU: 1 << 7,
  PERIOD: 1 << 8,
  RAW: 1 << 10,
} as const;
export const SAMPLE_SUPPORTED =
  SAMPLE.IP | SAMPLE.TID | SAMPLE.TIME | SAMPLE.ADDR | SAMPLE.CPU | SAMPLE.PERIOD | SAMPLE.RAW;
/** struct perf_event_mmap_page offsets. */
const MP = { VERSION: 0, COMPAT: 4, DATA_HEAD: 1024, DATA_TAIL: 1032, DATA_OFFSET: 1040, DATA_SIZE: 1048 } as const;
const TWO32 = 4294967296;

interface RingMap {
  readonly mem: AddressSpace;
  readonly base: number;
  readonly size: number;
}

/** One lwp perf event: the sink of the target's kernel-prepared LWP ring, and an fd. */
export class PerfEventFile implements OpenFile, ProfileSink {
  refs = 1;
  readonly path = "anon_inode:[perf_event]";
  private ring: RingMap | null = null;
  private head = 0;
  private lostPending = 0;
  /** Records delivered (read(2) returns samples × period, the event count). */
  private samples = 0;
  targetEnded = false;
  private closed = false;

  constructor(
    private readonly k: Kernel,
    readonly target: Task,
    readonly sampleType: number,
    readonly period: number,
    public flags: number,
  ) {}

  private recordSize(): number {
    const t = this.sampleType;
    let n = 8;
    for (const bit of [SAMPLE.IP, SAMPLE.TID, SAMPLE.TIME, SAMPLE.ADDR, SAMPLE.CPU, SAMPLE.PERIOD]) {
      if ((t & bit) !== 0) n += 8;
    }
    if ((t & SAMPLE.RAW) !== 0) n += 40; // u32 size + 32-byte LWP record + 4 bytes padding
    return n;
  }

  /** Bytes free in the consumer's ring (data_tail re-read from its memory). */
  private free(): number {
    const r = this.ring;
    if (r === null) return 0;
    const tail = r.mem.read32(r.base + MP.DATA_TAIL) >>> 0;
    const tailHi = r.mem.read32(r.base + MP.DATA_TAIL + 4) >>> 0;
    return r.size - (this.head - (tailHi * TWO32 + tail));
  }

  // ---- ProfileSink ------------------------------------------------------------
  thread(): void {}
  map(_pid: number, _m: Mapping): void {}

  room(): number {
    if (this.closed) return Number.MAX_SAFE_INTEGER;
    if (this.ring === null) return 0;
    try {
      const lostBytes = this.lostPending > 0 ? 24 : 0;
      return Math.max(0, Math.floor((this.free() - lostBytes - 24) / this.recordSize()));
    } catch (e) {
      if (e instanceof MemoryFault) return 0;
      throw e;
    }
  }

  sample(pid: number, tid: number, rec: Uint8Array): void {
    if (this.closed) return;
    this.flushLost();
    const v = new DataView(rec.buffer, rec.byteOffset, RECORD_SIZE);
    const out = new DataView(new ArrayBuffer(this.recordSize()));
    out.setUint32(0, PERF_RECORD_SAMPLE, true);
    out.setUint16(4, PERF_RECORD_MISC_USER, true);
    out.setUint16(6, out.byteLength, true);
    let at = 8;
    const u64 = (lo: number, hi: number): void => {
      out.setUint32(at, lo, true);
      out.setUint32(at + 4, hi, true);
      at += 8;
    };
    const t = this.sampleType;
    if ((t & SAMPLE.IP) !== 0) u64(v.getUint32(REC.IP, true), v.getUint32(REC.IP + 4, true));
    if ((t & SAMPLE.TID) !== 0) u64(pid, tid);
    if ((t & SAMPLE.TIME) !== 0) {
      const ts = v.getUint32(REC.DATA3, true) + v.getUint32(REC.DATA3 + 4, true) * TWO32 || Number(this.k.clockNs());
      u64(ts % TWO32, Math.floor(ts / TWO32));
    }
    if ((t & SAMPLE.ADDR) !== 0) u64(v.getUint32(REC.DATA2, true), v.getUint32(REC.DATA2 + 4, true));
    if ((t & SAMPLE.CPU) !== 0) u64(0, 0);
    if ((t & SAMPLE.PERIOD) !== 0) u64(this.period, 0);
    if ((t & SAMPLE.RAW) !== 0) {
      out.setUint32(at, 36, true);
      new Uint8Array(out.buffer).set(rec, at + 4);
    }
    this.put(new Uint8Array(out.buffer));
    this.samples++;
  }

  lost(_pid: number, _tid: number, missed: number): void {
    if (this.closed) return;
    this.lostPending += missed;
    this.flushLost();
  }

  ended(): void {
    this.targetEnded = true;
  }

  private flushLost(): void {
    if (this.lostPending === 0 || this.ring === null || this.free() < 24) return;
    const out = new DataView(new ArrayBuffer(24));
    out.setUint32(0, PERF_RECORD_LOST, true);
    out.setUint16(6, 24, true);
    out.setUint32(16, this.lostPending % TWO32, true);
    out.setUint32(20, Math.floor(this.lostPending / TWO32), true);
    this.put(new Uint8Array(out.buffer));
    this.lostPending = 0;
  }

  /** Copies a record at data_head (wrapping) and publishes the new head. */
  private put(bytes: Uint8Array): void {
    const r = this.ring!;
    const data = r.base + PAGE_SIZE;
    for (let i = 0; i < bytes.length; i++) r.mem.write8(data + ((this.head + i) % r.size), bytes[i]!);
    this.head += bytes.length;
    r.mem.write64(r.base + MP.DATA_HEAD, (this.head % TWO32) | 0, Math.floor(this.head / TWO32));
  }

  // ---- the fd -------------------------------------------------------------------

  /** Drains the target's LWP ring now (poll, read): the consumer need not wait for the threshold. */
  pull(): void {
    const tp = this.target.lwpProf;
    if (tp !== null && tp.req.sink === this) this.k.lwpProf?.drain(this.target, tp);
  }

  /** POLLIN when records wait in the perf ring, POLLHUP once the target is gone and all was drained. */
  poll(): number {
    this.pull();
    let ev = 0;
    try {
      if (this.ring !== null && this.free() < this.ring.size) ev |= 1;
    } catch (e) {
      if (!(e instanceof MemoryFault)) throw e;
    }
    const tp = this.target.lwpProf;
    const waiting = tp !== null && tp.slot !== null ? pendingRecords(tp.slot) : 0;
    if (this.targetEnded && waiting === 0) ev |= 0x10;
    return ev;
  }

  /** mmap of the fd: 1 + 2^n pages (the header page and the data pages). */
  mmapInto(p: Process, start: number, len: number): number {
    const dataSize = len - PAGE_SIZE;
    if (this.ring !== null || dataSize <= 0 || dataSize % PAGE_SIZE !== 0 || !Number.isInteger(Math.log2(dataSize))) {
      return -EINVAL;
    }
    p.mem.map(start, len, PROT_READ | PROT_WRITE);
    const m = p.mem;
    m.write32(start + MP.VERSION, 0);
    m.write32(start + MP.COMPAT, 0);
    m.write64(start + MP.DATA_OFFSET, PAGE_SIZE, 0);
    m.write64(start + MP.DATA_SIZE, dataSize, 0);
    this.ring = { mem: m, base: start, size: dataSize };
    p.addMapping({ start, end: start + len, prot: PROT_READ | PROT_WRITE, path: "anon_inode:[perf_event]", offset: 0 });
    this.pull();
    return start;
  }

  /** read(2) with read_format 0: the event count so far (samples × period). */
  read(buf: Uint8Array): number {
    if (buf.length < 8) return -EINVAL;
    this.pull();
    const n = this.samples * this.period;
    new DataView(buf.buffer, buf.byteOffset, 8).setUint32(0, n % TWO32, true);
    new DataView(buf.buffer, buf.byteOffset, 8).setUint32(4, Math.floor(n / TWO32), true);
    return 8;
  }

  write(): number {
    return -EINVAL;
  }

  /** Last close: the target keeps its ring (unmapping it under a running task would fault), records are dropped. */
  close(): void {
    this.ring = null;
    this.closed = true;
  }
}
