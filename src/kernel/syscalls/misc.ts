// SPDX-License-Identifier: MIT
// Limits, system information, file access hints, randomness and arch_prctl
// (kernel/sys.c, mm/fadvise.c, arch/x86/kernel/process_64.c, drivers/char/random.c).
import { EINVAL, ENODEV, ENOSYS, EPERM, ESPIPE, ESRCH } from "../errno.js";
import { PipeEnd } from "../fs/pipe.js";
import { PAGE_SIZE, USER_LIMIT } from "../../hw/memory/address-space.js";
import type { Task } from "../task.js";
import { copyIn, copyOut, putU64 } from "../usercopy.js";
import type { Process } from "../process.js";
import { NR_OPEN, RLIM_NLIMITS, RLIMIT_NOFILE } from "../mm/rlimit.js";
import { type SyscallArgs, type SysResult } from "./abi.js";
import { fileOf } from "./util.js";

const ARCH_GET_CPUID = 0x1011,
  ARCH_SET_CPUID = 0x1012;
const TASK_SIZE_MAX = USER_LIMIT - PAGE_SIZE;
const ARCH_SET_GS = 0x1001;
const ARCH_SET_FS = 0x1002;
const ARCH_GET_FS = 0x1003;
const ARCH_GET_GS = 0x1004;
const GRND_NONBLOCK = 1,
  GRND_RANDOM = 2,
  GRND_INSECURE = 4;

export function arch_prctl(t: Task, a: SyscallArgs): SysResult {
  const c = t.proc.cpu;
  switch (a.int(0)) {
    // A base at or past TASK_SIZE_MAX (the kernel half, non-canonical) is EPERM.
    case ARCH_SET_FS:
      if (a.u64(1) >= TASK_SIZE_MAX) return -EPERM;
      c.fsBase = a.u64(1);
      return 0;
    case ARCH_SET_GS:
      if (a.u64(1) >= TASK_SIZE_MAX) return -EPERM;
      c.gsBase = a.u64(1);
      return 0;
    case ARCH_GET_CPUID:
      return 1; // CPUID does not fault
    case ARCH_SET_CPUID:
      return -ENODEV; // no CPUID faulting on this CPU
    case ARCH_GET_FS:
      putU64(t, a.ptr(1), c.fsBase);
      return 0;
    case ARCH_GET_GS:
      putU64(t, a.ptr(1), c.gsBase);
      return 0;
    default:
      return -EINVAL;
  }
}

export function uname(t: Task, a: SyscallArgs): SysResult {
  const fields = ["Linux", "lwp", "6.1.0-lwp", "#1 SMP PREEMPT_DYNAMIC lwp", "x86_64", "(none)"];
  const buf = new Uint8Array(65 * 6);
  const enc = new TextEncoder();
  fields.forEach((f, i) => buf.set(enc.encode(f), 65 * i));
  copyOut(t, a.ptr(0), buf);
  return 0;
}

export function getrandom(t: Task, a: SyscallArgs): SysResult {
  const flags = a.u32(2);
  if (
    (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) !== 0 ||
    (flags & (GRND_RANDOM | GRND_INSECURE)) === (GRND_RANDOM | GRND_INSECURE)
  ) {
    return -EINVAL;
  }
  const len = Math.min(a.size(1), 1 << 25);
  const buf = new Uint8Array(len);
  t.proc.kernel.prng.fill(buf);
  copyOut(t, a.ptr(0), buf);
  return len;
}

const CAP_SYS_RESOURCE = 24;

/** check_prlimit_permission: the caller itself, a caller whose uid and gid match all of the target's, or CAP_SYS_RESOURCE. */
function mayPrlimit(t: Task, target: Process): boolean {
  if (target === t.proc) return true;
  const c = t.cred,
    tc = target.leader.cred;
  const same =
    c.uid === tc.euid &&
    c.uid === tc.suid &&
    c.uid === tc.uid &&
    c.gid === tc.egid &&
    c.gid === tc.sgid &&
    c.gid === tc.gid;
  return same || c.capable(CAP_SYS_RESOURCE);
}

/**
 * do_prlimit: EINVAL for an unknown resource or soft > hard, EPERM for a NOFILE
 * hard limit above nr_open or a raised hard limit without CAP_SYS_RESOURCE.
 */
function doPrlimit(
  t: Task,
  target: Process,
  res: number,
  next: { soft: bigint; hard: bigint } | null,
): { soft: bigint; hard: bigint } | number {
  if (res >= RLIM_NLIMITS) return -EINVAL;
  const old = target.rlimits.get(res);
  if (next === null) return old;
  if (next.soft > next.hard) return -EINVAL;
  if (res === RLIMIT_NOFILE && next.hard > NR_OPEN) return -EPERM;
  if (next.hard > old.hard && !t.cred.capable(CAP_SYS_RESOURCE)) return -EPERM;
  target.rlimits.set(res, next.soft, next.hard);
  if (res === RLIMIT_NOFILE) target.fds.max = Number(next.soft);
  return old;
}

function readRlimit(t: Task, addr: number): { soft: bigint; hard: bigint } {
  const b = new DataView(copyIn(t, addr, 16).buffer);
  return { soft: b.getBigUint64(0, true), hard: b.getBigUint64(8, true) };
}

function writeRlimit(t: Task, addr: number, v: { soft: bigint; hard: bigint }): void {
  const b = new DataView(new ArrayBuffer(16));
  b.setBigUint64(0, v.soft, true);
  b.setBigUint64(8, v.hard, true);
  copyOut(t, addr, new Uint8Array(b.buffer));
}

/** prlimit64 (kernel/sys.c): read the new limit, find the process, check permission, then set and report the old one. */
export function prlimit64(t: Task, a: SyscallArgs): SysResult {
  const pid = a.int(0),
    res = a.u32(1),
    newAddr = a.ptr(2),
    oldAddr = a.ptr(3),
    k = t.proc.kernel;
  const next = newAddr !== 0 ? readRlimit(t, newAddr) : null;
  const target = pid === 0 ? t.proc : (k.procs.get(pid) ?? k.findTask(pid)?.proc);
  if (target === undefined || !target.live) return -ESRCH;
  if (next !== null && !mayPrlimit(t, target)) return -EPERM;
  const old = doPrlimit(t, target, res, next);
  if (typeof old === "number") return old;
  if (oldAddr !== 0) writeRlimit(t, oldAddr, old);
  return 0;
}

export function getrlimit(t: Task, a: SyscallArgs): SysResult {
  const old = doPrlimit(t, t.proc, a.u32(0), null);
  if (typeof old === "number") return old;
  writeRlimit(t, a.ptr(1), old);
  return 0;
}

export function setrlimit(t: Task, a: SyscallArgs): SysResult {
  const next = readRlimit(t, a.ptr(1));
  const r = doPrlimit(t, t.proc, a.u32(0), next);
  return typeof r === "number" ? r : 0;
}

/**
 * sysinfo(2): uptime on the guest's monotonic clock, no load, the machine's RAM (Kernel.ramBytes) of which
 * the pages mapped by live processes are in use, no swap, procs = live tasks
 * (docs/quirks.md Q-SYSINFO). GNU sort sizes its buffers from it.
 */
export function sysinfo(t: Task, a: SyscallArgs): SysResult {
  const k = t.proc.kernel;
  const spaces = new Set([...k.procs.values()].filter((q) => q.live).map((q) => q.mem));
  let used = 0;
  for (const m of spaces) used += m.mappedPageCount() * PAGE_SIZE;
  const buf = new DataView(new ArrayBuffer(112));
  buf.setBigUint64(0, k.monotonicNs() / 1_000_000_000n, true); // uptime
  buf.setBigUint64(32, BigInt(k.ramBytes), true); // totalram
  buf.setBigUint64(40, BigInt(Math.max(0, k.ramBytes - used)), true); // freeram
  buf.setUint16(80, Math.min(0xffff, k.tasks.filter((x) => !x.exited).length), true); // procs
  buf.setUint32(104, 1, true); // mem_unit
  copyOut(t, a.ptr(0), new Uint8Array(buf.buffer));
  return 0;
}

/** fadvise64(2): a hint we accept and ignore, with Linux's argument checks (mm/fadvise.c). */
export function fadvise64(t: Task, a: SyscallArgs): SysResult {
  const f = fileOf(t, a.int(0));
  if (f instanceof PipeEnd) return -ESPIPE;
  const advice = a.int(3);
  if (advice < 0 || advice > 5 || a.long(2) < 0) return -EINVAL; // POSIX_FADV_NORMAL..NOREUSE, len ≥ 0
  return 0;
}

const RUSAGE_SELF = 0,
  RUSAGE_CHILDREN = -1,
  RUSAGE_THREAD = 1;
const USER_HZ = 100;

/** Virtual CPU time of the caller's process (or thread) in ns: retired instructions (docs/kernel.md). */
export function cpuNs(t: Task, thread: boolean): bigint {
  const p = t.proc;
  return BigInt(thread ? t.retired : p.deadRetired + p.liveTasks().reduce((s, x) => s + x.retired, 0));
}

/** getrusage(2): ru_utime on the virtual clock, every other field 0 (Q-WAIT-RUSAGE). */
export function getrusage(t: Task, a: SyscallArgs): SysResult {
  const who = a.int(0);
  if (who !== RUSAGE_SELF && who !== RUSAGE_CHILDREN && who !== RUSAGE_THREAD) return -EINVAL;
  const ns = who === RUSAGE_CHILDREN ? 0n : cpuNs(t, who === RUSAGE_THREAD);
  const buf = new DataView(new ArrayBuffer(144));
  buf.setBigUint64(0, ns / 1_000_000_000n, true);
  buf.setBigUint64(8, (ns % 1_000_000_000n) / 1000n, true);
  copyOut(t, a.ptr(1), new Uint8Array(buf.buffer));
  return 0;
}

/** times(2): tms_utime in clock ticks of virtual CPU time; returns ticks since boot. */
export function times(t: Task, a: SyscallArgs): SysResult {
  const tick = 1_000_000_000n / BigInt(USER_HZ);
  const buf = new DataView(new ArrayBuffer(32));
  buf.setBigUint64(0, cpuNs(t, false) / tick, true);
  if (a.ptr(0) !== 0) copyOut(t, a.ptr(0), new Uint8Array(buf.buffer));
  return Number(t.proc.kernel.monotonicNs() / tick);
}

/** sched_getaffinity: one CPU; the mask is copied at the size of a kernel cpumask (8 bytes). */
export function sched_getaffinity(t: Task, a: SyscallArgs): SysResult {
  const len = a.u32(1);
  if (len < 8 || (len & 7) !== 0) return -EINVAL;
  putU64(t, a.ptr(2), 1);
  return 8;
}

/**
 * sched_setaffinity: the mask is read at the size of a kernel
 * cpumask (a shorter one is zero-filled), the thread looked up; a mask without the
 * machine's one CPU is EINVAL.
 */
export function sched_setaffinity(t: Task, a: SyscallArgs): SysResult {
  const tid = a.int(0),
    len = a.u32(1);
  const mask = copyIn(t, a.ptr(2), Math.min(len, 8));
  if (tid !== 0 && t.proc.kernel.findTask(tid) === undefined) return -ESRCH;
  return mask.length > 0 && (mask[0]! & 1) !== 0 ? 0 : -EINVAL;
}

export const umask = (): SysResult => 0o022;
export const rseq = (): SysResult => -ENOSYS;
