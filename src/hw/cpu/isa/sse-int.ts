// SPDX-License-Identifier: MIT
// SSE2 packed-integer group on XMM registers (AMD APM Vol. 4: PADDB … PUNPCKHQDQ,
// PSLLW/PSRLW/PSRAW …, PSLLDQ/PSRLDQ, PSHUFD/PSHUFLW/PSHUFHW, PINSRW, PEXTRW).
// The MMX-register forms of the same mnemonics are rows in mmx.ts.
import type { Cpu } from "../cpu.js";
import { type Insn, OK_IMM, OK_MEM, RC_GPR } from "../decode.js";
import { type Builder, type InsnRow, type Op, row } from "../translate/types.js";
import { prepareEa, withEa } from "../translate/operands.js";
import { countOfB, INT_OPS, type IntOp, shift, shiftBytes, shuffle } from "../sse/int-ops.js";
import { isXmm, xmmImm, xmmRM } from "../sse/operands.js";

const XMM = /_xmm/;

function x16(op: IntOp): Builder {
  return xmmRM((_c, imm) => op(16, imm));
}

/** PSLL/PSRL/PSRA: element width `w` bytes, kind 0 left, 1 logical right, 2 arithmetic right. */
export function shiftBuilder(
  w: number,
  kind: number,
  n: number,
  rm: (s: (c: Cpu, imm: number) => void) => Builder,
  imm: (s: (c: Cpu, imm: number) => void) => Builder,
): Builder {
  const byImm = imm((_c, v) => shift(n, w, kind, v));
  const byReg = rm(() => shift(n, w, kind, countOfB()));
  return (i) => (i.ops[1]?.kind === OK_IMM ? byImm(i) : byReg(i));
}

const xshift = (w: number, kind: number): Builder => shiftBuilder(w, kind, 16, xmmRM, xmmImm);

export const SSE_INT_ROWS: readonly InsnRow[] = [
  ...Object.entries(INT_OPS).map(([name, op]) => row(name, x16(op), { forms: XMM, cpuid: "SSE2" })),
  row("PSLLW", xshift(2, 0), { forms: XMM }),
  row("PSLLD", xshift(4, 0), { forms: XMM }),
  row("PSLLQ", xshift(8, 0), { forms: XMM }),
  row("PSRLW", xshift(2, 1), { forms: XMM }),
  row("PSRLD", xshift(4, 1), { forms: XMM }),
  row("PSRLQ", xshift(8, 1), { forms: XMM }),
  row("PSRAW", xshift(2, 2), { forms: XMM }),
  row("PSRAD", xshift(4, 2), { forms: XMM }),
  row(
    "PSLLDQ",
    xmmImm((_c, v) => shiftBytes(true, v)),
  ),
  row(
    "PSRLDQ",
    xmmImm((_c, v) => shiftBytes(false, v)),
  ),
  row(
    "PSHUFD",
    xmmRM((_c, v) => shuffle("D", v)),
  ),
  row(
    "PSHUFLW",
    xmmRM((_c, v) => shuffle("LW", v)),
  ),
  row(
    "PSHUFHW",
    xmmRM((_c, v) => shuffle("HW", v)),
  ),
  row("PINSRW", pinsrw, { forms: /^Pinsrw_xmm/ }),
  row("PEXTRW", pextrw, { forms: /^Pextrw_r(32|64)_xmm/ }),
];

/** PINSRW xmm, r32/m16, imm8: word imm&7 ← low word of the source. */
function pinsrw(i: Insn): Op | null {
  const d = i.ops[0],
    s = i.ops[1],
    im = i.ops[2];
  if (!isXmm(d) || s === undefined || im === undefined) return null;
  const k = 8 * d.reg + (im.immLo & 7);
  if (s.kind === OK_MEM) {
    return withEa(prepareEa(i), (c) => {
      c.x16[k] = c.mem.read16(c.ea);
    });
  }
  if (s.rclass !== RC_GPR) return null;
  const r = 2 * s.reg;
  return (c) => {
    c.x16[k] = c.r32[r]!;
  };
}

/** PEXTRW r32/r64, xmm, imm8: zero-extended word imm&7. */
function pextrw(i: Insn): Op | null {
  const d = i.ops[0],
    s = i.ops[1],
    im = i.ops[2];
  if (d === undefined || d.rclass !== RC_GPR || !isXmm(s) || im === undefined) return null;
  const k = 8 * s.reg + (im.immLo & 7),
    r = 2 * d.reg;
  return (c) => {
    c.r32[r] = c.x16[k]!;
    c.r32[r + 1] = 0;
  };
}
