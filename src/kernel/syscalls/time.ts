// SPDX-License-Identifier: MIT
// Time calls (kernel/time/): virtual by default — the guest clock advances
// with retired instructions and sleeps add to it — or the host's with --host-time.
import { EINVAL } from "../errno.js";
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import { BLOCK, type SyscallRow, sys } from "./types.js";
import { guarded, putU64 } from "./util.js";

const CLOCK_REALTIME = 0;
const CLOCK_MONOTONIC = 1;
const CLOCK_PROCESS_CPUTIME_ID = 2;
const CLOCK_THREAD_CPUTIME_ID = 3;
const CLOCK_MONOTONIC_RAW = 4;
const CLOCK_REALTIME_COARSE = 5;
const CLOCK_MONOTONIC_COARSE = 6;
const CLOCK_BOOTTIME = 7;

function clockNs(k: Kernel, p: Process, id: number): bigint | null {
  switch (id) {
    case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: return k.realtimeNs(p);
    case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME: return k.monotonicNs(p);
    case CLOCK_PROCESS_CPUTIME_ID: return BigInt(p.deadRetired + p.liveTasks().reduce((s, t) => s + t.retired, 0));
    case CLOCK_THREAD_CPUTIME_ID: return BigInt(p.current.retired);
    default: return null;
  }
}

function putTimespec(p: Process, a: number, ns: bigint): void {
  putU64(p, a, ns / 1_000_000_000n);
  putU64(p, a + 8, ns % 1_000_000_000n);
}

function readTimespec(p: Process, a: number): bigint | null {
  const sec = BigInt(p.mem.read32(a) >>> 0) | (BigInt(p.mem.read32(a + 4)) << 32n);
  const nsec = BigInt(p.mem.read32(a + 8) >>> 0) | (BigInt(p.mem.read32(a + 12)) << 32n);
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return null;
  return sec * 1_000_000_000n + nsec;
}

/** A timespec in ns, or null when invalid (negative, nsec ≥ 1e9). */
export function readTimespecNs(p: Process, a: number): bigint | null {
  return readTimespec(p, a);
}

/**
 * Blocks the calling task until virtual time `ns` from now (other tasks run
 * meanwhile; when none can, the clock jumps). With --host-time, sleeps for real.
 */
function sleep(k: Kernel, p: Process, ns: bigint, rem: number): number {
  if (k.opts.hostTime) { k.host.sleepNs(ns); return 0; }
  const deadline = k.clockNs() + ns;
  p.current.blocker = {
    poll: () => null, deadline, timeout: () => 0, restart: "block",
    interrupted: () => {
      if (rem === 0) return;
      const left = deadline - k.clockNs();
      guarded(() => { putTimespec(p, rem, left > 0n ? left : 0n); return 0; });
    },
  };
  return BLOCK;
}

export const TIME_SYSCALLS: readonly SyscallRow[] = [
  sys(228, "clock_gettime", ["int", "ptr"], (k, p, a) => guarded(() => {
    const ns = clockNs(k, p, a[0]! | 0);
    if (ns === null) return -EINVAL;
    putTimespec(p, a[1]!, ns);
    return 0;
  })),
  sys(229, "clock_getres", ["int", "ptr"], (k, p, a) => guarded(() => {
    if (clockNs(k, p, a[0]! | 0) === null) return -EINVAL;
    if (a[1]! !== 0) putTimespec(p, a[1]!, 1n);
    return 0;
  })),
  sys(96, "gettimeofday", ["ptr", "ptr"], (k, p, a) => guarded(() => {
    const ns = k.realtimeNs(p);
    if (a[0]! !== 0) { putU64(p, a[0]!, ns / 1_000_000_000n); putU64(p, a[0]! + 8, (ns % 1_000_000_000n) / 1000n); }
    if (a[1]! !== 0) { p.mem.write32(a[1]!, 0); p.mem.write32(a[1]! + 4, 0); }
    return 0;
  })),
  sys(201, "time", ["ptr"], (k, p, a) => guarded(() => {
    const s = k.realtimeNs(p) / 1_000_000_000n;
    if (a[0]! !== 0) putU64(p, a[0]!, s);
    return Number(s);
  })),
  sys(35, "nanosleep", ["ptr", "ptr"], (k, p, a) => guarded(() => {
    const ns = readTimespec(p, a[0]!);
    if (ns === null) return -EINVAL;
    return sleep(k, p, ns, a[1]!);
  })),
  sys(230, "clock_nanosleep", ["int", "int", "ptr", "ptr"], (k, p, a) => guarded(() => {
    const ns = readTimespec(p, a[2]!);
    const now = clockNs(k, p, a[0]! | 0);
    if (ns === null || now === null) return -EINVAL;
    const abs = (a[1]! & 1) !== 0;
    const d = abs ? ns - now : ns;
    return d > 0n ? sleep(k, p, d, abs ? 0 : a[3]!) : 0;
  })),
];
