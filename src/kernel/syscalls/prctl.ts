// SPDX-License-Identifier: MIT
// prctl(2) (kernel/sys.c) with the LWP controls this kernel adds: LWP as an
// operating-system feature is a per-task switch (docs/kernel.md "LWP as an OS feature"):
//   PR_LWP_DISABLE    0x4c575001  LWP instructions #UD (SIGILL) for this task and
//                                 every task it creates from now on; irreversible.
//   PR_LWP_GET        0x4c575002  1 if LWP is enabled for this task, 0 if not.
//   PR_LWP_SET_SIGNAL 0x4c575003  relay the LWP threshold interrupt as signal arg2
//                                 (0 = off, the default); -EINVAL if the CPU model
//                                 has no interrupt or LWP is disabled.
//   PR_LWP_GET_SIGNAL 0x4c575004  the relayed signal, 0 when off.
// The same constants are in include/lwp.h (LWP_PR_*), checked by a test.
import { EINVAL } from "../errno.js";
import { setLwpEnabled, syncLwpInterrupt } from "../context.js";
import type { Task } from "../task.js";
import { copyOut } from "../usercopy.js";
import { type SyscallArgs, type SysResult } from "./abi.js";

const PR_GET_DUMPABLE = 3;
const PR_SET_DUMPABLE = 4;
export const PR_GET_KEEPCAPS = 7;
export const PR_SET_KEEPCAPS = 8;
export const PR_SET_NAME = 15;
export const PR_GET_NAME = 16;
export const PR_LWP_DISABLE = 0x4c575001;
export const PR_LWP_GET = 0x4c575002;
export const PR_LWP_SET_SIGNAL = 0x4c575003;
export const PR_LWP_GET_SIGNAL = 0x4c575004;
/** TASK_COMM_LEN: a thread name has at most 15 bytes and its NUL. */
const TASK_COMM_LEN = 16;

function lwpOn(t: Task): boolean {
  return t.proc.kernel.opts.lwp && !t.lwpDisabled;
}

function setSignal(t: Task, sig: number): number {
  if (sig < 0 || sig > 64) return -EINVAL;
  if (sig !== 0 && !lwpOn(t)) return -EINVAL;
  const old = t.lwpSignal;
  t.lwpSignal = sig;
  if (!syncLwpInterrupt(t)) {
    t.lwpSignal = old;
    syncLwpInterrupt(t);
    return -EINVAL;
  }
  return 0;
}

function setKeepCaps(t: Task, on: number): number {
  if (on !== 0 && on !== 1) return -EINVAL;
  const next = t.cred.clone();
  next.keepCaps = on === 1;
  t.cred = next;
  return 0;
}

/** PR_SET_DUMPABLE's value per process (1 from the start: no set-id exec in lwp). */
const dumpable = new WeakMap<object, number>();

export function prctl(t: Task, a: SyscallArgs): SysResult {
  switch (a.u32(0)) {
    case PR_GET_DUMPABLE:
      return dumpable.get(t.proc) ?? 1;
    case PR_SET_DUMPABLE:
      if (a.u64(1) !== 0 && a.u64(1) !== 1) return -EINVAL;
      dumpable.set(t.proc, a.u64(1));
      return 0;
    case PR_GET_KEEPCAPS:
      return t.cred.keepCaps ? 1 : 0;
    case PR_SET_KEEPCAPS:
      return setKeepCaps(t, a.u64(1));
    case PR_SET_NAME:
      t.comm = t.proc.mem.readCString(a.ptr(1), TASK_COMM_LEN - 1);
      return 0;
    case PR_GET_NAME: {
      const b = new Uint8Array(TASK_COMM_LEN);
      b.set(t.comm);
      copyOut(t, a.ptr(1), b);
      return 0;
    }
    case PR_LWP_DISABLE:
      t.lwpDisabled = true;
      t.lwpSignal = 0;
      syncLwpInterrupt(t);
      setLwpEnabled(t.proc.cpu, false);
      return 0;
    case PR_LWP_GET:
      return lwpOn(t) ? 1 : 0;
    case PR_LWP_SET_SIGNAL:
      return setSignal(t, a.int(1));
    case PR_LWP_GET_SIGNAL:
      return t.lwpSignal;
    default:
      return -EINVAL;
  }
}
