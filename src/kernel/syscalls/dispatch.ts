// SPDX-License-Identifier: MIT
// The system call entry (arch/x86/entry/common.c do_syscall_64): the number in
// RAX selects the table row, the handler runs with the calling task and its
// six argument registers, and its result goes back in RAX, blocks the task or
// is dropped (the call did not return). A MemoryFault from a user copy is
// EFAULT and a SyscallError its errno, here and nowhere else.
import { MemoryFault } from "../../hw/memory/address-space.js";
import { EFAULT, ENOMEM, ENOSYS } from "../errno.js";
import { OutOfMemory } from "../../hw/memory/phys.js";
import { oomKill } from "../mm/oom.js";
import { traceCall, traceUnknown } from "../strace/trace.js";
import type { Task } from "../task.js";
import { SyscallArgs, type SysResult, SyscallError } from "./abi.js";
import { syscallRow } from "./table.js";

/** RDI, RSI, RDX, R10, R8, R9: the x86-64 system call argument registers. */
const ARG_REGS = [7, 6, 2, 10, 8, 9] as const;

/** The six argument registers, copied: a blocked call may read them when it finishes. */
function argsOf(r32: Int32Array): SyscallArgs {
  const h = new Int32Array(12);
  for (let i = 0; i < 6; i++) {
    const r = ARG_REGS[i]!;
    h[2 * i] = r32[2 * r]!;
    h[2 * i + 1] = r32[2 * r + 1]!;
  }
  return new SyscallArgs(h);
}

/** Runs the system call `t` (loaded on its CPU) has just entered with SYSCALL. */
export function dispatch(t: Task): void {
  const p = t.proc;
  const k = p.kernel;
  const c = p.cpu;
  const nr = c.r32[0]! >>> 0; // do_syscall_64 takes the number as an int
  const a = argsOf(c.r32);
  const row = syscallRow(nr);
  t.syscallNr = nr;
  if (row === undefined) {
    if (k.opts.strace) traceUnknown(k, t, nr, a);
    c.setReg(0, -ENOSYS);
    return;
  }
  if (k.opts.strace) k.straceHeld = [];
  const r = invoke(t, row.fn, a);
  if (k.opts.strace) {
    const held = k.straceHeld ?? [];
    k.straceHeld = null;
    traceCall(k, t, row, a, r, held);
  }
  if (typeof r === "number") {
    if (!t.exited && p.mm.loaded === t) c.setReg(0, r);
  } else if (r.kind === "block") t.blocker = r.blocker;
}

/** Runs a handler; a fault is EFAULT, a SyscallError its errno, no free frame the OOM killer and ENOMEM if the caller survives. */
function invoke(t: Task, fn: (t: Task, a: SyscallArgs) => SysResult, a: SyscallArgs): SysResult {
  try {
    return fn(t, a);
  } catch (e) {
    if (e instanceof MemoryFault) return -EFAULT;
    if (e instanceof SyscallError) return -e.errno;
    if (e instanceof OutOfMemory) {
      oomKill(t.proc.kernel);
      return -ENOMEM;
    }
    throw e;
  }
}
