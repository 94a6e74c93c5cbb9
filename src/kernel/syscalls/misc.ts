// SPDX-License-Identifier: MIT
// Identity, limits, system information, file access hints, randomness and
// arch_prctl (kernel/sys.c, mm/fadvise.c, arch/x86/kernel/process_64.c,
// drivers/char/random.c).
import { EBADF, EINVAL, ENOSYS, ENOTSOCK, ESPIPE, ESRCH } from "../errno.js";
import { PipeEnd } from "../fs/files.js";
import { PAGE_SIZE } from "../../hw/memory/address-space.js";
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import { type SyscallRow, sys } from "./types.js";
import { guarded, putU64 } from "./util.js";

const ARCH_SET_GS = 0x1001;
const ARCH_SET_FS = 0x1002;
const ARCH_GET_FS = 0x1003;
const ARCH_GET_GS = 0x1004;

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

/** The emulated machine's RAM (sysinfo totalram); deterministic, whatever the host has. */
export const MACHINE_RAM = 4 * 1024 * 1024 * 1024;

/**
 * sysinfo(2): uptime on the guest's monotonic clock, no load, MACHINE_RAM of which
 * the pages mapped by live processes are in use, no swap, procs = live tasks.
 * Programs size their buffers from it (GNU sort spills to temporary files without it).
 */
function sysinfo(k: Kernel, p: Process, a: readonly number[]): number {
  const spaces = new Set([...k.procs.values()].filter((q) => q.live).map((q) => q.mem));
  let used = 0;
  for (const m of spaces) used += m.mappedPageCount() * PAGE_SIZE;
  const buf = new DataView(new ArrayBuffer(112));
  buf.setBigUint64(0, k.monotonicNs(p) / 1_000_000_000n, true); // uptime
  buf.setBigUint64(32, BigInt(MACHINE_RAM), true); // totalram
  buf.setBigUint64(40, BigInt(Math.max(0, MACHINE_RAM - used)), true); // freeram
  buf.setUint16(80, Math.min(0xffff, k.tasks.filter((t) => !t.exited).length), true); // procs
  buf.setUint32(104, 1, true); // mem_unit
  return guarded(() => { p.mem.writeBytes(a[0]!, new Uint8Array(buf.buffer)); return 0; });
}

/** fadvise64(2): a hint we accept and ignore, with Linux's argument checks (mm/fadvise.c). */
function fadvise64(_k: Kernel, p: Process, a: readonly number[]): number {
  const f = p.fds.get(a[0]! | 0);
  if (f === undefined) return -EBADF;
  if (f instanceof PipeEnd) return -ESPIPE;
  const advice = a[3]! | 0;
  if (advice < 0 || advice > 5 || a[2]! < 0) return -EINVAL; // POSIX_FADV_NORMAL..NOREUSE, len ≥ 0
  return 0;
}

/** getgroups(2): the guest runs as root with one supplementary group, 0. */
function getgroups(_k: Kernel, p: Process, a: readonly number[]): number {
  const size = a[0]! | 0;
  if (size < 0) return -EINVAL;
  if (size === 0) return 1;
  return guarded(() => { p.mem.write32(a[1]!, 0); return 1; });
}

const RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;
const USER_HZ = 100;

/** Virtual CPU time of the caller's process (or thread) in ns: retired instructions (docs/kernel.md). */
function cpuNs(p: Process, thread: boolean): bigint {
  return BigInt(thread ? p.current.retired : p.deadRetired + p.liveTasks().reduce((s, t) => s + t.retired, 0));
}

/** getrusage(2): ru_utime on the virtual clock, every other field 0 (Q-WAIT-RUSAGE). */
function getrusage(_k: Kernel, p: Process, a: readonly number[]): number {
  const who = a[0]! | 0;
  if (who !== RUSAGE_SELF && who !== RUSAGE_CHILDREN && who !== RUSAGE_THREAD) return -EINVAL;
  const ns = who === RUSAGE_CHILDREN ? 0n : cpuNs(p, who === RUSAGE_THREAD);
  const buf = new DataView(new ArrayBuffer(144));
  buf.setBigUint64(0, ns / 1_000_000_000n, true);
  buf.setBigUint64(8, (ns % 1_000_000_000n) / 1000n, true);
  return guarded(() => { p.mem.writeBytes(a[1]!, new Uint8Array(buf.buffer)); return 0; });
}

/** times(2): tms_utime in clock ticks of virtual CPU time; returns ticks since boot. */
function times(k: Kernel, p: Process, a: readonly number[]): number {
  const tick = 1_000_000_000n / BigInt(USER_HZ);
  const buf = new DataView(new ArrayBuffer(32));
  buf.setBigUint64(0, cpuNs(p, false) / tick, true);
  const r = guarded(() => { if (a[0]! !== 0) p.mem.writeBytes(a[0]!, new Uint8Array(buf.buffer)); return 0; });
  return r < 0 ? r : Number(k.monotonicNs(p) / tick);
}

/** getsockname/getpeername: there are no sockets, so any open descriptor is not one. */
function notSocket(_k: Kernel, p: Process, a: readonly number[]): number {
  return p.fds.get(a[0]! | 0) === undefined ? -EBADF : -ENOTSOCK;
}

function schedGetaffinity(_k: Kernel, p: Process, a: readonly number[]): number {
  if (a[1]! < 8) return -EINVAL;
  return guarded(() => { putU64(p, a[2]!, 1); return 8; });
}

const id = (v: number) => (): number => v;

export const MISC_SYSCALLS: readonly SyscallRow[] = [
  sys(158, "arch_prctl", ["hex", "ptr"], archPrctl),
  sys(102, "getuid", [], id(0)),
  sys(104, "getgid", [], id(0)),
  sys(107, "geteuid", [], id(0)),
  sys(108, "getegid", [], id(0)),
  sys(63, "uname", ["ptr"], uname),
  sys(95, "umask", ["oct"], id(0o022)),
  sys(318, "getrandom", ["ptr", "size", "hex"], getrandom),
  sys(302, "prlimit64", ["int", "int", "ptr", "ptr"], prlimit),
  sys(97, "getrlimit", ["int", "ptr"], (k, p, a) => prlimit(k, p, [0, a[0]!, 0, a[1]!])),
  sys(99, "sysinfo", ["ptr"], sysinfo),
  sys(221, "fadvise64", ["fd", "int", "int", "int"], fadvise64),
  sys(115, "getgroups", ["int", "ptr"], getgroups),
  sys(98, "getrusage", ["int", "ptr"], getrusage),
  sys(100, "times", ["ptr"], times),
  sys(51, "getsockname", ["fd", "ptr", "ptr"], notSocket),
  sys(52, "getpeername", ["fd", "ptr", "ptr"], notSocket),
  sys(204, "sched_getaffinity", ["int", "size", "ptr"], schedGetaffinity),
  sys(334, "rseq", ["ptr", "size", "hex", "hex"], id(-ENOSYS)),
];
