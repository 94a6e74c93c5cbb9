// SPDX-License-Identifier: MIT
// alarm, setitimer, getitimer (kernel/time/itimer.c) on the virtual clock:
// ITIMER_REAL fires SIGALRM when virtual time reaches the deadline;
// ITIMER_VIRTUAL and ITIMER_PROF are accepted and never fire (docs/quirks.md Q-ITIMER-VIRT).
import { EINVAL } from "../errno.js";
import type { Task } from "../task.js";
import { getI64, putU64 } from "../usercopy.js";
import { type SyscallArgs, type SysResult, fail } from "./abi.js";

const ITIMER_REAL = 0;
const US = 1000n;
const SEC = 1_000_000_000n;

function remaining(t: Task): bigint {
  const d = t.proc.realTimer.deadline;
  if (d === null) return 0n;
  const left = d - t.proc.kernel.clockNs();
  return left > 0n ? left : 1n;
}

function putTimeval(t: Task, a: number, ns: bigint): void {
  putU64(t, a, ns / SEC);
  putU64(t, a + 8, (ns % SEC) / US);
}

function readTimeval(t: Task, a: number): bigint {
  const sec = getI64(t, a),
    usec = getI64(t, a + 8);
  if (sec < 0n || usec < 0n || usec >= 1_000_000n) fail(EINVAL);
  return sec * SEC + usec * US;
}

/** Arms (a deadline) or disarms (null) the process's ITIMER_REAL. */
function setRealTimer(t: Task, deadline: bigint | null, interval: bigint): void {
  const p = t.proc;
  p.realTimer.deadline = deadline;
  p.realTimer.interval = interval;
  if (deadline === null) p.kernel.realTimers.delete(p);
  else p.kernel.realTimers.add(p);
}

export function alarm(t: Task, a: SyscallArgs): SysResult {
  const left = remaining(t);
  const secs = BigInt(a.u32(0));
  setRealTimer(t, secs === 0n ? null : t.proc.kernel.clockNs() + secs * SEC, 0n);
  // alarm() rounds the old remaining time to the nearest second, at least 1 if armed.
  if (left === 0n) return 0;
  const s = Number((left + SEC / 2n) / SEC);
  return s === 0 ? 1 : s;
}

function putItimer(t: Task, which: number, a: number): void {
  const real = which === ITIMER_REAL;
  putTimeval(t, a, real ? t.proc.realTimer.interval : 0n);
  putTimeval(t, a + 16, real ? remaining(t) : 0n);
}

export function getitimer(t: Task, a: SyscallArgs): SysResult {
  const which = a.int(0);
  if (which < 0 || which > 2) return -EINVAL;
  putItimer(t, which, a.ptr(1));
  return 0;
}

export function setitimer(t: Task, a: SyscallArgs): SysResult {
  const which = a.int(0);
  if (which < 0 || which > 2) return -EINVAL;
  const interval = a.ptr(1) !== 0 ? readTimeval(t, a.ptr(1)) : 0n;
  const value = a.ptr(1) !== 0 ? readTimeval(t, a.ptr(1) + 16) : 0n;
  if (a.ptr(2) !== 0) putItimer(t, which, a.ptr(2));
  if (which !== ITIMER_REAL) return 0;
  setRealTimer(t, value === 0n ? null : t.proc.kernel.clockNs() + value, interval);
  return 0;
}
