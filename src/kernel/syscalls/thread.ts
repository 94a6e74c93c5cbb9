// SPDX-License-Identifier: MIT
// Task creation and exit (kernel/fork.c, exit.c): clone, clone3 (-ENOSYS:
// glibc falls back to clone, docs/quirks.md Q-CLONE3), fork, vfork, exit,
// exit_group, set_tid_address, robust lists, gettid, sched_yield.
import { EINVAL, ENOSYS, ESRCH } from "../errno.js";
import {
  CLONE_CHILD_CLEARTID,
  CLONE_CHILD_SETTID,
  CLONE_PARENT_SETTID,
  CLONE_SETTLS,
  CLONE_SIGHAND,
  CLONE_THREAD,
  CLONE_VFORK,
  CLONE_VM,
  newProcess,
  newThread,
} from "../sched/fork.js";
import { exitGroup, exitThread } from "../sched/exit.js";
import { QUANTUM } from "../sched/scheduler.js";
import { SIGCHLD } from "../signals.js";
import type { Task } from "../task.js";
import { putU32, putU64 } from "../usercopy.js";
import { NO_RETURN, type SyscallArgs, type SysResult, block } from "./abi.js";

/** sizeof(struct robust_list_head). */
const ROBUST_LIST_HEAD_SIZE = 24;

/** clone(flags, newsp, parent_tid, child_tid, tls): the x86-64 argument order. */
function cloneTask(t: Task, flags: number, sp: number, ptid: number, ctid: number, tls: number): SysResult {
  if ((flags & CLONE_THREAD) !== 0 && (flags & CLONE_SIGHAND) === 0) return -EINVAL;
  if ((flags & CLONE_SIGHAND) !== 0 && (flags & CLONE_VM) === 0) return -EINVAL;
  const k = t.proc.kernel;
  const child = (flags & CLONE_THREAD) !== 0 ? newThread(k, t, flags) : newProcess(k, t, flags);
  setupChild(child, flags, sp, ctid, tls);
  if ((flags & CLONE_PARENT_SETTID) !== 0) putU32(t, ptid, child.tid);
  if ((flags & CLONE_CHILD_SETTID) !== 0) putU32(child, ctid, child.tid);
  if ((flags & CLONE_VFORK) !== 0) return vforkWait(child);
  return child.tid;
}

export function clone(t: Task, a: SyscallArgs): SysResult {
  return cloneTask(t, a.u32(0), a.u64(1), a.ptr(2), a.ptr(3), a.u64(4));
}

export function fork(t: Task): SysResult {
  return cloneTask(t, SIGCHLD, 0, 0, 0, 0);
}

export function vfork(t: Task): SysResult {
  return cloneTask(t, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
}

export const clone3 = (): SysResult => -ENOSYS;

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
function vforkWait(child: Task): SysResult {
  return block({
    poll: () => (child.proc.vforkDone ? child.tid : null),
    deadline: null,
    timeout: () => 0,
    restart: "killable",
  });
}

export function exit(t: Task, a: SyscallArgs): SysResult {
  exitThread(t.proc.kernel, t, a.int(0) & 0xff);
  return NO_RETURN;
}

export function exit_group(t: Task, a: SyscallArgs): SysResult {
  exitGroup(t.proc.kernel, t.proc, a.int(0) & 0xff, 0);
  return NO_RETURN;
}

export const getpid = (t: Task): SysResult => t.proc.pid;
export const gettid = (t: Task): SysResult => t.tid;

export function set_tid_address(t: Task, a: SyscallArgs): SysResult {
  t.clearChildTid = a.ptr(0);
  return t.tid;
}

export function set_robust_list(t: Task, a: SyscallArgs): SysResult {
  if (a.size(1) !== ROBUST_LIST_HEAD_SIZE) return -EINVAL;
  t.robustList = a.ptr(0);
  return 0;
}

/** get_robust_list(pid, &head, &len): the robust list head of a thread (0 = the caller). */
export function get_robust_list(t: Task, a: SyscallArgs): SysResult {
  const tid = a.int(0);
  const who = tid === 0 ? t : t.proc.kernel.findTask(tid);
  if (who === undefined) return -ESRCH;
  putU64(t, a.ptr(1), who.robustList);
  putU64(t, a.ptr(2), ROBUST_LIST_HEAD_SIZE);
  return 0;
}

export function sched_yield(t: Task): SysResult {
  t.proc.kernel.sched.used = QUANTUM;
  return 0;
}
