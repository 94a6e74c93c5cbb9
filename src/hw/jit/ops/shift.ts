// SPDX-License-Identifier: MIT
// Shifts and rotates for the block compiler: SHL/SAL SHR SAR by a constant or
// CL, ROL ROR by a constant or CL (src/hw/cpu/isa/shift.ts: counts masked to 5 bits,
// 6 for 64-bit; a count of 0 changes no flag; AF set and OF as AMD computes it).
import { I32, I64, OP } from "../../wasm/encoder.js";
import { AF, CF, K_EAGER, K_RESULT, OF, PF, SF, ZF } from "../../cpu/flags.js";
import { OK_IMM, OK_REG, RC_GPR, type Insn } from "../../cpu/decode.js";
import { Emitter } from "../emitter.js";
import type { JitEmit, JitRow } from "./types.js";

type Kind = "SHL" | "SHR" | "SAR";

/** Pushes bit `k` (a constant or, when `k` < 0, the i64 local −k−1) of local `v` as an i32 0/1. */
function bitOf(e: Emitter, v: number, k: number): void {
  e.f.get(v).i64(k).op(OP.i64_shr_u).op(OP.i32_wrap_i64).i32(1).op(OP.i32_and);
}

/** The shift of local `a` (already zero- or sign-extended) by the i64 in local `n` into `r`, without its flags. */
function shiftResult(e: Emitter, kind: Kind, a: number, n: number, r: number): void {
  e.f
    .get(a)
    .get(n)
    .op(kind === "SHL" ? OP.i64_shl : kind === "SHR" ? OP.i64_shr_u : OP.i64_shr_s)
    .set(r);
}

/**
 * Emits the shift of local `a` (already zero- or sign-extended to `sz`) by the i64 in
 * local `n` (1..mask) into `r`, and the K_RESULT aux word (CF | OF | AF) into `aux`.
 */
function shiftBody(e: Emitter, kind: Kind, sz: number, a: number, n: number, r: number, aux: number): void {
  const f = e.f;
  const cf = e.tmp(I32),
    of = e.tmp(I32);
  if (kind === "SHL") {
    f.get(a).get(n).op(OP.i64_shl).set(r);
    // CF: bit sz − n of a (0 when n > sz)
    if (sz === 64) f.get(a).i64(64).get(n).op(OP.i64_sub).op(OP.i64_shr_u);
    else {
      f.get(n)
        .i64(sz)
        .op(OP.i64_gt_u)
        .if(I64)
        .i64(0)
        .else()
        .get(a)
        .i64(sz)
        .get(n)
        .op(OP.i64_sub)
        .op(OP.i64_shr_u)
        .end();
    }
    f.op(OP.i32_wrap_i64).i32(1).op(OP.i32_and).set(cf);
    bitOf(e, r, sz - 1);
    f.get(cf).op(OP.i32_xor).set(of);
  } else {
    f.get(a).get(n).i64(1).op(OP.i64_sub).op(OP.i64_shr_u).op(OP.i32_wrap_i64).i32(1).op(OP.i32_and).set(cf);
    if (kind === "SHR") {
      f.get(a).get(n).op(OP.i64_shr_u).set(r);
      // OF: the original MSB for a count of 1, else the top two result bits' xor (AMD)
      f.get(n).i64(1).op(OP.i64_eq).if(I32);
      bitOf(e, a, sz - 1);
      f.else();
      bitOf(e, r, sz - 1);
      bitOf(e, r, sz - 2);
      f.op(OP.i32_xor).end().set(of);
    } else {
      f.get(a).get(n).op(OP.i64_shr_s).set(r);
      f.i32(0).set(of);
    }
  }
  f.get(cf).get(of).i32(11).op(OP.i32_shl).op(OP.i32_or).i32(AF).op(OP.i32_or).set(aux);
}

/**
 * The count of a shift or rotate: a constant, or CL (`imm` null), masked to `mask`.
 * A count of 0 runs `unchanged` (no flag changes; a 32-bit register is still
 * zero-extended), any other `apply` with the count in local `n`; for CL the
 * choice is made at run time and the flags record is dynamic after it.
 */
function byCount(
  e: Emitter,
  imm: number | null,
  mask: number,
  n: number,
  unchanged: () => void,
  apply: () => void,
): void {
  const f = e.f;
  if (imm !== null) {
    if ((imm & mask) === 0) unchanged();
    else {
      f.i64(imm & mask).set(n);
      apply();
    }
    return;
  }
  e.getReg(1);
  f.i64(mask).op(OP.i64_and).set(n);
  e.flags.materialize();
  f.get(n).op(OP.i64_eqz);
  e.open("if");
  unchanged();
  f.else();
  apply();
  e.flags.materialize();
  e.close();
  e.flags.kind = -1;
}

/** Whether operand `s` is CL (the count register of the variable forms). */
function isCl(s: Insn["ops"][number]): boolean {
  return s.kind === OK_REG && s.rclass === RC_GPR && s.reg === 1 && s.size === 8;
}

function shift(kind: Kind): JitEmit {
  return (e, i) => {
    const d = i.ops[0],
      s = i.ops[1];
    if (!Emitter.plain(d) || d!.kind === OK_IMM || s === undefined) return false;
    const byCl = isCl(s);
    if (!byCl && s.kind !== OK_IMM) return false;
    const f = e.f,
      sz = d!.size,
      m = sz === 64 ? 63 : 31;
    const addr = i.mem !== null ? e.ea(i.mem) : -1;
    const a = e.tmp(I64),
      n = e.tmp(I64),
      r = e.tmp(I64),
      aux = e.tmp(I32);
    e.readOp(d!, sz, addr);
    if (sz < 64) {
      if (kind === "SAR") f.op(sz === 8 ? OP.i64_extend8_s : sz === 16 ? OP.i64_extend16_s : OP.i64_extend32_s);
      else f.i64(sz === 32 ? -1 : sz === 16 ? 0xffff : 0xff, 0).op(OP.i64_and);
    }
    f.set(a);
    byCount(
      e,
      byCl ? null : s.immLo,
      m,
      n,
      () => e.writeOp(d!, a, addr),
      () => {
        if (e.flagsDead) {
          shiftResult(e, kind, a, n, r);
          e.writeOp(d!, r, addr);
          e.flags.produce(K_EAGER, sz, -1, -1, r); // never read: the next instruction replaces it
          return;
        }
        shiftBody(e, kind, sz, a, n, r, aux);
        e.writeOp(d!, r, addr);
        e.flags.produce(K_RESULT, sz, -1, -1, r, { local: aux });
      },
    );
    return true;
  };
}

/**
 * Rotates local `a` (the operand at `sz` bits) by the i64 in local `n` (the masked
 * count, non-zero) into `r`; 8- and 16-bit rotations take the count modulo the size.
 * Two shifts and an OR, not WebAssembly's rotations: V8's baseline compiler (Liftoff,
 * Node 20) calls into C for `i32.rotl`, `i32.rotr`, `i64.rotl` and `i64.rotr`, and
 * spills every value it holds in a register around that call (3.3 ns more per rotation
 * in a bare loop, more in a region); TurboFan matches the shifts back into one rotation.
 */
function rotateBody(e: Emitter, left: boolean, sz: number, a: number, n: number, r: number): void {
  const f = e.f;
  if (sz === 64) {
    f.get(a)
      .get(n)
      .op(left ? OP.i64_shl : OP.i64_shr_u);
    f.get(a)
      .i64(64)
      .get(n)
      .op(OP.i64_sub)
      .op(left ? OP.i64_shr_u : OP.i64_shl);
    f.op(OP.i64_or);
  } else if (sz === 32) {
    f.get(a)
      .op(OP.i32_wrap_i64)
      .get(n)
      .op(OP.i32_wrap_i64)
      .op(left ? OP.i32_shl : OP.i32_shr_u);
    f.get(a)
      .op(OP.i32_wrap_i64)
      .i32(32)
      .get(n)
      .op(OP.i32_wrap_i64)
      .op(OP.i32_sub)
      .op(left ? OP.i32_shr_u : OP.i32_shl);
    f.op(OP.i32_or).op(OP.i64_extend_i32_u);
  } else {
    const m = sz === 16 ? 0xffff : 0xff,
      k = e.tmp(I64);
    // the count modulo the size (a power of two); ROR by c is ROL by (−c) mod sz
    if (left) f.get(n);
    else f.i64(0).get(n).op(OP.i64_sub);
    f.i64(sz - 1)
      .op(OP.i64_and)
      .set(k);
    f.get(a).i64(m).op(OP.i64_and).get(k).op(OP.i64_shl);
    f.get(a).i64(m).op(OP.i64_and).i64(sz).get(k).op(OP.i64_sub).op(OP.i64_shr_u);
    f.op(OP.i64_or).i64(m).op(OP.i64_and);
  }
  f.set(r);
}

/** CF and OF of a rotation from its result `r` (ROL: CF = LSB, OF = MSB ^ CF; ROR: CF = MSB, OF = MSB ^ next bit). */
function rotateFlags(e: Emitter, left: boolean, sz: number, r: number): void {
  const f = e.f,
    bits = e.tmp(I64);
  e.flags.allBits(SF | ZF | AF | PF);
  f.i32(SF | ZF | AF | PF).op(OP.i32_and);
  if (left) {
    bitOf(e, r, 0);
    f.op(OP.i32_or);
    bitOf(e, r, sz - 1);
    bitOf(e, r, 0);
  } else {
    bitOf(e, r, sz - 1);
    f.op(OP.i32_or);
    bitOf(e, r, sz - 1);
    bitOf(e, r, sz - 2);
  }
  f.op(OP.i32_xor).i32(11).op(OP.i32_shl).op(OP.i32_or).op(OP.i64_extend_i32_u).set(bits);
  e.flags.produce(K_EAGER, sz, -1, -1, bits);
}

/** ROL/ROR by a constant or CL: only CF and OF change (the others are kept, as an eager record); a count of 0 changes no flag. */
function rotate(left: boolean): JitEmit {
  return (e, i: Insn) => {
    const d = i.ops[0],
      s = i.ops[1];
    if (!Emitter.plain(d) || d!.kind === OK_IMM || s === undefined) return false;
    const byCl = isCl(s);
    if (!byCl && s.kind !== OK_IMM) return false;
    const f = e.f,
      sz = d!.size,
      mask = sz === 64 ? 63 : 31;
    const addr = i.mem !== null ? e.ea(i.mem) : -1;
    const a = e.tmp(I64),
      r = e.tmp(I64),
      n = e.tmp(I64);
    e.readOp(d!, sz, addr);
    f.set(a);
    byCount(
      e,
      byCl ? null : s.immLo,
      mask,
      n,
      () => e.writeOp(d!, a, addr),
      () => {
        rotateBody(e, left, sz, a, n, r);
        e.writeOp(d!, r, addr);
        // Flags the next instruction replaces unread: a record of the right size, never read.
        if (e.flagsDead) e.flags.produce(K_EAGER, sz, -1, -1, r);
        else rotateFlags(e, left, sz, r);
      },
    );
    return true;
  };
}

export const SHIFT_ROWS: readonly JitRow[] = [
  { mnemonic: "SHL", emit: shift("SHL") },
  { mnemonic: "SAL", emit: shift("SHL") },
  { mnemonic: "SHR", emit: shift("SHR") },
  { mnemonic: "SAR", emit: shift("SAR") },
  { mnemonic: "ROL", emit: rotate(true) },
  { mnemonic: "ROR", emit: rotate(false) },
];

export { CF, OF };
