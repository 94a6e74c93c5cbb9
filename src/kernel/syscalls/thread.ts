// SPDX-License-Identifier: MIT
// Task creation and exit (kernel/fork.c, exit.c): clone, clone3 (-ENOSYS:
// glibc falls back to clone), fork, vfork, exit, exit_group, set_tid_address,
// robust lists, gettid, sched_yield.
import { EINVAL, ENOSYS, ESRCH } from "../errno.js";
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import {
  CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_PARENT_SETTID, CLONE_SETTLS, CLONE_SIGHAND, CLONE_THREAD,
  CLONE_VFORK, CLONE_VM, newProcess, newThread,
} from "../sched/fork.js";
import { exitGroup, exitThread } from "../sched/exit.js";
import { QUANTUM } from "../sched/scheduler.js";
import type { Task } from "../task.js";
import { BLOCK, NO_RETURN, type SyscallRow, sys } from "./types.js";
import { guarded } from "./util.js";

/** clone(flags, newsp, parent_tid, child_tid, tls) — the x86-64 argument order. */
function clone(k: Kernel, p: Process, a: readonly number[]): number {
  const [flags, sp, ptid, ctid, tls] = [a[0]! >>> 0, a[1]!, a[2]!, a[3]!, a[4]!];
  if ((flags & CLONE_THREAD) !== 0 && (flags & CLONE_SIGHAND) === 0) return -EINVAL;
  if ((flags & CLONE_SIGHAND) !== 0 && (flags & CLONE_VM) === 0) return -EINVAL;
  const parent = p.current;
  return guarded(() => {
    const t = (flags & CLONE_THREAD) !== 0 ? newThread(k, parent, flags) : newProcess(k, parent, flags).current;
    setupChild(t, flags, sp, ctid, tls);
    if ((flags & CLONE_PARENT_SETTID) !== 0) p.mem.write32(ptid, t.tid);
    if ((flags & CLONE_CHILD_SETTID) !== 0) t.proc.mem.write32(ctid, t.tid);
    if ((flags & CLONE_VFORK) !== 0) return vforkWait(parent, t);
    return t.tid;
  });
}

function setupChild(t: Task, flags: number, sp: number, ctid: number, tls: number): void {
  const ctx = t.ctx;
  if (sp !== 0) {
    ctx.regs[8] = sp % 4294967296;
    ctx.regs[9] = Math.floor(sp / 4294967296);
  }
  if ((flags & CLONE_SETTLS) !== 0) ctx.fsBase = tls;
  if ((flags & CLONE_CHILD_CLEARTID) !== 0) t.clearChildTid = ctid;
}

/** The vfork parent sleeps until the child execs or exits (kernel/fork.c wait_for_vfork_done). */
function vforkWait(parent: Task, child: Task): number {
  parent.blocker = { poll: () => (child.proc.vforkDone ? child.tid : null), deadline: null, timeout: () => 0, restart: "killable" };
  return BLOCK;
}

const SIGCHLD = 17;

export const THREAD_SYSCALLS: readonly SyscallRow[] = [
  sys(56, "clone", ["hex", "ptr", "ptr", "ptr", "ptr"], clone),
  sys(57, "fork", [], (k, p) => clone(k, p, [SIGCHLD, 0, 0, 0, 0])),
  sys(58, "vfork", [], (k, p) => clone(k, p, [CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0])),
  sys(435, "clone3", ["ptr", "size"], () => -ENOSYS),
  sys(60, "exit", ["int"], (k, p, a) => { exitThread(k, p.current, a[0]! & 0xff); return NO_RETURN; }),
  sys(231, "exit_group", ["int"], (k, p, a) => { exitGroup(k, p, a[0]! & 0xff, 0); return NO_RETURN; }),
  sys(39, "getpid", [], (_k, p) => p.pid),
  sys(186, "gettid", [], (_k, p) => p.current.tid),
  sys(218, "set_tid_address", ["ptr"], (_k, p, a) => { p.current.clearChildTid = a[0]!; return p.current.tid; }),
  sys(273, "set_robust_list", ["ptr", "size"], (_k, p, a) => { if (a[1]! !== 24) return -EINVAL; p.current.robustList = a[0]!; return 0; }),
  sys(274, "get_robust_list", ["int", "ptr", "ptr"], getRobustList),
  sys(24, "sched_yield", [], (k) => { k.sched.used = QUANTUM; return 0; }),
];

/** get_robust_list(pid, &head, &len): the robust list head of a thread (0 = the caller). */
function getRobustList(k: Kernel, p: Process, a: readonly number[]): number {
  const tid = a[0]! | 0;
  const t = tid === 0 ? p.current : k.findTask(tid);
  if (t === undefined) return -ESRCH;
  return guarded(() => {
    p.mem.write64(a[1]!, t.robustList >>> 0, Math.floor(t.robustList / 4294967296));
    p.mem.write64(a[2]!, 24, 0);
    return 0;
  });
}
