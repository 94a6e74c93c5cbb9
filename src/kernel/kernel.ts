// SPDX-License-Identifier: MIT
// Kernel-wide context shared by every syscall handler: the host, options,
// the seeded PRNG, the virtual clock, the process and task tables and diagnostics.
import type { Host } from "./host.js";
import { Prng } from "./prng.js";
import type { Process } from "./process.js";
import type { Task } from "./task.js";
import { FutexTable } from "./sched/futex.js";
import { Scheduler } from "./sched/scheduler.js";
import type { LwpProfiler } from "./lwp/profiler.js";
import { PageCache } from "./mm/page-cache.js";
import { defaultPhysMem, FRAME_SIZE, PhysMem } from "../hw/memory/phys.js";
import type { TimerFd } from "./fs/eventfd.js";

export interface KernelOptions {
  strace: boolean;
  seed: number;
  hostTime: boolean;
  maxInstructions: number | null;
  cpu: "full" | "fam15h";
  /** XCR0 bit 62 enabled at boot (off with --no-lwp). */
  lwp: boolean;
  /** Directory every guest path is confined to ("" = the host's /). */
  root: string;
  /**
   * CLOCK_REALTIME (ns since 1970) at virtual time 0, when the run starts (--epoch);
   * null = the host's time at start in whole seconds. The same epoch and seed give the same run.
   */
  epochNs: bigint | null;
  /** Report an instruction builder's exception on stderr instead of only raising #UD. */
  debugTranslate: boolean;
  /** Bytes of RAM of the whole machine (--memory-limit); null: as much as the physical memory holds. */
  memoryLimit: number | null;
}

export const DEFAULT_OPTIONS: KernelOptions = {
  strace: false,
  seed: 1,
  hostTime: false,
  maxInstructions: null,
  cpu: "full",
  lwp: true,
  root: "",
  epochNs: null,
  debugTranslate: false,
  memoryLimit: null,
};

/** The machine's RAM without --memory-limit: what the physical memory (src/hw/memory/phys.ts) can hold. */
const DEFAULT_RAM = 2 * 1024 * 1024 * 1024;

/** Virtual time advances 1 ns per retired instruction (a 1 GHz, IPC-1 machine). */
const NS_PER_INSTRUCTION = 1;

/** Distinguishes the LWP random stream from the guest's (AT_RANDOM, getrandom). */
const LWP_STREAM = 0x4c575052;

export class Kernel {
  readonly prng: Prng;
  /**
   * Random bits for LWP's randomised intervals (LWPCB Random): a stream of its own,
   * seeded from --seed, so profiling does not change the bits the guest reads.
   */
  readonly lwpRandom: () => number;
  /** Virtual nanoseconds added while every task was blocked (sleeps advance time instead of waiting). */
  sleptNs = 0n;
  /** Instructions retired by every task of every process (accounted after each CPU slice). */
  retiredTotal = 0;
  readonly procs = new Map<number, Process>();
  /** Every live task in creation order: the round-robin run list. */
  readonly tasks: Task[] = [];
  readonly futexes = new FutexTable();
  readonly sched: Scheduler = new Scheduler(this);
  /** Profiling by the kernel on programs' behalf (lwp record/stat, perf_event_open), or null. */
  lwpProf: LwpProfiler | null = null;
  /** Bound guest sockets by address ("tcp/…", "udp/…"): guests connect to each other in the kernel. */
  readonly sockets = new Map<string, import("./net/socket.js").Socket>();
  private nextPort = 40000;
  /** File locks per inode (fs/locks.ts). */
  readonly locks = new Map<string, import("./fs/locks.js").InodeLocks>();
  /** Guest descriptors open for writing on each host FIFO ("dev:ino"): a guest reader's open waits for one. */
  readonly fifoWriters = new Map<string, number>();
  /** Armed or not, every open timerfd (their expiries are scheduler deadlines). */
  readonly timerFds = new Set<TimerFd>();
  /**
   * Processes whose ITIMER_REAL is armed (syscalls/itimer.ts), so that the scheduler's
   * look for deadlines and expired timers after every slice does not walk every process.
   * An exited one leaves at the next look.
   */
  readonly realTimers = new Set<Process>();
  /** The first process (what `lwp run` started); the run ends when it does. */
  init: Process | null = null;
  private epoch: bigint | null = null;
  /** --strace lines held while a call runs, printed after its own line (a process exit inside exit_group). */
  straceHeld: string[] | null = null;
  /** Memory objects of mapped files, shared anonymous memory and memfds. */
  readonly pageCache = new PageCache();
  /** Frames of guest memory: the machine's own when --memory-limit caps them, else the process-wide one. */
  readonly phys: PhysMem;
  /** The machine's RAM in bytes: sysinfo's totalram, the overcommit limit, where the OOM killer starts. */
  readonly ramBytes: number;
  private nextId = 1000;
  private nextIno = 0x1000;
  private readonly warned = new Set<string>();

  constructor(
    readonly host: Host,
    readonly opts: KernelOptions,
  ) {
    this.prng = new Prng(opts.seed);
    const limit = opts.memoryLimit;
    this.phys = limit === null ? defaultPhysMem() : new PhysMem(Math.max(1, Math.floor(limit / FRAME_SIZE)));
    this.ramBytes = limit ?? DEFAULT_RAM;
    const lwp = new Prng((opts.seed ^ LWP_STREAM) >>> 0);
    this.lwpRandom = () => lwp.next32();
  }

  /** A local port for a guest's connection to another guest (never bound on the host). */
  ephemeralPort(): number {
    return this.nextPort++;
  }

  allocId(): number {
    return this.nextId++;
  }

  /** A fresh inode number for an object of a kernel file system (pipefs, memfd). */
  allocIno(): number {
    return this.nextIno++;
  }

  /** Virtual clock in ns: retired work of all tasks plus idle time skipped. */
  clockNs(): bigint {
    return BigInt(Math.floor(this.retiredTotal * NS_PER_INSTRUCTION)) + this.sleptNs;
  }

  /** The same as a number (exact below 2^53 ns, 104 days), without a BigInt: read at every slice. */
  clockNsNumber(): number {
    return Math.floor(this.retiredTotal * NS_PER_INSTRUCTION) + Number(this.sleptNs);
  }

  /** CLOCK_MONOTONIC in ns: virtual unless --host-time. */
  monotonicNs(_p?: Process): bigint {
    if (this.opts.hostTime) return this.host.monotonicNs();
    return this.clockNs();
  }

  /**
   * The guest's CLOCK_REALTIME at virtual time 0: KernelOptions.epochNs, else the host's
   * time in whole seconds when first asked (Machine.spawn asks as the run starts).
   */
  get epochNs(): bigint {
    return (this.epoch ??= this.opts.epochNs ?? (this.host.realtimeNs() / 1_000_000_000n) * 1_000_000_000n);
  }

  realtimeNs(_p?: Process): bigint {
    if (this.opts.hostTime) return this.host.realtimeNs();
    return this.epochNs + this.clockNs();
  }

  findTask(tid: number): Task | undefined {
    return this.tasks.find((t) => t.tid === tid && !t.exited);
  }

  /** Writes a diagnostic line to the host's stderr. */
  diag(line: string): void {
    this.host.write(2, new TextEncoder().encode(line + "\n"), null);
  }

  /** Reports something once per run (e.g. an unknown syscall under --strace). */
  once(key: string, line: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.diag(line);
  }
}
