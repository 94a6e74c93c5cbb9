// SPDX-License-Identifier: MIT
// Thread and process exit (kernel/exit.c): CLONE_CHILD_CLEARTID futex wake,
// group exit by code or signal, zombies and SIGCHLD to the parent, reaping.
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import type { Task } from "../task.js";
import { MemoryFault } from "../../hw/memory/address-space.js";
import { CLD_EXITED, CLD_KILLED } from "../signal/queue.js";
import { actionOf, postToProcess } from "../signal/send.js";
import { SA_NOCLDWAIT, SIG_IGN, SIGCHLD } from "../signals.js";
import { exitRobustList } from "./robust.js";
import { exitPiStateList } from "../syscalls/futex-pi.js";
import { traceExit } from "../strace/trace.js";

/** Removes a task from the run list; clears and wakes its CLEARTID word if others share the mm. */
export function endTask(k: Kernel, t: Task): void {
  if (t.exited) return;
  k.lwpProf?.onTaskEnd(t);
  t.blocker?.cancel?.();
  t.blocker = null;
  const p = t.proc;
  exitRobustList(k, t);
  exitPiStateList(k, t);
  if (t.clearChildTid !== 0 && mmUsers(k, p) > 1) {
    try {
      p.mem.write32(t.clearChildTid, 0);
      k.futexes.wake(p.mm, t.clearChildTid, 1);
    } catch (e) {
      if (!(e instanceof MemoryFault)) throw e;
    }
  }
  t.exited = true;
  p.deadRetired += t.retired;
  if (p.mm.loaded === t) p.mm.loaded = null;
  const i = k.tasks.indexOf(t);
  if (i >= 0) k.tasks.splice(i, 1);
}

function mmUsers(k: Kernel, p: Process): number {
  return k.tasks.filter((x) => !x.exited && x.proc.mm === p.mm).length;
}

/** exit(2) of one thread; the last one ends the process with `code`. */
export function exitThread(k: Kernel, t: Task, code: number): void {
  const p = t.proc;
  if (p.liveTasks().length <= 1) {
    exitGroup(k, p, code, 0);
    return;
  }
  endTask(k, t);
}

/** exit_group(2), or death by signal `sig` (code ignored then). */
export function exitGroup(k: Kernel, p: Process, code: number, sig: number): void {
  if (!p.live) return;
  for (const t of p.liveTasks()) endTask(k, t);
  p.mm.release();
  p.fds.closeAll();
  p.exitStatus = sig !== 0 ? 128 + sig : code & 0xff;
  p.killedBy = sig;
  p.waitStatus = sig !== 0 ? sig & 0x7f : (code & 0xff) << 8;
  p.vforkDone = true;
  k.pageCache.collect(k);
  for (const c of p.children) c.parent = k.init !== p ? k.init : null;
  if (k.init !== null && k.init !== p) k.init.children.push(...p.children);
  p.children.length = 0;
  if (k.opts.strace) traceExit(k, p);
  notifyParent(k, p, sig);
}

function notifyParent(k: Kernel, p: Process, sig: number): void {
  const parent = p.parent;
  if (parent === null || !parent.live) {
    k.procs.delete(p.pid);
    return;
  }
  const act = actionOf(parent, SIGCHLD);
  if (p.exitSignal === SIGCHLD && (act.handler === SIG_IGN || (act.flags & SA_NOCLDWAIT) !== 0)) {
    reap(k, p);
    return;
  }
  if (p.exitSignal !== 0) {
    postToProcess(parent, {
      signo: p.exitSignal,
      code: sig !== 0 ? CLD_KILLED : CLD_EXITED,
      pid: p.pid,
      uid: 0,
      status: sig !== 0 ? sig : p.waitStatus! >> 8,
    });
  }
}

/** Releases a zombie (wait4 or an ignoring parent). */
export function reap(k: Kernel, p: Process): void {
  k.procs.delete(p.pid);
  const parent = p.parent;
  if (parent === null) return;
  const i = parent.children.indexOf(p);
  if (i >= 0) parent.children.splice(i, 1);
}
