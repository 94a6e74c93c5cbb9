// SPDX-License-Identifier: MIT
// Creating tasks and processes (kernel/fork.c copy_process): a thread shares
// everything but its registers; a process gets a copy of the address space
// (pages shared copy-on-write) unless CLONE_VM shares it.
import type { Kernel } from "../kernel.js";
import { Mm, Process } from "../process.js";
import { Task, SS_DISABLE } from "../task.js";
import { copyContext } from "../context.js";
import { Rlimits } from "../mm/rlimit.js";
import { attachStack } from "../mm/vm.js";

export const CLONE_VM = 0x100;
export const CLONE_FS = 0x200;
export const CLONE_FILES = 0x400;
export const CLONE_SIGHAND = 0x800;
export const CLONE_VFORK = 0x4000;
export const CLONE_PARENT = 0x8000;
export const CLONE_THREAD = 0x10000;
export const CLONE_SETTLS = 0x80000;
export const CLONE_PARENT_SETTID = 0x100000;
export const CLONE_CHILD_CLEARTID = 0x200000;
export const CLONE_CHILD_SETTID = 0x1000000;

/** A copy of an address space with its break and mappings, on the same CPU (src/kernel/seat.ts). */
function copyMm(mm: Mm): Mm {
  const out = new Mm(mm.mem.clone(), mm.cpu.model, mm.cpu.lwp.random, mm);
  out.brk = mm.brk;
  out.brkStart = mm.brkStart;
  out.mappings.push(...mm.mappings.map((m) => ({ ...m })));
  out.stackStart = mm.stackStart;
  out.mmapBase = mm.mmapBase;
  out.layout = { ...mm.layout };
  out.auxv = mm.auxv;
  out.vmPeak = mm.vmPeak;
  return out;
}

/** A new task that resumes where `parent` is (after its SYSCALL) with RAX = 0. */
function childTask(tid: number, parent: Task, proc: Process, flags: number): Task {
  const t = new Task(tid, proc);
  copyContext(parent, t.ctx);
  t.ctx.regs[0] = 0;
  t.ctx.regs[1] = 0;
  t.sigMask = parent.sigMask;
  t.cred = parent.cred;
  t.comm = parent.comm;
  t.lwpDisabled = parent.lwpDisabled;
  t.lwpSignal = parent.lwpSignal;
  t.altStack =
    (flags & (CLONE_VM | CLONE_VFORK)) === CLONE_VM ? { sp: 0, size: 0, flags: SS_DISABLE } : { ...parent.altStack };
  return t;
}

/** A new thread in `parent`'s process. */
export function newThread(k: Kernel, parent: Task, flags: number): Task {
  const p = parent.proc;
  const t = childTask(k.allocId(), parent, p, flags);
  p.tasks.push(t);
  k.tasks.push(t);
  k.lwpProf?.onNewTask(parent, t);
  return t;
}

/** A new process (fork, vfork, clone without CLONE_THREAD); returns its first task. */
export function newProcess(k: Kernel, parent: Task, flags: number): Task {
  const pp = parent.proc;
  const pid = k.allocId();
  const mm = (flags & CLONE_VM) !== 0 ? pp.mm.retain() : copyMm(pp.mm);
  const child = new Process(k, pid, mm);
  child.rlimits = new Rlimits(pp.rlimits);
  if ((flags & CLONE_VM) === 0) attachStack(mm, child);
  const t = childTask(pid, parent, child, flags);
  child.tasks.push(t);
  child.fds = (flags & CLONE_FILES) !== 0 ? pp.fds : pp.fds.fork();
  child.sigHandlers =
    (flags & CLONE_SIGHAND) !== 0 ? pp.sigHandlers : new Map([...pp.sigHandlers].map(([s, a]) => [s, { ...a }]));
  child.exePath = pp.exePath;
  child.cwd = pp.cwd;
  child.pgid = pp.pgid;
  child.sid = pp.sid;
  child.exitSignal = flags & 0xff;
  child.parent = (flags & CLONE_PARENT) !== 0 && pp.parent !== null ? pp.parent : pp;
  child.parent.children.push(child);
  child.vforkDone = (flags & CLONE_VFORK) === 0;
  k.procs.set(pid, child);
  k.tasks.push(t);
  k.lwpProf?.onNewTask(parent, t);
  return t;
}
