// SPDX-License-Identifier: MIT
// Control transfer: JMP Jcc CALL RET JRCXZ/JECXZ LOOP/LOOPE/LOOPNE
// (AMD APM Vol. 3; near forms only — far transfers #UD/#GP in Linux user mode).
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import { type Builder, type InsnRow, type Op, row } from "../translate/types.js";
import { isMem, prepareEa, reader, readerHi, withEa } from "../translate/operands.js";
import { popAddr, pushAddr, rsp, setRsp } from "./stack-ops.js";

export const CONTROL_ROWS: readonly InsnRow[] = [
  row("JMP", jmp),
  ...["JO", "JNO", "JB", "JAE", "JE", "JNE", "JBE", "JA", "JS", "JNS", "JP", "JNP", "JL", "JGE", "JLE", "JG"].map((m) => row(m, jcc)),
  row("CALL", call),
  row("RET", ret),
  row("JRCXZ", jrcxz(64)),
  row("JECXZ", jrcxz(32)),
  row("LOOP", loop(-1)),
  row("LOOPE", loop(1)),
  row("LOOPNE", loop(0)),
];

const TWO32 = 4294967296;

/** Reads an indirect branch target (r/m64) as a Number. */
function targetReader(i: Insn): ((c: Cpu) => number) | null {
  const o = i.ops[0];
  if (o === undefined || o.size !== 64) return null;
  const lo = reader(o), hi = readerHi(o);
  return (c) => hi(c) * TWO32 + (lo(c) >>> 0);
}

function jmp(i: Insn): Op | null {
  if (i.branchTarget !== 0 || i.ops[0]?.kind === 3) {
    const t = i.branchTarget;
    return (c) => { c.rip = t; };
  }
  const rd = targetReader(i);
  if (rd === null) return null;
  return withEa(prepareEa(i), (c) => { c.rip = rd(c); });
}

function jcc(i: Insn): Op | null {
  const t = i.branchTarget, cc = i.cc;
  if (cc < 0) return null;
  return (c) => { if (c.f.cond(cc)) c.rip = t; };
}

function call(i: Insn): Op | null {
  const next = i.next;
  if (i.ops[0]?.kind === 3) {
    const t = i.branchTarget;
    return (c) => { pushAddr(c, next); c.rip = t; };
  }
  const rd = targetReader(i);
  if (rd === null) return null;
  // The target is read before the push (CALL [RSP+x] sees the old RSP).
  return withEa(prepareEa(i), (c) => { const t = rd(c); pushAddr(c, next); c.rip = t; });
}

function ret(i: Insn): Op | null {
  const extra = i.ops[0] !== undefined ? i.ops[0].immLo & 0xffff : 0;
  if (extra === 0) return (c) => { c.rip = popAddr(c); };
  return (c) => { c.rip = popAddr(c); setRsp(c, rsp(c) + extra); };
}

function jrcxz(sz: number): Builder {
  return (i) => {
    const t = i.branchTarget;
    if (sz === 64) return (c) => { if (c.r32[2] === 0 && c.r32[3] === 0) c.rip = t; };
    return (c) => { if (c.r32[2] === 0) c.rip = t; };
  };
}

/** LOOP (zf = -1), LOOPE (zf = 1), LOOPNE (zf = 0): decrement rCX without touching flags. */
function loop(zf: number): Builder {
  return (i) => {
    const t = i.branchTarget;
    const addr32 = i.bytes[0] === 0x67;
    return (c) => {
      const r = c.r32;
      const lo = (r[2]! - 1) | 0;
      if (!addr32 && r[2] === 0) r[3] = (r[3]! - 1) | 0;
      r[2] = lo;
      if (addr32) r[3] = 0;
      const nz = lo !== 0 || (!addr32 && r[3] !== 0);
      if (nz && (zf < 0 || c.f.zf() === (zf === 1))) c.rip = t;
    };
  };
}

export { isMem };
