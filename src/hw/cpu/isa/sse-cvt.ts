// SPDX-License-Identifier: MIT
// SSE/SSE2 conversions (AMD APM Vol. 4): CVTSI2SS/SD, CVT(T)SS2SI, CVT(T)SD2SI,
// CVTSS2SD, CVTSD2SS, CVTPS2PD, CVTPD2PS, CVTDQ2PS, CVT(T)PS2DQ, CVTDQ2PD,
// CVT(T)PD2DQ and the MMX forms CVTPI2PS/PD, CVT(T)PS2PI, CVT(T)PD2PI. Lanes in ../sse/convert.ts.
import type { Cpu } from "../cpu.js";
import { type Insn, OK_MEM, RC_GPR } from "../decode.js";
import { prepareEa, withEa } from "../translate/operands.js";
import { type Builder, type InsnRow, type Op, row } from "../translate/types.js";
import { dr, f32ForInt, f32ToF64, f64ForInt, f64ToF32, intToF32, intToF64, ir, toInt } from "../sse/convert.js";
import { isNaN32, isNaN64 } from "../sse/bits.js";
import { fpBegin, fpCommit } from "../sse/mxcsr.js";
import { enterMmx, isMmx, isXmm, loader, storeMmx, xmmRM, ALIGN_LEGACY } from "../sse/operands.js";
import { B32, S32, SF64 } from "../sse/scratch.js";

/** Float lane k (f32 index or f64 index) of slot B → integer words in `ir`. */
function laneToInt(dbl: boolean, k: number, is64: boolean, trunc: boolean): void {
  if (dbl) {
    const lo = S32[4 + 2 * k]!,
      hi = S32[5 + 2 * k]!;
    toInt(f64ForInt(lo, hi), isNaN64(lo, hi), is64, trunc);
  } else {
    const b = S32[4 + k]!;
    toInt(f32ForInt(b), isNaN32(b), is64, trunc);
  }
}

/** CVT(T)SS2SI / CVT(T)SD2SI r32/r64, xmm/mem. */
function toGpr(dbl: boolean, trunc: boolean): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0],
      s = i.ops[1];
    if (d === undefined || d.rclass !== RC_GPR || s === undefined || (!isXmm(s) && s.kind !== OK_MEM)) return null;
    const ld = loader(s, B32, ALIGN_LEGACY),
      g = 2 * d.reg,
      is64 = d.size === 64;
    return withEa(prepareEa(i), (c) => {
      ld(c);
      fpBegin(c);
      laneToInt(dbl, 0, is64, trunc);
      fpCommit(c);
      c.r32[g] = ir.lo;
      c.r32[g + 1] = ir.hi;
    });
  };
}

/** CVTSI2SS / CVTSI2SD xmm, r/m32|64: low lane only. */
function fromGpr(dbl: boolean): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0],
      s = i.ops[1];
    if (!isXmm(d) || s === undefined) return null;
    const is64 = s.size === 64,
      k = 4 * d.reg;
    let rd: (c: Cpu) => void;
    if (s.kind === OK_MEM) {
      rd = (c) => {
        S32[4] = c.mem.read32(c.ea);
        S32[5] = is64 ? c.mem.read32(c.ea + 4) : 0;
      };
    } else if (s.rclass === RC_GPR) {
      const g = 2 * s.reg;
      rd = (c) => {
        S32[4] = c.r32[g]!;
        S32[5] = c.r32[g + 1]!;
      };
    } else return null;
    return withEa(prepareEa(i), (c) => {
      rd(c);
      fpBegin(c);
      if (dbl) SF64[0] = intToF64(S32[4]!, S32[5]!, is64);
      else S32[0] = intToF32(S32[4]!, S32[5]!, is64);
      fpCommit(c);
      c.x32[k] = S32[0]!;
      if (dbl) c.x32[k + 1] = S32[1]!;
    });
  };
}

function fpLanes(lanes: () => void): Builder {
  return xmmRM((c: Cpu) => {
    fpBegin(c);
    lanes();
    fpCommit(c);
  });
}

/** Float32 lanes of B → doubles in A (CVTSS2SD n=1, CVTPS2PD n=2). */
function ps2pd(n: number): void {
  for (let k = n - 1; k >= 0; k--) {
    f32ToF64(S32[4 + k]!);
    S32[2 * k] = dr.lo;
    S32[2 * k + 1] = dr.hi;
  }
}

function pd2ps(n: number, zeroHigh: boolean): void {
  for (let k = 0; k < n; k++) S32[k] = f64ToF32(S32[4 + 2 * k]!, S32[5 + 2 * k]!);
  if (zeroHigh) {
    S32[2] = 0;
    S32[3] = 0;
  }
}

function toDq(dbl: boolean, n: number, trunc: boolean): void {
  for (let k = 0; k < n; k++) {
    laneToInt(dbl, k, false, trunc);
    S32[k] = ir.lo;
  }
  if (dbl) {
    S32[2] = 0;
    S32[3] = 0;
  }
}

function dq2ps(n: number): void {
  for (let k = 0; k < n; k++) S32[k] = intToF32(S32[4 + k]!, 0, false);
}

function dq2pd(): void {
  const a = S32[4]!,
    b = S32[5]!;
  SF64[0] = a;
  SF64[1] = b;
}

/** CVT(T)PS2PI / CVT(T)PD2PI mm, xmm/mem: two int32 lanes into an MMX register. */
function toPi(dbl: boolean, trunc: boolean): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0],
      s = i.ops[1];
    if (!isMmx(d) || s === undefined || (!isXmm(s) && s.kind !== OK_MEM)) return null;
    const ld = loader(s, B32, ALIGN_LEGACY),
      r = d.reg;
    return withEa(prepareEa(i), (c) => {
      ld(c);
      fpBegin(c);
      laneToInt(dbl, 0, false, trunc);
      const lo = ir.lo;
      laneToInt(dbl, 1, false, trunc);
      enterMmx(c); // the host enters MMX state even when #XM follows
      fpCommit(c);
      storeMmx(c, r, lo, ir.lo);
    });
  };
}

/**
 * CVTPI2PS / CVTPI2PD xmm, mm/m64: a register source enters MMX state (before a
 * possible #XM, as on the host); a memory source does not (measured on the EPYC).
 */
function fromPi(dbl: boolean): Builder {
  const conv = (mmx: boolean): Builder =>
    xmmRM((c: Cpu) => {
      fpBegin(c);
      if (dbl) dq2pd();
      else dq2ps(2);
      if (mmx) enterMmx(c);
      fpCommit(c);
    });
  const viaMem = conv(false),
    viaMm = conv(true);
  return (i) => (isMmx(i.ops[1]) ? viaMm(i) : viaMem(i));
}

export const SSE_CVT_ROWS: readonly InsnRow[] = [
  row("CVTSI2SS", fromGpr(false)),
  row("CVTSI2SD", fromGpr(true)),
  row("CVTSS2SI", toGpr(false, false)),
  row("CVTTSS2SI", toGpr(false, true)),
  row("CVTSD2SI", toGpr(true, false)),
  row("CVTTSD2SI", toGpr(true, true)),
  row(
    "CVTSS2SD",
    fpLanes(() => ps2pd(1)),
  ),
  row(
    "CVTPS2PD",
    fpLanes(() => ps2pd(2)),
  ),
  row(
    "CVTSD2SS",
    fpLanes(() => pd2ps(1, false)),
  ),
  row(
    "CVTPD2PS",
    fpLanes(() => pd2ps(2, true)),
  ),
  row(
    "CVTDQ2PS",
    fpLanes(() => dq2ps(4)),
  ),
  row("CVTDQ2PD", fpLanes(dq2pd)),
  row(
    "CVTPS2DQ",
    fpLanes(() => toDq(false, 4, false)),
  ),
  row(
    "CVTTPS2DQ",
    fpLanes(() => toDq(false, 4, true)),
  ),
  row(
    "CVTPD2DQ",
    fpLanes(() => toDq(true, 2, false)),
  ),
  row(
    "CVTTPD2DQ",
    fpLanes(() => toDq(true, 2, true)),
  ),
  row("CVTPI2PS", fromPi(false)),
  row("CVTPI2PD", fromPi(true)),
  row("CVTPS2PI", toPi(false, false)),
  row("CVTTPS2PI", toPi(false, true)),
  row("CVTPD2PI", toPi(true, false)),
  row("CVTTPD2PI", toPi(true, true)),
];
