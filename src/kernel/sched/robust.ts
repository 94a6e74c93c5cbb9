// SPDX-License-Identifier: MIT
// Robust futexes at thread exit (kernel/futex/core.c exit_robust_list,
// handle_futex_death): every lock word on the dying thread's robust list that
// it still owns gets FUTEX_OWNER_DIED, and one waiter is woken.
import type { Kernel } from "../kernel.js";
import type { Task } from "../task.js";

const FUTEX_WAITERS = 0x80000000;
const FUTEX_OWNER_DIED = 0x40000000;
const FUTEX_TID_MASK = 0x3fffffff;
/** ROBUST_LIST_LIMIT: bounds the walk of a corrupted (circular) list. */
const ROBUST_LIST_LIMIT = 2048;

function readPtr(t: Task, a: number): number {
  const m = t.proc.mem;
  return m.read32(a + 4) * 4294967296 + (m.read32(a) >>> 0);
}

function futexDeath(k: Kernel, t: Task, uaddr: number): void {
  const m = t.proc.mem;
  const uval = m.read32(uaddr) >>> 0;
  if ((uval & FUTEX_TID_MASK) !== t.tid) return;
  m.write32(uaddr, (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED | 0);
  if ((uval & FUTEX_WAITERS) !== 0) k.futexes.wake(t.proc.mm, uaddr, 1);
}

/** Walks `t.robustList` (struct robust_list_head); faults end the walk silently, as in Linux. */
export function exitRobustList(k: Kernel, t: Task): void {
  const head = t.robustList;
  if (head === 0) return;
  t.robustList = 0;
  try {
    const offset = readPtr(t, head + 8);
    const pending = readPtr(t, head + 16);
    let entry = readPtr(t, head);
    for (let n = 0; entry !== head && n < ROBUST_LIST_LIMIT; n++) {
      const e = entry - (entry % 2); // bit 0 marks PI futexes
      const next = readPtr(t, e);
      if (e !== pending) futexDeath(k, t, e + offset);
      entry = next;
    }
    if (pending !== 0) futexDeath(k, t, pending - (pending % 2) + offset);
  } catch {
    // A bad user pointer stops the walk (Linux: fetch_robust_entry fails).
  }
}
