// SPDX-License-Identifier: MIT
// Process calls (kernel/exit.c wait4/waitid, fs/exec.c execve, kernel/sys.c
// process groups and sessions): waiting for children, replacing the image.
import { E2BIG, ECHILD, EFAULT, EINVAL, EPERM, ESRCH } from "../errno.js";
import type { Process } from "../process.js";
import { endTask, reap } from "../sched/exit.js";
import { execImage, readExecutable, resolveScript } from "../loader/program.js";
import { ExecError } from "../loader/load-elf.js";
import { CLD_EXITED, CLD_KILLED, SI_KERNEL } from "../signal/queue.js";
import { forceSignal } from "../signal/deliver.js";
import { SIGCHLD, SIGSEGV } from "../signals.js";
import type { Task } from "../task.js";
import { copyInStrings, copyOut, putU32, tryAccess } from "../usercopy.js";
import { NO_RETURN, type SyscallArgs, type SysResult, block, check } from "./abi.js";
import { pathArg } from "./util.js";
import { RLIMIT_STACK } from "../mm/rlimit.js";

/** _STK_LIM / 4 * 3 and ARG_MAX (32 pages): the bounds of what exec's strings may use (bprm_stack_limits). */
const ARGS_LIMIT = 6 * 1024 * 1024,
  ARG_MAX = 32 * 4096;

/** Whether argv and envp fit a quarter of RLIMIT_STACK (at least ARG_MAX, at most 6 MiB), as execve demands. */
function argsFit(p: Process, argv: readonly string[], envp: readonly string[]): boolean {
  const limit = Math.max(Math.min(ARGS_LIMIT, p.rlimits.cur(RLIMIT_STACK) / 4), ARG_MAX);
  const ptrs = (Math.max(argv.length, 1) + envp.length) * 8;
  const enc = new TextEncoder();
  const strings = [...argv, ...envp].reduce((n, s) => n + enc.encode(s).length + 1, 0);
  return ptrs < limit && strings <= limit - ptrs;
}

const WNOHANG = 1;
const WEXITED = 4;
const WNOWAIT = 0x01000000;
const P_ALL = 0,
  P_PID = 1,
  P_PGID = 2;

/** Whether child `c` of `p` matches a wait4 pid selector. */
function matches(p: Process, c: Process, pid: number): boolean {
  return pid === -1 ? true : pid > 0 ? c.pid === pid : pid === 0 ? c.pgid === p.pgid : c.pgid === -pid;
}

/**
 * The first zombie among the children `sel` matches; undefined when none has ended, null
 * when none matches. A blocked wait polls this after every slice: no array is made.
 */
function zombie(p: Process, sel: number): Process | null | undefined {
  let any = false;
  for (let i = 0; i < p.children.length; i++) {
    const c = p.children[i]!;
    if (!matches(p, c, sel)) continue;
    if (!c.live) return c;
    any = true;
  }
  return any ? undefined : null;
}

/** Polls for a zombie child: `found` handles it; null while the caller should wait. */
function waitFor(t: Task, sel: number, options: number, found: (z: Process) => number, none: () => number): SysResult {
  const once = (): number | null =>
    tryAccess(() => {
      const z = zombie(t.proc, sel);
      if (z === null) return -ECHILD;
      if (z !== undefined) return found(z);
      return (options & WNOHANG) !== 0 ? none() : null;
    }, -EFAULT);
  const r = once();
  return r !== null ? r : block({ poll: once, deadline: null, timeout: () => 0, restart: "sys" });
}

/** wait4: the status word and an all-zero rusage (docs/quirks.md Q-WAIT-RUSAGE). */
export function wait4(t: Task, a: SyscallArgs): SysResult {
  const k = t.proc.kernel,
    statusAddr = a.ptr(1),
    ru = a.ptr(3);
  return waitFor(
    t,
    a.int(0),
    a.int(2),
    (z) => {
      if (statusAddr !== 0) putU32(t, statusAddr, z.waitStatus!);
      if (ru !== 0) copyOut(t, ru, new Uint8Array(144));
      reap(k, z);
      return z.pid;
    },
    () => 0,
  );
}

export function waitid(t: Task, a: SyscallArgs): SysResult {
  const k = t.proc.kernel,
    idtype = a.int(0),
    id = a.int(1),
    info = a.ptr(2),
    options = a.int(3);
  if ((options & WEXITED) === 0) return -EINVAL;
  const sel = idtype === P_ALL ? -1 : idtype === P_PID ? id : idtype === P_PGID ? -id : null;
  if (sel === null) return -EINVAL;
  return waitFor(
    t,
    sel,
    options,
    (z) => {
      if (info !== 0) copyOut(t, info, childInfo(z));
      if ((options & WNOWAIT) === 0) reap(k, z);
      return 0;
    },
    () => {
      if (info !== 0) copyOut(t, info, new Uint8Array(128));
      return 0;
    },
  );
}

/** The siginfo_t waitid fills for a child that ended. */
function childInfo(z: Process): Uint8Array {
  const b = new Uint8Array(128);
  const v = new DataView(b.buffer);
  const ws = z.waitStatus!;
  v.setInt32(0, SIGCHLD, true);
  v.setInt32(8, (ws & 0x7f) !== 0 ? CLD_KILLED : CLD_EXITED, true);
  v.setInt32(16, z.pid, true);
  v.setInt32(24, (ws & 0x7f) !== 0 ? ws & 0x7f : ws >> 8, true);
  return b;
}

export function execve(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc,
    k = p.kernel;
  const path = pathArg(t, a.ptr(0));
  const file = check(readExecutable(t, path, t.cred));
  const argv = copyInStrings(t, a.ptr(1)),
    envp = copyInStrings(t, a.ptr(2));
  if (!argsFit(p, argv, envp)) return -E2BIG;
  const spec = check(resolveScript(t, { path, ...file, argv, envp }));
  k.lwpProf?.beforeExec(p);
  let ok: boolean;
  try {
    ok = execImage(k, p, t, spec);
  } catch (e) {
    if (e instanceof ExecError) return -e.errno;
    throw e;
  }
  if (!ok) forceSignal(t, { signo: SIGSEGV, code: SI_KERNEL, addr: 0 });
  for (const o of p.liveTasks()) if (o !== t) endTask(k, o);
  t.tid = p.pid; // the exec'ing thread becomes the group leader (fs/exec.c de_thread)
  k.lwpProf?.afterExec(t);
  p.vforkDone = true;
  return NO_RETURN;
}

export function setpgid(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc,
    pid = a.int(0),
    pgid = a.int(1);
  if (pgid < 0) return -EINVAL;
  const q = pid === 0 ? p : p.kernel.procs.get(pid);
  if (q === undefined || (q !== p && q.parent !== p)) return -ESRCH;
  if (q.sid !== p.sid) return -EPERM;
  q.pgid = pgid === 0 ? q.pid : pgid;
  return 0;
}

function byPid(t: Task, pid: number): Process | undefined {
  return pid === 0 ? t.proc : t.proc.kernel.procs.get(pid);
}

export const getppid = (t: Task): SysResult => t.proc.parent?.pid ?? 1;
export const getpgrp = (t: Task): SysResult => t.proc.pgid;

export function getpgid(t: Task, a: SyscallArgs): SysResult {
  return byPid(t, a.int(0))?.pgid ?? -ESRCH;
}

export function getsid(t: Task, a: SyscallArgs): SysResult {
  return byPid(t, a.int(0))?.sid ?? -ESRCH;
}

export function setsid(t: Task): SysResult {
  const p = t.proc;
  if (p.pgid === p.pid) return -EPERM;
  p.sid = p.pgid = p.pid;
  return p.pid;
}
