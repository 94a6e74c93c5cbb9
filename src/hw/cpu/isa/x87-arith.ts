// SPDX-License-Identifier: MIT
// x87 arithmetic, comparison and transcendental instructions (AMD APM Vol. 3
// "FADD" … "FDIVR" with their P/FI forms, "FCHS", "FABS", "FSQRT", "FRNDINT",
// "FSCALE", "FXTRACT", "FPREM(1)", "FCOM/FUCOM(I)(P)", "FTST", "FXAM", "FSIN" …).
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import { type Builder, type InsnRow, type Op, row } from "../translate/types.js";
import { prepareEa, withEa } from "../translate/operands.js";
import { CF, PF, ZF } from "../flags.js";
import {
  type F80,
  DE,
  C_DENORMAL,
  C_INF,
  C_NORMAL,
  C_UNSUPPORTED,
  C_ZERO,
  classify,
  fenv,
  indefinite,
  isNaNClass,
  zero,
} from "../x87/float80.js";
import {
  CMP_EQ,
  CMP_LT,
  CMP_UN,
  fadd,
  fcompare,
  fdiv,
  fmul,
  fprem,
  frndint,
  fscale,
  fsqrt,
  fxtract,
  remq,
} from "../x87/arith.js";
import { f2xm1, fpatan, fsincos, ftan, fyl2x, fyl2xp1, sincosFlags, trigInRange } from "../x87/trans.js";
import {
  type X87Site,
  begin,
  clearFlags,
  deStopped,
  finish,
  operand,
  setCC,
  siteOf,
  underflow2,
} from "../x87/frame.js";
import { readInt, readReal } from "../x87/memfmt.js";
import { SW_C0, SW_C1, SW_C2, SW_C3 } from "../x87/state.js";

type Bin = (a: F80, b: F80) => F80;
const ADD: Bin = (a, b) => fadd(a, b, false);
const SUB: Bin = (a, b) => fadd(a, b, true);
const SUBR: Bin = (a, b) => fadd(b, a, true);
const DIVR: Bin = (a, b) => fdiv(b, a);

export const X87_ARITH_ROWS: readonly InsnRow[] = [
  ...binRows("ADD", ADD),
  ...binRows("MUL", fmul),
  ...binRows("SUB", SUB),
  ...binRows("SUBR", SUBR),
  ...binRows("DIV", fdiv),
  ...binRows("DIVR", DIVR),
  row(
    "FCHS",
    unary((a) => ({ sign: a.sign ^ 1, exp: a.exp, sig: a.sig })),
    { undefinedFpu: "023" },
  ),
  row(
    "FABS",
    unary((a) => ({ sign: 0, exp: a.exp, sig: a.sig })),
    { undefinedFpu: "023" },
  ),
  row("FSQRT", unary(fsqrt), { undefinedFpu: "023" }),
  row("FRNDINT", unary(frndint), { undefinedFpu: "023" }),
  row("F2XM1", unary(f2xm1), { undefinedFpu: "023" }),
  row(
    "FSCALE",
    withSt1((a, b) => {
      const r = fscale(a, b);
      return [r, b];
    }, false),
    { undefinedFpu: "023" },
  ),
  row(
    "FYL2X",
    withSt1((a, b) => [a, fyl2x(a, b)], true),
    { undefinedFpu: "023" },
  ),
  row(
    "FYL2XP1",
    withSt1((a, b) => [a, fyl2xp1(a, b)], true),
    { undefinedFpu: "023" },
  ),
  row(
    "FPATAN",
    withSt1((a, b) => [a, fpatan(a, b)], true),
    { undefinedFpu: "023" },
  ),
  row("FPREM", prem(false)),
  row("FPREM1", prem(true)),
  row("FXTRACT", plainOp(fxtractOp), { undefinedFpu: "023" }),
  row(
    "FSIN",
    trig((x, a, c, site) => {
      const r = fsincos(a)[0];
      if (finish(c, site)) x.set(0, r);
    }),
    { undefinedFpu: "03" },
  ),
  row(
    "FCOS",
    trig((x, a, c, site) => {
      const r = fsincos(a, true)[1];
      if (finish(c, site)) x.set(0, r);
    }),
    { undefinedFpu: "03" },
  ),
  row("FPTAN", trig(ptan, true), { undefinedFpu: "03" }),
  row("FSINCOS", trig(sincosOp, true), { undefinedFpu: "03" }),
  ...["FCOM", "FCOMP", "FUCOM", "FUCOMP", "FICOM", "FICOMP"].map((m) =>
    row(m, fcom(m.includes("P"), m.startsWith("FU"))),
  ),
  row("FCOMPP", fcom(true, false, true)),
  row("FUCOMPP", fcom(true, true, true)),
  ...["FCOMI", "FCOMIP", "FUCOMI", "FUCOMIP"].map((m) =>
    row(m, fcomi(m.endsWith("P"), m.startsWith("FU")), { undefinedFpu: "023" }),
  ),
  row(
    "FTST",
    plainOp((c, x, site) => compareSet(c, x, operandOr0(x), zero(0), false, false, site)),
  ),
  row("FXAM", plainOp(fxam)),
];

function binRows(name: string, op: Bin): InsnRow[] {
  const u = { undefinedFpu: "023" };
  return [
    row(`F${name}`, binary(op, false), u),
    row(`F${name}P`, binary(op, true), u),
    row(`FI${name}`, binary(op, false), u),
  ];
}

/**
 * The ST(0)-with-memory forms (real or integer operand): load the operand, start
 * the x87 operation, and clear DE when ST(0) is a NaN or unsupported (the host
 * reports no denormal then), before the form's own work.
 */
function withMemOperand(
  i: Insn,
  body: (c: Cpu, x: ReturnType<typeof begin>, b: ReturnType<typeof readReal>) => void,
): Op {
  const bytes = i.mem!.bytes;
  const int = i.form.includes("int");
  return withEa(prepareEa(i), (c) => {
    clearFlags();
    const b = int ? readInt(c, bytes) : readReal(c, bytes);
    const x = begin(c, true);
    if (!x.empty(0) && nanOrUnsupported(x.get(0))) fenv.flags &= ~DE;
    body(c, x, b);
  });
}

/** dst ← dst op src for the ST/ST, ST/mem and ST/int-mem forms (+pop for the P forms). */
function binary(op: Bin, pop: boolean): Builder {
  return (i: Insn): Op | null => {
    const site = siteOf(i);
    if (i.mem !== null) {
      return withMemOperand(i, (c, x, b) => {
        // A denormal m32/m64 divided by a zero ST(0): divide-by-zero wins, no DE (host).
        if (op === DIVR && !x.empty(0) && classify(x.get(0)) === C_ZERO) fenv.flags &= ~DE;
        if (!x.empty(0) && deStopped()) return void finish(c, site);
        const r = x.empty(0) ? stackUnder(c) : op(x.get(0), b);
        if (finish(c, site)) x.set(0, r);
      });
    }
    const d = i.ops.length > 1 ? i.ops[0]!.reg : 1;
    const s = i.ops.length > 1 ? i.ops[1]!.reg : 0;
    return (c) => {
      const x = begin(c);
      const r = underflow2(x, d, s) ? indefinite() : op(x.get(d), x.get(s));
      if (!finish(c, site)) return;
      x.set(d, r);
      if (pop) x.pop();
    };
  };
}

function nanOrUnsupported(v: F80): boolean {
  const k = classify(v);
  return k === C_UNSUPPORTED || isNaNClass(k);
}

function stackUnder(c: Cpu): F80 {
  c.x87.stackFault(fenv, false);
  return indefinite();
}

/** An x87 instruction without operand plumbing; `fn` runs between begin and finish. */
function plainOp(fn: (c: Cpu, x: Cpu["x87"], site: X87Site) => void): Builder {
  return (i: Insn): Op => {
    const site = siteOf(i);
    return (c) => fn(c, begin(c), site);
  };
}

function unary(f: (a: F80) => F80): Builder {
  return plainOp((c, x, site) => {
    const r = x.empty(0) ? stackUnder(c) : f(x.get(0));
    if (finish(c, site)) x.set(0, r);
  });
}

/** Two-operand instructions on ST(0) and ST(1): fn returns the new [ST0, ST1]; `pop` drops ST0. */
function withSt1(fn: (a: F80, b: F80) => [F80, F80], pop: boolean): Builder {
  return plainOp((c, x, site) => {
    let r: [F80, F80];
    if (underflow2(x, 0, 1)) r = [indefinite(), indefinite()];
    else r = fn(x.get(0), x.get(1));
    if (!finish(c, site)) return;
    if (pop) {
      x.set(1, r[1]);
      x.pop();
    } else x.set(0, r[0]);
  });
}

function prem(ieee: boolean): Builder {
  return plainOp((c, x, site) => {
    let r: F80;
    if (underflow2(x, 0, 1)) {
      r = indefinite();
      remq.q = 0;
      remq.incomplete = false;
      remq.special = true;
    } else r = fprem(x.get(0), x.get(1), ieee);
    const ok = finish(c, site);
    // Without a quotient (NaN, invalid; even when unmasked) the host clears C1 and C2 and
    // leaves C0 and C3. An incomplete reduction reports C2 only (C0, C1 and C3 cleared).
    if (remq.special) x.fsw &= ~(SW_C1 | SW_C2);
    if (!ok) return;
    x.set(0, r);
    const q = remq.q;
    if (!remq.special) {
      setCC(x, remq.incomplete ? SW_C2 : (q & 4 ? SW_C0 : 0) | (q & 2 ? SW_C3 : 0) | (q & 1 ? SW_C1 : 0));
    }
  });
}

function fxtractOp(c: Cpu, x: Cpu["x87"], site: X87Site): void {
  if (x.empty(0)) {
    const r = stackUnder(c);
    if (!finish(c, site)) return;
    x.set(0, r);
    x.top = (x.top - 1) & 7; // stack underflow wins: no overflow check
    x.set(0, r);
    return;
  }
  if (!x.empty(7)) {
    x.stackFault(fenv, true);
    if (!finish(c, site)) return;
    x.set(0, indefinite());
    x.push(indefinite(), fenv);
    return;
  }
  const [e, s] = fxtract(x.get(0));
  if (!finish(c, site)) return;
  x.set(0, e);
  x.push(s, fenv);
}

/** FSIN/FCOS/FPTAN/FSINCOS frame: C2 = 1 and nothing else happens for |x| ≥ 2^63. */
function trig(body: (x: Cpu["x87"], a: F80, c: Cpu, site: X87Site) => void, pushes = false): Builder {
  return plainOp((c, x, site) => {
    x.fsw &= ~SW_C2;
    if (pushes && !x.empty(7) && !x.empty(0)) {
      x.stackFault(fenv, false); // IE|SF like an overflow, but the host leaves C1 clear
      if (finish(c, site)) {
        x.set(0, indefinite());
        x.push(indefinite(), fenv);
      }
      return;
    }
    if (x.empty(0)) {
      const r = stackUnder(c);
      if (!finish(c, site)) return;
      x.set(0, r);
      if (pushes) {
        x.top = (x.top - 1) & 7;
        x.set(0, r);
      } // underflow wins: no overflow check, C1 = 0
      return;
    }
    const a = x.get(0);
    if (!trigInRange(a)) {
      x.fsw |= SW_C2;
      finish(c, site);
      return;
    }
    body(x, a, c, site);
  });
}

function ptan(x: Cpu["x87"], a: F80, c: Cpu, site: X87Site): void {
  if (!x.empty(7)) {
    x.stackFault(fenv, true);
    if (finish(c, site)) {
      x.set(0, indefinite());
      x.push(indefinite(), fenv);
    }
    return;
  }
  const t = ftan(a);
  if (!finish(c, site)) return;
  x.set(0, t);
  const k = classify(t);
  x.push(isNaNClass(k) ? t : { sign: 0, exp: 16383, sig: 1n << 63n }, fenv);
}

function sincosOp(x: Cpu["x87"], a: F80, c: Cpu, site: X87Site): void {
  if (!x.empty(7)) {
    x.stackFault(fenv, true);
    if (finish(c, site)) {
      x.set(0, indefinite());
      x.push(indefinite(), fenv);
    }
    return;
  }
  const [s, co] = fsincos(a);
  fenv.flags |= sincosFlags.flags; // C1 reports the sine's rounding (as the host does)
  if (!finish(c, site)) return;
  x.set(0, s);
  x.push(co, fenv);
}

// ---- comparisons -------------------------------------------------------------------

function operandOr0(x: Cpu["x87"]): F80 {
  return operand(x, 0);
}

const CC_OF = [0, SW_C0, SW_C3, SW_C3 | SW_C2 | SW_C0];

/** Compares a and b into C3 C2 C0 (or ZF PF CF); returns false when an unmasked exception blocks it. */
function compareSet(c: Cpu, x: Cpu["x87"], a: F80, b: F80, quiet: boolean, eflags: boolean, site: X87Site): boolean {
  const r = fcompare(a, b, quiet);
  // Condition codes are written even when an unmasked exception is raised (the pop is not done).
  const ok = finish(c, site);
  if (eflags) {
    c.f.setEager(r === CMP_UN ? ZF | PF | CF : r === CMP_EQ ? ZF : r === CMP_LT ? CF : 0);
  } else setCC(x, CC_OF[r]!);
  return ok;
}

function fcom(pop: boolean, quiet: boolean, pop2 = false): Builder {
  return (i: Insn): Op | null => {
    const site = siteOf(i);
    if (i.mem !== null) {
      return withMemOperand(i, (c, x, b) => {
        // An unmasked denormal operand still sets C3 C2 C0 on the host (no pop).
        const a = operand(x, 0);
        if (compareSet(c, x, a, b, quiet, false, site) && pop) x.pop();
      });
    }
    const s = i.ops.length > 1 ? i.ops[1]!.reg : 1;
    return (c) => {
      const x = begin(c);
      const u = underflow2(x, 0, s);
      const a = u ? indefinite() : x.get(0),
        b = u ? a : x.get(s);
      if (!compareSet(c, x, a, b, quiet, false, site) || !pop) return;
      x.pop();
      if (pop2) x.pop();
    };
  };
}

function fcomi(pop: boolean, quiet: boolean): Builder {
  return (i: Insn): Op => {
    const site = siteOf(i);
    const s = i.ops[1]!.reg;
    return (c) => {
      const x = begin(c, false, true); // the host changes C1 only on a stack fault
      const u = underflow2(x, 0, s);
      const a = u ? indefinite() : x.get(0),
        b = u ? a : x.get(s);
      if (compareSet(c, x, a, b, quiet, true, site) && pop) x.pop();
    };
  };
}

/** FXAM class codes (C3 C2 C0) by float80 class. */
const XAM: Readonly<Record<number, number>> = {
  [C_UNSUPPORTED]: 0,
  [C_NORMAL]: SW_C2,
  [C_INF]: SW_C2 | SW_C0,
  [C_ZERO]: SW_C3,
  [C_DENORMAL]: SW_C3 | SW_C2,
};

function fxam(c: Cpu, x: Cpu["x87"], site: X87Site): void {
  const v = x.get(0);
  const sign = v.sign !== 0 ? SW_C1 : 0;
  if (x.empty(0)) setCC(x, SW_C3 | SW_C0 | sign);
  else {
    const k = classify(v);
    setCC(x, (isNaNClass(k) ? SW_C0 : XAM[k]!) | sign);
  }
  finish(c, site);
}
