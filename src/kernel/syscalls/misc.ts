// SPDX-License-Identifier: MIT
// Limits, system information, file access hints, randomness and arch_prctl
// (kernel/sys.c, mm/fadvise.c, arch/x86/kernel/process_64.c, drivers/char/random.c).
import { EFAULT, EINVAL, ENODEV, ENOSYS, EPERM, ESPIPE, ESRCH } from "../errno.js";
import { PipeEnd } from "../fs/pipe.js";
import { PAGE_SIZE, USER_LIMIT } from "../../hw/memory/address-space.js";
import type { Task } from "../task.js";
import { copyOut, putU64 } from "../usercopy.js";
import { type SyscallArgs, type SysResult, SyscallArgs as Args } from "./abi.js";
import { fileOf } from "./util.js";
import { MACHINE_RAM } from "../process.js";

const ARCH_GET_CPUID = 0x1011, ARCH_SET_CPUID = 0x1012;
const TASK_SIZE_MAX = USER_LIMIT - PAGE_SIZE;
const ARCH_SET_GS = 0x1001;
const ARCH_SET_FS = 0x1002;
const ARCH_GET_FS = 0x1003;
const ARCH_GET_GS = 0x1004;
const GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;

export function arch_prctl(t: Task, a: SyscallArgs): SysResult {
  const c = t.proc.cpu;
  switch (a.int(0)) {
    // A base at or past TASK_SIZE_MAX (the kernel half, non-canonical) is EPERM.
    case ARCH_SET_FS: if (a.u64(1) >= TASK_SIZE_MAX) return -EPERM; c.fsBase = a.u64(1); return 0;
    case ARCH_SET_GS: if (a.u64(1) >= TASK_SIZE_MAX) return -EPERM; c.gsBase = a.u64(1); return 0;
    case ARCH_GET_CPUID: return 1; // CPUID does not fault
    case ARCH_SET_CPUID: return -ENODEV; // no CPUID faulting on this CPU
    case ARCH_GET_FS: putU64(t, a.ptr(1), c.fsBase); return 0;
    case ARCH_GET_GS: putU64(t, a.ptr(1), c.gsBase); return 0;
    default: return -EINVAL;
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
  if ((flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) !== 0 || (flags & (GRND_RANDOM | GRND_INSECURE)) === (GRND_RANDOM | GRND_INSECURE)) return -EINVAL;
  const len = Math.min(a.size(1), 1 << 25);
  const buf = new Uint8Array(len);
  t.proc.kernel.prng.fill(buf);
  copyOut(t, a.ptr(0), buf);
  return len;
}

/** RLIMIT_* defaults as a typical Debian shell has them (soft, hard; -1 = infinity). */
const RLIMITS: Readonly<Record<number, [number, number]>> = {
  3: [8 * 1024 * 1024, -1], // STACK
  7: [1024, 1048576], // NOFILE
  6: [63704, 63704], // NPROC
};
const RLIM_NLIMITS = 16;

export function prlimit64(t: Task, a: SyscallArgs): SysResult {
  const pid = a.int(0), res = a.u32(1);
  if (res >= RLIM_NLIMITS) return -EINVAL;
  if (pid !== 0 && pid !== t.proc.pid && t.proc.kernel.procs.get(pid) === undefined) return -ESRCH;
  const [soft, hard] = RLIMITS[res] ?? [-1, -1];
  if (a.ptr(3) !== 0) {
    const v = new DataView(new ArrayBuffer(16));
    v.setBigInt64(0, BigInt(soft), true);
    v.setBigInt64(8, BigInt(hard), true);
    copyOut(t, a.ptr(3), new Uint8Array(v.buffer));
  }
  return 0;
}

export function getrlimit(t: Task, a: SyscallArgs): SysResult {
  if (a.u32(0) < RLIM_NLIMITS && a.ptr(1) === 0) return -EFAULT; // getrlimit always copies out
  return prlimit64(t, Args.of(0, a.u32(0), 0, a.ptr(1)));
}


/**
 * sysinfo(2): uptime on the guest's monotonic clock, no load, MACHINE_RAM of which
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
  buf.setBigUint64(32, BigInt(MACHINE_RAM), true); // totalram
  buf.setBigUint64(40, BigInt(Math.max(0, MACHINE_RAM - used)), true); // freeram
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

const RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;
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

export const umask = (): SysResult => 0o022;
export const rseq = (): SysResult => -ENOSYS;
