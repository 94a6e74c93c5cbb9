// SPDX-License-Identifier: MIT
// LWP as an OS service (docs/kernel.md "LWP as an OS feature" and "Profiling
// unmodified programs"): the kernel prepares an LWPCB and ring for each profiled task,
// loads it as LLWPCB would, drains the ring on the threshold interrupt and at
// exit/exec, and hands records, mappings and threads to a sink (lwp record, perf fds).
import type { Cpu } from "../../hw/cpu/cpu.js";
import { CpuProbes, type ProbeOptions, ShadowStack } from "../../hw/cpu/probes.js";
import { PROT_EXEC, PROT_READ, PROT_WRITE, PAGE_SIZE } from "../../hw/memory/address-space.js";
import type { Kernel } from "../kernel.js";
import type { Mapping, Process } from "../process.js";
import type { Task } from "../task.js";
import { type RingConfig, type RingSlot, drainSlot, freeSlot, pendingRecords, prepareSlot } from "./ring.js";
import { readU64LE } from "../../common/bytes.js";

/** The call stack of a sample taken without `-g`. */
const NO_CALLCHAIN: readonly number[] = Object.freeze([]);

/** Where a profiled task's data goes. */
export interface ProfileSink {
  thread(pid: number, tid: number, comm: string): void;
  /** An executable mapping (exec, PT_INTERP, mmap) as it happens. */
  map(pid: number, m: Mapping): void;
  /**
   * One 32-byte LWP record, oldest first per thread, with its call stack (innermost caller
   * first). Both are the sink's to keep: made for this call, never written again.
   */
  sample(pid: number, tid: number, record: Uint8Array, callchain: readonly number[]): void;
  /** MissedEvents that appeared since the last drain. */
  lost(pid: number, tid: number, missed: number): void;
  /** Records the sink can take now (a perf ring buffer may be full); unlimited when absent. */
  room?(): number;
  /** The task has ended; its last records were delivered. */
  ended?(pid: number, tid: number): void;
}

/** A profile request: events and the sink; new tasks inherit it when `inherit` is set. */
export interface ProfileRequest {
  readonly ring: RingConfig;
  readonly callGraph: boolean;
  readonly inherit: boolean;
  readonly sink: ProfileSink;
}

/** Per-task profiling state (Task.lwpProf). */
export class TaskProfile {
  slot: RingSlot | null = null;
  armed = false;
  readonly shadow: ShadowStack | null;
  constructor(readonly req: ProfileRequest) {
    this.shadow = req.callGraph ? new ShadowStack() : null;
  }
}

/** Exact event totals for `lwp stat` (instructions from the CPUs, the rest from probes). */
export interface ExactCounts {
  readonly instructions: number;
  readonly branches: number;
  readonly cycles: number;
  readonly dcacheMisses: number;
  readonly repIterations: number;
  readonly repInstructions: number;
}

const basename = (p: string): string => p.slice(p.lastIndexOf("/") + 1);

export class LwpProfiler {
  /** Probes attached to every CPU (null when nothing needs them). */
  private probes: CpuProbes | null;

  constructor(
    private readonly k: Kernel,
    probeOpts: ProbeOptions | null,
  ) {
    this.probes = probeOpts === null ? null : new CpuProbes(probeOpts);
  }

  /** Adds probe options (perf fds asking for call stacks after the start). */
  ensureProbes(extra: ProbeOptions): void {
    const cur = this.probes?.opts ?? {};
    const next = { ...cur, ...extra };
    if (this.probes !== null && Object.entries(extra).every(([k, v]) => (cur as Record<string, unknown>)[k] === v)) {
      return;
    }
    const counts = this.probes?.counts;
    this.probes = new CpuProbes(next);
    if (counts !== undefined) Object.assign(this.probes.counts, counts);
  }

  /** Starts profiling task `t` with `req` (the ring is placed when it next runs). */
  attach(t: Task, req: ProfileRequest): TaskProfile {
    const tp = new TaskProfile(req);
    t.lwpProf = tp;
    if (req.callGraph) this.ensureProbes({ callStack: true });
    req.sink.thread(t.proc.pid, t.tid, this.comm(t));
    for (const m of t.proc.mappings) if ((m.prot & PROT_EXEC) !== 0) req.sink.map(t.proc.pid, m);
    return tp;
  }

  private comm(t: Task): string {
    return t.comm.length > 0 ? new TextDecoder().decode(t.comm) : basename(t.proc.exePath);
  }

  /** Before a task runs: probes on its CPU, its shadow stack, its LWPCB placed and loaded. */
  onRun(t: Task): void {
    const c = t.proc.cpu;
    if (c.probes !== this.probes) c.setProbes(this.probes);
    const tp = t.lwpProf;
    if (this.probes !== null) this.probes.stack = tp?.shadow ?? null;
    if (tp === null || tp.armed) return;
    if (tp.slot === null && !this.place(t, tp)) return;
    arm(c, tp.slot!.cb);
    tp.armed = true;
  }

  private place(t: Task, tp: TaskProfile): boolean {
    const p = t.proc,
      at = freeSlot(p.mem);
    if (at < 0) {
      this.k.once("lwp-window", "lwp: no room left for LWP rings (too many threads); later threads are not profiled");
      t.lwpProf = null;
      return false;
    }
    tp.slot = prepareSlot(p.mem, at, p.cpu.lwp.geo, tp.req.ring);
    p.addMapping({
      start: at,
      end: at + PAGE_SIZE + tp.slot.size,
      prot: PROT_READ | PROT_WRITE,
      path: "[lwp]",
      offset: 0,
    });
    return true;
  }

  /** The threshold interrupt: drains the ring if it is the one the kernel prepared. */
  onInterrupt(t: Task): boolean {
    const tp = t.lwpProf;
    if (tp === null || tp.slot === null || t.proc.cpu.lwp.cbaddr !== tp.slot.cb) return false;
    this.drain(t, tp);
    return true;
  }

  /** Delivers the task's unread records to its sink (as many as the sink takes). */
  drain(t: Task, tp: TaskProfile): void {
    const s = tp.slot;
    if (s === null) return;
    const sink = tp.req.sink;
    const d = drainSlot(s, sink.room?.() ?? Number.MAX_SAFE_INTEGER);
    const pid = t.proc.pid;
    for (const r of d.records) {
      // The record's InstructionAddress: bytes 8-15.
      sink.sample(pid, t.tid, r, tp.shadow?.callchain(readU64LE(r, 8)) ?? NO_CALLCHAIN);
    }
    if (d.missed > 0) sink.lost(pid, t.tid, d.missed);
  }

  /** clone/fork/vfork: the child gets its own LWPCB and ring when the parent's profile is inherited. */
  onNewTask(parent: Task, child: Task): void {
    const tp = parent.lwpProf;
    child.lwpProf = null;
    if (tp === null || !tp.req.inherit) return;
    if (tp.slot !== null && child.proc.mm !== parent.proc.mm) this.drain(parent, tp); // nothing stale in the copy
    this.attach(child, tp.req);
  }

  /** A new mapping: executable ones go to the sinks of the process's profiled tasks. */
  onMap(p: Process, m: Mapping): void {
    if ((m.prot & PROT_EXEC) === 0) return;
    const sinks = new Set<ProfileSink>();
    for (const t of p.liveTasks()) if (t.lwpProf !== null) sinks.add(t.lwpProf.req.sink);
    for (const s of sinks) s.map(p.pid, m);
  }

  /** execve: every thread's ring is drained in the old image; the caller re-arms in the new one. */
  beforeExec(p: Process): void {
    for (const t of p.liveTasks()) {
      const tp = t.lwpProf;
      if (tp === null) continue;
      this.drain(t, tp);
      release(t, tp);
    }
  }

  afterExec(t: Task): void {
    const tp = t.lwpProf;
    if (tp === null) return;
    this.attach(t, tp.req);
  }

  /** Thread exit (and the end of the run): last drain, then the slot is released. */
  onTaskEnd(t: Task): void {
    const tp = t.lwpProf;
    if (tp === null) return;
    this.drain(t, tp);
    tp.req.sink.ended?.(t.proc.pid, t.tid);
    // A consumer whose buffer is full takes the rest later (perf fds pull from the dead task's memory).
    if (tp.slot !== null && pendingRecords(tp.slot) > 0) {
      tp.slot.mem.retain(); // kept until the last reference goes (the memory is freed by the collector then)
      return;
    }
    t.lwpProf = null;
    release(t, tp);
  }

  counts(): ExactCounts {
    const n = this.probes?.counts;
    return {
      instructions: this.k.retiredTotal,
      branches: n?.branches ?? 0,
      cycles: n?.cycles ?? 0,
      dcacheMisses: n?.dcacheMisses ?? 0,
      repIterations: n?.repIterations ?? 0,
      repInstructions: n?.repInstructions ?? 0,
    };
  }
}

/** Unmaps a task's slot (an exec'd or exited task; a vfork child's slot lives in its parent's mm). */
function release(t: Task, tp: TaskProfile): void {
  const s = tp.slot;
  tp.slot = null;
  if (s === null) return;
  s.mem.unmap(s.cb, PAGE_SIZE + s.size);
  if (s.mem === t.proc.mem) t.proc.removeMappings(s.cb, s.cb + PAGE_SIZE + s.size);
}

/** Loads the LWPCB at `cb` into the running task's LWP state as LLWPCB does, after discarding inherited state. */
function arm(c: Cpu, cb: number): void {
  c.lwp.disable(c);
  c.lwp.llwpcb(c, cb);
}
