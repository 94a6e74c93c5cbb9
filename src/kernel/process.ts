// SPDX-License-Identifier: MIT
// A guest process (Linux signal_struct + mm_struct + files_struct): the address
// space and its CPU, descriptor table, program break, mappings, signal
// dispositions, its threads (tasks), and its place in the process tree.
import { AddressSpace, PAGE_SIZE, USER_LIMIT } from "../hw/memory/address-space.js";
import type { Cpu } from "../hw/cpu/cpu.js";
import { Seat } from "./seat.js";
import type { CpuModel } from "../hw/cpu/cpuid.js";
import { FdTable } from "./fs/files.js";
import type { SigAction } from "./signals.js";
import { SigQueue } from "./signal/queue.js";
import { Task } from "./task.js";
import type { Kernel } from "./kernel.js";
import { Rlimits } from "./mm/rlimit.js";

/** Top of the stack with randomisation off (arch/x86: STACK_TOP = TASK_SIZE_MAX - PAGE). */
export const STACK_TOP = 0x7ffffffff000;
/** mmap_base with randomisation off and the default 8 MiB stack limit (src/kernel/mm/vm.ts mmapBase). */
const MMAP_TOP = 0x7ffff7fff000;

export interface Mapping {
  start: number;
  end: number;
  prot: number;
  path: string;
  offset: number;
  /** The mapped file's device and inode (/proc/PID/maps); absent for anonymous names like [stack]. */
  dev?: number;
  ino?: number;
  /** A shared mapping of a file opened read-only: mprotect cannot make it writable (no VM_MAYWRITE). */
  readOnly?: boolean;
}

/** What exec recorded about the image (mm_struct's start_code..env_end): /proc/PID/stat, cmdline, environ. */
interface ImageLayout {
  startCode: number;
  endCode: number;
  startData: number;
  endData: number;
  startStack: number;
  argStart: number;
  argEnd: number;
  envStart: number;
  envEnd: number;
}

/**
 * An address space with the one CPU that runs every task using it: a task switch
 * saves the outgoing register file and XSAVE area and loads the incoming one
 * (docs/kernel.md "Tasks and the CPU"). Shared by CLONE_VM; a fork's copy runs on
 * the same CPU while their code is the same (seat.ts).
 */
export class Mm {
  /** The CPU this space runs on, and the other spaces that do. */
  seat: Seat;
  brkStart = 0;
  brk = 0;
  /** Named mappings (executable segments, file mmaps) for /proc/self/maps and profiles. */
  readonly mappings: Mapping[] = [];
  /** Lowest address of the stack, which grows down from STACK_TOP on faults (0 before exec). */
  stackStart = 0;
  /** Top of the mmap area (mmap_base), set from RLIMIT_STACK at exec. */
  mmapBase = MMAP_TOP;
  layout: ImageLayout = {
    startCode: 0,
    endCode: 0,
    startData: 0,
    endData: 0,
    startStack: 0,
    argStart: 0,
    argEnd: 0,
    envStart: 0,
    envEnd: 0,
  };
  /** The auxiliary vector exec wrote (saved_auxv), AT_NULL included. */
  auxv: readonly (readonly [number, number])[] = [];
  /** The largest mapped size so far in bytes (VmPeak). */
  vmPeak = 0;
  /** Processes using this address space (CLONE_VM, vfork); its frames are freed when the last one lets go. */
  private users = 1;

  /**
   * @param random random bits for the LWP unit's randomised intervals (the kernel's seeded stream)
   * @param forkOf the Mm this space is a fork's copy of: it runs on that one's CPU
   */
  constructor(
    readonly mem: AddressSpace,
    model: CpuModel,
    random?: () => number,
    forkOf?: Mm,
  ) {
    if (forkOf === undefined) this.seat = Seat.fresh(this, model, random);
    else {
      this.seat = forkOf.seat;
      this.seat.join(this);
    }
  }

  get cpu(): Cpu {
    return this.seat.cpu;
  }

  /** The task whose registers are in `cpu` right now (possibly another Mm's). */
  get loaded(): Task | null {
    return this.seat.loaded;
  }

  set loaded(t: Task | null) {
    this.seat.loaded = t;
  }

  retain(): this {
    this.users++;
    return this;
  }

  /** One process stopped using the space (exit, execve); the last one frees its memory. */
  release(): void {
    if (--this.users === 0) {
      if (this.seat.leave(this)) this.cpu.flushCode();
      this.mem.release();
    }
  }
}

interface ITimer {
  /** Virtual time of the next expiry, or null when disarmed. */
  deadline: bigint | null;
  interval: bigint;
}

export class Process {
  mm: Mm;
  fds = new FdTable();
  exePath = "";
  cwd = "/";
  /** Exit status for the CLI: the exit code, or 128+N when killed by signal N. */
  exitStatus: number | null = null;
  /** Signal that killed the process (for the 128+N status and the shell message). */
  killedBy = 0;
  /** wait(2) status word once the process is a zombie. */
  waitStatus: number | null = null;
  sigHandlers = new Map<number, SigAction>();
  readonly sharedPending = new SigQueue();
  readonly tasks: Task[] = [];
  parent: Process | null = null;
  readonly children: Process[] = [];
  pgid: number;
  sid: number;
  /** Signal sent to the parent when this process ends (SIGCHLD, or clone's exit_signal). */
  exitSignal = 17;
  readonly realTimer: ITimer = { deadline: null, interval: 0n };
  /** Parent blocked in vfork until this child execs or exits. */
  vforkDone = true;
  /** Instructions retired by exited threads of this process (CLOCK_PROCESS_CPUTIME_ID). */
  deadRetired = 0;
  /** Resource limits (inherited by fork, kept by execve). */
  rlimits = new Rlimits();
  /** Virtual monotonic time at creation (ns): /proc/PID/stat starttime. */
  readonly startNs: bigint;

  /**
   * A process with its first task (tid = pid), on a new address space for a
   * CPU model or on `mm` (fork and clone pass theirs; the task list is then theirs to fill).
   */
  constructor(
    readonly kernel: Kernel,
    readonly pid: number,
    model: CpuModel | Mm,
  ) {
    this.mm = model instanceof Mm ? model : new Mm(new AddressSpace(kernel.phys), model);
    this.startNs = kernel.monotonicNs();
    if (!(model instanceof Mm)) this.tasks.push(new Task(pid, this));
    this.pgid = pid;
    this.sid = pid;
  }

  get mem(): AddressSpace {
    return this.mm.mem;
  }

  get cpu(): Cpu {
    return this.mm.cpu;
  }

  get brk(): number {
    return this.mm.brk;
  }
  set brk(v: number) {
    this.mm.brk = v;
  }
  get brkStart(): number {
    return this.mm.brkStart;
  }
  set brkStart(v: number) {
    this.mm.brkStart = v;
  }
  get mappings(): Mapping[] {
    return this.mm.mappings;
  }

  get leader(): Task {
    return this.tasks.find((t) => t.tid === this.pid) ?? this.tasks[0]!;
  }

  get live(): boolean {
    return this.waitStatus === null;
  }

  liveTasks(): Task[] {
    return this.tasks.filter((t) => !t.exited);
  }

  /** Finds a free page-aligned range of `len` bytes, top-down below MMAP_TOP (or at `hint`). */
  findFree(len: number, hint = 0): number {
    const size = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
    if (hint !== 0 && hint % PAGE_SIZE === 0 && hint + size <= USER_LIMIT && this.mem.isFree(hint, size)) return hint;
    return this.mem.findFree(size, this.mm.mmapBase, Math.ceil(this.brk / PAGE_SIZE) * PAGE_SIZE);
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
