// SPDX-License-Identifier: MIT
// Single string moves for the block compiler: MOVS STOS LODS (B/W/D/Q) without a
// repeat prefix, 64-bit addresses and no segment override (src/hw/cpu/isa/string.ts;
// the other forms, REP included, run in the interpreter, whose REP MOVS/STOS copy
// whole pages at a time). RSI/RDI step by the element size, backwards when DF is set.
import { I64, OP } from "../../wasm/encoder.js";
import { DF, FL_OTHER } from "../../cpu/flags.js";
import { OK_REG, RC_GPR, type Insn } from "../../cpu/decode.js";
import type { Emitter } from "../emitter.js";
import { STATE_FLAGS } from "../layout.js";
import type { JitEmit, JitRow } from "./types.js";

const RAX = 0,
  RSI = 6,
  RDI = 7;
type Kind = "MOVS" | "STOS" | "LODS";

/** Whether the encoding has only an operand-size or REX prefix (no REP, 67h or segment override). */
function plainPrefixes(i: Insn): boolean {
  if (i.rep || i.repe || i.repne) return false;
  for (const b of i.bytes) {
    if (b === 0x66 || (b & 0xf0) === 0x40) continue;
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

function str(kind: Kind, k: number): JitEmit {
  return (e, i) => {
    if (!plainPrefixes(i)) return false;
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
    return true;
  };
}

const SIZES: readonly [string, number][] = [
  ["B", 1],
  ["W", 2],
  ["D", 4],
  ["Q", 8],
];

export const STRING_ROWS: readonly JitRow[] = (["MOVS", "STOS", "LODS"] as const).flatMap((kind) =>
  SIZES.map(([s, k]) => ({ mnemonic: `${kind}${s}`, emit: str(kind, k) })),
);
