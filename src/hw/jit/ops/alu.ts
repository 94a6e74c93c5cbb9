// SPDX-License-Identifier: MIT
// Integer arithmetic and logic for the block compiler: ADD ADC SUB SBB CMP AND
// OR XOR TEST INC DEC NEG NOT (the semantics of src/hw/cpu/isa/arith.ts and
// logic.ts, as WebAssembly on 64-bit values). Operands are read whole; only
// the write truncates or merges, and the flags record keeps the raw values, as
// the interpreter's does (flags of a size ignore the bits above it).
import { I32, I64, OP } from "../../wasm/encoder.js";
import { K_ADC, K_ADD, K_DEC, K_INC, K_LOGIC, K_SBB, K_SUB } from "../../cpu/flags.js";
import { OK_IMM, type Insn } from "../../cpu/decode.js";
import { Emitter } from "../emitter.js";
import type { JitRow } from "./types.js";

const ARITH = { ADD: K_ADD, ADC: K_ADC, SUB: K_SUB, SBB: K_SBB, CMP: K_SUB } as const;
const LOGIC = { AND: OP.i64_and, OR: OP.i64_or, XOR: OP.i64_xor, TEST: OP.i64_and } as const;

/** Pushes CF of the current flags as an i64 0/1 into a new local. */
function carryIn(e: Emitter): number {
  const c = e.tmp(I64);
  e.flags.cf();
  e.f.op(OP.i64_extend_i32_u).set(c);
  return c;
}

/** dst ← dst op src (or compare only), with the operands' effective address computed once. */
function binary(name: keyof typeof ARITH | keyof typeof LOGIC): (e: Emitter, i: Insn) => boolean {
  const store = name !== "CMP" && name !== "TEST";
  return (e, i) => {
    const d = i.ops[0],
      s = i.ops[1];
    if (!Emitter.plain(d) || !Emitter.plain(s) || d!.kind === OK_IMM) return false;
    const f = e.f,
      sz = d!.size;
    const addr = i.mem !== null ? e.ea(i.mem) : -1;
    const a = e.tmp(I64),
      b = e.tmp(I64),
      r = e.tmp(I64);
    e.readOp(d!, sz, addr);
    f.set(a);
    e.readOp(s!, sz, addr);
    f.set(b);
    const carry = name === "ADC" || name === "SBB" ? carryIn(e) : -1;
    f.get(a).get(b);
    if (name in LOGIC) f.op(LOGIC[name as keyof typeof LOGIC]);
    else f.op(name === "ADD" || name === "ADC" ? OP.i64_add : OP.i64_sub);
    if (carry >= 0) f.get(carry).op(name === "ADC" ? OP.i64_add : OP.i64_sub);
    f.set(r);
    if (store) e.writeOp(d!, r, addr);
    if (name in LOGIC) e.flags.produce(K_LOGIC, sz, -1, -1, r);
    else {
      const kind = ARITH[name as keyof typeof ARITH];
      if (carry >= 0) {
        const aux = e.tmp(I32);
        f.get(carry).op(OP.i32_wrap_i64).set(aux);
        e.flags.produce(kind, sz, a, b, r, { local: aux });
      } else e.flags.produce(kind, sz, a, b, r);
    }
    return true;
  };
}

/** INC/DEC (CF kept in the aux word), NEG (flags of 0 − dst), NOT (no flags). */
function unary(name: "INC" | "DEC" | "NEG" | "NOT"): (e: Emitter, i: Insn) => boolean {
  return (e, i) => {
    const d = i.ops[0];
    if (!Emitter.plain(d) || d!.kind === OK_IMM) return false;
    const f = e.f,
      sz = d!.size;
    const addr = i.mem !== null ? e.ea(i.mem) : -1;
    const a = e.tmp(I64),
      r = e.tmp(I64);
    e.readOp(d!, sz, addr);
    f.set(a);
    if (name === "INC" || name === "DEC") {
      const cf = e.tmp(I32);
      e.flags.cf();
      f.set(cf);
      f.get(a)
        .i64(1)
        .op(name === "INC" ? OP.i64_add : OP.i64_sub)
        .set(r);
      e.writeOp(d!, r, addr);
      e.flags.produce(name === "INC" ? K_INC : K_DEC, sz, a, -1, r, { local: cf });
    } else if (name === "NEG") {
      const z = e.tmp(I64);
      f.i64(0).set(z);
      f.i64(0).get(a).op(OP.i64_sub).set(r);
      e.writeOp(d!, r, addr);
      e.flags.produce(K_SUB, sz, z, a, r);
    } else {
      f.get(a).i64(-1).op(OP.i64_xor).set(r);
      e.writeOp(d!, r, addr);
    }
    return true;
  };
}

export const ALU_ROWS: readonly JitRow[] = [
  ...(["ADD", "ADC", "SUB", "SBB", "CMP", "AND", "OR", "XOR", "TEST"] as const).map((m) => ({
    mnemonic: m,
    emit: binary(m),
  })),
  ...(["INC", "DEC", "NEG", "NOT"] as const).map((m) => ({ mnemonic: m, emit: unary(m) })),
];
