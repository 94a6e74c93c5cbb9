// SPDX-License-Identifier: MIT
// Task switch on an Mm's CPU: the outgoing task's registers and XSAVE area are
// saved (XSAVE), the incoming task's restored (XRSTOR) — as Linux's
// switch_to/switch_fpu does, LWP state travelling in the XSAVE area.
import type { Cpu } from "../hw/cpu/cpu.js";
import { restoreXstate, saveXstate } from "./fpu.js";
import type { Mm } from "./process.js";
import type { SavedContext, Task } from "./task.js";
import { MSR_LWP_CFG } from "../hw/lwp/msr.js";
import { XCR0_HI_LWP } from "../hw/lwp/unit.js";
import { FLAG_INT } from "../hw/lwp/lwpcb.js";
import { CpuException } from "../hw/cpu/exits.js";

/** Vector programmed into LWP_CFG[47:40] when a task asks for the threshold interrupt. */
const LWP_VECTOR = 0xef;

function saveContext(c: Cpu, ctx: SavedContext): void {
  ctx.regs.set(c.r32);
  ctx.rip = c.rip;
  ctx.fsBase = c.fsBase;
  ctx.gsBase = c.gsBase;
  ctx.rflags = c.f.rflags;
  saveXstate(c, ctx.xsave);
}

function restoreContext(c: Cpu, ctx: SavedContext): void {
  c.r32.set(ctx.regs);
  c.rip = ctx.rip;
  c.fsBase = ctx.fsBase;
  c.gsBase = ctx.gsBase;
  c.f.rflags = ctx.rflags;
  restoreXstate(c, ctx.xsave);
}

/** Puts `t`'s state on its Mm's CPU (no-op when it is already loaded). */
export function loadTask(t: Task, lwpBoot: boolean): void {
  const mm: Mm = t.proc.mm;
  if (mm.loaded === t) return;
  const c = mm.cpu;
  if (mm.loaded !== null && !mm.loaded.exited) saveContext(c, mm.loaded.ctx);
  c.spaces.switchTo(mm.mem); // another process on the same CPU (src/kernel/seat.ts)
  setLwpEnabled(c, lwpBoot && !t.lwpDisabled);
  restoreContext(c, t.ctx);
  mm.loaded = t;
  syncLwpInterrupt(t);
}

/**
 * Programs LWP_CFG's interrupt enable (bit 31) and vector for the task on its CPU:
 * on when the task relays the interrupt as a signal. False if the model has no interrupt.
 */
export function syncLwpInterrupt(t: Task): boolean {
  const c = t.proc.mm.cpu;
  try {
    const cfg = c.rdmsr(MSR_LWP_CFG);
    const on = t.lwpSignal !== 0 || t.lwpProf !== null; // the kernel's own rings need the interrupt too
    let lo = Number(cfg & 0xffffffffn);
    lo = on ? lo | FLAG_INT : lo & ~FLAG_INT;
    const hi = on ? (Number(cfg >> 32n) & ~0xff00) | (LWP_VECTOR << 8) : Number(cfg >> 32n);
    if ((Number(cfg & 0xffffffffn) | 0) === (lo | 0) && Number(cfg >> 32n) === hi) return true;
    c.wrmsr(MSR_LWP_CFG, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
    return true;
  } catch (e) {
    if (e instanceof CpuException) return false;
    throw e;
  }
}

/** XCR0 bit 62 per task: the switch behind --no-lwp and prctl(PR_SET_LWP_DISABLE). */
export function setLwpEnabled(c: Cpu, on: boolean): void {
  if (on) c.xcr0Hi |= XCR0_HI_LWP;
  else c.xcr0Hi &= ~XCR0_HI_LWP;
}

/** Copies the register file of `from` (loaded or saved) into `to`'s saved context. */
export function copyContext(from: Task, to: SavedContext): void {
  const mm = from.proc.mm;
  if (mm.loaded === from) saveContext(mm.cpu, to);
  else {
    to.regs.set(from.ctx.regs);
    to.rip = from.ctx.rip;
    to.fsBase = from.ctx.fsBase;
    to.gsBase = from.ctx.gsBase;
    to.rflags = from.ctx.rflags;
    to.xsave.set(from.ctx.xsave);
  }
}

/** Reads or writes a general register of a task wherever its state lives. */
export function taskReg(t: Task, r: number): number {
  const mm = t.proc.mm;
  if (mm.loaded === t) return mm.cpu.getReg(r);
  return t.ctx.regs[2 * r + 1]! * 4294967296 + (t.ctx.regs[2 * r]! >>> 0);
}

export function setTaskReg(t: Task, r: number, v: number): void {
  const mm = t.proc.mm;
  if (mm.loaded === t) {
    mm.cpu.setReg(r, v);
    return;
  }
  t.ctx.regs[2 * r] = v % 4294967296;
  t.ctx.regs[2 * r + 1] = Math.floor(v / 4294967296);
}

export function setTaskRip(t: Task, rip: number): void {
  const mm = t.proc.mm;
  if (mm.loaded === t) mm.cpu.rip = rip;
  else t.ctx.rip = rip;
}

export function taskRip(t: Task): number {
  const mm = t.proc.mm;
  return mm.loaded === t ? mm.cpu.rip : t.ctx.rip;
}
