// SPDX-License-Identifier: MIT
// Priority-inheritance futexes (kernel/futex/pi.c, requeue.c): FUTEX_LOCK_PI,
// LOCK_PI2, TRYLOCK_PI, UNLOCK_PI, WAIT_REQUEUE_PI and CMP_REQUEUE_PI. The lock word holds the owner's TID with the
// FUTEX_WAITERS and FUTEX_OWNER_DIED bits; the kernel takes a free lock for
// the caller, queues a contender (FIFO: every task has the same priority on
// lwp's one CPU, so there is nothing to inherit) and hands the lock to the
// first waiter at unlock or when the owner dies (exit_pi_state_list).
import { EAGAIN, EDEADLK, EINVAL, EPERM, ESRCH, ETIMEDOUT } from "../errno.js";
import type { FutexWaiter } from "../sched/futex.js";
import type { Kernel } from "../kernel.js";
import type { Mm } from "../process.js";
import type { Task } from "../task.js";
import { type SyscallArgs, type SysResult, block } from "./abi.js";
import { futexDeadline, futexKey } from "./futex-key.js";

const FUTEX_WAITERS = 0x80000000;
const FUTEX_OWNER_DIED = 0x40000000;
const FUTEX_TID_MASK = 0x3fffffff;

/**
 * The kernel's side of a contended lock (struct futex_pi_state): its owner, set when
 * the first waiter queues (the task the word names then) and passed on at each hand-over.
 * Linux ends the owner's locks at its exit from this, not from the word (musl's thread exit
 * rewrites the word first).
 */
interface PiState {
  owner: Task;
}
const states = new WeakMap<Mm, Map<number, PiState>>();

function statesOf(mm: Mm): Map<number, PiState> {
  let m = states.get(mm);
  if (m === undefined) states.set(mm, (m = new Map()));
  return m;
}

function word(t: Task, addr: number): number {
  return t.proc.mem.read32(addr) >>> 0;
}

function piWaiters(k: Kernel, mm: Mm, addr: number): FutexWaiter[] {
  return k.futexes.waiters(mm, addr).filter((w) => w.pi === true);
}

/** Drops the state of a lock nobody waits for any more (put_pi_state). */
function release(k: Kernel, mm: Mm, addr: number): void {
  if (piWaiters(k, mm, addr).length === 0) statesOf(mm).delete(addr);
}

/**
 * futex_lock_pi: `trylock` never sleeps (TRYLOCK_PI, EAGAIN); `realtime` says how the
 * absolute timeout reads (LOCK_PI: CLOCK_REALTIME; LOCK_PI2: CLOCK_MONOTONIC unless
 * FUTEX_CLOCK_REALTIME).
 */
export function lockPi(t: Task, a: SyscallArgs, trylock: boolean, realtime: boolean): SysResult {
  const p = t.proc,
    k = p.kernel,
    mm = p.mm;
  const addr = a.ptr(0);
  const deadline = trylock || a.ptr(3) === 0 ? null : futexDeadline(t, a.ptr(3), true, realtime);
  const uval = word(t, addr);
  if ((uval & FUTEX_TID_MASK) === t.tid) return -EDEADLK;
  const queued = k.futexes.waiters(mm, addr);
  // Waiters of FUTEX_WAIT here: no PI state to attach to (attach_to_pi_state).
  if (queued.some((w) => w.pi !== true)) return -EINVAL;
  if (queued.length === 0 && (uval & FUTEX_TID_MASK) === 0) {
    // A free lock (maybe with OWNER_DIED, kept): the caller takes it.
    p.mem.write32(addr, (uval & FUTEX_OWNER_DIED) | t.tid | 0);
    return 0;
  }
  p.mem.write32(addr, uval | FUTEX_WAITERS | 0);
  if (!statesOf(mm).has(addr)) {
    // attach_to_pi_owner: the TID must name a live task (handle_exit_race: ESRCH).
    const owner = k.findTask(uval & FUTEX_TID_MASK);
    if (owner === undefined) return -ESRCH;
    if (trylock) return -EAGAIN;
    statesOf(mm).set(addr, { owner });
  }
  if (trylock) return -EAGAIN;
  const w: FutexWaiter = { task: t, mm, addr, bitset: 0, woken: false, pi: true };
  k.futexes.enqueue(w);
  return block({
    poll: () => (w.woken ? 0 : null),
    deadline,
    timeout: () => -ETIMEDOUT,
    // futex_lock_pi returns -ERESTARTNOINTR after a signal.
    restart: "nointr",
    cancel: () => {
      k.futexes.remove(w);
      release(k, mm, addr);
    },
  });
}

/** futex_unlock_pi: only the owner unlocks; the first waiter becomes the owner (WAITERS set), else the word is 0. */
export function unlockPi(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc,
    k = p.kernel;
  const addr = a.ptr(0);
  const uval = word(t, addr);
  if ((uval & FUTEX_TID_MASK) !== t.tid) return -EPERM;
  if (!handOver(k, p.mm, addr, false)) p.mem.write32(addr, 0);
  return 0;
}

/**
 * Gives the lock at `addr` to its first PI waiter: the word becomes WAITERS | its TID,
 * with OWNER_DIED when the owner `died` holding it. False when none waits.
 */
function handOver(k: Kernel, mm: Mm, addr: number, died: boolean): boolean {
  const w = piWaiters(k, mm, addr)[0];
  if (w === undefined) return false;
  w.task.proc.mem.write32(addr, (died ? FUTEX_OWNER_DIED : 0) | FUTEX_WAITERS | w.task.tid | 0);
  k.futexes.remove(w);
  w.woken = true;
  const st = statesOf(mm).get(addr);
  if (st !== undefined) st.owner = w.task;
  release(k, mm, addr);
  return true;
}

/** exit_pi_state_list: each contended lock the dying task `t` owns goes to its first waiter, with OWNER_DIED. */
export function exitPiStateList(k: Kernel, t: Task): void {
  const mm = t.proc.mm,
    held = states.get(mm);
  if (held === undefined || held.size === 0) return; // no PI lock state: every exit comes here
  for (const [addr, st] of [...held]) {
    if (st.owner !== t) continue;
    try {
      handOver(k, mm, addr, true);
    } catch {
      // The lock word is gone (unmapped): nothing to hand over, as a failed cmpxchg in Linux.
      statesOf(mm).delete(addr);
    }
  }
}

/**
 * FUTEX_WAIT_REQUEUE_PI(uaddr, val, timeout, uaddr2) (futex_wait_requeue_pi): waits on
 * the plain futex `uaddr` until FUTEX_CMP_REQUEUE_PI gives it the PI lock `uaddr2` or
 * moves it there to wait for the lock; 0 once it owns the lock. The timeout is absolute
 * (CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME). A signal restarts the wait on `uaddr`;
 * once moved to the lock, it ends the call with EAGAIN (the value has changed anyway).
 */
export function waitRequeuePi(t: Task, a: SyscallArgs, realtime: boolean): SysResult {
  const p = t.proc,
    k = p.kernel,
    mm = p.mm;
  const [addr, val, addr2] = [a.ptr(0), a.int(2), a.ptr(4)];
  if (addr === addr2) return -EINVAL;
  const deadline = a.ptr(3) === 0 ? null : futexDeadline(t, a.ptr(3), true, realtime);
  const e = futexKey(t, addr2, a.int(1));
  if (e < 0) return e;
  if ((p.mem.read32(addr) | 0) !== val) return -EAGAIN;
  const w: FutexWaiter = { task: t, mm, addr, bitset: -1, woken: false, requeueTo: addr2 };
  k.futexes.enqueue(w);
  return block({
    poll: () => (w.woken ? 0 : null),
    deadline,
    timeout: () => -ETIMEDOUT,
    restart: "nointr",
    signalResult: () => (w.pi === true ? -EAGAIN : null),
    cancel: () => {
      k.futexes.remove(w);
      if (w.pi === true) release(k, mm, w.addr);
    },
  });
}

/**
 * FUTEX_CMP_REQUEUE_PI(uaddr, 1, nr_requeue, uaddr2, cmpval) (futex_requeue with
 * requeue_pi): the first waiter takes the PI lock `uaddr2` if it is free (woken, the word
 * gets WAITERS when more are to follow); the others, up to `nr_requeue` (one more when
 * the lock was held), move to the lock's queue. Returns how many were woken or moved.
 */
export function cmpRequeuePi(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc,
    k = p.kernel,
    mm = p.mm;
  const [addr, nrWake, nrRequeue, addr2, cmpval] = [a.ptr(0), a.int(2), a.int(3), a.ptr(4), a.int(5)];
  if (nrWake < 0 || nrRequeue < 0 || nrWake !== 1) return -EINVAL;
  const e = futexKey(t, addr2, a.int(1));
  if (e < 0) return e;
  if (addr === addr2) return -EINVAL;
  if ((p.mem.read32(addr) | 0) !== cmpval) return -EAGAIN;
  const top = k.futexes.waiters(mm, addr)[0];
  if (top === undefined) return 0;
  if (top.requeueTo !== addr2) return -EINVAL;
  let count = 0;
  // futex_proxy_trylock_atomic: futex_lock_pi_atomic on behalf of the first waiter.
  const uval = word(t, addr2);
  if ((uval & FUTEX_TID_MASK) === top.task.tid) return -EDEADLK;
  const lockQueued = k.futexes.waiters(mm, addr2);
  if (lockQueued.some((w) => w.pi !== true)) return -EINVAL;
  if (lockQueued.length === 0 && (uval & FUTEX_TID_MASK) === 0) {
    const more = nrRequeue > 0 ? FUTEX_WAITERS : 0;
    p.mem.write32(addr2, (uval & FUTEX_OWNER_DIED) | more | top.task.tid | 0);
    k.futexes.remove(top);
    top.woken = true;
    count = 1;
    statesOf(mm).set(addr2, { owner: top.task });
  } else {
    p.mem.write32(addr2, uval | FUTEX_WAITERS | 0);
    if (!statesOf(mm).has(addr2)) {
      const owner = k.findTask(uval & FUTEX_TID_MASK);
      if (owner === undefined) return -ESRCH;
      statesOf(mm).set(addr2, { owner });
    }
  }
  for (const w of k.futexes.waiters(mm, addr)) {
    if (count - nrWake >= nrRequeue) break;
    if (w.requeueTo !== addr2) return -EINVAL;
    k.futexes.remove(w);
    w.addr = addr2;
    w.pi = true;
    w.requeueTo = undefined;
    k.futexes.enqueue(w);
    count++;
  }
  release(k, mm, addr2);
  return count;
}
