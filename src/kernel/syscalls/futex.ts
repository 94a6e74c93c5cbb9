// SPDX-License-Identifier: MIT
// futex(2) (kernel/futex/): WAIT/WAKE with bitsets, REQUEUE/CMP_REQUEUE,
// WAKE_OP, the PI locks (futex-pi.ts); timeouts on the virtual clock; PRIVATE
// and shared keys alike per mm.
import { EAGAIN, EINVAL, ENOSYS, ETIMEDOUT } from "../errno.js";
import type { FutexWaiter } from "../sched/futex.js";
import type { Task } from "../task.js";
import { type SyscallArgs, type SysResult, block } from "./abi.js";
import { cmpRequeuePi, lockPi, unlockPi, waitRequeuePi } from "./futex-pi.js";
import { futexDeadline, futexKey } from "./futex-key.js";

const FUTEX_WAIT = 0;
const FUTEX_WAKE = 1;
const FUTEX_REQUEUE = 3;
const FUTEX_CMP_REQUEUE = 4;
const FUTEX_WAKE_OP = 5;
const FUTEX_LOCK_PI = 6;
const FUTEX_UNLOCK_PI = 7;
const FUTEX_TRYLOCK_PI = 8;
const FUTEX_WAIT_BITSET = 9;
const FUTEX_WAKE_BITSET = 10;
const FUTEX_WAIT_REQUEUE_PI = 11;
const FUTEX_CMP_REQUEUE_PI = 12;
const FUTEX_CLOCK_REALTIME = 256;
/** The highest operation number (FUTEX_LOCK_PI2): above it, ENOSYS without a look at the address. */
const FUTEX_LOCK_PI2 = 13;

function wait(t: Task, a: SyscallArgs, bitset: number, absolute: boolean): SysResult {
  const p = t.proc,
    k = p.kernel;
  const [addr, val, timeout] = [a.ptr(0), a.int(2), a.ptr(3)];
  if (addr % 4 !== 0) return -EINVAL;
  if (bitset === 0) return -EINVAL;
  const realtime = (a.int(1) & FUTEX_CLOCK_REALTIME) !== 0;
  const deadline = timeout === 0 ? null : futexDeadline(t, timeout, absolute, realtime);
  if ((p.mem.read32(addr) | 0) !== val) return -EAGAIN;
  const w: FutexWaiter = { task: t, mm: p.mm, addr, bitset, woken: false };
  k.futexes.enqueue(w);
  return block({
    // With a timeout Linux returns -ERESTART_RESTARTBLOCK: EINTR once a handler ran,
    // whatever SA_RESTART says; without one, -ERESTARTSYS (restarted under SA_RESTART).
    poll: () => (w.woken ? 0 : null),
    deadline,
    timeout: () => -ETIMEDOUT,
    restart: deadline === null ? "sys" : "block",
    cancel: () => k.futexes.remove(w),
  });
}

function wakeOp(t: Task, a: SyscallArgs): number {
  const p = t.proc,
    k = p.kernel;
  const [addr, n, n2, addr2, v3] = [a.ptr(0), a.int(2), a.int(3), a.ptr(4), a.int(5)];
  const op = (v3 >>> 28) & 7,
    cmp = (v3 >>> 24) & 15;
  let oparg = (v3 << 8) >> 20;
  const cmparg = (v3 << 20) >> 20;
  if (((v3 >>> 28) & 8) !== 0) oparg = 1 << (oparg & 31);
  const old = p.mem.read32(addr2) | 0;
  const ops = [oparg, old + oparg, old | oparg, old & ~oparg, old ^ oparg];
  if (op > 4) return -ENOSYS;
  p.mem.write32(addr2, ops[op]!);
  let r = k.futexes.wake(p.mm, addr, n);
  const tests = [old === cmparg, old !== cmparg, old < cmparg, old <= cmparg, old > cmparg, old >= cmparg];
  if (cmp > 5) return -ENOSYS;
  if (tests[cmp]) r += k.futexes.wake(p.mm, addr2, n2);
  return r;
}

export function futex(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc,
    f = p.kernel.futexes;
  const cmd = a.int(1) & 0x7f;
  if ((cmd === FUTEX_WAIT_BITSET || cmd === FUTEX_WAKE_BITSET) && a.int(5) === 0) return -EINVAL;
  if (cmd <= FUTEX_LOCK_PI2) {
    const e = futexKey(t, a.ptr(0), a.int(1));
    if (e < 0) return e;
  }
  switch (cmd) {
    case FUTEX_WAIT:
      return wait(t, a, -1, false);
    case FUTEX_WAIT_BITSET:
      return wait(t, a, a.int(5), true);
    case FUTEX_WAKE:
      return f.wake(p.mm, a.ptr(0), a.int(2));
    case FUTEX_WAKE_BITSET:
      return a.int(5) === 0 ? -EINVAL : f.wake(p.mm, a.ptr(0), a.int(2), a.int(5));
    case FUTEX_REQUEUE:
      return f.requeue(p.mm, a.ptr(0), a.int(2), a.ptr(4), a.int(3));
    case FUTEX_CMP_REQUEUE:
      if ((p.mem.read32(a.ptr(0)) | 0) !== a.int(5)) return -EAGAIN;
      return f.requeue(p.mm, a.ptr(0), a.int(2), a.ptr(4), a.int(3));
    case FUTEX_WAKE_OP:
      return wakeOp(t, a);
    case FUTEX_LOCK_PI:
      return lockPi(t, a, false, true);
    case FUTEX_LOCK_PI2:
      return lockPi(t, a, false, (a.int(1) & FUTEX_CLOCK_REALTIME) !== 0);
    case FUTEX_TRYLOCK_PI:
      return lockPi(t, a, true, true);
    case FUTEX_UNLOCK_PI:
      return unlockPi(t, a);
    case FUTEX_WAIT_REQUEUE_PI:
      return waitRequeuePi(t, a, (a.int(1) & FUTEX_CLOCK_REALTIME) !== 0);
    case FUTEX_CMP_REQUEUE_PI:
      return cmpRequeuePi(t, a);
    default:
      return -ENOSYS;
  }
}
