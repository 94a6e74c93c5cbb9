// SPDX-License-Identifier: MIT
// Futex wait queues (kernel/futex/): waiters keyed by address space and
// address, woken FIFO with a bitset filter; requeue moves waiters between keys.
import { EINVAL } from "../errno.js";
import type { Mm } from "../process.js";
import type { Task } from "../task.js";

export interface FutexWaiter {
  readonly task: Task;
  readonly mm: Mm;
  addr: number;
  readonly bitset: number;
  woken: boolean;
  /** A FUTEX_LOCK_PI waiter (syscalls/futex-pi.ts): FUTEX_WAKE on its word is EINVAL. */
  pi?: boolean;
  /** A FUTEX_WAIT_REQUEUE_PI waiter: the PI lock CMP_REQUEUE_PI must move it to (not woken by FUTEX_WAKE either). */
  requeueTo?: number | undefined;
}

/** Waiters only the PI operations may wake or move (futex_q with an rt_waiter or a pi_state). */
function piOnly(w: FutexWaiter): boolean {
  return w.pi === true || w.requeueTo !== undefined;
}

export class FutexTable {
  private readonly queues = new Map<Mm, Map<number, FutexWaiter[]>>();

  private queue(mm: Mm, addr: number, create: boolean): FutexWaiter[] | undefined {
    let m = this.queues.get(mm);
    if (m === undefined) {
      if (!create) return undefined;
      this.queues.set(mm, (m = new Map()));
    }
    let q = m.get(addr);
    if (q === undefined && create) m.set(addr, (q = []));
    return q;
  }

  enqueue(w: FutexWaiter): void {
    this.queue(w.mm, w.addr, true)!.push(w);
  }

  remove(w: FutexWaiter): void {
    const q = this.queue(w.mm, w.addr, false);
    if (q === undefined) return;
    const i = q.indexOf(w);
    if (i >= 0) q.splice(i, 1);
    if (q.length === 0) this.queues.get(w.mm)?.delete(w.addr);
  }

  /** The waiters at a word, first first (a copy). */
  waiters(mm: Mm, addr: number): FutexWaiter[] {
    return [...(this.queue(mm, addr, false) ?? [])];
  }

  /** Wakes up to `n` waiters whose bitset intersects `bitset`; returns how many (-EINVAL at a PI lock, as Linux). */
  wake(mm: Mm, addr: number, n: number, bitset = -1): number {
    const q = this.queue(mm, addr, false);
    if (q === undefined) return 0;
    if (q.some(piOnly)) return -EINVAL;
    let woken = 0;
    for (const w of [...q]) {
      if (woken >= n) break;
      if ((w.bitset & bitset) === 0) continue;
      w.woken = true;
      this.remove(w);
      woken++;
    }
    return woken;
  }

  /** Wakes `nWake` waiters at `addr` and moves up to `nMove` others to `to`; returns woken + moved (-EINVAL past PI waiters). */
  requeue(mm: Mm, addr: number, nWake: number, to: number, nMove: number): number {
    if (this.queue(mm, addr, false)?.some(piOnly) === true) return -EINVAL;
    const woken = this.wake(mm, addr, nWake);
    const q = this.queue(mm, addr, false);
    let moved = 0;
    while (q !== undefined && q.length > 0 && moved < nMove) {
      const w = q[0]!;
      this.remove(w);
      w.addr = to;
      this.enqueue(w);
      moved++;
    }
    return woken + moved;
  }
}
