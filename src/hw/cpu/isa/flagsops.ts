// SPDX-License-Identifier: MIT
// Flag instructions: CLC STC CMC CLD STD LAHF SAHF (AMD APM Vol. 3). PUSHF/POPF
// live with the stack instructions.
import type { Cpu } from "../cpu.js";
import { AF, CF, DF, OF, PF, SF, ZF } from "../flags.js";
import { plain } from "../translate/forms.js";
import { type InsnRow, row } from "../translate/types.js";

export const FLAGSOPS_ROWS: readonly InsnRow[] = [
  row(
    "CLC",
    plain((c) => c.f.setEager(c.f.arith() & ~CF)),
    { writes: "C" },
  ),
  row(
    "STC",
    plain((c) => c.f.setEager(c.f.arith() | CF)),
    { writes: "C" },
  ),
  row(
    "CMC",
    plain((c) => c.f.setEager(c.f.arith() ^ CF)),
    { writes: "C" },
  ),
  row(
    "CLD",
    plain((c) => {
      c.f.other &= ~DF;
    }),
  ),
  row(
    "STD",
    plain((c) => {
      c.f.other |= DF;
    }),
  ),
  row("LAHF", plain(lahf)),
  row("SAHF", plain(sahf), { writes: "SZAPC" }),
];

/** AH ← SF:ZF:0:AF:0:PF:1:CF. */
function lahf(c: Cpu): void {
  c.r8[1] = (c.f.arith() & (SF | ZF | AF | PF | CF)) | 2;
}

/** SF ZF AF PF CF ← AH; OF is kept. */
function sahf(c: Cpu): void {
  c.f.setEager((c.f.arith() & OF) | (c.r8[1]! & (SF | ZF | AF | PF | CF)));
}
