// SPDX-License-Identifier: MIT
// futex(2) (kernel/futex/): WAIT/WAKE with bitsets, REQUEUE/CMP_REQUEUE,
// WAKE_OP; timeouts on the virtual clock; PRIVATE and shared keys alike per mm.
import { EAGAIN, EINVAL, ENOSYS, ETIMEDOUT } from "../errno.js";
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import type { FutexWaiter } from "../sched/futex.js";
import { BLOCK, type SyscallRow, sys } from "./types.js";
import { guarded } from "./util.js";
import { readTimespecNs } from "./time.js";

const FUTEX_WAIT = 0;
const FUTEX_WAKE = 1;
const FUTEX_REQUEUE = 3;
const FUTEX_CMP_REQUEUE = 4;
const FUTEX_WAKE_OP = 5;
const FUTEX_WAIT_BITSET = 9;
const FUTEX_WAKE_BITSET = 10;
const FUTEX_CLOCK_REALTIME = 256;

function wait(k: Kernel, p: Process, a: readonly number[], bitset: number, absolute: boolean): number {
  const [addr, val, timeout] = [a[0]!, a[2]! | 0, a[3]!];
  if (addr % 4 !== 0) return -EINVAL;
  if (bitset === 0) return -EINVAL;
  let deadline: bigint | null = null;
  if (timeout !== 0) {
    const ns = readTimespecNs(p, timeout);
    if (ns === null) return -EINVAL;
    const realtime = ((a[1]! | 0) & FUTEX_CLOCK_REALTIME) !== 0;
    deadline = absolute ? ns - (realtime ? k.realtimeNs() - k.monotonicNs() : 0n) : k.monotonicNs() + ns;
    if (k.opts.hostTime) deadline = k.clockNs() + (deadline - k.monotonicNs());
  }
  if ((p.mem.read32(addr) | 0) !== val) return -EAGAIN;
  const w: FutexWaiter = { task: p.current, mm: p.mm, addr, bitset, woken: false };
  k.futexes.enqueue(w);
  p.current.blocker = {
    // With a timeout Linux returns -ERESTART_RESTARTBLOCK: EINTR once a handler ran,
    // whatever SA_RESTART says; without one, -ERESTARTSYS (restarted under SA_RESTART).
    poll: () => (w.woken ? 0 : null), deadline, timeout: () => -ETIMEDOUT, restart: deadline === null ? "sys" : "block",
    cancel: () => k.futexes.remove(w),
  };
  return BLOCK;
}

function wakeOp(k: Kernel, p: Process, a: readonly number[]): number {
  const [addr, n, n2, addr2, v3] = [a[0]!, a[2]! | 0, a[3]! | 0, a[4]!, a[5]! | 0];
  const op = (v3 >>> 28) & 7, cmp = (v3 >>> 24) & 15;
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

function futex(k: Kernel, p: Process, a: readonly number[]): number {
  const cmd = (a[1]! | 0) & 0x7f;
  return guarded(() => {
    switch (cmd) {
      case FUTEX_WAIT: return wait(k, p, a, -1, false);
      case FUTEX_WAIT_BITSET: return wait(k, p, a, a[5]! | 0, true);
      case FUTEX_WAKE: return k.futexes.wake(p.mm, a[0]!, a[2]! | 0);
      case FUTEX_WAKE_BITSET: return (a[5]! | 0) === 0 ? -EINVAL : k.futexes.wake(p.mm, a[0]!, a[2]! | 0, a[5]! | 0);
      case FUTEX_REQUEUE: return k.futexes.requeue(p.mm, a[0]!, a[2]! | 0, a[4]!, a[3]! | 0);
      case FUTEX_CMP_REQUEUE:
        if ((p.mem.read32(a[0]!) | 0) !== (a[5]! | 0)) return -EAGAIN;
        return k.futexes.requeue(p.mm, a[0]!, a[2]! | 0, a[4]!, a[3]! | 0);
      case FUTEX_WAKE_OP: return wakeOp(k, p, a);
      default: return -ENOSYS;
    }
  });
}

export const FUTEX_SYSCALLS: readonly SyscallRow[] = [
  sys(202, "futex", ["ptr", "hex", "int", "ptr", "ptr", "hex"], futex),
];
