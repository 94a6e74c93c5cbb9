// SPDX-License-Identifier: MIT
// SSE/SSE2 floating-point arithmetic (AMD APM Vol. 4): ADD/SUB/MUL/DIV/MIN/MAX/SQRT
// PS/PD/SS/SD, AND/ANDN/OR/XOR PS/PD, CMPPS/PD/SS/SD, (U)COMISS/SD, SHUFPS/PD,
// UNPCK[LH]PS/PD, RCPPS/RSQRTPS/RCPSS/RSQRTSS. Lanes in ../sse/arith.ts.
import type { Cpu } from "../cpu.js";
import { CF, PF, ZF } from "../flags.js";
import { type Builder, type InsnRow, row } from "../translate/types.js";
import {
  arith32,
  arith64,
  CMP_SIGNALS,
  CMP_TRUE,
  compare32,
  compare64,
  minmax32,
  minmax64,
  OP_ADD,
  OP_DIV,
  OP_MUL,
  OP_SQRT,
  OP_SUB,
} from "../sse/arith.js";
import { INT_OPS } from "../sse/int-ops.js";
import { fpBegin, fpCommit } from "../sse/mxcsr.js";
import { xmmRM } from "../sse/operands.js";
import { rcp32, rsqrt32 } from "../sse/approx.js";
import { S32 } from "../sse/scratch.js";

/** Runs `lanes` between fpBegin and fpCommit (flags sticky; #XM before write-back). */
function fpOp(lanes: (imm: number) => void): Builder {
  return xmmRM((c: Cpu, imm: number) => {
    fpBegin(c);
    lanes(imm);
    fpCommit(c);
  });
}

const ps = (op: number): Builder =>
  fpOp(() => {
    for (let k = 0; k < 4; k++) arith32(op, k, 4 + k);
  });
const ss = (op: number): Builder => fpOp(() => arith32(op, 0, 4));
const pd = (op: number): Builder =>
  fpOp(() => {
    arith64(op, 0, 2);
    arith64(op, 1, 3);
  });
const sd = (op: number): Builder => fpOp(() => arith64(op, 0, 2));
const mm = (max: boolean, n: number, dbl: boolean): Builder =>
  fpOp(() => {
    for (let k = 0; k < n; k++) {
      if (dbl) minmax64(max, k, 2 + k);
      else minmax32(max, k, 4 + k);
    }
  });

function cmp(n: number, dbl: boolean): Builder {
  return fpOp((imm) => {
    const p = imm & 7,
      t = CMP_TRUE[p]!,
      sig = CMP_SIGNALS[p]!;
    for (let k = 0; k < n; k++) {
      const r = dbl ? compare64(k, 2 + k, sig) : compare32(S32[k]!, S32[4 + k]!, sig);
      const v = (r & t) !== 0 ? -1 : 0;
      if (dbl) {
        S32[2 * k] = v;
        S32[2 * k + 1] = v;
      } else S32[k] = v;
    }
  });
}

/** (U)COMISS/SD: ZF,PF,CF = 111 unordered, 000 greater, 001 less, 100 equal; OF/SF/AF cleared. */
function comi(dbl: boolean, signalQuiet: boolean): Builder {
  return xmmRM((c) => {
    fpBegin(c);
    const r = dbl ? compare64(0, 2, signalQuiet) : compare32(S32[0]!, S32[4]!, signalQuiet);
    fpCommit(c);
    c.f.setEager(r === 8 ? ZF | PF | CF : r === 1 ? CF : r === 2 ? ZF : 0);
  });
}

const bitwise = (name: string): Builder => {
  const op = INT_OPS[name]!;
  return xmmRM((_c, imm) => op(16, imm));
};

const shufps: Builder = xmmRM((_c, imm) => {
  const a0 = S32[imm & 3]!,
    a1 = S32[(imm >> 2) & 3]!,
    b0 = S32[4 + ((imm >> 4) & 3)]!,
    b1 = S32[4 + ((imm >> 6) & 3)]!;
  S32[0] = a0;
  S32[1] = a1;
  S32[2] = b0;
  S32[3] = b1;
});

const shufpd: Builder = xmmRM((_c, imm) => {
  const a = 2 * (imm & 1),
    b = 4 + 2 * ((imm >> 1) & 1);
  const al = S32[a]!,
    ah = S32[a + 1]!;
  S32[2] = S32[b]!;
  S32[3] = S32[b + 1]!;
  S32[0] = al;
  S32[1] = ah;
});

const approx = (f: (b: number) => number, n: number): Builder =>
  xmmRM(() => {
    for (let k = 0; k < n; k++) S32[k] = f(S32[4 + k]!);
  });

export const SSE_FP_ROWS: readonly InsnRow[] = [
  row("ADDPS", ps(OP_ADD)),
  row("ADDSS", ss(OP_ADD)),
  row("ADDPD", pd(OP_ADD)),
  row("ADDSD", sd(OP_ADD)),
  row("SUBPS", ps(OP_SUB)),
  row("SUBSS", ss(OP_SUB)),
  row("SUBPD", pd(OP_SUB)),
  row("SUBSD", sd(OP_SUB)),
  row("MULPS", ps(OP_MUL)),
  row("MULSS", ss(OP_MUL)),
  row("MULPD", pd(OP_MUL)),
  row("MULSD", sd(OP_MUL)),
  row("DIVPS", ps(OP_DIV)),
  row("DIVSS", ss(OP_DIV)),
  row("DIVPD", pd(OP_DIV)),
  row("DIVSD", sd(OP_DIV)),
  row("SQRTPS", ps(OP_SQRT)),
  row("SQRTSS", ss(OP_SQRT)),
  row("SQRTPD", pd(OP_SQRT)),
  row("SQRTSD", sd(OP_SQRT)),
  row("MINPS", mm(false, 4, false)),
  row("MINSS", mm(false, 1, false)),
  row("MINPD", mm(false, 2, true)),
  row("MINSD", mm(false, 1, true)),
  row("MAXPS", mm(true, 4, false)),
  row("MAXSS", mm(true, 1, false)),
  row("MAXPD", mm(true, 2, true)),
  row("MAXSD", mm(true, 1, true)),
  row("CMPPS", cmp(4, false)),
  row("CMPSS", cmp(1, false)),
  row("CMPPD", cmp(2, true)),
  row("CMPSD", cmp(1, true), { forms: /^Cmpsd_xmm/ }),
  row("COMISS", comi(false, true), { writes: "OSZAPC" }),
  row("UCOMISS", comi(false, false), { writes: "OSZAPC" }),
  row("COMISD", comi(true, true), { writes: "OSZAPC" }),
  row("UCOMISD", comi(true, false), { writes: "OSZAPC" }),
  row("ANDPS", bitwise("PAND")),
  row("ANDPD", bitwise("PAND")),
  row("ANDNPS", bitwise("PANDN")),
  row("ANDNPD", bitwise("PANDN")),
  row("ORPS", bitwise("POR")),
  row("ORPD", bitwise("POR")),
  row("XORPS", bitwise("PXOR")),
  row("XORPD", bitwise("PXOR")),
  row("UNPCKLPS", bitwise("PUNPCKLDQ")),
  row("UNPCKHPS", bitwise("PUNPCKHDQ")),
  row("UNPCKLPD", bitwise("PUNPCKLQDQ")),
  row("UNPCKHPD", bitwise("PUNPCKHQDQ")),
  row("SHUFPS", shufps),
  row("SHUFPD", shufpd),
  row("RCPPS", approx(rcp32, 4)),
  row("RCPSS", approx(rcp32, 1)),
  row("RSQRTPS", approx(rsqrt32, 4)),
  row("RSQRTSS", approx(rsqrt32, 1)),
];
