// SPDX-License-Identifier: MIT
// String moves for the block compiler: MOVS STOS LODS (B/W/D/Q), 64-bit addresses and
// no segment override (src/hw/cpu/isa/string.ts); RSI/RDI step by the element size,
// backwards when DF is set. REP MOVS and REP STOS of at most REP_INLINE elements run
// as a loop of single moves; longer ones, and the other forms, run in the interpreter,
// which copies whole pages at a time.
import { I64, OP } from "../../wasm/encoder.js";
import { DF, FL_OTHER } from "../../cpu/flags.js";
import { OK_REG, RC_GPR, type Insn } from "../../cpu/decode.js";
import type { Emitter } from "../emitter.js";
import { STATE_FLAGS } from "../layout.js";
import type { JitEmit, JitRow } from "./types.js";

const RAX = 0,
  RCX = 1,
  RSI = 6,
  RDI = 7;
type Kind = "MOVS" | "STOS" | "LODS";

/**
 * REP MOVS and REP STOS of more elements than this run in the interpreter, which copies
 * a page at a time; fewer (musl's memcpy and memset of a small struct or the tail of a
 * merge: 200,000 calls in the bench's memsort) run here, element by element.
 */
export const REP_INLINE = 64;

/**
 * Whether the encoding has only an operand-size or REX prefix, and F3 (REP) when `rep`
 * (no 67h or segment override, no F2).
 */
function prefixesOk(i: Insn, rep: boolean): boolean {
  if (i.rep !== rep || i.repne) return false;
  for (const b of i.bytes) {
    if (b === 0x66 || (b & 0xf0) === 0x40 || (rep && b === 0xf3)) continue;
    return b >= 0xa4 && b <= 0xad;
  }
  return false;
}

/** Pushes the step (±k) as an i64 from DF in the flags record's `other` word. */
function step(e: Emitter, k: number): void {
  e.f.i64(k);
  e.f
    .i32(0)
    .mem(OP.i32_load, e.state + STATE_FLAGS + 4 * FL_OTHER, 2)
    .i32(Math.log2(DF))
    .op(OP.i32_shr_u)
    .i32(1)
    .op(OP.i32_and);
  e.f
    .op(OP.i64_extend_i32_u)
    .i64(2 * k)
    .op(OP.i64_mul)
    .op(OP.i64_sub);
}

function advance(e: Emitter, r: number, k: number): void {
  e.getReg(r);
  step(e, k);
  e.f.op(OP.i64_add);
  e.setReg(r);
}

/** One element: the move, then RSI and RDI advance (a fault leaves them at this element). */
function once(e: Emitter, kind: Kind, k: number): void {
  const f = e.f,
    v = e.tmp(I64),
    si = e.tmp(I64),
    di = e.tmp(I64);
  if (kind !== "STOS") {
    e.getReg(RSI);
    f.set(si);
    e.load(si, k, false);
    f.set(v);
  } else {
    e.getReg(RAX);
    f.set(v);
  }
  if (kind !== "LODS") {
    e.getReg(RDI);
    f.set(di);
    e.store(di, k, v);
  } else e.writeGpr({ kind: OK_REG, reg: RAX, rclass: RC_GPR, size: 8 * k, hi8: false, immLo: 0, immHi: 0 }, v);
  if (kind !== "STOS") advance(e, RSI, k);
  if (kind !== "LODS") advance(e, RDI, k);
}

function str(kind: Kind, k: number): JitEmit {
  return (e, i) => {
    if (!prefixesOk(i, false)) return false;
    once(e, kind, k);
    return true;
  };
}

/**
 * REP MOVS/STOS: RCX elements, RCX counting down after each (a fault leaves it, RSI and
 * RDI at the element that faulted, as the interpreter does); none when RCX is 0; more
 * than REP_INLINE through the interpreter's closure.
 */
function repeated(kind: "MOVS" | "STOS", k: number): JitEmit {
  return (e, i) => {
    if (!prefixesOk(i, true)) return false;
    const f = e.f;
    e.getReg(RCX);
    f.i64(REP_INLINE).op(OP.i64_gt_u);
    e.open("if");
    e.helperHere();
    f.else();
    e.getReg(RCX);
    f.op(OP.i64_eqz).op(OP.i32_eqz);
    e.open("if");
    e.open("loop");
    once(e, kind, k);
    e.getReg(RCX);
    f.i64(1).op(OP.i64_sub);
    e.setReg(RCX);
    e.getReg(RCX);
    f.op(OP.i64_eqz).op(OP.i32_eqz).brIf(0);
    e.close();
    e.close();
    e.close();
    return true;
  };
}

const SIZES: readonly [string, number][] = [
  ["B", 1],
  ["W", 2],
  ["D", 4],
  ["Q", 8],
];

/** The single form, or for MOVS and STOS the REP form too, by the prefix. */
function row(kind: Kind, k: number): JitEmit {
  const single = str(kind, k),
    rep = kind === "LODS" ? null : repeated(kind, k);
  return (e, i) => (i.rep && rep !== null ? rep(e, i) : single(e, i));
}

export const STRING_ROWS: readonly JitRow[] = (["MOVS", "STOS", "LODS"] as const).flatMap((kind) =>
  SIZES.map(([s, k]) => ({ mnemonic: `${kind}${s}`, emit: row(kind, k) })),
);
