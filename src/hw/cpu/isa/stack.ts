// SPDX-License-Identifier: MIT
// Stack instructions: PUSH POP LEAVE ENTER PUSHF POPF (AMD APM Vol. 3).
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import { type InsnRow, type Op, row } from "../translate/types.js";
import { OK_IMM, OK_MEM } from "../decode.js";
import { prepareEa, reader, readerHi, withEa, writer } from "../translate/operands.js";
import { pop16, pop64, push16, push64, rsp, setRsp } from "./stack-ops.js";

export const STACK_ROWS: readonly InsnRow[] = [
  row("PUSH", push),
  row("POP", pop),
  row("LEAVE", () => leave),
  row("ENTER", enter),
  row("PUSHFQ", () => (c: Cpu) => push64(c, c.f.rflags & ~0x30000, 0)),
  row("POPFQ", () => (c: Cpu) => { pop64(c); c.f.rflags = c.t0; }),
  row("PUSHF", () => (c: Cpu) => push16(c, c.f.rflags & 0xffff)),
  row("POPF", () => (c: Cpu) => { c.f.rflags = (c.f.rflags & ~0xffff) | pop16(c); }),
];

function push(i: Insn): Op | null {
  const s = i.ops[0]!;
  // Immediates and memory operands are pushed at the operand size (64 unless 66h).
  const sz = s.kind === OK_IMM ? (i.form.startsWith("Pushq") ? 64 : 16) : s.size;
  if (sz === 16) {
    const rd = reader(s, 16);
    return withEa(prepareEa(i), (c) => push16(c, rd(c)));
  }
  const lo = reader(s, 64), hi = readerHi(s, 64);
  return withEa(prepareEa(i), (c) => push64(c, lo(c), hi(c)));
}

function pop(i: Insn): Op | null {
  const d = i.ops[0]!;
  const w = writer(d);
  if (d.size === 16) return withEa(prepareEa(i), (c) => w(c, pop16(c), 0));
  if (d.kind !== OK_MEM) return (c) => { pop64(c); w(c, c.t0, c.t1); };
  // POP [mem]: RSP is incremented before the address is computed (APM "POP").
  const ea = prepareEa(i)!;
  return (c) => {
    const sp = rsp(c);
    const lo = c.mem.read32(sp), hi = c.mem.read32(sp + 4);
    setRsp(c, sp + 8);
    c.ea = ea(c);
    try {
      w(c, lo, hi);
    } catch (e) {
      setRsp(c, sp);
      throw e;
    }
  };
}

/** LEAVE: RSP ← RBP; RBP ← pop. */
function leave(c: Cpu): void {
  const r = c.r32;
  const sp = r[11]! * 4294967296 + (r[10]! >>> 0);
  const lo = c.mem.read32(sp), hi = c.mem.read32(sp + 4);
  r[10] = lo;
  r[11] = hi;
  setRsp(c, sp + 8);
}

/** ENTER imm16, 0 (nesting levels > 0 are not emitted by compilers; #UD). */
function enter(i: Insn): Op | null {
  const size = i.ops[0]!.immLo & 0xffff;
  const level = i.ops[1]!.immLo & 0x1f;
  if (level !== 0) return null;
  return (c) => {
    const r = c.r32;
    push64(c, r[10]!, r[11]!);
    const frame = rsp(c);
    r[10] = frame >>> 0;
    r[11] = Math.floor(frame / 4294967296);
    setRsp(c, frame - size);
  };
}
