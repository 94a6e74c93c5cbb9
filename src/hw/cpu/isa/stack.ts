// SPDX-License-Identifier: MIT
// Stack instructions: PUSH POP LEAVE ENTER PUSHF POPF (AMD APM Vol. 3).
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import { type InsnRow, type Op, row } from "../translate/types.js";
import { OK_IMM, OK_MEM, RC_SEG } from "../decode.js";
import { CpuException, VEC_GP } from "../exits.js";
import { EXIT_REPICK, STEP_FLAGS } from "../step-flags.js";
import { prepareEa, reader, readerHi, withEa, writer } from "../translate/operands.js";
import { pop16, pop64, push16, push64, rsp, setRsp } from "./stack-ops.js";

export const STACK_ROWS: readonly InsnRow[] = [
  row("PUSH", push),
  row("POP", pop),
  row("LEAVE", (i) => (i.form === "Leavew" ? leave16 : leave)),
  row("ENTER", enter),
  row("PUSHFQ", () => (c: Cpu) => push64(c, c.f.rflags & ~0x30000, 0)),
  row("POPFQ", () => (c: Cpu) => {
    pop64(c);
    c.f.rflags = c.t0;
    stepIfTraced(c);
  }),
  row("PUSHF", () => (c: Cpu) => push16(c, c.f.rflags & 0xffff)),
  row("POPF", () => (c: Cpu) => {
    c.f.rflags = (c.f.rflags & ~0xffff) | pop16(c);
    stepIfTraced(c);
  }),
];

/** After a flags load: with TF or AC set, the run loop must pick the stepping loop (cpu/step.ts). */
export function stepIfTraced(c: Cpu): void {
  if ((c.f.other & STEP_FLAGS) !== 0 && c.pendingExit === null) c.pendingExit = EXIT_REPICK;
}

function push(i: Insn): Op | null {
  const s = i.ops[0]!;
  // PUSH FS/GS: Linux user code runs with null FS/GS selectors; the 64-bit form zero-extends.
  if (s.rclass === RC_SEG) return i.form.startsWith("Pushw") ? (c) => push16(c, 0) : (c) => push64(c, 0, 0);
  // Immediates and memory operands are pushed at the operand size (64 unless 66h).
  const sz = s.kind === OK_IMM ? (i.form.startsWith("Pushq") ? 64 : 16) : s.size;
  if (sz === 16) {
    const rd = reader(s, 16);
    return withEa(prepareEa(i), (c) => push16(c, rd(c)));
  }
  const lo = reader(s, 64),
    hi = readerHi(s, 64);
  return withEa(prepareEa(i), (c) => push64(c, lo(c), hi(c)));
}

function pop(i: Insn): Op | null {
  const d = i.ops[0]!;
  if (d.rclass === RC_SEG) return popSeg(i.form.startsWith("Popw") ? 16 : 64, d.reg === 4);
  const w = writer(d);
  if (d.kind !== OK_MEM) {
    if (d.size === 16) return (c) => w(c, pop16(c), 0);
    return (c) => {
      pop64(c);
      w(c, c.t0, c.t1);
    };
  }
  // POP [mem]: RSP is incremented before the address is computed (APM "POP").
  const ea = prepareEa(i)!;
  const n = d.size === 16 ? 2 : 8;
  return (c) => {
    const sp = rsp(c);
    const lo = n === 2 ? c.mem.read16(sp) : c.mem.read32(sp);
    const hi = n === 2 ? 0 : c.mem.read32(sp + 4);
    setRsp(c, sp + n);
    c.ea = ea(c);
    try {
      w(c, lo, hi);
    } catch (e) {
      setRsp(c, sp);
      throw e;
    }
  };
}

/**
 * POP FS/GS: a null selector clears the base (this EPYC, like Zen 3+ with
 * "null selector clears base": measured with ARCH_GET_FS after `pop %fs`), the
 * flat user data/code selectors load base 0; any other selector is #GP.
 */
function popSeg(sz: number, fs: boolean): Op {
  return (c) => {
    const sp = rsp(c);
    const v = sz === 16 ? c.mem.read16(sp) : c.mem.read32(sp) & 0xffff;
    if ((v & 0xfffc) !== 0 && v !== 0x2b && v !== 0x33) throw new CpuException(VEC_GP, v & 0xfffc);
    if (fs) c.fsBase = 0;
    else c.gsBase = 0;
    setRsp(c, sp + sz / 8);
  };
}

/** LEAVE (16-bit operand size): RSP ← RBP; BP ← pop16. */
function leave16(c: Cpu): void {
  const r = c.r32;
  const sp = r[11]! * 4294967296 + (r[10]! >>> 0);
  c.r16[20] = c.mem.read16(sp);
  setRsp(c, sp + 2);
}

/** LEAVE: RSP ← RBP; RBP ← pop. */
function leave(c: Cpu): void {
  const r = c.r32;
  const sp = r[11]! * 4294967296 + (r[10]! >>> 0);
  const lo = c.mem.read32(sp),
    hi = c.mem.read32(sp + 4);
  r[10] = lo;
  r[11] = hi;
  setRsp(c, sp + 8);
}

/**
 * ENTER size, level (APM Vol. 3 "ENTER"): push rBP, copy level-1 frame
 * pointers from the old frame, push the new frame pointer, then rBP ← frame
 * and RSP ← RSP − size. 66h selects 16-bit pushes and BP. The new stack
 * top is read-checked last, as on the host (AMD EPYC).
 */
function enter(i: Insn): Op | null {
  const size = i.ops[0]!.immLo & 0xffff;
  const level = i.ops[1]!.immLo & 0x1f;
  const n = i.form.startsWith("Enterw") ? 2 : 8;
  return (c) => {
    const r = c.r32;
    let sp = rsp(c) - n;
    let bp = r[11]! * 4294967296 + (r[10]! >>> 0);
    if (n === 8) c.mem.write64(sp, r[10]!, r[11]!);
    else c.mem.write16(sp, c.r16[20]!);
    const frame = sp;
    if (level > 0) {
      for (let k = 1; k < level; k++) {
        bp -= n;
        sp -= n;
        copyFrameWord(c, bp, sp, n);
      }
      sp -= n;
      if (n === 8) c.mem.write64(sp, frame >>> 0, Math.floor(frame / 4294967296));
      else c.mem.write16(sp, frame & 0xffff);
    }
    // The host touches the new stack top (a read check) after the pushes.
    c.mem.probeRead(sp - size, 1);
    if (n === 8) {
      r[10] = frame >>> 0;
      r[11] = Math.floor(frame / 4294967296);
    } else c.r16[20] = frame & 0xffff;
    setRsp(c, sp - size);
  };
}

function copyFrameWord(c: Cpu, from: number, to: number, n: number): void {
  if (n === 2) {
    c.mem.write16(to, c.mem.read16(from));
    return;
  }
  const lo = c.mem.read32(from),
    hi = c.mem.read32(from + 4);
  c.mem.write64(to, lo, hi);
}
