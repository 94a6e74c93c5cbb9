// SPDX-License-Identifier: MIT
// A guest process: its address space, CPU (one thread for now), descriptor
// table, program break and mmap area, as Linux's mm_struct/task_struct hold them.
import { AddressSpace, PAGE_SIZE, USER_LIMIT } from "../hw/memory/address-space.js";
import { Cpu } from "../hw/cpu/cpu.js";
import type { CpuModel } from "../hw/cpu/cpuid.js";
import { FdTable } from "./fs/files.js";

/** Top of the stack with randomisation off (arch/x86: STACK_TOP = TASK_SIZE_MAX - PAGE). */
export const STACK_TOP = 0x7ffffffff000;
export const STACK_SIZE = 8 * 1024 * 1024;
/** mmap_base with randomisation off: below the stack gap (mm/util.c mmap_base). */
export const MMAP_TOP = 0x7ffff7fff000;

export interface Mapping {
  start: number;
  end: number;
  prot: number;
  path: string;
  offset: number;
}

export class Process {
  readonly mem = new AddressSpace();
  readonly cpu: Cpu;
  readonly fds = new FdTable();
  brkStart = 0;
  brk = 0;
  exePath = "";
  cwd = "/";
  exitStatus: number | null = null;
  /** Signal that killed the process (for the 128+N status and the shell message). */
  killedBy = 0;
  clearChildTid = 0;
  /** Named mappings (executable segments, file mmaps) for /proc/self/maps and profiles. */
  readonly mappings: Mapping[] = [];
  /** Recorded signal dispositions: handler address per signal (issue: delivery comes with the kernel layer). */
  readonly sigHandlers = new Map<number, { handler: number; flags: number; restorer: number; mask: bigint }>();
  sigMask = 0n;

  constructor(
    readonly pid: number,
    model: CpuModel,
  ) {
    this.cpu = new Cpu(this.mem, model);
  }

  /** Finds a free page-aligned range of `len` bytes, top-down below MMAP_TOP (or at `hint`). */
  findFree(len: number, hint = 0): number {
    const n = Math.ceil(len / PAGE_SIZE);
    if (hint !== 0 && hint % PAGE_SIZE === 0 && hint + len <= USER_LIMIT && this.rangeFree(hint, n)) return hint;
    let top = MMAP_TOP;
    while (top - n * PAGE_SIZE > this.brk) {
      const start = top - n * PAGE_SIZE;
      const busy = this.lastBusy(start, n);
      if (busy < 0) return start;
      top = busy;
    }
    return -1;
  }

  private rangeFree(start: number, n: number): boolean {
    return this.lastBusy(start, n) < 0;
  }

  /** Address of the highest mapped page in the range, or -1. */
  private lastBusy(start: number, n: number): number {
    for (let k = n - 1; k >= 0; k--) {
      const a = start + k * PAGE_SIZE;
      if (this.mem.isMapped(a)) return a;
    }
    return -1;
  }

  addMapping(m: Mapping): void {
    this.removeMappings(m.start, m.end);
    this.mappings.push(m);
    this.mappings.sort((a, b) => a.start - b.start);
  }

  /** Forgets named mappings overlapping [start, end) (trimming partial overlaps). */
  removeMappings(start: number, end: number): void {
    const out: Mapping[] = [];
    for (const m of this.mappings) {
      if (m.end <= start || m.start >= end) out.push(m);
      else {
        if (m.start < start) out.push({ ...m, end: start });
        if (m.end > end) out.push({ ...m, start: end, offset: m.offset + (end - m.start) });
      }
    }
    this.mappings.length = 0;
    this.mappings.push(...out);
  }
}
