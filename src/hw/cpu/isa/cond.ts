// SPDX-License-Identifier: MIT
// Conditional moves and sets: SETcc CMOVcc (AMD APM Vol. 3 "SETcc", "CMOVcc").
// CMOV reads its source even when the condition is false, and a 32-bit CMOV
// always zero-extends its destination.
import type { Insn } from "../decode.js";
import { type InsnRow, type Op, row } from "../translate/types.js";
import { isReg, prepareEa, reader, readerHi, withEa, writer } from "../translate/operands.js";

const CC = ["O", "NO", "B", "AE", "E", "NE", "BE", "A", "S", "NS", "P", "NP", "L", "GE", "LE", "G"];

export const COND_ROWS: readonly InsnRow[] = [
  ...CC.map((cc) => row(`SET${cc}`, setcc)),
  ...CC.map((cc) => row(`CMOV${cc}`, cmov)),
];

function setcc(i: Insn): Op | null {
  const cc = i.cc,
    d = i.ops[0]!;
  if (cc < 0) return null;
  if (isReg(d) && !d.hi8) {
    const k = 8 * d.reg;
    return (c) => {
      c.r8[k] = c.f.cond(cc) ? 1 : 0;
    };
  }
  const w = writer(d);
  return withEa(prepareEa(i), (c) => w(c, c.f.cond(cc) ? 1 : 0, 0));
}

function cmov(i: Insn): Op | null {
  const cc = i.cc,
    d = i.ops[0]!,
    s = i.ops[1]!;
  if (cc < 0 || !isReg(d)) return null;
  const dl = 2 * d.reg;
  if (isReg(s) && d.size === 64) {
    const sl = 2 * s.reg;
    return (c) => {
      if (c.f.cond(cc)) {
        const r = c.r32;
        r[dl] = r[sl]!;
        r[dl + 1] = r[sl + 1]!;
      }
    };
  }
  const rs = reader(s),
    rsh = readerHi(s),
    w = writer(d);
  if (d.size === 32) {
    return withEa(prepareEa(i), (c) => {
      const v = rs(c);
      if (c.f.cond(cc)) c.r32[dl] = v;
      c.r32[dl + 1] = 0;
    });
  }
  return withEa(prepareEa(i), (c) => {
    const v = rs(c),
      vh = rsh(c);
    if (c.f.cond(cc)) w(c, v, vh);
  });
}
