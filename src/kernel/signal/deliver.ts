// SPDX-License-Identifier: MIT
// Sending and delivering signals (kernel/signal.c, arch/x86/kernel/signal.c):
// queueing on a task or its process, waking an interruptible sleeper with the
// -ERESTART* rules, forced synchronous signals, and delivery to handlers or
// default actions when a task returns to user mode.
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import {
  type SigAction, SA_NODEFER, SA_RESETHAND, SA_RESTART, SIG_DFL, SIG_IGN, SIGKILL, SIGSEGV, UNBLOCKABLE,
  ignoredByDefault, stopByDefault,
} from "../signals.js";
import type { Task } from "../task.js";
import { setTaskReg, setTaskRip, taskRip } from "../context.js";
import { exitGroup } from "../sched/exit.js";
import { setupFrame } from "./frame.js";
import { type Siginfo, SI_KERNEL, sigbit } from "./queue.js";
import { EINTR } from "../errno.js";
import { traceResume, traceSignal } from "../strace/trace.js";

const DEFAULT_ACTION: SigAction = { handler: SIG_DFL, flags: 0, restorer: 0, mask: 0n };

export function actionOf(p: Process, sig: number): SigAction {
  return p.sigHandlers.get(sig) ?? DEFAULT_ACTION;
}

/** Whether delivering `sig` would do nothing (SIG_IGN, or a default action of ignore/stop). */
export function isIgnored(p: Process, sig: number): boolean {
  const h = actionOf(p, sig).handler;
  return h === SIG_IGN || (h === SIG_DFL && (ignoredByDefault(sig) || stopByDefault(sig)));
}

/** Queues a process-directed signal (kill) and wakes a thread that can take it. */
export function sendToProcess(k: Kernel, p: Process, si: Siginfo): void {
  if (!p.live || p.liveTasks().length === 0) return;
  if (si.signo === SIGKILL) { exitGroup(k, p, 0, SIGKILL); return; }
  if (isIgnored(p, si.signo)) return;
  p.sharedPending.add(si);
  const bit = sigbit(si.signo);
  const cands = p.liveTasks();
  const t = cands.find((x) => (x.sigMask & bit) === 0n);
  if (t !== undefined) interrupt(t, si.signo);
}

/** Queues a thread-directed signal (tgkill, faults). */
export function sendToTask(k: Kernel, t: Task, si: Siginfo): void {
  const p = t.proc;
  if (t.exited || !p.live) return;
  if (si.signo === SIGKILL) { exitGroup(k, p, 0, SIGKILL); return; }
  if (isIgnored(p, si.signo)) return;
  t.pending.add(si);
  if ((t.sigMask & sigbit(si.signo)) === 0n) interrupt(t, si.signo);
}

/**
 * Ends an interruptible wait because `sig` arrived. Linux returns -ERESTART*
 * and decides at delivery; we decide here from the disposition: restart the call
 * (RIP back over SYSCALL, RAX = the number again) or return -EINTR.
 */
export function interrupt(t: Task, sig: number): void {
  const b = t.blocker;
  if (b === null || b.restart === "killable") return;
  t.blocker = null;
  b.cancel?.();
  const act = actionOf(t.proc, sig);
  const runsHandler = act.handler !== SIG_DFL && act.handler !== SIG_IGN;
  const restart = b.restart === "nointr" || (b.restart === "sys" && (!runsHandler || (act.flags & SA_RESTART) !== 0));
  if (restart && t.syscallNr >= 0) {
    setTaskReg(t, 0, t.syscallNr);
    setTaskRip(t, taskRip(t) - 2);
    traceResume(t, "restart");
    return;
  }
  b.interrupted?.();
  setTaskReg(t, 0, -EINTR);
  traceResume(t, -EINTR);
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
  if ((act.flags & SA_RESETHAND) !== 0) p.sigHandlers.set(si.signo, { ...act, handler: SIG_DFL, flags: act.flags & ~SA_RESETHAND });
}

/** force_sigsegv: a frame could not be built; SIGSEGV reverts to the default if it was the one. */
export function forceSigsegv(t: Task, sig: number): void {
  if (sig === SIGSEGV) t.proc.sigHandlers.set(SIGSEGV, { ...actionOf(t.proc, SIGSEGV), handler: SIG_DFL });
  forceSignal(t, { signo: SIGSEGV, code: SI_KERNEL, addr: 0 });
}
