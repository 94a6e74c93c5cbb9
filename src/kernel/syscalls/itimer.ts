// SPDX-License-Identifier: MIT
// alarm, setitimer, getitimer (kernel/time/itimer.c) on the virtual clock:
// ITIMER_REAL fires SIGALRM when virtual time reaches the deadline.
import { EINVAL } from "../errno.js";
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import { type SyscallRow, sys } from "./types.js";
import { guarded, putU64 } from "./util.js";

const ITIMER_REAL = 0;
const US = 1000n;
const SEC = 1_000_000_000n;

function remaining(k: Kernel, p: Process): bigint {
  const d = p.realTimer.deadline;
  if (d === null) return 0n;
  const left = d - k.clockNs();
  return left > 0n ? left : 1n;
}

function putTimeval(p: Process, a: number, ns: bigint): void {
  putU64(p, a, ns / SEC);
  putU64(p, a + 8, (ns % SEC) / US);
}

function readTimeval(p: Process, a: number): bigint | null {
  const sec = BigInt(p.mem.read32(a) >>> 0) | (BigInt(p.mem.read32(a + 4)) << 32n);
  const usec = BigInt(p.mem.read32(a + 8) >>> 0) | (BigInt(p.mem.read32(a + 12)) << 32n);
  if (sec < 0n || usec < 0n || usec >= 1_000_000n) return null;
  return sec * SEC + usec * US;
}

function alarm(k: Kernel, p: Process, a: readonly number[]): number {
  const left = remaining(k, p);
  const secs = BigInt(a[0]! >>> 0);
  p.realTimer.deadline = secs === 0n ? null : k.clockNs() + secs * SEC;
  p.realTimer.interval = 0n;
  // alarm() rounds the old remaining time to the nearest second, at least 1 if armed.
  if (left === 0n) return 0;
  const s = Number((left + SEC / 2n) / SEC);
  return s === 0 ? 1 : s;
}

function getitimer(k: Kernel, p: Process, which: number, a: number): number {
  if (which !== ITIMER_REAL) return which > 2 || which < 0 ? -EINVAL : guarded(() => { putTimeval(p, a, 0n); putTimeval(p, a + 16, 0n); return 0; });
  return guarded(() => {
    putTimeval(p, a, p.realTimer.interval);
    putTimeval(p, a + 16, remaining(k, p));
    return 0;
  });
}

function setitimer(k: Kernel, p: Process, a: readonly number[]): number {
  const which = a[0]! | 0;
  if (which < 0 || which > 2) return -EINVAL;
  return guarded(() => {
    const interval = a[1]! !== 0 ? readTimeval(p, a[1]!) : 0n;
    const value = a[1]! !== 0 ? readTimeval(p, a[1]! + 16) : 0n;
    if (interval === null || value === null) return -EINVAL;
    if (a[2]! !== 0) getitimer(k, p, which, a[2]!);
    if (which !== ITIMER_REAL) return 0; // ITIMER_VIRTUAL/PROF: accepted, never fire (docs/quirks.md Q-ITIMER-VIRT)
    p.realTimer.deadline = value === 0n ? null : k.clockNs() + value;
    p.realTimer.interval = interval;
    return 0;
  });
}

export const TIMER_SYSCALLS: readonly SyscallRow[] = [
  sys(36, "getitimer", ["int", "ptr"], (k, p, a) => getitimer(k, p, a[0]! | 0, a[1]!)),
  sys(37, "alarm", ["int"], alarm),
  sys(38, "setitimer", ["int", "ptr", "ptr"], setitimer),
];
