// SPDX-License-Identifier: MIT
// MMX-register forms (AMD APM Vol. 5 "64-Bit Media Instructions", plus the SSE/SSE2
// additions PAVGB … PSHUFW, PADDQ, PMULUDQ): mm0..7 are the significands of the
// physical x87 registers R0..R7; every MMX instruction sets TOP = 0 and tags all
// valid, writes set the sign/exponent to all ones; EMMS tags all empty and, as the
// host EPYC shows, sets TOP = 0 too (§5.2.1).
import type { Cpu } from "../cpu.js";
import { type Insn, OK_MEM, RC_GPR } from "../decode.js";
import { prepareEa, withEa } from "../translate/operands.js";
import { type Builder, type InsnRow, type Op, row } from "../translate/types.js";
import { INT_OPS, type IntOp, shuffle } from "../sse/int-ops.js";
import { enterMmx, isMmx, isXmm, mmxImm, mmxRM, storeMmx } from "../sse/operands.js";
import { shiftBuilder } from "./sse-int.js";

const MMX = /_mm/;

function m8(op: IntOp): Builder {
  return mmxRM((_c, imm) => op(8, imm));
}

const mshift = (w: number, kind: number): Builder => shiftBuilder(w, kind, 8, mmxRM, mmxImm);

export const MMX_ROWS: readonly InsnRow[] = [
  ...Object.entries(INT_OPS)
    .filter(([n]) => !n.endsWith("QDQ"))
    .map(([name, op]) => row(name, m8(op), { forms: MMX })),
  row("PSLLW", mshift(2, 0), { forms: MMX }),
  row("PSLLD", mshift(4, 0), { forms: MMX }),
  row("PSLLQ", mshift(8, 0), { forms: MMX }),
  row("PSRLW", mshift(2, 1), { forms: MMX }),
  row("PSRLD", mshift(4, 1), { forms: MMX }),
  row("PSRLQ", mshift(8, 1), { forms: MMX }),
  row("PSRAW", mshift(2, 2), { forms: MMX }),
  row("PSRAD", mshift(4, 2), { forms: MMX }),
  row(
    "PSHUFW",
    mmxRM((_c, v) => shuffle("W", v)),
  ),
  row("PINSRW", pinsrw, { forms: /^Pinsrw_mm/ }),
  row("PEXTRW", pextrw, { forms: /^Pextrw_r(32|64)_mm/ }),
  row("PMOVMSKB", pmovmskb, { forms: MMX }),
  row("MOVD", movGpr, { forms: MMX }),
  row("MOVQ", movq, { forms: MMX }),
  row("MOVNTQ", movq),
  row("MASKMOVQ", maskmovq),
  row("MOVQ2DQ", movq2dq),
  row("MOVDQ2Q", movdq2q),
  row("EMMS", () => (c) => {
    c.x87.top = 0;
    c.x87.tags = 0;
  }), // the host also clears TOP
];

function mmLo(c: Cpu, r: number): number {
  return c.x87.view.getInt32(10 * r, true);
}

function mmHi(c: Cpu, r: number): number {
  return c.x87.view.getInt32(10 * r + 4, true);
}

function pinsrw(i: Insn): Op | null {
  const d = i.ops[0],
    s = i.ops[1],
    im = i.ops[2];
  if (!isMmx(d) || s === undefined || im === undefined) return null;
  const k = 10 * d.reg + 2 * (im.immLo & 3),
    r = d.reg;
  const src =
    s.kind === OK_MEM
      ? (c: Cpu) => c.mem.read16(c.ea)
      : s.rclass === RC_GPR
        ? (
            (g: number) => (c: Cpu) =>
              c.r32[g]!
          )(2 * s.reg)
        : null;
  if (src === null) return null;
  return withEa(prepareEa(i), (c) => {
    const v = src(c);
    enterMmx(c);
    storeMmx(c, r, mmLo(c, r), mmHi(c, r));
    c.x87.view.setUint16(k, v, true);
  });
}

function pextrw(i: Insn): Op | null {
  const d = i.ops[0],
    s = i.ops[1],
    im = i.ops[2];
  if (d === undefined || d.rclass !== RC_GPR || !isMmx(s) || im === undefined) return null;
  const k = 10 * s.reg + 2 * (im.immLo & 3),
    g = 2 * d.reg;
  return (c) => {
    enterMmx(c);
    c.r32[g] = c.x87.view.getUint16(k, true);
    c.r32[g + 1] = 0;
  };
}

function pmovmskb(i: Insn): Op | null {
  const d = i.ops[0],
    s = i.ops[1];
  if (d === undefined || d.rclass !== RC_GPR || !isMmx(s)) return null;
  const k = 10 * s.reg,
    g = 2 * d.reg;
  return (c) => {
    enterMmx(c);
    let m = 0;
    for (let b = 0; b < 8; b++) m |= (c.x87.raw[k + b]! >> 7) << b;
    c.r32[g] = m;
    c.r32[g + 1] = 0;
  };
}

/** MOVD/MOVQ between mm and a general register or memory (32-bit forms zero-extend). */
function movGpr(i: Insn): Op | null {
  const d = i.ops[0]!,
    s = i.ops[1]!;
  const wide = d.size === 64 && s.size === 64;
  if (isMmx(d)) {
    const r = d.reg;
    if (s.kind === OK_MEM) {
      return withEa(
        prepareEa(i),
        wide
          ? (c) => {
              const lo = c.mem.read32(c.ea),
                hi = c.mem.read32(c.ea + 4);
              enterMmx(c);
              storeMmx(c, r, lo, hi);
            }
          : (c) => {
              const lo = c.mem.read32(c.ea);
              enterMmx(c);
              storeMmx(c, r, lo, 0);
            },
      );
    }
    if (s.rclass !== RC_GPR) return null;
    const g = 2 * s.reg;
    return wide
      ? (c) => {
          enterMmx(c);
          storeMmx(c, r, c.r32[g]!, c.r32[g + 1]!);
        }
      : (c) => {
          enterMmx(c);
          storeMmx(c, r, c.r32[g]!, 0);
        };
  }
  if (!isMmx(s)) return null;
  const r = s.reg;
  if (d.kind === OK_MEM) {
    return withEa(
      prepareEa(i),
      wide
        ? (c) => {
            c.mem.write64(c.ea, mmLo(c, r), mmHi(c, r));
            enterMmx(c);
          }
        : (c) => {
            c.mem.write32(c.ea, mmLo(c, r));
            enterMmx(c);
          },
    );
  }
  if (d.rclass !== RC_GPR) return null;
  const g = 2 * d.reg;
  return (c) => {
    enterMmx(c);
    c.r32[g] = mmLo(c, r);
    c.r32[g + 1] = wide ? mmHi(c, r) : 0;
  };
}

/** MOVQ mm, mm/m64 and MOVQ mm/m64, mm (also MOVNTQ); GPR forms go to movGpr. */
function movq(i: Insn): Op | null {
  const d = i.ops[0]!,
    s = i.ops[1]!;
  if (
    (isMmx(d) && s.rclass === RC_GPR && s.kind !== OK_MEM) ||
    (isMmx(s) && d.rclass === RC_GPR && d.kind !== OK_MEM)
  ) {
    return movGpr(i);
  }
  if (isMmx(d) && isMmx(s)) {
    const a = d.reg,
      b = s.reg;
    return (c) => {
      const lo = mmLo(c, b),
        hi = mmHi(c, b);
      enterMmx(c);
      storeMmx(c, a, lo, hi);
    };
  }
  return movGpr(i);
}

/** MASKMOVQ mm1, mm2: bytes of mm1 whose mask byte (mm2) has bit 7 set are stored at [rDI]. */
function maskmovq(i: Insn): Op | null {
  const d = i.ops[1],
    s = i.ops[2];
  if (!isMmx(d) || !isMmx(s)) return null;
  const kd = 10 * d.reg,
    ks = 10 * s.reg;
  return (c) => {
    const a = rdiAddress(c),
      raw = c.x87.raw;
    for (let b = 0; b < 8; b++) if ((raw[ks + b]! & 0x80) !== 0) c.mem.probeWrite(a + b, 1);
    for (let b = 0; b < 8; b++) if ((raw[ks + b]! & 0x80) !== 0) c.mem.write8(a + b, raw[kd + b]!);
    enterMmx(c);
  };
}

function movq2dq(i: Insn): Op | null {
  const d = i.ops[0],
    s = i.ops[1];
  if (!isXmm(d) || !isMmx(s)) return null;
  const k = 4 * d.reg,
    r = s.reg;
  return (c) => {
    enterMmx(c);
    const x = c.x32;
    x[k] = mmLo(c, r);
    x[k + 1] = mmHi(c, r);
    x[k + 2] = 0;
    x[k + 3] = 0;
  };
}

function movdq2q(i: Insn): Op | null {
  const d = i.ops[0],
    s = i.ops[1];
  if (!isMmx(d) || !isXmm(s)) return null;
  const k = 4 * s.reg,
    r = d.reg;
  return (c) => {
    enterMmx(c);
    storeMmx(c, r, c.x32[k]!, c.x32[k + 1]!);
  };
}

/** The implicit [rDI] destination of MASKMOVQ/MASKMOVDQU (DS base is 0 in 64-bit mode). */
export function rdiAddress(c: Cpu): number {
  return c.r32[15]! * 4294967296 + (c.r32[14]! >>> 0);
}
