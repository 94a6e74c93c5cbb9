// SPDX-License-Identifier: MIT
// The machine owns the run loop: it starts programs, picks a task, runs its CPU
// for a slice, and turns exits into system calls, signals, scheduling and
// process exits (docs/architecture.md "The run loop").
import { fam15hModel, fullModel } from "../hw/cpu/cpuid.js";
import type { Exit } from "../hw/cpu/exits.js";
import { type ExecSpec, MAX_PROGRAM_BYTES, execImage, readExecutable, resolveScript } from "./loader/program.js";
import { walk } from "./fs/namei.js";
import { SyscallError } from "./syscalls/abi.js";
import { EACCES, ENOMEM, ERRNO_TEXT } from "./errno.js";
import { OutOfMemory } from "../hw/memory/phys.js";
import { oomKill } from "./mm/oom.js";
import { HostFile } from "./fs/files.js";
import type { Host } from "./host.js";
import { DEFAULT_OPTIONS, Kernel, type KernelOptions } from "./kernel.js";
import { ExecError } from "./loader/load-elf.js";
import { loadTask } from "./context.js";
import { Process } from "./process.js";
import { SIGKILL, SIGNAL_MESSAGES, SIGSEGV } from "./signals.js";
import { deliverPending, forceSignal, sendToTask } from "./signal/deliver.js";
import { faultSignal } from "./signal/fault.js";
import { exitGroup } from "./sched/exit.js";
import { QUANTUM } from "./sched/scheduler.js";
import { dispatch } from "./syscalls/dispatch.js";
import { traceSpawn } from "./strace/trace.js";
import { buildErrors } from "../hw/cpu/translate/block.js";
import type { Insn } from "../hw/cpu/decode.js";
import type { Task } from "./task.js";
import { SI_KERNEL } from "./signal/queue.js";
import { type ExactCounts, LwpProfiler } from "./lwp/profiler.js";
import { type ProfileOptions, profileRequest } from "./lwp/options.js";
import type { ProbeOptions } from "../hw/cpu/probes.js";

/** What the kernel does for the tools while the program runs (lwp record, lwp stat). */
export interface SpawnOptions {
  /** Profile with LWP: an LWPCB and ring per task, drained into `profile.sink`. */
  readonly profile?: ProfileOptions;
  /** Exact event counters (lwp stat). */
  readonly count?: ProbeOptions;
}

export type { ExecSpec };

/** Longest real-time pause between two looks at host descriptors while every task waits. */
const MAX_HOST_WAIT_MS = 20;
/** How often a busy run loop lets the host's event loop run while a task waits on the host. */
const HOST_TURN_NS = 5_000_000n;

/** A `#!` script's interpreter spec (binfmt_script, as execve does), or an ExecError saying why not. */
function scriptOrThrow(t: Task, spec: ExecSpec): ExecSpec {
  const r = resolveScript(t, spec);
  if (typeof r !== "number") return r;
  throw new ExecError(`bad interpreter: ${ERRNO_TEXT[-r] ?? `errno ${-r}`}`, -r);
}

export class Machine {
  readonly kernel: Kernel;

  constructor(host: Host, opts: Partial<KernelOptions> = {}) {
    const k = (this.kernel = new Kernel(host, { ...DEFAULT_OPTIONS, ...opts }));
    buildErrors.report = k.opts.debugTranslate ? (i, e) => k.diag(translateError(i, e)) : null;
  }

  /** The first process, made before its program is chosen (path lookups need a task). */
  private boot: Process | null = null;

  private bootProcess(): Process {
    const k = this.kernel;
    if (this.boot === null) {
      this.boot = new Process(k, k.allocId(), k.opts.cpu === "fam15h" ? fam15hModel() : fullModel());
      this.boot.cwd = k.host.cwd();
    }
    return this.boot;
  }

  /**
   * Finds a program as a shell does, looked up by the kernel as the guest would
   * (inside --root): a name with a slash is a path, else each directory of `path`
   * (a $PATH value) is tried for a regular file. Returns the guest path, or null.
   */
  findProgram(name: string, path: string): string | null {
    const t = this.bootProcess().tasks[0]!;
    const found = (p: string): boolean => {
      try {
        const r = walk(t, t.proc.cwd, p, true);
        return r.kind === "host" && typeof r.st !== "number" && (r.st.mode & 0o170000) === 0o100000;
      } catch (e) {
        if (e instanceof SyscallError) return false;
        throw e;
      }
    };
    if (name.includes("/")) return name;
    for (const dir of path.split(":")) {
      const cand = `${dir === "" ? "." : dir}/${name}`;
      if (found(cand)) return cand;
    }
    return null;
  }

  /**
   * Creates a process running `spec` (its file read through the kernel when
   * `spec.bytes` is absent); throws ExecError with a one-line message.
   */
  spawn(given: Omit<ExecSpec, "bytes"> & { bytes?: Uint8Array }, opts: SpawnOptions = {}): Process {
    const k = this.kernel;
    const p = this.bootProcess();
    this.boot = null;
    const t = p.tasks[0]!;
    const spec =
      given.bytes !== undefined ? { ...given, bytes: given.bytes } : { ...given, ...readProgramFile(t, given.path) };
    void k.epochNs; // the virtual clock's epoch is fixed as the run starts
    const mapped = execImage(k, p, t, scriptOrThrow(t, spec));
    if (k.opts.strace) traceSpawn(k, t, spec.path, spec.argv, spec.envp.length);
    const h = k.host;
    for (const fd of [0, 1, 2]) {
      const f = new HostFile(h, fd, `/dev/fd/${fd}`, fd === 0 ? 0 : 1, null, false, true);
      if (fd === 0) {
        const s = h.openStream(0);
        if (s >= 0) f.streamFd = s;
      }
      p.fds.install(f, false);
    }
    k.procs.set(p.pid, p);
    k.tasks.push(t);
    if (!mapped) forceSignal(t, { signo: SIGSEGV, code: SI_KERNEL, addr: 0 }); // past the point of no return (binfmt_elf)
    if (opts.profile !== undefined || opts.count !== undefined) {
      k.lwpProf = new LwpProfiler(k, opts.count ?? null);
      if (opts.profile !== undefined) k.lwpProf.attach(t, profileRequest(k, p, opts.profile));
    }
    return p;
  }

  /** Exact totals since spawn (lwp stat); instructions are always exact. */
  counts(): ExactCounts {
    const k = this.kernel;
    return (
      k.lwpProf?.counts() ?? {
        instructions: k.retiredTotal,
        branches: 0,
        cycles: 0,
        dcacheMisses: 0,
        repIterations: 0,
        repInstructions: 0,
      }
    );
  }

  /**
   * Runs until `init` ends; resolves to its exit status (128+N when killed by
   * signal N). The loop runs synchronously and yields to the host's event loop
   * only while every task waits on the host (docs/kernel.md "Scheduling").
   */
  async run(init: Process): Promise<number> {
    return (await this.runUntil(init, Infinity)) ?? 0;
  }

  /**
   * Runs until `init` ends (resolves to its status) or until the machine has retired
   * `until` instructions in all (resolves to undefined; call again to go on). Lets a
   * tool stay responsive (progress, signals) between chunks.
   */
  async runUntil(init: Process, until: number): Promise<number | undefined> {
    const k = this.kernel;
    k.init = init;
    let backoff = 1,
      steps = 0;
    while (init.live) {
      if (k.retiredTotal >= until) return undefined;
      if (this.overLimit()) return this.stopAll(124);
      const t = k.sched.pick();
      if (t !== null) {
        backoff = 1;
        this.step(t);
        if ((++steps & 15) === 0 && this.hostEventsDue()) await k.host.wait(0);
        continue;
      }
      const s = k.sched.idle();
      if (s === "jumped") continue;
      if (s === "deadlock") {
        k.diag("lwp: deadlock: every task is blocked");
        return this.stopAll(128 + SIGKILL);
      }
      await this.waitHost(backoff);
      backoff = Math.min(2 * backoff, MAX_HOST_WAIT_MS);
    }
    this.stopAll(0);
    return init.exitStatus ?? 0;
  }

  /** Real time when the run loop last let the host's event loop run. */
  private lastYield = 0n;

  /**
   * While some task waits on the host and others run, the host's event loop
   * still gets a turn every few milliseconds (network data arrives through it).
   */
  private hostEventsDue(): boolean {
    const k = this.kernel;
    if (!k.tasks.some((t) => t.blocker?.host === true)) return false;
    const now = k.host.monotonicNs();
    if (now - this.lastYield < HOST_TURN_NS) return false;
    this.lastYield = now;
    return true;
  }

  /**
   * Every task waits and one waits on the host: let real time pass (up to `ms`,
   * less if a virtual deadline comes first, or until the host reports an event),
   * and count it as idle time on the virtual clock.
   */
  private async waitHost(ms: number): Promise<void> {
    const k = this.kernel;
    const d = k.sched.nextDeadline();
    const gap = d === null ? null : d - k.clockNs();
    if (gap !== null) ms = Math.min(ms, Math.max(0, Math.ceil(Number(gap) / 1e6)));
    const t0 = k.host.monotonicNs();
    await k.host.wait(ms);
    const waited = k.host.monotonicNs() - t0;
    k.sched.advance(gap !== null && waited > gap ? gap : waited);
  }

  private overLimit(): boolean {
    const max = this.kernel.opts.maxInstructions;
    if (max === null || this.kernel.retiredTotal < max) return false;
    this.kernel.diag(`lwp: instruction limit reached (${max} instructions)`);
    return true;
  }

  /** Ends every process still alive (the run is over, or a tool stops it); returns `status`. */
  stopAll(status: number): number {
    const k = this.kernel;
    for (const p of [...k.procs.values()]) if (p.live) exitGroup(k, p, 0, SIGKILL);
    return status;
  }

  /**
   * Delivers pending signals to `t`, then runs it for one slice and handles the
   * exit. A frame the machine does not have (OutOfMemory, anywhere in the slice)
   * wakes the OOM killer; the access is retried if its task survives.
   */
  private step(t: Task): void {
    try {
      this.slice(t);
    } catch (e) {
      if (!(e instanceof OutOfMemory)) throw e;
      oomKill(this.kernel);
    }
  }

  private slice(t: Task): void {
    const k = this.kernel;
    loadTask(t, k.opts.lwp);
    k.lwpProf?.onRun(t);
    deliverPending(k, t);
    if (!t.runnable) return;
    const c = t.proc.cpu;
    const max = k.opts.maxInstructions;
    let budget = Math.min(QUANTUM - k.sched.used, k.sched.untilDeadline());
    if (max !== null) budget = Math.min(budget, max - k.retiredTotal);
    const before = c.retired();
    // The time-stamp counter runs on from the virtual clock at the slice's start.
    c.tscOffset = k.clockNsNumber() - before;
    let x: Exit;
    try {
      x = c.run(Math.max(1, budget));
    } finally {
      const n = c.retired() - before;
      t.retired += n;
      k.retiredTotal += n;
      k.sched.used += n;
    }
    this.handle(t, x);
    k.sched.fireTimers();
  }

  private handle(t: Task, x: Exit): void {
    const k = this.kernel;
    switch (x.kind) {
      case "syscall":
        dispatch(t);
        return;
      case "budget":
        return;
      case "lwpInterrupt":
        if (k.lwpProf?.onInterrupt(t) === true) return;
        if (t.lwpSignal !== 0) sendToTask(k, t, { signo: t.lwpSignal, code: SI_KERNEL });
        return;
      default: {
        const c = t.proc.cpu;
        if (k.opts.strace) {
          const what =
            x.kind === "ud"
              ? `#UD at 0x${c.rip.toString(16)}: ${[...x.bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ")}`
              : x.kind === "fault"
                ? `fault vector ${x.vector} at 0x${c.rip.toString(16)} address 0x${x.address.toString(16)}`
                : "";
          k.diag(`lwp: ${what}`);
        }
        const si = faultSignal(t, x);
        if (si !== null) forceSignal(t, si);
      }
    }
  }
}

/** The program file's bytes and identity through the kernel's lookup; ExecError (with the errno) when it cannot be read. */
function readProgramFile(
  t: Task,
  path: string,
): Pick<ExecSpec, "bytes" | "exe" | "dev" | "ino" | "version" | "hostPath"> {
  const f = readExecutable(t, path);
  if (typeof f !== "number") return f;
  const why =
    f === -EACCES
      ? notRegular(t, path)
      : f === -ENOMEM
        ? `is larger than the ${Math.floor(MAX_PROGRAM_BYTES / 1048576)} MiB limit`
        : null;
  throw new ExecError(why ?? ERRNO_TEXT[-f] ?? `errno ${-f}`, -f);
}

const FILE_KINDS: Readonly<Record<number, string>> = {
  0o010000: "a FIFO",
  0o140000: "a socket",
  0o020000: "a character device",
  0o060000: "a block device",
};

/** "is a FIFO, not a regular file" when `path` names a file exec refuses for its type; null otherwise. */
function notRegular(t: Task, path: string): string | null {
  try {
    const r = walk(t, t.proc.cwd, path, true);
    const kind = r.kind === "host" && typeof r.st !== "number" ? FILE_KINDS[r.st.mode & 0o170000] : undefined;
    return kind === undefined ? null : `is ${kind}, not a regular file`;
  } catch (e) {
    if (e instanceof SyscallError) return null;
    throw e;
  }
}

/** `lwp: cannot translate MNEMONIC at 0x...` (bytes): the builder's message and where it was thrown. */
function translateError(i: Insn, e: unknown): string {
  const bytes = [...i.bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  const what =
    e instanceof Error
      ? `${e.message}${e.stack === undefined ? "" : "\n" + e.stack.split("\n").slice(1, 4).join("\n")}`
      : String(e);
  return `lwp: cannot translate ${i.name} at 0x${i.ip.toString(16)} (${bytes}), executing it raises #UD: ${what}`;
}

/** The line a shell prints for a process killed by `sig` (empty for SIGINT/SIGPIPE). */
export function signalMessage(sig: number): string {
  return SIGNAL_MESSAGES[sig] ?? `Unknown signal ${sig}`;
}

export { ExecError };
