// SPDX-License-Identifier: MIT
// x87 data transfer (AMD APM Vol. 3 "FLD", "FST/FSTP", "FILD", "FIST/FISTP",
// "FISTTP", "FLDZ/FLD1/FLDPI/FLDL2E/FLDL2T/FLDLG2/FLDLN2", "FXCH", "FCMOVcc").
import type { Insn } from "../decode.js";
import { type Builder, type InsnRow, type Op, row } from "../translate/types.js";
import { prepareEa, withEa } from "../translate/operands.js";
import { type F80, C_SNAN, IE, PE, classify, fenv, quiet, indefinite, zero, fromInteger } from "../x87/float80.js";
import { begin, finish, operand, siteOf, storeBlocked, underflow2 } from "../x87/frame.js";
import { intBits, readInt, readReal, realBits, writeBits } from "../x87/memfmt.js";
import { CONSTANTS } from "../x87/constants.js";
import { SW_C1 } from "../x87/state.js";

/** FCMOVcc conditions as tttn codes. */
const FCMOV_CC: Readonly<Record<string, number>> = { B: 2, E: 4, BE: 6, U: 10, NB: 3, NE: 5, NBE: 7, NU: 11 };

export const X87_MOVE_ROWS: readonly InsnRow[] = [
  row("FLD", fld(false), { undefinedFpu: "023" }),
  row("FILD", fld(true), { undefinedFpu: "023" }),
  row("FST", fst(false), { undefinedFpu: "023" }),
  row("FSTP", fst(true), { undefinedFpu: "023" }),
  row("FSTPNCE", fstpnce, { undefinedFpu: "023" }),
  row("FIST", fist(false, false), { undefinedFpu: "023" }),
  row("FISTP", fist(true, false), { undefinedFpu: "023" }),
  row("FISTTP", fist(true, true), { undefinedFpu: "023" }),
  row(
    "FLDZ",
    ldConst(() => zero(0)),
    { undefinedFpu: "023" },
  ),
  row(
    "FLD1",
    ldConst(() => fromInteger(1n)),
    { undefinedFpu: "023" },
  ),
  row(
    "FLDPI",
    ldConst(() => CONSTANTS.pi()),
    { undefinedFpu: "023" },
  ),
  row(
    "FLDL2E",
    ldConst(() => CONSTANTS.l2e()),
    { undefinedFpu: "023" },
  ),
  row(
    "FLDL2T",
    ldConst(() => CONSTANTS.l2t()),
    { undefinedFpu: "023" },
  ),
  row(
    "FLDLG2",
    ldConst(() => CONSTANTS.lg2()),
    { undefinedFpu: "023" },
  ),
  row(
    "FLDLN2",
    ldConst(() => CONSTANTS.ln2()),
    { undefinedFpu: "023" },
  ),
  row("FXCH", fxch, { undefinedFpu: "023" }),
  ...["B", "E", "BE", "U", "NB", "NE", "NBE", "NU"].map((cc) => row(`FCMOV${cc}`, fcmov(cc), { undefinedFpu: "023" })),
];

/** FLD/FILD: push a converted memory operand or a copy of ST(i). */
function fld(integer: boolean): Builder {
  return (i: Insn): Op | null => {
    const site = siteOf(i);
    const o = i.ops[0]!;
    if (i.mem === null) {
      const src = o.reg;
      return (c) => {
        const x = begin(c);
        if (x.empty(src)) {
          // Stack underflow takes priority: the indefinite is pushed without an overflow check.
          const v = operand(x, src);
          if (!finish(c, site)) return;
          x.top = (x.top - 1) & 7;
          x.set(0, v);
          return;
        }
        x.push(x.get(src), fenv);
        finish(c, site);
      };
    }
    const bytes = i.mem.bytes;
    return withEa(prepareEa(i), (c) => {
      const x = begin(c, false, true);
      let v = integer ? readInt(c, bytes) : readReal(c, bytes);
      x.fsw &= ~SW_C1; // only once the load cannot fault: a fault leaves FSW alone
      if (bytes < 10 && classify(v) === C_SNAN) v = quiet(v);
      if ((fenv.flags & ~x.fcw & IE) !== 0) {
        finish(c, site);
        return;
      }
      x.push(v, fenv);
      finish(c, site);
    });
  };
}

/** FST/FSTP to memory (with rounding to the memory format) or to ST(i). */
function fst(pop: boolean): Builder {
  return (i: Insn): Op | null => {
    const site = siteOf(i);
    if (i.mem === null) {
      const dst = i.ops[0]!.reg;
      return (c) => {
        const x = begin(c);
        const v = operand(x, 0);
        if (!finish(c, site)) return;
        x.set(dst, v);
        if (pop) x.pop();
      };
    }
    const bytes = i.mem.bytes;
    return withEa(prepareEa(i), (c) => {
      c.mem.probeWrite(c.ea, bytes);
      const x = begin(c);
      const v = operand(x, 0);
      const bits = realBits(v, bytes);
      const blocked = bytes < 10 && storeBlocked(c);
      if (blocked) {
        // Unmasked overflow/underflow on a store: only that flag, memory and stack unchanged.
        fenv.flags &= ~PE;
        fenv.up = false;
      }
      if (!finish(c, site) || blocked) return;
      writeBits(c, bits, bytes);
      if (pop) x.pop();
    });
  };
}

/**
 * FSTPNCE ST(i) (D9 D8+i, the reserved FSTP alias): like FSTP ST(i), but an
 * empty ST(0) raises no stack fault on the host: ST(i) is left as it is and
 * ST(0) is popped.
 */
function fstpnce(i: Insn): Op {
  const site = siteOf(i);
  const dst = i.ops[0]!.reg;
  return (c) => {
    const x = begin(c);
    const from = x.phys(0),
      to = x.phys(dst);
    if (!x.empty(0)) x.raw.copyWithin(10 * to, 10 * from, 10 * from + 10);
    x.tags |= ((x.tags >> from) & 1) << to;
    finish(c, site);
    x.pop();
  };
}

function fist(pop: boolean, truncate: boolean): Builder {
  return (i: Insn): Op | null => {
    const site = siteOf(i);
    const bytes = i.mem!.bytes;
    return withEa(prepareEa(i), (c) => {
      c.mem.probeWrite(c.ea, bytes);
      const x = begin(c);
      const empty = x.empty(0);
      const v = operand(x, 0);
      const bits = empty ? 1n << BigInt(bytes * 8 - 1) : intBits(v, bytes, truncate);
      if (!finish(c, site)) return;
      writeBits(c, bits, bytes);
      if (pop) x.pop();
    });
  };
}

function ldConst(value: () => F80): Builder {
  return (i: Insn): Op => {
    const site = siteOf(i);
    return (c) => {
      const x = begin(c);
      x.push(value(), fenv);
      finish(c, site);
    };
  };
}

function fxch(i: Insn): Op {
  const site = siteOf(i);
  const r = i.ops.length > 1 ? i.ops[1]!.reg : 1;
  return (c) => {
    const x = begin(c);
    if (underflow2(x, 0, r)) {
      if (!finish(c, site)) return;
      const a = x.empty(0) ? indefinite() : x.get(0);
      const b = x.empty(r) ? indefinite() : x.get(r);
      x.set(0, b);
      x.set(r, a);
      return;
    }
    const a = x.get(0);
    x.set(0, x.get(r));
    x.set(r, a);
    finish(c, site);
  };
}

function fcmov(cc: string): Builder {
  const code = FCMOV_CC[cc]!;
  return (i: Insn): Op => {
    const site = siteOf(i);
    const r = i.ops[1]!.reg;
    return (c) => {
      const x = begin(c, false, true); // the host changes C1 only on a stack fault
      if (underflow2(x, 0, r)) {
        if (finish(c, site)) x.set(0, indefinite());
        return;
      }
      if (c.f.cond(code)) x.set(0, x.get(r));
      finish(c, site);
    };
  };
}
