// SPDX-License-Identifier: MIT
// Data movement for the block compiler: MOV MOVZX MOVSX MOVSXD LEA XCHG CMOVcc
// SETcc CBW/CWDE/CDQE CWD/CDQ/CQO BSWAP and the no-operation hints (the
// semantics of src/hw/cpu/isa/move.ts, cond.ts and system.ts).
import { I64, OP } from "../../wasm/encoder.js";
import { OK_IMM, OK_MEM, OK_REG, RC_GPR, type Insn, type Operand } from "../../cpu/decode.js";
import { Emitter } from "../emitter.js";
import type { JitEmit, JitRow } from "./types.js";

const CC = ["O", "NO", "B", "AE", "E", "NE", "BE", "A", "S", "NS", "P", "NP", "L", "GE", "LE", "G"];

function gpr(o: Operand | undefined): o is Operand {
  return o !== undefined && o.kind === OK_REG && o.rclass === RC_GPR;
}

const mov: JitEmit = (e, i) => {
  const d = i.ops[0],
    s = i.ops[1];
  if (!Emitter.plain(d) || !Emitter.plain(s) || d!.kind === OK_IMM) return false;
  const addr = i.mem !== null ? e.ea(i.mem) : -1;
  const v = e.tmp(I64);
  e.readOp(s!, d!.size, addr);
  e.f.set(v);
  e.writeOp(d!, v, addr);
  return true;
};

/** MOVZX/MOVSX/MOVSXD: the source at its size, extended to the destination's. */
function extend(signed: boolean): JitEmit {
  return (e, i) => {
    const d = i.ops[0],
      s = i.ops[1];
    if (!gpr(d) || !Emitter.plain(s) || s!.kind === OK_IMM) return false;
    const f = e.f,
      ss = s!.size,
      v = e.tmp(I64);
    // 66h MOVSXD r16, m: AMD still reads the whole doubleword (src/hw/cpu/isa/move.ts movx);
    // the word written is its low half.
    if (s!.kind === OK_MEM) e.load(e.ea(i.mem!), i.form === "Movsxd_r16_rm16" ? 4 : ss / 8, signed);
    else {
      e.readGpr(s!);
      if (signed) f.op(ss === 8 ? OP.i64_extend8_s : ss === 16 ? OP.i64_extend16_s : OP.i64_extend32_s);
      else f.i64(ss === 8 ? 0xff : ss === 16 ? 0xffff : -1, 0).op(OP.i64_and);
    }
    f.set(v);
    e.writeGpr(d, v);
    return true;
  };
}

const lea: JitEmit = (e, i) => {
  const d = i.ops[0];
  if (!gpr(d) || i.mem === null) return false;
  e.writeGpr(d, e.ea({ ...i.mem, seg: 0 }));
  return true;
};

const xchg: JitEmit = (e, i) => {
  const d = i.ops[0],
    s = i.ops[1];
  if (!Emitter.plain(d) || !Emitter.plain(s)) return false;
  const f = e.f,
    sz = d!.size;
  const addr = i.mem !== null ? e.ea(i.mem) : -1;
  const a = e.tmp(I64),
    b = e.tmp(I64);
  e.readOp(d!, sz, addr);
  f.set(a);
  e.readOp(s!, sz, addr);
  f.set(b);
  // The memory operand (if any) is written first: a fault leaves the register unchanged.
  if (d!.kind === OK_MEM) {
    e.writeOp(d!, b, addr);
    e.writeOp(s!, a, addr);
  } else {
    e.writeOp(s!, a, addr);
    e.writeOp(d!, b, addr);
  }
  return true;
};

const cmov: JitEmit = (e, i) => {
  const d = i.ops[0],
    s = i.ops[1];
  if (!gpr(d) || !Emitter.plain(s) || i.cc < 0) return false;
  const f = e.f,
    v = e.tmp(I64);
  e.readOp(s!, d.size, i.mem !== null ? e.ea(i.mem) : -1); // read even when the condition is false
  e.readGpr(d);
  e.flags.cond(i.cc);
  f.op(OP.select).set(v);
  e.writeGpr(d, v); // a 32-bit CMOV zero-extends either way
  return true;
};

const setcc: JitEmit = (e, i) => {
  const d = i.ops[0];
  if (!Emitter.plain(d) || d!.kind === OK_IMM || i.cc < 0) return false;
  const addr = i.mem !== null ? e.ea(i.mem) : -1,
    v = e.tmp(I64);
  e.flags.cond(i.cc);
  e.f.op(OP.i64_extend_i32_u).set(v);
  e.writeOp(d!, v, addr);
  return true;
};

/** CBW/CWDE/CDQE: rAX ← sign-extend its lower half. */
function signExtendAcc(sz: number): JitEmit {
  return (e) => {
    const v = e.tmp(I64);
    e.getReg(0);
    e.f.op(sz === 16 ? OP.i64_extend8_s : sz === 32 ? OP.i64_extend16_s : OP.i64_extend32_s).set(v);
    e.writeGpr({ kind: OK_REG, reg: 0, rclass: RC_GPR, size: sz, hi8: false, immLo: 0, immHi: 0 }, v);
    return true;
  };
}

/** CWD/CDQ/CQO: rDX ← the sign of rAX replicated. */
function signToDx(sz: number): JitEmit {
  return (e) => {
    const v = e.tmp(I64);
    e.getReg(0);
    if (sz < 64) e.f.i64(64 - sz).op(OP.i64_shl);
    e.f.i64(63).op(OP.i64_shr_s).set(v);
    e.writeGpr({ kind: OK_REG, reg: 2, rclass: RC_GPR, size: sz, hi8: false, immLo: 0, immHi: 0 }, v);
    return true;
  };
}

const bswap: JitEmit = (e, i) => {
  const d = i.ops[0];
  if (!gpr(d) || d.size < 32) return false;
  const f = e.f,
    x = e.tmp(I64),
    v = e.tmp(I64);
  e.getReg(d.reg);
  f.set(x);
  const bytes = d.size / 8;
  f.i64(0);
  for (let k = 0; k < bytes; k++) {
    // byte k moves to byte (bytes − 1 − k)
    f.get(x)
      .i64(8 * k)
      .op(OP.i64_shr_u)
      .i64(0xff)
      .op(OP.i64_and)
      .i64(8 * (bytes - 1 - k))
      .op(OP.i64_shl)
      .op(OP.i64_or);
  }
  f.set(v);
  e.writeGpr(d, v);
  return true;
};

const nothing: JitEmit = () => true;

export const MOVE_ROWS: readonly JitRow[] = [
  { mnemonic: "MOV", emit: mov },
  { mnemonic: "MOVZX", emit: extend(false) },
  { mnemonic: "MOVSX", emit: extend(true) },
  { mnemonic: "MOVSXD", emit: extend(true) },
  { mnemonic: "LEA", emit: lea },
  { mnemonic: "XCHG", emit: xchg },
  ...CC.map((cc) => ({ mnemonic: `CMOV${cc}`, emit: cmov })),
  ...CC.map((cc) => ({ mnemonic: `SET${cc}`, emit: setcc })),
  { mnemonic: "CBW", emit: signExtendAcc(16) },
  { mnemonic: "CWDE", emit: signExtendAcc(32) },
  { mnemonic: "CDQE", emit: signExtendAcc(64) },
  { mnemonic: "CWD", emit: signToDx(16) },
  { mnemonic: "CDQ", emit: signToDx(32) },
  { mnemonic: "CQO", emit: signToDx(64) },
  { mnemonic: "BSWAP", emit: bswap },
  ...[
    "NOP",
    "ENDBR64",
    "ENDBR32",
    "PAUSE",
    "LFENCE",
    "SFENCE",
    "MFENCE",
    "PREFETCHT0",
    "PREFETCHT1",
    "PREFETCHT2",
    "PREFETCHNTA",
    "PREFETCHW",
  ].map((m) => ({ mnemonic: m, emit: nothing })),
];

export type { Insn };
