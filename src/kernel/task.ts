// SPDX-License-Identifier: MIT
// A task (Linux task_struct for one thread): its saved register file and XSAVE
// area while it is not on the CPU, its signal mask, pending queue and
// alternate stack, and what it waits for when blocked.
import type { Process } from "./process.js";
import { SigQueue } from "./signal/queue.js";
import { XSAVE_SIZE_LWP } from "./fpu.js";
import type { TaskProfile } from "./lwp/profiler.js";
import type { PendingTrace } from "./strace/trace.js";
import { Cred } from "./cred.js";

/** Why a blocked task waits and how the wait ends (a wait_queue entry plus its wake condition). */
export interface Blocker {
  /** The syscall's result when the wait is over, or null to keep waiting. */
  poll(): number | null;
  /** Virtual time (ns) at which the wait times out, or null for none. */
  readonly deadline: bigint | null;
  /** Result when the deadline passes. */
  timeout(): number;
  /**
   * What a signal that runs a handler makes of the call (Linux -ERESTART* codes):
   * "sys" restarts with SA_RESTART, "nohand"/"block" give -EINTR, "nointr" always restarts,
   * "killable" is not interrupted at all (only death ends it: vfork's wait).
   */
  readonly restart: "sys" | "nohand" | "block" | "nointr" | "killable";
  /** Called when the wait ends for any reason other than poll (futex queues unlink). */
  cancel?(): void;
  /** Called when a signal interrupts the wait (nanosleep writes the remaining time). */
  interrupted?(): void;
  /** The call's result when a signal ends the wait, overriding `restart`; null: `restart` decides. */
  signalResult?(): number | null;
  /** Work done so far: a signal ends the call with this count instead of -EINTR when it is > 0 (a partial write); null or 0: none yet. */
  partial?(): number | null;
  /** The wait ends by something outside the guest (a host descriptor, the network): real time must pass. */
  readonly host?: boolean;
}

interface AltStack {
  sp: number;
  size: number;
  flags: number;
}

export const SS_ONSTACK = 1;
export const SS_DISABLE = 2;
export const SS_AUTODISARM = 1 << 31;

/** Register file of a task that is not loaded on its CPU (XSAVE-format FPU area included). */
export class SavedContext {
  readonly regs = new Int32Array(32);
  rip = 0;
  fsBase = 0;
  gsBase = 0;
  rflags = 0x202;
  readonly xsave = new Uint8Array(XSAVE_SIZE_LWP + 64);
}

export class Task {
  readonly ctx = new SavedContext();
  /** Credentials; replaced, never changed in place, so a child may share its parent's. */
  cred = new Cred();
  sigMask = 0n;
  /** Mask to restore after sigsuspend/ppoll once a handler frame is built (saved_sigmask). */
  savedMask: bigint | null = null;
  readonly pending = new SigQueue();
  altStack: AltStack = { sp: 0, size: 0, flags: SS_DISABLE };
  clearChildTid = 0;
  robustList = 0;
  blocker: Blocker | null = null;
  /** Syscall number being executed (for restarts after a signal). */
  syscallNr = -1;
  /** Last fault for sigcontext err/trapno/cr2 (thread.error_code, trap_nr, cr2). */
  trapNo = 0;
  errCode = 0;
  cr2 = 0;
  exited = false;
  /** Instructions retired by this task (CLOCK_THREAD_CPUTIME_ID). */
  retired = 0;
  /** LWP disabled for this task and its children (prctl PR_LWP_DISABLE, irreversible). */
  lwpDisabled = false;
  /** Signal the LWP threshold interrupt is relayed as (0 = off). */
  lwpSignal = 0;
  /** LWPCB and ring the kernel prepared for this task (lwp record, perf_event_open), or null. */
  lwpProf: TaskProfile | null = null;
  /** A blocked call's --strace half line, finished when it resumes. */
  trace: PendingTrace | null = null;
  /** Thread name (PR_SET_NAME, /proc/self/comm). */
  comm: Uint8Array = new Uint8Array(0);

  constructor(
    /** Changes once: execve from a non-leader thread takes the leader's tid (de_thread). */
    public tid: number,
    public proc: Process,
  ) {}

  get runnable(): boolean {
    return !this.exited && this.blocker === null;
  }
}
