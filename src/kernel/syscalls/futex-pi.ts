// SPDX-License-Identifier: MIT
// Priority-inheritance futexes (kernel/futex/pi.c): FUTEX_LOCK_PI, LOCK_PI2,
// TRYLOCK_PI and UNLOCK_PI. The lock word holds the owner's TID with the
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
import { futexDeadline } from "./futex.js";

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
  const mm = t.proc.mm;
  for (const [addr, st] of [...statesOf(mm)]) {
    if (st.owner !== t) continue;
    try {
      handOver(k, mm, addr, true);
    } catch {
      // The lock word is gone (unmapped): nothing to hand over, as a failed cmpxchg in Linux.
      statesOf(mm).delete(addr);
    }
  }
}
