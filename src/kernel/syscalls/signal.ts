// SPDX-License-Identifier: MIT
// Signal system calls (kernel/signal.c, arch/x86/kernel/signal_64.c):
// dispositions, masks, sending, waiting, the alternate stack, rt_sigreturn.
import { EAGAIN, EINTR, EINVAL, ENOMEM, EPERM, ESRCH } from "../errno.js";
import type { Process } from "../process.js";
import { type SigAction, SIG_DFL, SIGKILL, SIGSTOP, UNBLOCKABLE, NSIG } from "../signals.js";
import { forceSigsegv, sendToProcess, sendToTask } from "../signal/deliver.js";
import { actionOf, isIgnored } from "../signal/send.js";
import { altStackFlags, restoreFrame } from "../signal/frame.js";
import { encodeSiginfo, SI_TKILL, SI_USER } from "../signal/queue.js";
import { readTimespecNs } from "./time.js";
import { taskReg } from "../context.js";
import { type Blocker, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK, type Task } from "../task.js";
import { copyIn, copyOut, getU32, getU64, putU64, tryAccess } from "../usercopy.js";
import { NO_RETURN, type SyscallArgs, type SysResult, block } from "./abi.js";

const MINSIGSTKSZ = 2048;
/** sizeof(sigset_t) in the kernel: every rt_sig* call insists on it. */
const SIGSET_SIZE = 8;

const ALL_SIGNALS = 0xffff_ffff_ffff_ffffn;
const TWO32 = 4294967296;

/** A sigset_t: the empty and the full set, the most common, without BigInt arithmetic (every fork in bash resets 65 handlers). */
function readSet(t: Task, a: number): bigint {
  const mem = t.proc.mem;
  mem.probeRead(a, 8);
  const lo = mem.read32(a),
    hi = mem.read32(a + 4);
  if (hi === 0) return lo === 0 ? 0n : BigInt(lo >>> 0);
  if (lo === -1 && hi === -1) return ALL_SIGNALS;
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Writes a sigset_t. */
function putSet(t: Task, a: number, v: bigint): void {
  if (v === 0n) t.proc.mem.write64(a, 0, 0);
  else putU64(t, a, v);
}

/** A 64-bit value as two 32-bit halves of a struct being built for copyOut. */
function setU64(v: DataView, at: number, x: number): void {
  const hi = Math.floor(x / TWO32);
  v.setUint32(at, x - hi * TWO32, true);
  v.setUint32(at + 4, hi, true);
}

export function rt_sigaction(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc,
    sig = a.int(0),
    act = a.ptr(1),
    oact = a.ptr(2);
  if (a.size(3) !== SIGSET_SIZE) return -EINVAL;
  if (sig < 1 || sig > NSIG || ((sig === SIGKILL || sig === SIGSTOP) && act !== 0)) return -EINVAL;
  const old = actionOf(p, sig);
  let next: SigAction | null = null;
  if (act !== 0) {
    t.proc.mem.probeRead(act, 32); // struct sigaction whole, or EFAULT
    next = {
      handler: getU64(t, act),
      flags: getU32(t, act + 8),
      restorer: getU64(t, act + 16),
      mask: readSet(t, act + 24) & ~UNBLOCKABLE,
    };
  }
  if (oact !== 0) {
    const v = new DataView(new ArrayBuffer(32));
    setU64(v, 0, old.handler);
    setU64(v, 8, old.flags);
    setU64(v, 16, old.restorer);
    if (old.mask !== 0n) v.setBigUint64(24, old.mask, true);
    copyOut(t, oact, new Uint8Array(v.buffer));
  }
  if (next !== null) setAction(p, sig, next);
  return 0;
}

/** Installs a disposition; a signal that becomes ignored is dropped from every queue (POSIX). */
function setAction(p: Process, sig: number, act: SigAction): void {
  if (act.handler === SIG_DFL && act.flags === 0) p.sigHandlers.delete(sig);
  else p.sigHandlers.set(sig, act);
  if (isIgnored(p, sig)) {
    p.sharedPending.discard(sig);
    for (const x of p.tasks) x.pending.discard(sig);
  }
}

export function rt_sigprocmask(t: Task, a: SyscallArgs): SysResult {
  if (a.size(3) !== SIGSET_SIZE) return -EINVAL;
  const how = a.int(0);
  const set = a.ptr(1) !== 0 ? readSet(t, a.ptr(1)) : null;
  if (set !== null && (how < 0 || how > 2)) return -EINVAL;
  if (a.ptr(2) !== 0) putSet(t, a.ptr(2), t.sigMask);
  if (set !== null) {
    if (how === 0) t.sigMask |= set;
    else if (how === 1) t.sigMask &= ~set;
    else t.sigMask = set;
    t.sigMask &= ~UNBLOCKABLE;
  }
  return 0;
}

export function rt_sigpending(t: Task, a: SyscallArgs): SysResult {
  if (a.size(1) > SIGSET_SIZE) return -EINVAL;
  const set = (t.pending.set | t.proc.sharedPending.set) & t.sigMask;
  const v = new DataView(new ArrayBuffer(8));
  v.setBigUint64(0, set, true);
  copyOut(t, a.ptr(0), new Uint8Array(v.buffer, 0, a.size(1)));
  return 0;
}

/** A wait that only a signal ends; one already pending and unblocked ends it at once. */
function waitForSignal(t: Task): SysResult {
  const p = t.proc;
  const pending = t.pending.next(t.sigMask) || p.sharedPending.next(t.sigMask);
  const b: Blocker = {
    poll: () => (pending !== 0 ? -EINTR : null),
    deadline: null,
    timeout: () => 0,
    restart: "nohand",
  };
  return block(b);
}

/** rt_sigsuspend: waits with a temporary mask until a handler runs (returns -EINTR). */
export function rt_sigsuspend(t: Task, a: SyscallArgs): SysResult {
  if (a.size(1) !== SIGSET_SIZE) return -EINVAL;
  const set = readSet(t, a.ptr(0)) & ~UNBLOCKABLE;
  t.savedMask = t.sigMask;
  t.sigMask = set;
  return waitForSignal(t);
}

export function pause(t: Task): SysResult {
  return waitForSignal(t);
}

/** rt_sigtimedwait: takes a pending signal of `set` (waiting for one) and returns its number. */
export function rt_sigtimedwait(t: Task, a: SyscallArgs): SysResult {
  if (a.size(3) !== SIGSET_SIZE) return -EINVAL;
  const p = t.proc,
    info = a.ptr(1);
  const set = readSet(t, a.ptr(0)) & ~UNBLOCKABLE;
  const ns = a.ptr(2) !== 0 ? readTimespecNs(t, a.ptr(2)) : null;
  const take = (): number | null => {
    const sig = t.pending.next(~set) || p.sharedPending.next(~set);
    if (sig === 0) return null;
    const si = (t.pending.take(sig) ?? p.sharedPending.take(sig))!;
    if (info !== 0) tryAccess(() => copyOut(t, info, encodeSiginfo(si)), undefined);
    return sig;
  };
  const now = take();
  if (now !== null) return now;
  if (ns === 0n) return -EAGAIN;
  const k = p.kernel;
  return block({
    poll: take,
    deadline: ns === null ? null : k.clockNs() + ns,
    timeout: () => -EAGAIN,
    restart: "nohand",
  });
}

/** rt_sigreturn: the registers of the frame come back, and RAX with them is the "result". */
export function rt_sigreturn(t: Task): SysResult {
  if (!restoreFrame(t)) {
    forceSigsegv(t, 0);
    return NO_RETURN;
  }
  return taskReg(t, 0);
}

export function sigaltstack(t: Task, a: SyscallArgs): SysResult {
  const sp = t.proc.cpu.getReg(4),
    ss = a.ptr(0),
    oss = a.ptr(1);
  let next: typeof t.altStack | null = null;
  if (ss !== 0) {
    const ssp = getU64(t, ss),
      flags = t.proc.mem.read32(ss + 8),
      size = getU64(t, ss + 16);
    if (altStackFlags(t, sp) === SS_ONSTACK) return -EPERM;
    const mode = flags & ~SS_AUTODISARM;
    if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) return -EINVAL;
    if (mode === SS_DISABLE) next = { sp: 0, size: 0, flags: SS_DISABLE };
    else if (size < MINSIGSTKSZ) return -ENOMEM;
    else next = { sp: ssp, size, flags: flags & SS_AUTODISARM };
  }
  if (oss !== 0) {
    const v = new DataView(new ArrayBuffer(24));
    v.setBigUint64(0, BigInt(t.altStack.sp), true);
    v.setUint32(8, altStackFlags(t, sp) | t.altStack.flags, true);
    v.setBigUint64(16, BigInt(t.altStack.size), true);
    copyOut(t, oss, new Uint8Array(v.buffer));
  }
  if (next !== null) t.altStack = next;
  return 0;
}

function badSig(sig: number): boolean {
  return sig < 0 || sig > NSIG;
}

export function kill(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc,
    k = p.kernel,
    pid = a.int(0),
    sig = a.int(1);
  if (badSig(sig)) return -EINVAL;
  const targets = [...k.procs.values()].filter(
    (q) =>
      q.live &&
      (pid > 0
        ? q.pid === pid
        : pid === 0
          ? q.pgid === p.pgid
          : pid === -1
            ? q !== p && q !== k.init
            : q.pgid === -pid),
  );
  if (targets.length === 0) return -ESRCH;
  for (const q of targets) {
    if (sig !== 0) sendToProcess(k, q, { signo: sig, code: SI_USER, pid: p.pid, uid: t.cred.uid });
  }
  return 0;
}

function tgkillTo(t: Task, tgid: number, tid: number, sig: number): number {
  const k = t.proc.kernel;
  if (badSig(sig) || tid <= 0) return -EINVAL;
  const target = k.findTask(tid);
  if (target === undefined || (tgid > 0 && target.proc.pid !== tgid)) return -ESRCH;
  if (sig !== 0) sendToTask(k, target, { signo: sig, code: SI_TKILL, pid: t.proc.pid, uid: t.cred.uid });
  return 0;
}

export function tkill(t: Task, a: SyscallArgs): SysResult {
  return tgkillTo(t, -1, a.int(0), a.int(1));
}

export function tgkill(t: Task, a: SyscallArgs): SysResult {
  if (a.int(0) <= 0) return -EINVAL;
  return tgkillTo(t, a.int(0), a.int(1), a.int(2));
}

/** rt_sigqueueinfo: a caller may not pose as the kernel or kill (si_code ≥ 0) to another process. */
export function rt_sigqueueinfo(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc,
    k = p.kernel;
  const v = new DataView(copyIn(t, a.ptr(2), 128).buffer);
  const q = k.procs.get(a.int(0));
  if (q === undefined || !q.live) return -ESRCH;
  const code = v.getInt32(8, true);
  if (code >= 0 && q !== p) return -EPERM;
  sendToProcess(k, q, {
    signo: a.int(1),
    code,
    pid: v.getInt32(16, true),
    uid: v.getInt32(20, true),
    value: v.getBigUint64(24, true),
  });
  return 0;
}
