// SPDX-License-Identifier: MIT
// Sending and delivering signals (kernel/signal.c, arch/x86/kernel/signal.c):
// SIGKILL's immediate group exit (other signals are queued by send.ts), forced
// synchronous signals, and delivery to handlers or default actions when a task
// returns to user mode.
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import {
  type SigAction,
  SA_NODEFER,
  SA_RESETHAND,
  SIG_DFL,
  SIG_IGN,
  SIGKILL,
  SIGSEGV,
  UNBLOCKABLE,
  ignoredByDefault,
  stopByDefault,
} from "../signals.js";
import type { Task } from "../task.js";
import { exitGroup } from "../sched/exit.js";
import { setupFrame } from "./frame.js";
import { type Siginfo, SI_KERNEL, sigbit } from "./queue.js";
import { actionOf, postToProcess, postToTask } from "./send.js";
import { traceSignal } from "../strace/trace.js";

/** Queues a process-directed signal (kill); SIGKILL ends the process at once. */
export function sendToProcess(k: Kernel, p: Process, si: Siginfo): void {
  if (si.signo === SIGKILL) {
    if (p.live && p.liveTasks().length > 0) exitGroup(k, p, 0, SIGKILL);
    return;
  }
  postToProcess(p, si);
}

/** Queues a thread-directed signal (tgkill, faults); SIGKILL ends the whole process. */
export function sendToTask(k: Kernel, t: Task, si: Siginfo): void {
  if (si.signo === SIGKILL) {
    if (!t.exited && t.proc.live) exitGroup(k, t.proc, 0, SIGKILL);
    return;
  }
  postToTask(t, si);
}

/** force_sig_info: a synchronous fault signal; blocked or ignored means the default action. */
export function forceSignal(t: Task, si: Siginfo): void {
  const p = t.proc;
  const bit = sigbit(si.signo);
  const act = actionOf(p, si.signo);
  if (act.handler === SIG_IGN || (t.sigMask & bit) !== 0n) {
    p.sigHandlers.set(si.signo, { ...act, handler: SIG_DFL });
    t.sigMask &= ~bit;
  }
  t.pending.add(si);
}

function dequeue(t: Task): Siginfo | undefined {
  const own = t.pending.next(t.sigMask);
  if (own !== 0) return t.pending.take(own);
  const shared = t.proc.sharedPending.next(t.sigMask);
  return shared !== 0 ? t.proc.sharedPending.take(shared) : undefined;
}

/**
 * Delivers every deliverable pending signal of `t` (which is loaded on its CPU),
 * as get_signal/handle_signal do on the way back to user mode.
 */
export function deliverPending(k: Kernel, t: Task): void {
  for (let si = dequeue(t); si !== undefined; si = dequeue(t)) {
    const p = t.proc;
    const act = actionOf(p, si.signo);
    if (act.handler === SIG_IGN) continue;
    if (k.opts.strace) traceSignal(t, si);
    if (act.handler === SIG_DFL) {
      if (ignoredByDefault(si.signo) || stopByDefault(si.signo)) continue;
      exitGroup(k, p, 0, si.signo);
      return;
    }
    handle(t, si, act);
    if (t.exited) return;
  }
}

function handle(t: Task, si: Siginfo, act: SigAction): void {
  const oldMask = t.savedMask ?? t.sigMask;
  t.savedMask = null;
  if (!setupFrame(t, si, act, oldMask)) {
    forceSigsegv(t, si.signo);
    return;
  }
  const p = t.proc;
  t.sigMask = (t.sigMask | act.mask | ((act.flags & SA_NODEFER) !== 0 ? 0n : sigbit(si.signo))) & ~UNBLOCKABLE;
  if ((act.flags & SA_RESETHAND) !== 0) {
    p.sigHandlers.set(si.signo, { ...act, handler: SIG_DFL, flags: act.flags & ~SA_RESETHAND });
  }
}

/** force_sigsegv: a frame could not be built; SIGSEGV reverts to the default if it was the one. */
export function forceSigsegv(t: Task, sig: number): void {
  if (sig === SIGSEGV) t.proc.sigHandlers.set(SIGSEGV, { ...actionOf(t.proc, SIGSEGV), handler: SIG_DFL });
  forceSignal(t, { signo: SIGSEGV, code: SI_KERNEL, addr: 0 });
}
