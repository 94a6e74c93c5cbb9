// SPDX-License-Identifier: MIT
// Signal system calls (kernel/signal.c, arch/x86/kernel/signal_64.c,
// kernel/time/itimer.c): dispositions, masks, sending, waiting, the alternate
// stack, rt_sigreturn, alarm and setitimer on virtual time.
import { EAGAIN, EINVAL, ENOMEM, EPERM, ESRCH } from "../errno.js";
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import {
  type SigAction, SIG_DFL, SIGKILL, SIGSTOP, UNBLOCKABLE, NSIG,
} from "../signals.js";
import { actionOf, forceSigsegv, isIgnored, sendToProcess, sendToTask } from "../signal/deliver.js";
import { altStackFlags, restoreFrame } from "../signal/frame.js";
import { encodeSiginfo, SI_TKILL, SI_USER } from "../signal/queue.js";
import { readTimespecNs } from "./time.js";
import { SS_AUTODISARM, SS_DISABLE, SS_ONSTACK } from "../task.js";
import { BLOCK, NO_RETURN, type SyscallRow, sys } from "./types.js";
import { guarded, putU64 } from "./util.js";
import { TIMER_SYSCALLS } from "./itimer.js";

const MINSIGSTKSZ = 2048;

function readSet(p: Process, a: number): bigint {
  return BigInt(p.mem.read32(a) >>> 0) | (BigInt(p.mem.read32(a + 4) >>> 0) << 32n);
}

function rtSigaction(_k: Kernel, p: Process, a: readonly number[]): number {
  const sig = a[0]! | 0;
  if (sig < 1 || sig > NSIG || a[3]! !== 8) return -EINVAL;
  if ((sig === SIGKILL || sig === SIGSTOP) && a[1]! !== 0) return -EINVAL;
  return guarded(() => {
    const old = actionOf(p, sig);
    let next: SigAction | null = null;
    if (a[1]! !== 0) {
      const v = new DataView(p.mem.readBytes(a[1]!, 32).buffer);
      next = {
        handler: Number(v.getBigUint64(0, true)), flags: Number(v.getBigUint64(8, true) & 0xffffffffn),
        restorer: Number(v.getBigUint64(16, true)), mask: v.getBigUint64(24, true) & ~UNBLOCKABLE,
      };
    }
    if (a[2]! !== 0) {
      const buf = new Uint8Array(32);
      const v = new DataView(buf.buffer);
      v.setBigUint64(0, BigInt(old.handler), true);
      v.setBigUint64(8, BigInt(old.flags), true);
      v.setBigUint64(16, BigInt(old.restorer), true);
      v.setBigUint64(24, old.mask, true);
      p.mem.writeBytes(a[2]!, buf);
    }
    if (next !== null) setAction(p, sig, next);
    return 0;
  });
}

/** Installs a disposition; a signal that becomes ignored is dropped from every queue (POSIX). */
function setAction(p: Process, sig: number, act: SigAction): void {
  if (act.handler === SIG_DFL && act.flags === 0) p.sigHandlers.delete(sig);
  else p.sigHandlers.set(sig, act);
  if (isIgnored(p, sig)) {
    p.sharedPending.discard(sig);
    for (const t of p.tasks) t.pending.discard(sig);
  }
}

function rtSigprocmask(_k: Kernel, p: Process, a: readonly number[]): number {
  if (a[3]! !== 8) return -EINVAL;
  const t = p.current;
  return guarded(() => {
    const how = a[0]! | 0;
    const set = a[1]! !== 0 ? readSet(p, a[1]!) : null;
    if (set !== null && (how < 0 || how > 2)) return -EINVAL;
    if (a[2]! !== 0) putU64(p, a[2]!, t.sigMask);
    if (set !== null) {
      if (how === 0) t.sigMask |= set;
      else if (how === 1) t.sigMask &= ~set;
      else t.sigMask = set;
      t.sigMask &= ~UNBLOCKABLE;
    }
    return 0;
  });
}

function rtSigpending(_k: Kernel, p: Process, a: readonly number[]): number {
  if (a[1]! > 8) return -EINVAL;
  const t = p.current;
  return guarded(() => { putU64(p, a[0]!, (t.pending.set | p.sharedPending.set) & t.sigMask); return 0; });
}

/** rt_sigsuspend: waits with a temporary mask until a handler runs (returns -EINTR). */
function rtSigsuspend(_k: Kernel, p: Process, a: readonly number[]): number {
  if (a[1]! !== 8) return -EINVAL;
  const t = p.current;
  return guarded(() => {
    const set = readSet(p, a[0]!) & ~UNBLOCKABLE;
    t.savedMask = t.sigMask;
    t.sigMask = set;
    t.blocker = { poll: () => null, deadline: null, timeout: () => 0, restart: "nohand" };
    wakeIfPending(p);
    return BLOCK;
  });
}

function pause(_k: Kernel, p: Process): number {
  p.current.blocker = { poll: () => null, deadline: null, timeout: () => 0, restart: "nohand" };
  wakeIfPending(p);
  return BLOCK;
}

/** A signal already pending and unblocked interrupts a wait as soon as it starts. */
function wakeIfPending(p: Process): void {
  const t = p.current;
  const sig = t.pending.next(t.sigMask) || p.sharedPending.next(t.sigMask);
  if (sig !== 0) t.blocker = { poll: () => -4, deadline: null, timeout: () => 0, restart: "nohand" };
}

/** rt_sigtimedwait: takes a pending signal of `set` (waiting for one) and returns its number. */
function rtSigtimedwait(k: Kernel, p: Process, a: readonly number[]): number {
  if (a[3]! !== 8) return -EINVAL;
  const t = p.current;
  return guarded(() => {
    const set = readSet(p, a[0]!) & ~UNBLOCKABLE;
    const ns = a[2]! !== 0 ? readTimespecNs(p, a[2]!) : null;
    if (a[2]! !== 0 && ns === null) return -EINVAL;
    const take = (): number | null => {
      const sig = t.pending.next(~set) || p.sharedPending.next(~set);
      if (sig === 0) return null;
      const si = (t.pending.take(sig) ?? p.sharedPending.take(sig))!;
      if (a[1]! !== 0) guarded(() => { p.mem.writeBytes(a[1]!, encodeSiginfo(si)); return 0; });
      return sig;
    };
    const now = take();
    if (now !== null) return now;
    if (ns === 0n) return -EAGAIN;
    t.blocker = { poll: take, deadline: ns === null ? null : k.clockNs() + ns, timeout: () => -EAGAIN, restart: "nohand" };
    return BLOCK;
  });
}

function rtSigreturn(_k: Kernel, p: Process): number {
  const t = p.current;
  if (!restoreFrame(t)) forceSigsegv(t, 0);
  return NO_RETURN;
}

function sigaltstack(_k: Kernel, p: Process, a: readonly number[]): number {
  const t = p.current;
  const sp = p.cpu.getReg(4);
  return guarded(() => {
    let next: typeof t.altStack | null = null;
    if (a[0]! !== 0) {
      const ssp = p.mem.read32(a[0]!) >>> 0, sspHi = p.mem.read32(a[0]! + 4);
      const flags = p.mem.read32(a[0]! + 8);
      const size = (p.mem.read32(a[0]! + 16) >>> 0) + p.mem.read32(a[0]! + 20) * 4294967296;
      if (altStackFlags(t, sp) === SS_ONSTACK) return -EPERM;
      const mode = flags & ~SS_AUTODISARM;
      if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) return -EINVAL;
      if (mode === SS_DISABLE) next = { sp: 0, size: 0, flags: SS_DISABLE };
      else if (size < MINSIGSTKSZ) return -ENOMEM;
      else next = { sp: sspHi * 4294967296 + ssp, size, flags: flags & SS_AUTODISARM };
    }
    if (a[1]! !== 0) {
      putU64(p, a[1]!, t.altStack.sp);
      p.mem.write32(a[1]! + 8, altStackFlags(t, sp) | t.altStack.flags);
      p.mem.write32(a[1]! + 12, 0);
      putU64(p, a[1]! + 16, t.altStack.size);
    }
    if (next !== null) t.altStack = next;
    return 0;
  });
}

function checkSig(sig: number): number {
  return sig < 0 || sig > NSIG ? -EINVAL : 0;
}

function kill(k: Kernel, p: Process, a: readonly number[]): number {
  const pid = a[0]! | 0, sig = a[1]! | 0;
  if (checkSig(sig) < 0) return -EINVAL;
  const targets = [...k.procs.values()].filter((q) => q.live && (pid > 0 ? q.pid === pid : pid === 0 ? q.pgid === p.pgid : pid === -1 ? q !== p && q !== k.init : q.pgid === -pid));
  if (targets.length === 0) return -ESRCH;
  for (const q of targets) if (sig !== 0) sendToProcess(k, q, { signo: sig, code: SI_USER, pid: p.pid, uid: 0 });
  return 0;
}

function tgkill(k: Kernel, p: Process, tgid: number, tid: number, sig: number): number {
  if (checkSig(sig) < 0 || tid <= 0) return -EINVAL;
  const t = k.findTask(tid);
  if (t === undefined || (tgid > 0 && t.proc.pid !== tgid)) return -ESRCH;
  if (sig !== 0) sendToTask(k, t, { signo: sig, code: SI_TKILL, pid: p.pid, uid: 0 });
  return 0;
}

function rtSigqueueinfo(k: Kernel, p: Process, a: readonly number[]): number {
  const q = k.procs.get(a[0]! | 0);
  if (q === undefined || !q.live) return -ESRCH;
  return guarded(() => {
    const code = p.mem.read32(a[2]! + 8);
    if (code >= 0 && q !== p) return -EPERM;
    const value = BigInt(p.mem.read32(a[2]! + 24) >>> 0) | (BigInt(p.mem.read32(a[2]! + 28) >>> 0) << 32n);
    sendToProcess(k, q, { signo: a[1]! | 0, code, pid: p.mem.read32(a[2]! + 16), uid: 0, value });
    return 0;
  });
}

export const SIGNAL_SYSCALLS: readonly SyscallRow[] = [
  sys(13, "rt_sigaction", ["int", "ptr", "ptr", "size"], rtSigaction),
  sys(14, "rt_sigprocmask", ["int", "ptr", "ptr", "size"], rtSigprocmask),
  sys(15, "rt_sigreturn", [], rtSigreturn),
  sys(34, "pause", [], pause),
  sys(62, "kill", ["int", "int"], kill),
  sys(127, "rt_sigpending", ["ptr", "size"], rtSigpending),
  sys(129, "rt_sigqueueinfo", ["int", "int", "ptr"], rtSigqueueinfo),
  sys(128, "rt_sigtimedwait", ["ptr", "ptr", "ptr", "size"], rtSigtimedwait),
  sys(130, "rt_sigsuspend", ["ptr", "size"], rtSigsuspend),
  sys(131, "sigaltstack", ["ptr", "ptr"], sigaltstack),
  sys(200, "tkill", ["int", "int"], (k, p, a) => tgkill(k, p, -1, a[0]! | 0, a[1]! | 0)),
  sys(234, "tgkill", ["int", "int", "int"], (k, p, a) => tgkill(k, p, a[0]! | 0, a[1]! | 0, a[2]! | 0)),
  ...TIMER_SYSCALLS,
];
