// SPDX-License-Identifier: MIT
// Multiplies and bit scans for the block compiler: IMUL (one, two, three
// operands), MUL, BSF/TZCNT (executed as BSF: Q-TZCNT-BSF), BSR, LZCNT, POPCNT,
// BT/BTS/BTR/BTC on registers, DIV and IDIV of 32 and 64 bits (src/hw/cpu/isa/muldiv.ts
// and bit.ts, with AMD's choices for the undefined flags). A division whose dividend needs
// 128 bits, by zero or by −1, or whose quotient overflows runs through the interpreter.
import { I32, I64, OP } from "../../wasm/encoder.js";
import { CF, K_EAGER, OF, PF, SF, ZF, AF } from "../../cpu/flags.js";
import { OK_IMM, OK_MEM, OK_REG, RC_GPR, type Operand } from "../../cpu/decode.js";
import { Emitter } from "../emitter.js";
import { DYN } from "../flags-emit.js";
import type { JitEmit, JitRow } from "./types.js";

const KEEP_MUL = SF | ZF | AF | PF;

function gpr(o: Operand | undefined): o is Operand {
  return o !== undefined && o.kind === OK_REG && o.rclass === RC_GPR;
}

/** Records eager flags: (the current flags & keep) | the i32 on the stack. */
function eagerKeep(e: Emitter, keep: number, sz: number): void {
  const f = e.f,
    t = e.tmp(I32),
    v = e.tmp(I64);
  f.set(t);
  if (keep !== 0) {
    e.flags.allBits(keep);
    f.i32(keep).op(OP.i32_and).get(t).op(OP.i32_or).set(t);
  }
  f.get(t).op(OP.i64_extend_i32_u).set(v);
  e.flags.produce(K_EAGER, sz, -1, -1, v);
}

/** Pushes local `v` sign-extended from `sz` bits to i64. */
function sext(e: Emitter, v: number, sz: number): void {
  e.f.get(v);
  if (sz < 64) e.f.op(sz === 8 ? OP.i64_extend8_s : sz === 16 ? OP.i64_extend16_s : OP.i64_extend32_s);
}

/**
 * Pushes the high 64 bits of the unsigned 128-bit product of locals a, b, from 32-bit
 * limbs. Inline: as a call into the runtime module it had cost a tenth of a loop that
 * divides by constants (compilers divide by a multiply-high), the call and its thunk
 * more than the arithmetic.
 */
function mulhu(e: Emitter, a: number, b: number): void {
  const f = e.f;
  const [a0, a1, b0, b1, p01, p10] = [e.tmp(I64), e.tmp(I64), e.tmp(I64), e.tmp(I64), e.tmp(I64), e.tmp(I64)];
  f.get(a).i64(-1, 0).op(OP.i64_and).set(a0);
  f.get(a).i64(32).op(OP.i64_shr_u).set(a1);
  f.get(b).i64(-1, 0).op(OP.i64_and).set(b0);
  f.get(b).i64(32).op(OP.i64_shr_u).set(b1);
  f.get(a0).get(b1).op(OP.i64_mul).set(p01);
  f.get(a1).get(b0).op(OP.i64_mul).set(p10);
  // hi = a1·b1 + p01>>32 + p10>>32 + (a0·b0>>32 + low(p01) + low(p10)) >> 32
  f.get(a1).get(b1).op(OP.i64_mul);
  f.get(p01).i64(32).op(OP.i64_shr_u).op(OP.i64_add);
  f.get(p10).i64(32).op(OP.i64_shr_u).op(OP.i64_add);
  f.get(a0).get(b0).op(OP.i64_mul).i64(32).op(OP.i64_shr_u);
  f.get(p01).i64(-1, 0).op(OP.i64_and).op(OP.i64_add);
  f.get(p10).i64(-1, 0).op(OP.i64_and).op(OP.i64_add);
  f.i64(32).op(OP.i64_shr_u).op(OP.i64_add);
}

/** High 64 bits of the signed product of locals a, b (from the unsigned one). */
function mulhs(e: Emitter, a: number, b: number): void {
  const f = e.f;
  mulhu(e, a, b);
  f.get(b).get(a).i64(63).op(OP.i64_shr_s).op(OP.i64_and).op(OP.i64_sub);
  f.get(a).get(b).i64(63).op(OP.i64_shr_s).op(OP.i64_and).op(OP.i64_sub);
}

/** IMUL r, r/m (two operands) and IMUL r, r/m, imm (three). */
const imulN: JitEmit = (e, i) => {
  if (i.ops.length === 1) return imul1(e, i);
  const d = i.ops[0],
    s = i.ops[1],
    t = i.ops[2] ?? d;
  if (!gpr(d) || !Emitter.plain(s) || !Emitter.plain(t) || d.size === 8) return false;
  const f = e.f,
    sz = d.size;
  const addr = i.mem !== null ? e.ea(i.mem) : -1;
  const a = e.tmp(I64),
    b = e.tmp(I64),
    r = e.tmp(I64),
    over = e.tmp(I32);
  e.readOp(s!, sz, addr);
  f.set(a);
  e.readOp(t!, sz, addr);
  f.set(b);
  if (sz === 64) {
    f.get(a).get(b).op(OP.i64_mul).set(r);
    if (e.flagsDead) {
      e.writeGpr(d, r);
      e.flags.produce(K_EAGER, sz, -1, -1, r); // never read: the next instruction replaces it
      return true;
    }
    mulhs(e, a, b);
    f.get(r).i64(63).op(OP.i64_shr_s).op(OP.i64_ne).set(over);
  } else {
    sext(e, a, sz);
    sext(e, b, sz);
    f.op(OP.i64_mul).set(r);
    if (e.flagsDead) {
      e.writeGpr(d, r);
      e.flags.produce(K_EAGER, sz, -1, -1, r);
      return true;
    }
    f.get(r);
    sext(e, r, sz);
    f.op(OP.i64_ne).set(over);
  }
  e.writeGpr(d, r);
  f.get(over)
    .i32(CF | OF)
    .op(OP.i32_mul);
  eagerKeep(e, KEEP_MUL, sz);
  return true;
};

/** rAX (0) or rDX (2) as a `size`-bit register operand (the one-operand multiplies and divides write them). */
const accReg = (r: number, size: number): Operand => ({
  kind: OK_REG,
  reg: r,
  rclass: RC_GPR,
  size,
  hi8: false,
  immLo: 0,
  immHi: 0,
});

/**
 * Pushes the r/m32 or r/m64 source of a one-operand multiply or divide (as read: a 32-bit
 * register's upper half included) and returns its size; 0 for a form the compiler leaves
 * to the closure (8 and 16 bits).
 */
function pushAccSource(e: Emitter, i: Parameters<JitEmit>[1]): number {
  const s = i.ops[0];
  if (!Emitter.plain(s) || s!.kind === OK_IMM || s!.size < 32) return 0;
  e.readOp(s!, s!.size, i.mem !== null ? e.ea(i.mem) : -1);
  return s!.size;
}

/** MUL/IMUL r/m32 or r/m64: rDX:rAX ← rAX × src. */
function imul1(e: Emitter, i: Parameters<JitEmit>[1], signed = true): boolean {
  const sz = pushAccSource(e, i);
  if (sz === 0) return false;
  const f = e.f;
  const a = e.tmp(I64),
    b = e.tmp(I64),
    lo = e.tmp(I64),
    hi = e.tmp(I64),
    over = e.tmp(I32);
  f.set(b);
  e.getReg(0);
  f.set(a);
  if (sz === 64) {
    f.get(a).get(b).op(OP.i64_mul).set(lo);
    if (signed) mulhs(e, a, b);
    else mulhu(e, a, b);
    f.set(hi);
    if (signed) f.get(hi).get(lo).i64(63).op(OP.i64_shr_s).op(OP.i64_ne).set(over);
    else f.get(hi).i64(0).op(OP.i64_ne).set(over);
  } else {
    if (signed) {
      sext(e, a, 32);
      sext(e, b, 32);
    } else {
      f.get(a).i64(-1, 0).op(OP.i64_and).get(b).i64(-1, 0).op(OP.i64_and);
    }
    f.op(OP.i64_mul)
      .tee(lo)
      .i64(32)
      .op(signed ? OP.i64_shr_s : OP.i64_shr_u)
      .set(hi);
    if (signed) {
      f.get(lo);
      sext(e, lo, 32);
      f.op(OP.i64_ne).set(over);
    } else f.get(hi).i64(-1, 0).op(OP.i64_and).i64(0).op(OP.i64_ne).set(over);
  }
  e.writeGpr(accReg(0, sz), lo);
  e.writeGpr(accReg(2, sz), hi);
  if (e.flagsDead) {
    e.flags.produce(K_EAGER, sz, -1, -1, lo);
    return true;
  }
  f.get(over)
    .i32(CF | OF)
    .op(OP.i32_mul);
  eagerKeep(e, KEEP_MUL, sz);
  return true;
}

/** BSF/BSR (and TZCNT, run as BSF): the destination is kept for a zero source. */
function scan(reverse: boolean): JitEmit {
  return (e, i) => {
    const d = i.ops[0],
      s = i.ops[1];
    if (!gpr(d) || !Emitter.plain(s) || s!.kind === OK_IMM) return false;
    const f = e.f,
      sz = d.size;
    const src = e.tmp(I64),
      r = e.tmp(I64),
      bits = e.tmp(I32);
    e.readOp(s!, sz, i.mem !== null ? e.ea(i.mem) : -1);
    if (sz < 64 && s!.kind !== OK_MEM) f.i64(sz === 32 ? -1 : 0xffff, 0).op(OP.i64_and);
    f.set(src);
    f.get(src).op(OP.i64_eqz);
    e.open("if");
    f.i32(ZF | PF).set(bits);
    f.else();
    if (reverse) f.i64(63).get(src).op(OP.i64_clz).op(OP.i64_sub);
    else f.get(src).op(OP.i64_ctz);
    f.set(r);
    e.writeGpr(d, r);
    f.get(r).op(OP.i32_wrap_i64).op(OP.i32_popcnt).i32(1).op(OP.i32_and).op(OP.i32_eqz).i32(2).op(OP.i32_shl).set(bits);
    e.close();
    f.get(bits);
    eagerKeep(e, 0, sz);
    return true;
  };
}

const lzcnt: JitEmit = (e, i) => {
  const d = i.ops[0],
    s = i.ops[1];
  if (!gpr(d) || !Emitter.plain(s) || s!.kind === OK_IMM) return false;
  const f = e.f,
    sz = d.size,
    n = e.tmp(I64);
  e.readOp(s!, sz, i.mem !== null ? e.ea(i.mem) : -1);
  if (sz < 64) f.i64(sz === 32 ? -1 : 0xffff, 0).op(OP.i64_and);
  f.op(OP.i64_clz)
    .i64(64 - sz)
    .op(OP.i64_sub)
    .set(n);
  e.writeGpr(d, n);
  // AMD: OF kept, CF = (n = size), ZF = (n = 0), SF AF PF cleared
  f.get(n).i64(sz).op(OP.i64_eq).get(n).op(OP.i64_eqz).i32(6).op(OP.i32_shl).op(OP.i32_or);
  eagerKeep(e, OF, sz);
  return true;
};

const popcnt: JitEmit = (e, i) => {
  const d = i.ops[0],
    s = i.ops[1];
  if (!gpr(d) || !Emitter.plain(s) || s!.kind === OK_IMM) return false;
  const f = e.f,
    sz = d.size,
    src = e.tmp(I64),
    n = e.tmp(I64);
  e.readOp(s!, sz, i.mem !== null ? e.ea(i.mem) : -1);
  if (sz < 64) f.i64(sz === 32 ? -1 : 0xffff, 0).op(OP.i64_and);
  f.tee(src).op(OP.i64_popcnt).set(n);
  e.writeGpr(d, n);
  f.get(src).op(OP.i64_eqz).i32(6).op(OP.i32_shl);
  eagerKeep(e, 0, sz);
  return true;
};

/** BT/BTS/BTR/BTC with a register destination: CF ← the bit (others kept, as on AMD). */
function bitTest(op: number): JitEmit {
  return (e, i) => {
    const d = i.ops[0],
      s = i.ops[1];
    if (!gpr(d) || !Emitter.plain(s) || s!.kind === OK_MEM) return false;
    const f = e.f,
      sz = d.size,
      v = e.tmp(I64),
      k = e.tmp(I64),
      m = e.tmp(I64),
      r = e.tmp(I64);
    e.readGpr(d);
    f.set(v);
    e.readOp(s!, sz, -1);
    f.i64(sz - 1)
      .op(OP.i64_and)
      .set(k);
    f.i64(1).get(k).op(OP.i64_shl).set(m);
    if (op !== 0) {
      f.get(v).get(m);
      if (op === 1) f.op(OP.i64_or);
      else if (op === 2) f.i64(-1).op(OP.i64_xor).op(OP.i64_and);
      else f.op(OP.i64_xor);
      f.set(r);
      e.writeGpr(d, r);
    }
    f.get(v).get(k).op(OP.i64_shr_u).op(OP.i32_wrap_i64).i32(1).op(OP.i32_and);
    eagerKeep(e, ~CF & (CF | PF | AF | ZF | SF | OF), sz);
    return true;
  };
}

/**
 * DIV/IDIV r/m32 and r/m64: rAX ← rDX:rAX ÷ src, rDX ← the remainder; AMD leaves CF
 * and OF, clears SF ZF PF and sets AF. Inline where one i64 division gives the
 * answer: 32 bits with a divisor above EDX (DIV) or not −1 and a quotient that fits
 * (IDIV); 64 bits with RDX the dividend's zero (DIV) or sign (IDIV) extension. Any
 * other case, #DE included, runs the interpreter's closure (`helperHere`).
 */
function div(signed: boolean): JitEmit {
  return (e, i) => {
    const sz = pushAccSource(e, i);
    if (sz === 0) return false;
    const f = e.f;
    const d = e.tmp(I64),
      a = e.tmp(I64),
      q = e.tmp(I64),
      r = e.tmp(I64),
      ok = e.tmp(I32),
      bits = e.tmp(I32);
    if (sz === 32) {
      if (signed) f.op(OP.i64_extend32_s);
      else f.i64(-1, 0).op(OP.i64_and);
    }
    f.set(d);
    // The dividend (EDX:EAX as one i64, or RAX) and whether one i64 division is exact.
    if (sz === 32) {
      e.getReg(2);
      f.i64(32).op(OP.i64_shl);
      e.getReg(0);
      f.i64(-1, 0).op(OP.i64_and).op(OP.i64_or).set(a);
    } else {
      e.getReg(0);
      f.set(a);
    }
    f.get(d).op(OP.i64_eqz).op(OP.i32_eqz);
    if (signed) f.get(d).i64(-1, -1).op(OP.i64_ne).op(OP.i32_and);
    if (sz === 64) {
      e.getReg(2);
      if (signed) f.get(a).i64(63).op(OP.i64_shr_s);
      else f.i64(0);
      f.op(OP.i64_eq).op(OP.i32_and);
    } else if (!signed) {
      // EDX < divisor: the quotient fits in 32 bits.
      e.getReg(2);
      f.i64(-1, 0).op(OP.i64_and).get(d).op(OP.i64_lt_u).op(OP.i32_and);
    }
    f.set(ok);
    f.get(ok);
    e.open("if");
    f.get(a)
      .get(d)
      .op(signed ? OP.i64_div_s : OP.i64_div_u)
      .set(q);
    f.get(a)
      .get(d)
      .op(signed ? OP.i64_rem_s : OP.i64_rem_u)
      .set(r);
    if (signed && sz === 32) f.get(q).get(q).op(OP.i64_extend32_s).op(OP.i64_eq).set(ok);
    e.close();
    // The flags' bits while the producer is still known here; both paths below start
    // from the record in its locals (the helper stores and reloads it).
    e.flags.allBits(CF | OF);
    f.i32(CF | OF)
      .op(OP.i32_and)
      .i32(AF)
      .op(OP.i32_or)
      .set(bits);
    e.flags.forget();
    f.get(ok);
    e.open("if");
    e.writeGpr(accReg(0, sz), q);
    e.writeGpr(accReg(2, sz), r);
    f.get(bits);
    eagerKeep(e, 0, sz);
    e.flags.materialize();
    f.else();
    e.flags.kind = DYN;
    e.helperHere();
    e.close();
    e.flags.kind = DYN;
    return true;
  };
}

export const MULDIV_ROWS: readonly JitRow[] = [
  { mnemonic: "IMUL", emit: imulN },
  { mnemonic: "MUL", emit: (e, i) => imul1(e, i, false) },
  { mnemonic: "DIV", emit: div(false) },
  { mnemonic: "IDIV", emit: div(true) },
  { mnemonic: "BSF", emit: scan(false) },
  { mnemonic: "TZCNT", emit: scan(false) },
  { mnemonic: "BSR", emit: scan(true) },
  { mnemonic: "LZCNT", emit: lzcnt },
  { mnemonic: "POPCNT", emit: popcnt },
  { mnemonic: "BT", emit: bitTest(0) },
  { mnemonic: "BTS", emit: bitTest(1) },
  { mnemonic: "BTR", emit: bitTest(2) },
  { mnemonic: "BTC", emit: bitTest(3) },
];
