// SPDX-License-Identifier: MIT
// Process identity, limits, randomness, arch_prctl and the exit calls
// (kernel/sys.c, exit.c, arch/x86/kernel/process_64.c, drivers/char/random.c).
import { EAGAIN, EINVAL, ENOSYS, ESRCH, ETIMEDOUT } from "../errno.js";
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import { ignoredByDefault } from "../signals.js";
import { NO_RETURN, type SyscallRow, sys } from "./types.js";
import { guarded, putU64 } from "./util.js";

const ARCH_SET_GS = 0x1001;
const ARCH_SET_FS = 0x1002;
const ARCH_GET_FS = 0x1003;
const ARCH_GET_GS = 0x1004;
const SIG_DFL = 0;
const SIG_IGN = 1;

function exitGroup(_k: Kernel, p: Process, a: readonly number[]): number {
  p.exitStatus = a[0]! & 0xff;
  return NO_RETURN;
}

function archPrctl(_k: Kernel, p: Process, a: readonly number[]): number {
  const c = p.cpu;
  switch (a[0]! | 0) {
    case ARCH_SET_FS: c.fsBase = a[1]!; return 0;
    case ARCH_SET_GS: c.gsBase = a[1]!; return 0;
    case ARCH_GET_FS: return guarded(() => { putU64(p, a[1]!, c.fsBase); return 0; });
    case ARCH_GET_GS: return guarded(() => { putU64(p, a[1]!, c.gsBase); return 0; });
    default: return -EINVAL;
  }
}

function uname(_k: Kernel, p: Process, a: readonly number[]): number {
  const fields = ["Linux", "lwp", "6.1.0-lwp", "#1 SMP PREEMPT_DYNAMIC lwp", "x86_64", "(none)"];
  const buf = new Uint8Array(65 * 6);
  const enc = new TextEncoder();
  fields.forEach((f, i) => buf.set(enc.encode(f), 65 * i));
  return guarded(() => { p.mem.writeBytes(a[0]!, buf); return 0; });
}

function getrandom(k: Kernel, p: Process, a: readonly number[]): number {
  const len = Math.min(a[1]!, 1 << 25);
  if (len < 0) return -EINVAL;
  const buf = new Uint8Array(len);
  k.prng.fill(buf);
  return guarded(() => { p.mem.writeBytes(a[0]!, buf); return len; });
}

/** RLIMIT_* defaults as a typical Debian shell has them (soft, hard; -1 = infinity). */
const RLIMITS: Readonly<Record<number, [number, number]>> = {
  3: [8 * 1024 * 1024, -1], // STACK
  7: [1024, 1048576], // NOFILE
  6: [63704, 63704], // NPROC
};

function prlimit(_k: Kernel, p: Process, a: readonly number[]): number {
  if (a[0]! !== 0 && a[0]! !== p.pid) return -ESRCH;
  const [soft, hard] = RLIMITS[a[1]! | 0] ?? [-1, -1];
  return guarded(() => {
    if (a[3]! !== 0) { putU64(p, a[3]!, soft); putU64(p, a[3]! + 8, hard); }
    return 0;
  });
}

function schedGetaffinity(_k: Kernel, p: Process, a: readonly number[]): number {
  if (a[1]! < 8) return -EINVAL;
  return guarded(() => { putU64(p, a[2]!, 1); return 8; });
}

function rtSigaction(_k: Kernel, p: Process, a: readonly number[]): number {
  const sig = a[0]! | 0;
  if (sig < 1 || sig > 64 || sig === 9 || sig === 19) return -EINVAL;
  return guarded(() => {
    const old = p.sigHandlers.get(sig);
    if (a[2]! !== 0) {
      const buf = new Uint8Array(32);
      const v = new DataView(buf.buffer);
      v.setBigUint64(0, BigInt(old?.handler ?? SIG_DFL), true);
      v.setBigUint64(8, BigInt(old?.flags ?? 0), true);
      v.setBigUint64(16, BigInt(old?.restorer ?? 0), true);
      v.setBigUint64(24, old?.mask ?? 0n, true);
      p.mem.writeBytes(a[2]!, buf);
    }
    if (a[1]! !== 0) {
      const v = new DataView(p.mem.readBytes(a[1]!, 32).buffer);
      p.sigHandlers.set(sig, {
        handler: Number(v.getBigUint64(0, true)), flags: Number(v.getBigUint64(8, true)),
        restorer: Number(v.getBigUint64(16, true)), mask: v.getBigUint64(24, true),
      });
    }
    return 0;
  });
}

function rtSigprocmask(_k: Kernel, p: Process, a: readonly number[]): number {
  return guarded(() => {
    if (a[2]! !== 0) putU64(p, a[2]!, p.sigMask);
    if (a[1]! !== 0) {
      const set = BigInt(p.mem.read32(a[1]!) >>> 0) | (BigInt(p.mem.read32(a[1]! + 4) >>> 0) << 32n);
      const how = a[0]! | 0;
      if (how === 0) p.sigMask |= set;
      else if (how === 1) p.sigMask &= ~set;
      else if (how === 2) p.sigMask = set;
      else return -EINVAL;
      p.sigMask &= ~((1n << 8n) | (1n << 18n)); // SIGKILL, SIGSTOP cannot be blocked
    }
    return 0;
  });
}

/** kill/tgkill aimed at ourselves: ignored or the default action (terminate). */
function killSelf(p: Process, sig: number): number {
  if (sig === 0) return 0;
  if (sig < 1 || sig > 64) return -EINVAL;
  const h = p.sigHandlers.get(sig)?.handler ?? SIG_DFL;
  if (h === SIG_IGN || (h === SIG_DFL && ignoredByDefault(sig))) return 0;
  if (h !== SIG_DFL && sig !== 9) return -ENOSYS; // delivery to handlers: TODO(#5)
  p.killedBy = sig;
  p.exitStatus = 128 + sig;
  return NO_RETURN;
}

const id = (v: number) => (): number => v;

export const MISC_SYSCALLS: readonly SyscallRow[] = [
  sys(60, "exit", ["int"], exitGroup),
  sys(231, "exit_group", ["int"], exitGroup),
  sys(158, "arch_prctl", ["hex", "ptr"], archPrctl),
  sys(39, "getpid", [], (_k, p) => p.pid),
  sys(186, "gettid", [], (_k, p) => p.pid),
  sys(110, "getppid", [], id(1)),
  sys(102, "getuid", [], id(0)),
  sys(104, "getgid", [], id(0)),
  sys(107, "geteuid", [], id(0)),
  sys(108, "getegid", [], id(0)),
  sys(111, "getpgrp", [], (_k, p) => p.pid),
  sys(121, "getpgid", ["int"], (_k, p) => p.pid),
  sys(124, "getsid", ["int"], (_k, p) => p.pid),
  sys(63, "uname", ["ptr"], uname),
  sys(95, "umask", ["oct"], id(0o022)),
  sys(318, "getrandom", ["ptr", "size", "hex"], getrandom),
  sys(302, "prlimit64", ["int", "int", "ptr", "ptr"], prlimit),
  sys(97, "getrlimit", ["int", "ptr"], (k, p, a) => prlimit(k, p, [0, a[0]!, 0, a[1]!])),
  sys(204, "sched_getaffinity", ["int", "size", "ptr"], schedGetaffinity),
  sys(24, "sched_yield", [], id(0)),
  sys(218, "set_tid_address", ["ptr"], (_k, p, a) => { p.clearChildTid = a[0]!; return p.pid; }),
  sys(273, "set_robust_list", ["ptr", "size"], (_k, _p, a) => (a[1]! !== 24 ? -EINVAL : 0)),
  sys(13, "rt_sigaction", ["int", "ptr", "ptr", "size"], rtSigaction),
  sys(14, "rt_sigprocmask", ["int", "ptr", "ptr", "size"], rtSigprocmask),
  sys(62, "kill", ["int", "int"], (_k, p, a) => (a[0]! === p.pid || a[0]! === 0 ? killSelf(p, a[1]! | 0) : -ESRCH)),
  sys(200, "tkill", ["int", "int"], (_k, p, a) => (a[0]! === p.pid ? killSelf(p, a[1]! | 0) : -ESRCH)),
  sys(234, "tgkill", ["int", "int", "int"], (_k, p, a) => (a[1]! === p.pid ? killSelf(p, a[2]! | 0) : -ESRCH)),
  sys(334, "rseq", ["ptr", "size", "hex", "hex"], id(-ENOSYS)),
  sys(202, "futex", ["ptr", "int", "int", "ptr"], (_k, p, a) => guarded(() => futexSingle(p, a))),
];

/** futex with one thread: WAKE wakes nobody; WAIT on a matching value would sleep forever. */
function futexSingle(p: Process, a: readonly number[]): number {
  const op = (a[1]! | 0) & 0x7f;
  if (op === 1 || op === 10) return 0; // FUTEX_WAKE(_BITSET)
  if (op === 0 || op === 9) return (p.mem.read32(a[0]!) | 0) !== (a[2]! | 0) ? -EAGAIN : -ETIMEDOUT;
  return -ENOSYS;
}
