// SPDX-License-Identifier: MIT
// The x86-64 rt_sigframe (arch/x86/kernel/signal.c, signal_64.c; uapi
// asm/sigcontext.h, asm/ucontext.h): pretcode, ucontext with the sigcontext and
// the old mask, siginfo, and the XSAVE-format fpstate with its fpx_sw_bytes
// magic, 64-byte aligned above the frame, written by the CPU's own XSAVE
// (src/hw/cpu/xstate, every registered component). rt_sigreturn validates and restores it.
import { forgetXrstor } from "../../hw/cpu/xstate/modified.js";
import type { Cpu } from "../../hw/cpu/cpu.js";
import { MemoryFault } from "../../hw/memory/address-space.js";
import { AC, AF, CF, DF, OF, PF, SF, TF, ZF } from "../../hw/cpu/flags.js";
import { initXstate, xstateSize } from "../fpu.js";
import { fxrstor, xrstor, xsave } from "../../hw/cpu/xstate/xsave.js";
import { CpuException } from "../../hw/cpu/exits.js";
import type { SigAction } from "../signals.js";
import { SA_ONSTACK, SA_RESTORER, UNBLOCKABLE } from "../signals.js";
import { type Task, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK } from "../task.js";
import { encodeSiginfo, type Siginfo } from "./queue.js";

const FP_XSTATE_MAGIC1 = 0x46505853;
const FP_XSTATE_MAGIC2 = 0x46505845;
const UC_FP_XSTATE = 1;
const UC_SIGCONTEXT_SS = 2;
const UC_STRICT_RESTORE_SS = 4;
/** Offsets in struct rt_sigframe. */
const UC = 8;
const MCTX = UC + 40;
const UC_SIGMASK = UC + 296;
const INFO = UC + 304;
const FRAME_SIZE = INFO + 128;
const REDZONE = 128;
/** sigcontext slot of each general register, in our register numbering (rax=0 … r15=15). */
const SC_SLOT = [13, 14, 12, 11, 15, 10, 9, 8, 0, 1, 2, 3, 4, 5, 6, 7];
/** Flags sigreturn takes from the frame (FIX_EFLAGS). */
const FIX_EFLAGS = AC | OF | DF | TF | SF | ZF | AF | PF | CF;

/** Where the alternate stack stands relative to `sp` (sas_ss_flags). */
export function altStackFlags(t: Task, sp: number): number {
  const a = t.altStack;
  if ((a.flags & SS_DISABLE) !== 0 || a.size === 0) return SS_DISABLE;
  if ((a.flags & SS_AUTODISARM) !== 0) return 0;
  return sp > a.sp && sp - a.sp <= a.size ? SS_ONSTACK : 0;
}

function writeStackT(buf: DataView, o: number, t: Task): void {
  buf.setBigUint64(o, BigInt(t.altStack.sp), true);
  buf.setInt32(o + 8, t.altStack.flags, true);
  buf.setBigUint64(o + 16, BigInt(t.altStack.size), true);
}

function writeMcontext(v: DataView, c: Cpu, t: Task, fpstate: number): void {
  for (let r = 0; r < 16; r++) v.setBigUint64(MCTX + 8 * SC_SLOT[r]!, c.getReg64(r), true);
  v.setBigUint64(MCTX + 128, BigInt(c.rip), true);
  v.setBigUint64(MCTX + 136, BigInt(c.f.rflags), true);
  v.setUint16(MCTX + 144, 0x33, true); // cs
  v.setUint16(MCTX + 150, 0x2b, true); // ss
  v.setBigUint64(MCTX + 152, BigInt(t.errCode), true);
  v.setBigUint64(MCTX + 160, BigInt(t.trapNo), true);
  v.setBigUint64(MCTX + 168, t.sigMask & 0xffffffffn, true); // oldmask (unused on 64-bit, but filled)
  v.setBigUint64(MCTX + 176, BigInt(t.cr2), true);
  v.setBigUint64(MCTX + 184, BigInt(fpstate), true);
}

/**
 * XSAVE of the user state to the fpstate at `at` (copy_fpstate_to_sigframe), with
 * fpx_sw_bytes in the FXSAVE reserved area, FP|SSE forced into XSTATE_BV and MAGIC2 after it.
 */
function writeFpstate(c: Cpu, at: number): void {
  const size = xstateSize(c);
  const m = c.mem;
  m.writeBytes(at, new Uint8Array(size + 4));
  xsave(c, at, true, false, [c.xcr0Lo, c.xcr0Hi]);
  m.write32(at + 464, FP_XSTATE_MAGIC1);
  m.write32(at + 468, size + 4);
  m.write32(at + 472, c.xcr0Lo);
  m.write32(at + 476, c.xcr0Hi);
  m.write32(at + 480, size);
  m.write32(at + 512, m.read32(at + 512) | 3);
  m.write32(at + size, FP_XSTATE_MAGIC2);
}

/**
 * Builds the frame for a handler on the task's (loaded) CPU and points the
 * registers at the handler. Returns false when the stack cannot take it (→ SIGSEGV).
 */
export function setupFrame(t: Task, si: Siginfo, act: SigAction, oldMask: bigint): boolean {
  const c = t.proc.cpu;
  const mem = t.proc.mem;
  const rsp = c.getReg(4);
  let sp = rsp - REDZONE;
  const onAlt = altStackFlags(t, rsp) === SS_ONSTACK;
  if ((act.flags & SA_ONSTACK) !== 0 && altStackFlags(t, rsp) === 0) sp = t.altStack.sp + t.altStack.size;
  const fpstate = Math.floor((sp - xstateSize(c) - 4) / 64) * 64;
  sp = fpstate - FRAME_SIZE;
  sp = sp - (sp % 16) - 8;
  if (onAlt && sp < t.altStack.sp) return false; // frame would overflow the alternate stack
  const frame = new Uint8Array(FRAME_SIZE);
  const v = new DataView(frame.buffer);
  v.setBigUint64(0, BigInt((act.flags & SA_RESTORER) !== 0 ? act.restorer : 0), true);
  v.setBigUint64(UC, BigInt(UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS), true);
  writeStackT(v, UC + 16, t);
  writeMcontext(v, c, t, fpstate);
  v.setBigUint64(UC_SIGMASK, oldMask, true);
  frame.set(encodeSiginfo(si), INFO);
  try {
    writeFpstate(c, fpstate);
    mem.writeBytes(sp, frame);
  } catch (e) {
    if (e instanceof MemoryFault) return false;
    throw e;
  }
  if ((t.altStack.flags & SS_AUTODISARM) !== 0) t.altStack = { sp: 0, size: 0, flags: SS_DISABLE };
  enterHandler(c, sp, si.signo, act.handler);
  return true;
}

function enterHandler(c: Cpu, sp: number, sig: number, handler: number): void {
  c.setReg(4, sp);
  c.setReg(7, sig);
  c.setReg(6, sp + INFO);
  c.setReg(2, sp + UC);
  c.setReg(0, 0);
  c.rip = handler;
  c.f.rflags = c.f.rflags & ~(DF | TF);
  initXstate(c);
}

/**
 * rt_sigreturn: restores registers, mask, alternate stack and FPU state from the
 * frame at RSP-8. Returns false for a frame Linux rejects (unreadable, misaligned
 * or invalid fpstate) — the caller then forces SIGSEGV.
 */
export function restoreFrame(t: Task): boolean {
  const c = t.proc.cpu;
  const frameAt = c.getReg(4) - 8;
  let frame: Uint8Array;
  try {
    frame = t.proc.mem.readBytes(frameAt, FRAME_SIZE);
  } catch (e) {
    if (e instanceof MemoryFault) return false;
    throw e;
  }
  const v = new DataView(frame.buffer);
  t.sigMask = v.getBigUint64(UC_SIGMASK, true) & ~UNBLOCKABLE;
  for (let r = 0; r < 16; r++) c.setReg64(r, v.getBigUint64(MCTX + 8 * SC_SLOT[r]!, true));
  c.rip = Number(v.getBigUint64(MCTX + 128, true));
  const fl = Number(v.getBigUint64(MCTX + 136, true) & 0xffffffffn);
  c.f.rflags = (c.f.rflags & ~FIX_EFLAGS) | (fl & FIX_EFLAGS);
  restoreAltStack(t, v);
  return restoreFpstate(t, Number(v.getBigUint64(MCTX + 184, true)));
}

function restoreAltStack(t: Task, v: DataView): void {
  const sp = Number(v.getBigUint64(UC + 16, true));
  const flags = v.getInt32(UC + 24, true);
  const size = Number(v.getBigUint64(UC + 32, true));
  if (altStackFlags(t, t.proc.cpu.getReg(4)) === SS_ONSTACK) return; // restore_altstack fails silently on-stack
  if ((flags & SS_DISABLE) !== 0) t.altStack = { sp: 0, size: 0, flags: SS_DISABLE };
  else if (size >= 2048) t.altStack = { sp, size, flags: flags & SS_AUTODISARM };
}

/** fpu__restore_sig: NULL resets the FPU; otherwise XRSTOR (or FXRSTOR when the magic is missing). */
function restoreFpstate(t: Task, addr: number): boolean {
  const c = t.proc.cpu;
  forgetXrstor(c); // the kernel's XRSTOR at CPL 0
  if (addr === 0) {
    initXstate(c);
    return true;
  }
  if (addr % 64 !== 0) {
    initXstate(c);
    return false;
  }
  const size = xstateSize(c);
  const m = t.proc.mem;
  try {
    const swSize = m.read32(addr + 480) >>> 0;
    let fxOnly =
      m.read32(addr + 464) !== FP_XSTATE_MAGIC1 || swSize < 576 || swSize > size || swSize > m.read32(addr + 468) >>> 0;
    if (!fxOnly && m.read32(addr + swSize) !== FP_XSTATE_MAGIC2) fxOnly = true;
    if (fxOnly) fxrstor(c, addr, true);
    else xrstor(c, addr, true, [m.read32(addr + 472) & c.xcr0Lo, m.read32(addr + 476) & c.xcr0Hi]);
    return true;
  } catch (e) {
    if (e instanceof MemoryFault || e instanceof CpuException) {
      initXstate(c);
      return false;
    }
    throw e;
  }
}
