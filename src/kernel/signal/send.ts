// SPDX-License-Identifier: MIT
// Generating signals (kernel/signal.c send_signal, complete_signal): dispositions,
// queueing on a task or its process, and waking an interruptible sleeper with the
// -ERESTART* rules. Delivery, and SIGKILL's immediate group exit, are deliver.ts's.
import type { Process } from "../process.js";
import { type SigAction, SA_RESTART, SIG_DFL, SIG_IGN, ignoredByDefault, stopByDefault } from "../signals.js";
import type { Task } from "../task.js";
import { setTaskReg, setTaskRip, taskRip } from "../context.js";
import { type Siginfo, sigbit } from "./queue.js";
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

/** An ignored signal is dropped at once; strace(1) still shows it (a traced task sees every signal). */
function discarded(t: Task, si: Siginfo): void {
  if (t.proc.kernel.opts.strace) traceSignal(t, si);
}

/**
 * Queues a process-directed signal and wakes a thread that can take it; SIGKILL
 * is the caller's (sendToProcess in deliver.ts ends the process at once).
 */
export function postToProcess(p: Process, si: Siginfo): void {
  if (!p.live || p.liveTasks().length === 0) return;
  if (isIgnored(p, si.signo)) return discarded(p.liveTasks()[0]!, si);
  p.sharedPending.add(si);
  const bit = sigbit(si.signo);
  const cands = p.liveTasks();
  const t = cands.find((x) => (x.sigMask & bit) === 0n);
  if (t !== undefined) interrupt(t, si.signo);
}

/** Queues a thread-directed signal (tgkill, faults) and wakes the thread if it can take it. */
export function postToTask(t: Task, si: Siginfo): void {
  const p = t.proc;
  if (t.exited || !p.live) return;
  if (isIgnored(p, si.signo)) return discarded(t, si);
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
  const done = b.partial?.() ?? 0;
  if (done > 0) {
    // pipe_write and other streams: a signal after some bytes went in returns their count
    setTaskReg(t, 0, done);
    traceResume(t, done);
    return;
  }
  const forced = b.signalResult?.() ?? null;
  if (forced !== null) {
    setTaskReg(t, 0, forced);
    traceResume(t, forced);
    return;
  }
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
