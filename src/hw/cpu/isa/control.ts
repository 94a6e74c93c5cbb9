// SPDX-License-Identifier: MIT
// Control transfer: JMP Jcc CALL RET JRCXZ/JECXZ LOOP/LOOPE/LOOPNE
// (AMD APM Vol. 3; near forms only — far transfers #UD/#GP in Linux user mode).
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import { CpuException, VEC_GP, VEC_UD } from "../exits.js";
import { PROT_EXEC } from "../../memory/address-space.js";
import { type Builder, type InsnRow, type Op, row } from "../translate/types.js";
import { type Rd, isMem, prepareEa, reader, readerHi, withEa } from "../translate/operands.js";
import { popAddr, pushAddr, rsp, setRsp } from "./stack-ops.js";

export const CONTROL_ROWS: readonly InsnRow[] = [
  row("JMP", jmp),
  ...["JO", "JNO", "JB", "JAE", "JE", "JNE", "JBE", "JA", "JS", "JNS", "JP", "JNP", "JL", "JGE", "JLE", "JG"].map((m) =>
    row(m, jcc),
  ),
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
  const lo = reader(o),
    hi = readerHi(o);
  // Low half first: a read crossing into a bad page faults at that page's first byte.
  return (c) => {
    const l = lo(c) >>> 0;
    return hi(c) * TWO32 + l;
  };
}

/**
 * Bytes of the far pointer of JMP/CALL FAR m16:16/m16:32/m16:64, 0 for other
 * forms. AMD ignores REX.W here: m16:64 reads an m16:32 pointer (APM Vol. 3 "JMP (Far)").
 */
function farPointerBytes(form: string): number {
  const m = /_m16(16|32|64)$/.exec(form);
  return m === null ? 0 : m[1] === "16" ? 4 : 6;
}

/**
 * JMP/CALL FAR through memory: the pointer is read; the 64-bit user code
 * selector (0x30..0x33) transfers within this mode (CALL pushes CS then the
 * return address at the operand size; REX.W pushes 8 bytes), any other selector is #GP in Linux
 * user mode (SIGSEGV SI_KERNEL on the host).
 */
function farBranch(i: Insn, bytes: number, next: number | null): Op {
  const ea = prepareEa(i)!;
  const w = bytes - 2;
  const push = i.form.endsWith("m1664") ? 8 : w;
  return (c) => {
    const a = ea(c);
    c.mem.probeRead(a, bytes);
    const off = w === 2 ? c.mem.read16(a) : c.mem.read32(a) >>> 0;
    const sel = c.mem.read16(a + w);
    const s = sel & 0xfffc;
    if (s !== 0x30 && s !== 0x20) throw new CpuException(VEC_GP, s);
    // 0x23 (__USER32_CS) enters compatibility mode, which is not modelled: only the
    // case the host shows without executing 32-bit code (the target fetch faults) is followed.
    if (s === 0x20 && ((c.mem.protOf(off) ?? 0) & PROT_EXEC) !== 0) throw new CpuException(VEC_UD);
    if (next !== null) pushFarReturn(c, push, next);
    c.rip = off;
  };
}

/** Pushes CS (0x33) then the return address, each `n` bytes wide. */
function pushFarReturn(c: Cpu, n: number, next: number): void {
  const sp = rsp(c) - 2 * n;
  c.mem.probeWrite(sp, 2 * n);
  if (n === 2) {
    c.mem.write16(sp + 2, 0x33);
    c.mem.write16(sp, next & 0xffff);
  } else if (n === 4) {
    c.mem.write32(sp + 4, 0x33);
    c.mem.write32(sp, next | 0);
  } else {
    c.mem.write64(sp + 8, 0x33, 0);
    c.mem.write64(sp, next >>> 0, Math.floor(next / TWO32));
  }
  setRsp(c, sp);
}

function jmp(i: Insn): Op | null {
  const far = farPointerBytes(i.form);
  if (far !== 0 && i.mem !== null) return farBranch(i, far, null);
  if (i.branchTarget !== 0 || i.ops[0]?.kind === 3) return jmpTo(i.branchTarget);
  const rd = targetReader(i);
  return rd === null ? null : withEa(prepareEa(i), jmpIndirect(rd));
}

// The closures of the common branches are made by functions of their own, which capture
// nothing else: a closure keeps the whole scope it was made in alive, and a builder's
// scope with a block scope inside it is two contexts per instruction (docs/architecture.md
// "Translation memory").

function jmpTo(t: number): Op {
  return (c) => {
    c.rip = t;
  };
}

function jmpIndirect(rd: Rd): Op {
  return (c) => {
    c.rip = canonical(rd(c));
  };
}

/**
 * A branch target must be canonical: a non-canonical one is #GP(0) at the
 * branch itself, before a call pushes or a return pops (APM Vol. 3 "JMP", "CALL", "RET").
 */
export function canonical(t: number): number {
  if (t >= 2 ** 47 || t < -(2 ** 47)) throw new CpuException(VEC_GP);
  return t;
}

function jcc(i: Insn): Op | null {
  const t = i.branchTarget,
    cc = i.cc;
  if (cc < 0) return null;
  return (c) => {
    if (c.f.cond(cc)) c.rip = t;
  };
}

function call(i: Insn): Op | null {
  const next = i.next;
  const far = farPointerBytes(i.form);
  if (far !== 0 && i.mem !== null) return farBranch(i, far, next);
  if (i.ops[0]?.kind === 3) return callTo(i.branchTarget, next);
  const rd = targetReader(i);
  return rd === null ? null : withEa(prepareEa(i), callIndirect(rd, next));
}

function callTo(t: number, next: number): Op {
  return (c) => {
    pushAddr(c, next);
    c.rip = t;
  };
}

function callIndirect(rd: Rd, next: number): Op {
  // The target is read before the push (CALL [RSP+x] sees the old RSP).
  return (c) => {
    const t = canonical(rd(c));
    pushAddr(c, next);
    c.rip = t;
  };
}

function ret(i: Insn): Op | null {
  const extra = i.ops[0] !== undefined ? i.ops[0].immLo & 0xffff : 0;
  return (c) => returnNear(c, extra);
}

/** RET: a non-canonical return address is #GP with RSP restored; then `extra` bytes are released. */
export function returnNear(c: Cpu, extra: number): void {
  const sp = rsp(c);
  const t = popAddr(c);
  if (t >= 2 ** 47 || t < -(2 ** 47)) {
    setRsp(c, sp);
    throw new CpuException(VEC_GP);
  }
  c.rip = t;
  if (extra !== 0) setRsp(c, rsp(c) + extra);
}

function jrcxz(sz: number): Builder {
  return (i) => {
    const t = i.branchTarget;
    if (sz === 64) {
      return (c) => {
        if (c.r32[2] === 0 && c.r32[3] === 0) c.rip = t;
      };
    }
    return (c) => {
      if (c.r32[2] === 0) c.rip = t;
    };
  };
}

/**
 * LOOP (zf = -1), LOOPE (zf = 1), LOOPNE (zf = 0): decrement rCX without touching flags.
 * On this EPYC (undocumented) the last F3 or F2 prefix picks the condition of LOOPE and
 * LOOPNE, as it picks REPE or REPNE for CMPS/SCAS: F3 loops while ZF = 1, F2 while ZF = 0.
 */
function loop(cond: number): Builder {
  return (i) => {
    const t = i.branchTarget;
    const zf = cond < 0 ? cond : i.repe ? 1 : i.repne ? 0 : cond;
    const addr32 = i.form.endsWith("_ECX");
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
