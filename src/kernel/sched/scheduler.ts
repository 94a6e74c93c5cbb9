// SPDX-License-Identifier: MIT
// The deterministic round-robin scheduler (docs/kernel.md "Scheduling"): a task
// runs until it blocks or has retired QUANTUM instructions; blocked tasks are
// polled in run-list order; when nothing can run, virtual time jumps to the
// next deadline (sleeps, timeouts, alarms) instead of waiting.
import { forgetXrstor } from "../../hw/cpu/xstate/modified.js";
import type { Kernel } from "../kernel.js";
import type { Task } from "../task.js";
import { setTaskReg } from "../context.js";
import { sendToProcess } from "../signal/deliver.js";
import { SI_KERNEL } from "../signal/queue.js";
import { SIGALRM } from "../signals.js";
import { traceResume } from "../strace/trace.js";

/** Instructions a task runs before the next runnable one gets the CPU. */
export const QUANTUM = 100_000;

export class Scheduler {
  private cur: Task | null = null;
  /** Instructions the current task has retired in its quantum. */
  used = 0;

  constructor(private readonly k: Kernel) {}

  /** Next task to run, or null when every task is blocked. */
  pick(): Task | null {
    const tasks = this.k.tasks;
    this.pollBlocked();
    const cur = this.cur;
    if (cur !== null && cur.runnable && this.used < QUANTUM) return cur;
    const start = cur === null ? 0 : tasks.indexOf(cur) + 1;
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[(start + i) % tasks.length]!;
      if (t.runnable) return this.switchTo(t);
    }
    if (cur !== null && cur.runnable) return this.switchTo(cur);
    return null;
  }

  private switchTo(t: Task): Task {
    // Another task ran in between: Linux restored this one's FPU state with XRSTORS at CPL 0.
    if (t !== this.cur) forgetXrstor(t.proc.mm.cpu);
    this.cur = t;
    this.used = 0;
    return t;
  }

  /**
   * Ends waits whose condition holds or whose deadline passed. This runs before every
   * slice (each system call ends one), so the clock, a BigInt, is read only for a
   * wait that has a deadline.
   */
  pollBlocked(): void {
    const tasks = this.k.tasks;
    let now: bigint | null = null;
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i]!,
        b = t.blocker;
      if (b === null) continue;
      const r = b.poll();
      if (r !== null) wake(t, r);
      else if (b.deadline !== null && b.deadline <= (now ??= this.k.clockNs())) {
        b.cancel?.();
        wake(t, b.timeout());
      }
    }
  }

  /** Earliest virtual deadline of any wait or timer, or null. */
  nextDeadline(): bigint | null {
    let best: bigint | null = null;
    const tasks = this.k.tasks;
    for (let i = 0; i < tasks.length; i++) best = earlier(best, tasks[i]!.blocker?.deadline ?? null);
    // Tested for size first: an iterator is an object per slice in code V8 has not optimized.
    if (this.k.realTimers.size > 0) {
      for (const p of this.k.realTimers) if (p.live) best = earlier(best, p.realTimer.deadline);
    }
    if (this.k.timerFds.size > 0) {
      for (const f of this.k.timerFds) best = earlier(best, f.deadline);
    }
    return best;
  }

  /**
   * Nothing runnable. With a task waiting on the host (a terminal, a host pipe,
   * the network), real time must pass: "host". Otherwise virtual time jumps to
   * the next deadline ("jumped"), or no wait can ever end ("deadlock").
   */
  idle(): "jumped" | "host" | "deadlock" {
    if (this.k.tasks.some((t) => t.blocker?.host === true)) return "host";
    const d = this.nextDeadline();
    if (d === null) return "deadlock";
    this.advance(d - this.k.clockNs());
    return "jumped";
  }

  /** Moves virtual time on by `ns` of idle time and fires the timers that expired. */
  advance(ns: bigint): void {
    if (ns > 0n) this.k.sleptNs += ns;
    this.fireTimers();
  }

  /** Delivers SIGALRM for expired ITIMER_REAL timers and re-arms periodic ones. */
  fireTimers(): void {
    const armed = this.k.realTimers;
    if (armed.size === 0) return; // after every slice: no clock read, no copy of the set
    const now = this.k.clockNs();
    for (const p of [...armed]) {
      const tm = p.realTimer;
      if (!p.live || tm.deadline === null) {
        armed.delete(p);
        continue;
      }
      if (now < tm.deadline) continue;
      tm.deadline = tm.interval > 0n ? tm.deadline + tm.interval * (1n + (now - tm.deadline) / tm.interval) : null;
      if (tm.deadline === null) armed.delete(p);
      sendToProcess(this.k, p, { signo: SIGALRM, code: SI_KERNEL });
    }
  }

  /** Instructions until the next timer deadline (for slicing the run budget). */
  untilDeadline(): number {
    const d = this.nextDeadline();
    if (d === null) return Number.MAX_SAFE_INTEGER;
    const left = d - this.k.clockNs();
    return left <= 0n ? 1 : Number(left);
  }
}

/** The earlier of two deadlines (null: none). */
function earlier(a: bigint | null, b: bigint | null): bigint | null {
  return b !== null && (a === null || b < a) ? b : a;
}

/** Ends a wait with result `r`, the blocked call's return value. */
export function wake(t: Task, r: number): void {
  t.blocker = null;
  setTaskReg(t, 0, r);
  traceResume(t, r);
}
