// SPDX-License-Identifier: MIT
// What every futex operation checks first (kernel/futex/core.c get_futex_key) and
// how its timeouts read, shared by futex.ts and futex-pi.ts.
import { EFAULT, EINVAL } from "../errno.js";
import type { Task } from "../task.js";
import { tryAccess } from "../usercopy.js";
import { PAGE_SIZE, USER_LIMIT } from "../../hw/memory/address-space.js";
import { readTimespecNs } from "./time.js";

/** FUTEX_PRIVATE_FLAG: the key is the mm and the address (no mapping check). */
const FUTEX_PRIVATE_FLAG = 128;

/** The virtual-clock deadline of a futex timeout at `timeout` (a timespec, relative or absolute). */
export function futexDeadline(t: Task, timeout: number, absolute: boolean, realtime: boolean): bigint {
  const k = t.proc.kernel;
  const ns = readTimespecNs(t, timeout);
  let deadline = absolute ? ns - (realtime ? k.realtimeNs() - k.monotonicNs() : 0n) : k.monotonicNs() + ns;
  if (k.opts.hostTime) deadline = k.clockNs() + (deadline - k.monotonicNs());
  return deadline;
}

/**
 * get_futex_key: a misaligned address is EINVAL, one past TASK_SIZE_MAX EFAULT,
 * and a shared (not FUTEX_PRIVATE_FLAG) futex must be mapped memory (EFAULT).
 */
export function futexKey(t: Task, addr: number, op: number): number {
  if (addr % 4 !== 0) return -EINVAL;
  if (addr > USER_LIMIT - PAGE_SIZE) return -EFAULT;
  if ((op & FUTEX_PRIVATE_FLAG) === 0 && tryAccess<number | null>(() => t.proc.mem.read32(addr), null) === null) {
    return -EFAULT;
  }
  return 0;
}
