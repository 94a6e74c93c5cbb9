// SPDX-License-Identifier: MIT
// prctl(2) (kernel/sys.c) with the LWP controls this kernel adds (the per-task
// switch asked for on LKML in 2011, "LWP as an OS feature" in design.md):
//   PR_LWP_DISABLE    0x4c575001  LWP instructions #UD (SIGILL) for this task and
//                                 every task it creates from now on; irreversible.
//   PR_LWP_GET        0x4c575002  1 if LWP is enabled for this task, 0 if not.
//   PR_LWP_SET_SIGNAL 0x4c575003  relay the LWP threshold interrupt as signal arg2
//                                 (0 = off, the default); -EINVAL if the CPU model
//                                 has no interrupt or LWP is disabled.
//   PR_LWP_GET_SIGNAL 0x4c575004  the relayed signal, 0 when off.
// The same constants are in include/lwp.h (LWP_PR_*).
import { EINVAL } from "../errno.js";
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import { setLwpEnabled, syncLwpInterrupt } from "../context.js";
import { type SyscallRow, sys } from "./types.js";
import { guarded } from "./util.js";

export const PR_SET_NAME = 15;
export const PR_GET_NAME = 16;
export const PR_LWP_DISABLE = 0x4c575001;
export const PR_LWP_GET = 0x4c575002;
export const PR_LWP_SET_SIGNAL = 0x4c575003;
export const PR_LWP_GET_SIGNAL = 0x4c575004;

function lwpOn(k: Kernel, p: Process): boolean {
  return k.opts.lwp && !p.current.lwpDisabled;
}

function setSignal(k: Kernel, p: Process, sig: number): number {
  const t = p.current;
  if (sig < 0 || sig > 64) return -EINVAL;
  if (sig !== 0 && !lwpOn(k, p)) return -EINVAL;
  const old = t.lwpSignal;
  t.lwpSignal = sig;
  if (!syncLwpInterrupt(t)) { t.lwpSignal = old; syncLwpInterrupt(t); return -EINVAL; }
  return 0;
}

function prctl(k: Kernel, p: Process, a: readonly number[]): number {
  const t = p.current;
  switch (a[0]! >>> 0) {
    case PR_SET_NAME: return guarded(() => { t.comm = p.mem.readCString(a[1]!, 16).subarray(0, 15); return 0; });
    case PR_GET_NAME: return guarded(() => { const b = new Uint8Array(16); b.set(t.comm); p.mem.writeBytes(a[1]!, b); return 0; });
    case PR_LWP_DISABLE:
      t.lwpDisabled = true;
      t.lwpSignal = 0;
      syncLwpInterrupt(t);
      setLwpEnabled(p.cpu, false);
      return 0;
    case PR_LWP_GET: return lwpOn(k, p) ? 1 : 0;
    case PR_LWP_SET_SIGNAL: return setSignal(k, p, a[1]! | 0);
    case PR_LWP_GET_SIGNAL: return t.lwpSignal;
    default: return -EINVAL;
  }
}

export const PRCTL_SYSCALLS: readonly SyscallRow[] = [
  sys(157, "prctl", ["hex", "hex", "hex", "hex", "hex"], prctl),
];


