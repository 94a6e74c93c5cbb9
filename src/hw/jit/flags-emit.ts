// SPDX-License-Identifier: MIT
// Lazy flags in translated code, the same record as the interpreter's
// (src/hw/cpu/flags.ts): the last producer's kind, size, operands, result and
// aux word, kept in locals. The kind and size are usually known when the code
// is compiled, so a condition becomes one comparison of the producer's
// operands (CMP; JB is `a <u b`); only flags from an unknown producer (region
// entry, a join, a helper) go through the runtime's generic evaluator.
import { type FnBody, I32, I64, OP } from "../wasm/encoder.js";
import {
  AF,
  CF,
  OF,
  PF,
  SF,
  ZF,
  K_ADC,
  K_ADD,
  K_DEC,
  K_EAGER,
  K_INC,
  K_LOGIC,
  K_NEG,
  K_RESULT,
  K_SBB,
  K_SUB,
  FL_A,
  FL_AUX,
  FL_B,
  FL_KIND,
  FL_R,
  FL_SIZE,
} from "../cpu/flags.js";
import { STATE_FLAGS } from "./layout.js";

/** The producer is not known at compile time: read the kind and size from their locals. */
export const DYN = -1;

/** The six arithmetic flags. */
const ARITH = CF | PF | AF | ZF | SF | OF;

/** Mask of the low `sz` bits as an i64 constant's halves. */
function mask(sz: number): [number, number] {
  return sz === 64 ? [-1, -1] : sz === 32 ? [-1, 0] : [sz === 16 ? 0xffff : 0xff, 0];
}

export class FlagsEmitter {
  readonly fk: number;
  readonly fsz: number;
  readonly fa: number;
  readonly fb: number;
  readonly fr: number;
  readonly faux: number;
  /** The producer as known at compile time (DYN: from the locals). */
  kind = DYN;
  size = 32;
  private readonly t: number;

  /** `locals` gives existing locals for kind, size, a, b, r, aux (the runtime's evaluator uses its parameters). */
  constructor(
    private readonly f: FnBody,
    private readonly state: number,
    private readonly flagBits: number,
    locals?: readonly number[],
  ) {
    const l = locals ?? [f.local(I32), f.local(I32), f.local(I64), f.local(I64), f.local(I64), f.local(I32)];
    [this.fk, this.fsz, this.fa, this.fb, this.fr, this.faux] = l as [number, number, number, number, number, number];
    this.t = f.local(I32);
  }

  // ---- the record ----------------------------------------------------------------

  /** Records a producer: locals `a`, `b`, `r` (−1 to leave one unset) and the aux word from local `aux` or a constant. */
  produce(kind: number, size: number, a: number, b: number, r: number, aux: { local: number } | number = 0): void {
    const f = this.f;
    if (a >= 0) f.get(a).set(this.fa);
    if (b >= 0) f.get(b).set(this.fb);
    if (r >= 0) f.get(r).set(this.fr);
    if (typeof aux === "number") f.i32(aux).set(this.faux);
    else f.get(aux.local).set(this.faux);
    this.kind = kind;
    this.size = size;
  }

  /** Makes the kind and size locals agree with the compile-time producer (before an exit or a join). */
  materialize(): void {
    if (this.kind === DYN) return;
    this.f.i32(this.kind).set(this.fk).i32(this.size).set(this.fsz);
  }

  /** At a block boundary: the next block may be entered from elsewhere. */
  forget(): void {
    this.materialize();
    this.kind = DYN;
  }

  /** Pushes kind, size, a, b, r, aux (the exit function's arguments). */
  pushRecord(): void {
    const f = this.f;
    if (this.kind === DYN) f.get(this.fk).get(this.fsz);
    else f.i32(this.kind).i32(this.size);
    f.get(this.fa).get(this.fb).get(this.fr).get(this.faux);
  }

  /** Stores the record into the state frame (before a helper that reads flags). */
  store(): void {
    this.materialize();
    const f = this.f,
      s = this.state + STATE_FLAGS;
    f.i32(0)
      .get(this.fk)
      .mem(OP.i32_store, s + 4 * FL_KIND, 2);
    f.i32(0)
      .get(this.fsz)
      .mem(OP.i32_store, s + 4 * FL_SIZE, 2);
    f.i32(0)
      .get(this.fa)
      .mem(OP.i64_store, s + 4 * FL_A, 3);
    f.i32(0)
      .get(this.fb)
      .mem(OP.i64_store, s + 4 * FL_B, 3);
    f.i32(0)
      .get(this.fr)
      .mem(OP.i64_store, s + 4 * FL_R, 3);
    f.i32(0)
      .get(this.faux)
      .mem(OP.i32_store, s + 4 * FL_AUX, 2);
  }

  /** Loads the record from the state frame (prologue, after a helper that wrote flags). */
  load(): void {
    const f = this.f,
      s = this.state + STATE_FLAGS;
    f.i32(0)
      .mem(OP.i32_load, s + 4 * FL_KIND, 2)
      .set(this.fk);
    f.i32(0)
      .mem(OP.i32_load, s + 4 * FL_SIZE, 2)
      .set(this.fsz);
    f.i32(0)
      .mem(OP.i64_load, s + 4 * FL_A, 3)
      .set(this.fa);
    f.i32(0)
      .mem(OP.i64_load, s + 4 * FL_B, 3)
      .set(this.fb);
    f.i32(0)
      .mem(OP.i64_load, s + 4 * FL_R, 3)
      .set(this.fr);
    f.i32(0)
      .mem(OP.i32_load, s + 4 * FL_AUX, 2)
      .set(this.faux);
    this.kind = DYN;
  }

  // ---- conditions -------------------------------------------------------------------

  /** Pushes condition `cc` (tttn, APM Vol. 3 Appendix B) as an i32 0/1. */
  cond(cc: number): void {
    if (this.kind === DYN) {
      this.allBits();
      this.condFromBits(cc);
      return;
    }
    if (this.direct(cc)) return;
    const f = this.f,
      base = cc & ~1;
    switch (base) {
      case 0:
        this.of();
        break;
      case 2:
        this.cf();
        break;
      case 4:
        this.zf();
        break;
      case 6:
        this.cf();
        this.zf();
        f.op(OP.i32_or);
        break;
      case 8:
        this.sf();
        break;
      case 10:
        this.pf();
        break;
      case 12:
        this.sf();
        this.of();
        f.op(OP.i32_xor);
        break;
      default:
        this.zf();
        this.sf();
        this.of();
        f.op(OP.i32_xor).op(OP.i32_or);
    }
    if ((cc & 1) !== 0) f.op(OP.i32_eqz);
  }

  /** Comparisons of the producer's operands for SUB (CMP) and the trivial LOGIC (TEST) cases. */
  private direct(cc: number): boolean {
    const f = this.f,
      sz = this.size;
    if (this.kind === K_LOGIC) {
      if (cc === 2 || cc === 0) {
        f.i32(0);
        return true;
      }
      if (cc === 3 || cc === 1) {
        f.i32(1);
        return true;
      }
      if (cc === 6 || cc === 7) {
        this.zf();
        if (cc === 7) f.op(OP.i32_eqz);
        return true;
      }
      if (cc === 12 || cc === 13) {
        this.sf();
        if (cc === 13) f.op(OP.i32_eqz);
        return true;
      }
      if (cc === 14 || cc === 15) {
        this.zf();
        this.sf();
        f.op(OP.i32_or);
        if (cc === 15) f.op(OP.i32_eqz);
        return true;
      }
      return false;
    }
    if (this.kind !== K_SUB || cc < 2 || cc === 8 || cc === 9 || cc === 10 || cc === 11) return false;
    if (cc === 4 || cc === 5) return false; // ZF of the result is as cheap
    const signed = cc >= 12;
    this.operand(this.fa, sz, signed);
    this.operand(this.fb, sz, signed);
    const wide = sz === 64;
    const ops: Record<number, number> = wide
      ? {
          2: OP.i64_lt_u,
          3: OP.i64_ge_u,
          6: OP.i64_le_u,
          7: OP.i64_gt_u,
          12: OP.i64_lt_s,
          13: OP.i64_ge_s,
          14: OP.i64_le_s,
          15: OP.i64_gt_s,
        }
      : {
          2: OP.i32_lt_u,
          3: OP.i32_ge_u,
          6: OP.i32_le_u,
          7: OP.i32_gt_u,
          12: OP.i32_lt_s,
          13: OP.i32_ge_s,
          14: OP.i32_le_s,
          15: OP.i32_gt_s,
        };
    f.op(ops[cc]!);
    return true;
  }

  /** Pushes a record operand at `sz` bits: i64 for 64, else an i32 zero- or sign-extended from `sz`. */
  private operand(l: number, sz: number, signed: boolean): void {
    const f = this.f;
    f.get(l);
    if (sz === 64) return;
    f.op(OP.i32_wrap_i64);
    if (sz === 8) {
      if (signed) f.op(OP.i32_extend8_s);
      else f.i32(0xff).op(OP.i32_and);
    } else if (sz === 16) {
      if (signed) f.op(OP.i32_extend16_s);
      else f.i32(0xffff).op(OP.i32_and);
    }
  }

  /**
   * Pushes the RFLAGS arithmetic bits of the record: at least those in `want` (the
   * others may be set too). A producer known at compile time is evaluated inline; only
   * an unknown one calls the runtime's evaluator. (Calling it for known producers too had
   * cost sha256sum, whose rotations keep four flags of the previous operation, as much
   * time as its compiled code.)
   */
  allBits(want = ARITH): void {
    if (this.kind !== DYN) {
      this.staticBits(want);
      return;
    }
    this.f.get(this.fk).get(this.fsz).get(this.fa).get(this.fb).get(this.fr).get(this.faux).call(this.flagBits);
  }

  /** Condition `cc` from RFLAGS bits on the stack. */
  private condFromBits(cc: number): void {
    const f = this.f,
      t = this.t;
    const bit = (b: number): void => {
      f.get(t).i32(Math.log2(b)).op(OP.i32_shr_u).i32(1).op(OP.i32_and);
    };
    f.set(t);
    switch (cc & ~1) {
      case 0:
        bit(OF);
        break;
      case 2:
        bit(CF);
        break;
      case 4:
        bit(ZF);
        break;
      case 6:
        f.get(t)
          .i32(CF | ZF)
          .op(OP.i32_and)
          .i32(0)
          .op(OP.i32_ne);
        break;
      case 8:
        bit(SF);
        break;
      case 10:
        bit(PF);
        break;
      case 12:
        bit(SF);
        bit(OF);
        f.op(OP.i32_xor);
        break;
      default:
        bit(ZF);
        bit(SF);
        bit(OF);
        f.op(OP.i32_xor).op(OP.i32_or);
    }
    if ((cc & 1) !== 0) f.op(OP.i32_eqz);
  }

  // ---- single flags of a known producer (i32 0/1) ------------------------------------

  /** ZF: the result is zero at the producer's size. */
  zf(): void {
    const f = this.f;
    if (this.kind === K_EAGER) return this.eagerBit(ZF);
    if (this.kind === DYN) {
      this.allBits();
      f.i32(6).op(OP.i32_shr_u).i32(1).op(OP.i32_and);
      return;
    }
    this.masked(this.fr);
    f.op(this.size === 64 ? OP.i64_eqz : OP.i32_eqz);
  }

  /** SF: the sign bit of the result. */
  sf(): void {
    const f = this.f,
      sz = this.size;
    if (this.kind === K_EAGER) return this.eagerBit(SF);
    if (this.kind === DYN) {
      this.allBits();
      f.i32(7).op(OP.i32_shr_u).i32(1).op(OP.i32_and);
      return;
    }
    this.signOf(this.fr, sz);
  }

  /** PF: even parity of the result's low byte. */
  pf(): void {
    const f = this.f;
    if (this.kind === K_EAGER) return this.eagerBit(PF);
    if (this.kind === DYN) {
      this.allBits();
      f.i32(2).op(OP.i32_shr_u).i32(1).op(OP.i32_and);
      return;
    }
    f.get(this.fr).op(OP.i32_wrap_i64).i32(0xff).op(OP.i32_and).op(OP.i32_popcnt).i32(1).op(OP.i32_and).op(OP.i32_eqz);
  }

  /** CF of the producer. */
  cf(): void {
    const f = this.f,
      sz = this.size;
    switch (this.kind) {
      case K_ADD:
        this.ult(this.fr, this.fa, sz);
        return;
      case K_SUB:
        this.ult(this.fa, this.fb, sz);
        return;
      case K_ADC:
        // with a carry in, CF = r <=u a; without, r <u a
        this.ult(this.fr, this.fa, sz);
        this.eqMasked(this.fr, this.fa, sz);
        f.get(this.faux).op(OP.i32_and).op(OP.i32_or);
        return;
      case K_SBB:
        this.ult(this.fa, this.fb, sz);
        this.eqMasked(this.fa, this.fb, sz);
        f.get(this.faux).op(OP.i32_and).op(OP.i32_or);
        return;
      case K_LOGIC:
        f.i32(0);
        return;
      case K_INC:
      case K_DEC:
        f.get(this.faux).i32(0).op(OP.i32_ne);
        return;
      case K_NEG:
        this.masked(this.fr);
        f.op(sz === 64 ? OP.i64_eqz : OP.i32_eqz).op(OP.i32_eqz);
        return;
      case K_RESULT:
        f.get(this.faux).i32(CF).op(OP.i32_and);
        return;
      case K_EAGER:
        this.eagerBit(CF);
        return;
      default:
        this.allBits();
        f.i32(1).op(OP.i32_and);
    }
  }

  /** OF of the producer. */
  of(): void {
    const f = this.f,
      sz = this.size;
    switch (this.kind) {
      case K_ADD:
      case K_ADC:
        f.get(this.fa).get(this.fr).op(OP.i64_xor).get(this.fb).get(this.fr).op(OP.i64_xor).op(OP.i64_and);
        this.signOfStack(sz);
        return;
      case K_SUB:
      case K_SBB:
        f.get(this.fa).get(this.fb).op(OP.i64_xor).get(this.fa).get(this.fr).op(OP.i64_xor).op(OP.i64_and);
        this.signOfStack(sz);
        return;
      case K_LOGIC:
        f.i32(0);
        return;
      case K_INC:
      case K_NEG:
        this.isMinSigned(this.fr, sz);
        return;
      case K_DEC:
        this.isMinSigned(this.fa, sz);
        return;
      case K_RESULT:
        f.get(this.faux).i32(11).op(OP.i32_shr_u).i32(1).op(OP.i32_and);
        return;
      case K_EAGER:
        this.eagerBit(OF);
        return;
      default:
        this.allBits();
        f.i32(11).op(OP.i32_shr_u).i32(1).op(OP.i32_and);
    }
  }

  /** AF of the producer. */
  af(): void {
    const f = this.f;
    switch (this.kind) {
      case K_LOGIC:
        f.i32(0);
        return;
      case K_RESULT:
        f.get(this.faux).i32(4).op(OP.i32_shr_u).i32(1).op(OP.i32_and);
        return;
      case K_EAGER:
        this.eagerBit(AF);
        return;
      case K_NEG:
        f.get(this.fa).get(this.fr).op(OP.i64_xor);
        break;
      case K_INC:
      case K_DEC:
        f.get(this.fa).get(this.fr).op(OP.i64_xor).i64(1).op(OP.i64_xor);
        break;
      case DYN:
        this.allBits();
        f.i32(4).op(OP.i32_shr_u).i32(1).op(OP.i32_and);
        return;
      default:
        f.get(this.fa).get(this.fb).op(OP.i64_xor).get(this.fr).op(OP.i64_xor);
    }
    f.op(OP.i32_wrap_i64).i32(4).op(OP.i32_shr_u).i32(1).op(OP.i32_and);
  }

  /** Pushes the arithmetic flags in `want` of a known producer in RFLAGS layout (the generic evaluator's body: all six). */
  staticBits(want = ARITH): void {
    const f = this.f;
    if (this.kind === K_EAGER) {
      f.get(this.fr)
        .op(OP.i32_wrap_i64)
        .i32(want & ARITH)
        .op(OP.i32_and);
      return;
    }
    let none = true;
    const bit = (b: number, emit: () => void): void => {
      if ((want & b) === 0) return;
      emit();
      if (b !== CF) f.i32(Math.log2(b)).op(OP.i32_shl);
      if (!none) f.op(OP.i32_or);
      none = false;
    };
    bit(CF, () => this.cf());
    bit(PF, () => this.pf());
    bit(AF, () => this.af());
    bit(ZF, () => this.zf());
    bit(SF, () => this.sf());
    bit(OF, () => this.of());
    if (none) f.i32(0);
  }

  // ---- helpers ------------------------------------------------------------------------

  private eagerBit(b: number): void {
    this.f.get(this.fr).op(OP.i32_wrap_i64).i32(Math.log2(b)).op(OP.i32_shr_u).i32(1).op(OP.i32_and);
  }

  /** Pushes local `l` masked to `sz` (i64 for 64, else i32). */
  private masked(l: number): void {
    const f = this.f,
      sz = this.size;
    f.get(l);
    if (sz === 64) return;
    f.op(OP.i32_wrap_i64);
    if (sz < 32) f.i32(sz === 8 ? 0xff : 0xffff).op(OP.i32_and);
  }

  /** Unsigned x < y at `sz`. */
  private ult(x: number, y: number, sz: number): void {
    const f = this.f;
    const [ml, mh] = mask(sz);
    if (sz === 64) {
      f.get(x).get(y).op(OP.i64_lt_u);
      return;
    }
    f.get(x).i64(ml, mh).op(OP.i64_and).get(y).i64(ml, mh).op(OP.i64_and).op(OP.i64_lt_u);
  }

  private eqMasked(x: number, y: number, sz: number): void {
    const f = this.f;
    const [ml, mh] = mask(sz);
    if (sz === 64) {
      f.get(x).get(y).op(OP.i64_eq);
      return;
    }
    f.get(x).get(y).op(OP.i64_xor).i64(ml, mh).op(OP.i64_and).op(OP.i64_eqz);
  }

  private signOf(l: number, sz: number): void {
    this.f.get(l);
    this.signOfStack(sz);
  }

  /** The sign bit at `sz` of the i64 on the stack, as i32 0/1. */
  private signOfStack(sz: number): void {
    this.f
      .i64(sz - 1)
      .op(OP.i64_shr_u)
      .op(OP.i32_wrap_i64)
      .i32(1)
      .op(OP.i32_and);
  }

  /** Whether local `l` at `sz` is the most negative value (INC/DEC/NEG overflow). */
  private isMinSigned(l: number, sz: number): void {
    const [ml, mh] = mask(sz);
    const f = this.f;
    f.get(l).i64(ml, mh).op(OP.i64_and);
    if (sz === 64) f.i64(0, 0x80000000 | 0);
    else f.i64(sz === 32 ? 0x80000000 | 0 : sz === 16 ? 0x8000 : 0x80, 0);
    f.op(OP.i64_eq);
  }
}
