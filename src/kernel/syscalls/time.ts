// SPDX-License-Identifier: MIT
// Time calls (kernel/time/): virtual by default — the guest clock advances
// with retired instructions and sleeps add to it — or the host's with --host-time.
import { EINVAL } from "../errno.js";
import type { Task } from "../task.js";
import { getI64, putU64, tryAccess } from "../usercopy.js";
import { type SyscallArgs, type SysResult, block, fail } from "./abi.js";
import { cpuNs } from "./misc.js";

const CLOCK_REALTIME = 0;
const CLOCK_MONOTONIC = 1;
const CLOCK_PROCESS_CPUTIME_ID = 2;
const CLOCK_THREAD_CPUTIME_ID = 3;
const CLOCK_MONOTONIC_RAW = 4;
const CLOCK_REALTIME_COARSE = 5;
const CLOCK_MONOTONIC_COARSE = 6;
const CLOCK_BOOTTIME = 7;
const CLOCK_TAI = 11;
const TIMER_ABSTIME = 1;
const NS = 1_000_000_000n;

/** The time of clock `id` in ns; EINVAL for an unknown clock. */
function clockNs(t: Task, id: number): bigint {
  const k = t.proc.kernel;
  switch (id) {
    // CLOCK_TAI: UTC plus the TAI offset, 0 until adjtimex sets one.
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_TAI:
      return k.realtimeNs();
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
      return k.monotonicNs();
    case CLOCK_PROCESS_CPUTIME_ID:
      return cpuNs(t, false);
    case CLOCK_THREAD_CPUTIME_ID:
      return cpuNs(t, true);
    default:
      return fail(EINVAL);
  }
}

function putTimespec(t: Task, a: number, ns: bigint): void {
  putU64(t, a, ns / NS);
  putU64(t, a + 8, ns % NS);
}

/** A struct timespec in ns; EINVAL when negative or nsec ≥ 1e9. */
export function readTimespecNs(t: Task, a: number): bigint {
  const sec = getI64(t, a),
    nsec = getI64(t, a + 8);
  if (sec < 0n || nsec < 0n || nsec >= NS) fail(EINVAL);
  return sec * NS + nsec;
}

/**
 * Blocks the calling task until virtual time `ns` from now (other tasks run
 * meanwhile; when none can, the clock jumps). With --host-time, sleeps for real.
 */
function sleep(t: Task, ns: bigint, rem: number): SysResult {
  const k = t.proc.kernel;
  if (k.opts.hostTime) {
    k.host.sleepNs(ns);
    return 0;
  }
  const deadline = k.clockNs() + ns;
  return block({
    poll: () => null,
    deadline,
    timeout: () => 0,
    restart: "block",
    interrupted: () => {
      if (rem === 0) return;
      const left = deadline - k.clockNs();
      tryAccess(() => putTimespec(t, rem, left > 0n ? left : 0n), undefined);
    },
  });
}

export function clock_gettime(t: Task, a: SyscallArgs): SysResult {
  putTimespec(t, a.ptr(1), clockNs(t, a.int(0)));
  return 0;
}

export function clock_getres(t: Task, a: SyscallArgs): SysResult {
  clockNs(t, a.int(0));
  if (a.ptr(1) !== 0) putTimespec(t, a.ptr(1), 1n);
  return 0;
}

export function gettimeofday(t: Task, a: SyscallArgs): SysResult {
  const ns = t.proc.kernel.realtimeNs();
  if (a.ptr(0) !== 0) {
    putU64(t, a.ptr(0), ns / NS);
    putU64(t, a.ptr(0) + 8, (ns % NS) / 1000n);
  }
  if (a.ptr(1) !== 0) putU64(t, a.ptr(1), 0); // struct timezone: minuteswest, dsttime
  return 0;
}

export function time(t: Task, a: SyscallArgs): SysResult {
  const s = t.proc.kernel.realtimeNs() / NS;
  if (a.ptr(0) !== 0) putU64(t, a.ptr(0), s);
  return Number(s);
}

export function nanosleep(t: Task, a: SyscallArgs): SysResult {
  return sleep(t, readTimespecNs(t, a.ptr(0)), a.ptr(1));
}

export function clock_nanosleep(t: Task, a: SyscallArgs): SysResult {
  const id = a.int(0);
  if (id === CLOCK_THREAD_CPUTIME_ID) return -EINVAL;
  const ns = readTimespecNs(t, a.ptr(2));
  const now = clockNs(t, id);
  const abs = (a.int(1) & TIMER_ABSTIME) !== 0;
  const d = abs ? ns - now : ns;
  return d > 0n ? sleep(t, d, abs ? 0 : a.ptr(3)) : 0;
}
