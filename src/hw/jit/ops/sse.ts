// SPDX-License-Identifier: MIT
// SSE2 integer and data-movement instructions for the block compiler, as
// WebAssembly SIMD (the semantics of src/hw/cpu/isa/sse-move.ts, sse-int.ts and
// the bitwise rows of sse-fp.ts). XMM registers stay in the state frame, which
// the interpreter's closures read and write too: nothing to spill around a helper.
// A 16-byte memory operand that legacy SSE requires aligned is checked inline;
// a misaligned one runs the instruction's closure, which raises #GP (or, under
// MXCSR.MM, performs the access).
import { I64, OP, SIMD, V128 } from "../../wasm/encoder.js";
import { OK_IMM, OK_MEM, OK_REG, RC_GPR, RC_XMM, type Insn, type Operand } from "../../cpu/decode.js";
import type { Emitter } from "../emitter.js";
import { STATE_XMM } from "../layout.js";
import type { JitEmit, JitRow } from "./types.js";

/** A register operand of a given class (the brand keeps the false branch un-narrowed). */
type Reg<B extends string> = Operand & { readonly [k in B]: true };

function xmm(o: Operand | undefined): o is Reg<"__xmm"> {
  return o !== undefined && o.kind === OK_REG && o.rclass === RC_XMM;
}

function gpr(o: Operand | undefined): o is Reg<"__gpr"> {
  return o !== undefined && o.kind === OK_REG && o.rclass === RC_GPR;
}

/** Byte offset of XMM register r in the state frame. */
function slot(e: Emitter, r: number): number {
  return e.state + STATE_XMM + 16 * r;
}

/** Pushes XMM register r. */
function getXmm(e: Emitter, r: number): void {
  e.f.i32(0).simdMem(SIMD.v128_load, slot(e, r), 4);
}

/** Stores the v128 in local v to XMM register r. */
function setXmm(e: Emitter, r: number, v: number): void {
  e.f.i32(0).get(v).simdMem(SIMD.v128_store, slot(e, r), 4);
}

/**
 * Emits `body` for a 16-byte memory operand at `addr` that must be aligned: a
 * misaligned address runs the instruction's closure instead.
 */
function aligned(e: Emitter, addr: number, body: () => void): void {
  const f = e.f;
  f.get(addr).op(OP.i32_wrap_i64).i32(15).op(OP.i32_and);
  e.open("if");
  e.helperHere();
  f.else();
  body();
  e.close();
}

/**
 * The shape of most SSE2 instructions: XMM destination, XMM or 16-byte memory
 * source (aligned unless `unaligned`), `op` combines them (the destination's
 * value below the source's on the stack) into the new destination; a null `op`
 * is a move (the source only).
 */
function rm(e: Emitter, i: Insn, op: (() => void) | null, unaligned = false): boolean {
  const d = i.ops[0],
    s = i.ops[1];
  if (!xmm(d) || (!xmm(s) && s?.kind !== OK_MEM)) return false;
  const f = e.f,
    r = e.tmp(V128);
  const addr = s.kind === OK_MEM ? e.ea(i.mem!) : -1;
  const body = (): void => {
    if (op !== null) getXmm(e, d.reg);
    if (xmm(s)) getXmm(e, s.reg);
    else e.load128(addr);
    op?.();
    f.set(r);
    setXmm(e, d.reg, r);
  };
  if (addr >= 0 && !unaligned) aligned(e, addr, body);
  else body();
  return true;
}

function simd(code: number, swap = false): JitEmit {
  return (e, i) =>
    rm(e, i, () => {
      if (swap) {
        // Operands in the other order (PANDN: ~dst & src = andnot(src, dst)).
        const t = e.tmp(V128);
        e.f.set(t);
        const u = e.tmp(V128);
        e.f.set(u).get(t).get(u);
      }
      e.f.simd(code);
    });
}

/** An i8x16.shuffle of destination (lanes 0–15) and source (16–31). */
function shuffleOf(lanes: readonly number[]): JitEmit {
  return (e, i) => rm(e, i, () => e.f.shuffle(lanes));
}

/** PUNPCKLxx and PUNPCKHxx of element width w bytes: interleave the low (hi=false) or high halves. */
function unpack(w: number, hi: boolean): readonly number[] {
  const out: number[] = [];
  const base = hi ? 8 : 0;
  for (let k = 0; k < 8 / w; k++) {
    for (let b = 0; b < w; b++) out.push(base + k * w + b);
    for (let b = 0; b < w; b++) out.push(16 + base + k * w + b);
  }
  return out;
}

/** MOVAPS/MOVUPS/MOVDQA/... : register, load or store of 16 bytes. */
function mov128(alignedOnly: boolean): JitEmit {
  return (e, i) => {
    const d = i.ops[0],
      s = i.ops[1];
    if (xmm(d) && (xmm(s) || s?.kind === OK_MEM)) {
      return rm(e, i, null, !alignedOnly);
    }
    if (d?.kind !== OK_MEM || !xmm(s)) return false;
    const addr = e.ea(i.mem!),
      v = e.tmp(V128);
    const body = (): void => {
      getXmm(e, s.reg);
      e.f.set(v);
      e.store128(addr, v);
    };
    if (alignedOnly) aligned(e, addr, body);
    else body();
    return true;
  };
}

/** PMOVMSKB/MOVMSKPS/MOVMSKPD r32/r64, xmm. */
function moveMask(code: number): JitEmit {
  return (e, i) => {
    const d = i.ops[0],
      s = i.ops[1];
    if (!gpr(d) || !xmm(s)) return false;
    const v = e.tmp(I64);
    getXmm(e, s.reg);
    e.f.simd(code).op(OP.i64_extend_i32_u).set(v);
    e.writeGpr(d, v);
    return true;
  };
}

/** Pushes a v128 whose low `bytes` (4 or 8) are the i64 in local v, the rest zero. */
function zeroExtended(e: Emitter, v: number, bytes: number): void {
  const f = e.f;
  f.v128(new Array<number>(16).fill(0)).get(v);
  if (bytes === 4) f.i64(-1, 0).op(OP.i64_and);
  f.lane(SIMD.i64x2_replace_lane, 0);
}

/** MOVD/MOVQ between XMM and a general register or memory; MOVQ xmm, xmm. */
function movdq(e: Emitter, i: Insn): boolean {
  const d = i.ops[0],
    s = i.ops[1];
  if (d === undefined || s === undefined) return false;
  const f = e.f,
    bytes = (xmm(d) ? s : d).size === 64 || (xmm(d) && xmm(s)) ? 8 : 4;
  if (xmm(d)) {
    if (!xmm(s) && !gpr(s) && s.kind !== OK_MEM) return false;
    const v = e.tmp(I64),
      r = e.tmp(V128);
    if (xmm(s)) {
      getXmm(e, s.reg);
      f.lane(SIMD.i64x2_extract_lane, 0);
    } else if (gpr(s)) e.getReg(s.reg);
    else e.load(e.ea(i.mem!), bytes, false);
    f.set(v);
    zeroExtended(e, v, bytes);
    f.set(r);
    setXmm(e, d.reg, r);
    return true;
  }
  if (!xmm(s) || (!gpr(d) && d.kind !== OK_MEM)) return false;
  const v = e.tmp(I64);
  getXmm(e, s.reg);
  f.lane(SIMD.i64x2_extract_lane, 0).set(v);
  if (gpr(d)) e.writeGpr(d, v);
  else e.store(e.ea(i.mem!), bytes, v);
  return true;
}

/** MOVSS (4) / MOVSD (8) in their XMM forms: register merge, zero-extending load, store. */
function movScalar(bytes: number): JitEmit {
  return (e, i) => {
    const d = i.ops[0],
      s = i.ops[1],
      f = e.f;
    if (xmm(d) && xmm(s)) {
      const r = e.tmp(V128);
      getXmm(e, d.reg);
      getXmm(e, s.reg);
      f.shuffle(Array.from({ length: 16 }, (_, k) => (k < bytes ? 16 + k : k))).set(r);
      setXmm(e, d.reg, r);
      return true;
    }
    if (xmm(d) && s?.kind === OK_MEM) {
      const v = e.tmp(I64),
        r = e.tmp(V128);
      e.load(e.ea(i.mem!), bytes, false);
      f.set(v);
      zeroExtended(e, v, bytes);
      f.set(r);
      setXmm(e, d.reg, r);
      return true;
    }
    if (d?.kind !== OK_MEM || !xmm(s)) return false;
    const v = e.tmp(I64);
    getXmm(e, s.reg);
    f.lane(SIMD.i64x2_extract_lane, 0).set(v);
    e.store(e.ea(i.mem!), bytes, v);
    return true;
  };
}

/** MOVLPS/MOVLPD (lane 0) and MOVHPS/MOVHPD (lane 1): 8 bytes between memory and one half. */
function movHalf(lane: number): JitEmit {
  return (e, i) => {
    const d = i.ops[0],
      s = i.ops[1],
      f = e.f;
    if (xmm(d) && s?.kind === OK_MEM) {
      const v = e.tmp(I64),
        r = e.tmp(V128);
      e.load(e.ea(i.mem!), 8, false);
      f.set(v);
      getXmm(e, d.reg);
      f.get(v).lane(SIMD.i64x2_replace_lane, lane).set(r);
      setXmm(e, d.reg, r);
      return true;
    }
    if (d?.kind !== OK_MEM || !xmm(s)) return false;
    const v = e.tmp(I64);
    getXmm(e, s.reg);
    f.lane(SIMD.i64x2_extract_lane, lane).set(v);
    e.store(e.ea(i.mem!), 8, v);
    return true;
  };
}

function imm8(i: Insn, k: number): number {
  const o = i.ops[k];
  return o !== undefined && o.kind === OK_IMM ? o.immLo & 0xff : -1;
}

/** PSHUFD/PSHUFLW/PSHUFHW xmm, xmm/m128, imm8. */
function pshuf(kind: "D" | "LW" | "HW"): JitEmit {
  return (e, i) => {
    const n = imm8(i, 2);
    if (n < 0) return false;
    const lanes: number[] = [];
    const sel = (k: number): number => (n >> (2 * k)) & 3;
    if (kind === "D") for (let k = 0; k < 4; k++) for (let b = 0; b < 4; b++) lanes.push(16 + 4 * sel(k) + b);
    else {
      const off = kind === "LW" ? 0 : 8;
      for (let k = 0; k < 8; k++) {
        const inHalf = k >= 4 === (off === 8);
        for (let b = 0; b < 2; b++) lanes.push(16 + (inHalf ? off + 2 * sel(k & 3) + b : 2 * k + b));
      }
    }
    return rm(e, i, () => e.f.shuffle(lanes));
  };
}

/** PSLLDQ/PSRLDQ xmm, imm8: whole-register byte shifts. */
function byteShift(left: boolean): JitEmit {
  return (e, i) => {
    const d = i.ops[0],
      n = imm8(i, 1);
    if (!xmm(d) || n < 0) return false;
    const f = e.f,
      r = e.tmp(V128);
    getXmm(e, d.reg);
    f.v128(new Array<number>(16).fill(0));
    f.shuffle(
      Array.from({ length: 16 }, (_, k) => {
        const src = left ? k - n : k + n;
        return src >= 0 && src < 16 ? src : 16;
      }),
    );
    f.set(r);
    setXmm(e, d.reg, r);
    return true;
  };
}

/** PSLL/PSRL/PSRA by an immediate: element width w bytes, kind 0 left, 1 logical right, 2 arithmetic right. */
function shiftImm(w: number, kind: number): JitEmit {
  const codes = {
    2: [SIMD.i16x8_shl, SIMD.i16x8_shr_u, SIMD.i16x8_shr_s],
    4: [SIMD.i32x4_shl, SIMD.i32x4_shr_u, SIMD.i32x4_shr_s],
    8: [SIMD.i64x2_shl, SIMD.i64x2_shr_u, SIMD.i64x2_shr_s],
  }[w]!;
  return (e, i) => {
    const d = i.ops[0],
      n = imm8(i, 1);
    if (!xmm(d) || n < 0) return false;
    const f = e.f,
      r = e.tmp(V128),
      bits = 8 * w;
    if (n >= bits && kind !== 2) f.v128(new Array<number>(16).fill(0));
    else {
      getXmm(e, d.reg);
      f.i32(Math.min(n, bits - 1)).simd(codes[kind]!);
    }
    f.set(r);
    setXmm(e, d.reg, r);
    return true;
  };
}

const BINARY: Readonly<Record<string, number>> = {
  PADDB: SIMD.i8x16_add,
  PADDW: SIMD.i16x8_add,
  PADDD: SIMD.i32x4_add,
  PADDQ: SIMD.i64x2_add,
  PSUBB: SIMD.i8x16_sub,
  PSUBW: SIMD.i16x8_sub,
  PSUBD: SIMD.i32x4_sub,
  PSUBQ: SIMD.i64x2_sub,
  PADDSB: SIMD.i8x16_add_sat_s,
  PADDSW: SIMD.i16x8_add_sat_s,
  PADDUSB: SIMD.i8x16_add_sat_u,
  PADDUSW: SIMD.i16x8_add_sat_u,
  PSUBSB: SIMD.i8x16_sub_sat_s,
  PSUBSW: SIMD.i16x8_sub_sat_s,
  PSUBUSB: SIMD.i8x16_sub_sat_u,
  PSUBUSW: SIMD.i16x8_sub_sat_u,
  PMULLW: SIMD.i16x8_mul,
  PAVGB: SIMD.i8x16_avgr_u,
  PAVGW: SIMD.i16x8_avgr_u,
  PMINUB: SIMD.i8x16_min_u,
  PMAXUB: SIMD.i8x16_max_u,
  PMINSW: SIMD.i16x8_min_s,
  PMAXSW: SIMD.i16x8_max_s,
  PCMPEQB: SIMD.i8x16_eq,
  PCMPEQW: SIMD.i16x8_eq,
  PCMPEQD: SIMD.i32x4_eq,
  PCMPGTB: SIMD.i8x16_gt_s,
  PCMPGTW: SIMD.i16x8_gt_s,
  PCMPGTD: SIMD.i32x4_gt_s,
  PACKSSWB: SIMD.i8x16_narrow_i16x8_s,
  PACKUSWB: SIMD.i8x16_narrow_i16x8_u,
  PACKSSDW: SIMD.i16x8_narrow_i32x4_s,
  PAND: SIMD.v128_and,
  ANDPS: SIMD.v128_and,
  ANDPD: SIMD.v128_and,
  POR: SIMD.v128_or,
  ORPS: SIMD.v128_or,
  ORPD: SIMD.v128_or,
  PXOR: SIMD.v128_xor,
  XORPS: SIMD.v128_xor,
  XORPD: SIMD.v128_xor,
};

const UNPACK: Readonly<Record<string, readonly number[]>> = {
  PUNPCKLBW: unpack(1, false),
  PUNPCKHBW: unpack(1, true),
  PUNPCKLWD: unpack(2, false),
  PUNPCKHWD: unpack(2, true),
  PUNPCKLDQ: unpack(4, false),
  PUNPCKHDQ: unpack(4, true),
  PUNPCKLQDQ: unpack(8, false),
  PUNPCKHQDQ: unpack(8, true),
  UNPCKLPS: unpack(4, false),
  UNPCKHPS: unpack(4, true),
  UNPCKLPD: unpack(8, false),
  UNPCKHPD: unpack(8, true),
};

/** MOVSD xmm forms (the string MOVSD is a row of ops/string.ts). */
export const movsdXmm = movScalar(8);

export const SSE_ROWS: readonly JitRow[] = [
  ...Object.entries(BINARY).map(([m, code]) => ({ mnemonic: m, emit: simd(code) })),
  ...["PANDN", "ANDNPS", "ANDNPD"].map((m) => ({ mnemonic: m, emit: simd(SIMD.v128_andnot, true) })),
  ...Object.entries(UNPACK).map(([m, lanes]) => ({ mnemonic: m, emit: shuffleOf(lanes) })),
  ...["MOVAPS", "MOVAPD", "MOVDQA", "MOVNTPS", "MOVNTPD", "MOVNTDQ"].map((m) => ({ mnemonic: m, emit: mov128(true) })),
  ...["MOVUPS", "MOVUPD", "MOVDQU"].map((m) => ({ mnemonic: m, emit: mov128(false) })),
  { mnemonic: "PMOVMSKB", emit: moveMask(SIMD.i8x16_bitmask) },
  { mnemonic: "MOVMSKPS", emit: moveMask(SIMD.i32x4_bitmask) },
  { mnemonic: "MOVMSKPD", emit: moveMask(SIMD.i64x2_bitmask) },
  { mnemonic: "MOVD", emit: movdq },
  { mnemonic: "MOVQ", emit: movdq },
  { mnemonic: "MOVSS", emit: movScalar(4) },
  // MOVSD is also the string move (ops/string.ts): the table joins the two.
  { mnemonic: "MOVLPS", emit: movHalf(0) },
  { mnemonic: "MOVLPD", emit: movHalf(0) },
  { mnemonic: "MOVHPS", emit: movHalf(1) },
  { mnemonic: "MOVHPD", emit: movHalf(1) },
  { mnemonic: "PSHUFD", emit: pshuf("D") },
  { mnemonic: "PSHUFLW", emit: pshuf("LW") },
  { mnemonic: "PSHUFHW", emit: pshuf("HW") },
  { mnemonic: "PSLLDQ", emit: byteShift(true) },
  { mnemonic: "PSRLDQ", emit: byteShift(false) },
  { mnemonic: "PSLLW", emit: shiftImm(2, 0) },
  { mnemonic: "PSLLD", emit: shiftImm(4, 0) },
  { mnemonic: "PSLLQ", emit: shiftImm(8, 0) },
  { mnemonic: "PSRLW", emit: shiftImm(2, 1) },
  { mnemonic: "PSRLD", emit: shiftImm(4, 1) },
  { mnemonic: "PSRLQ", emit: shiftImm(8, 1) },
  { mnemonic: "PSRAW", emit: shiftImm(2, 2) },
  { mnemonic: "PSRAD", emit: shiftImm(4, 2) },
];
