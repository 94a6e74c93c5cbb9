// SPDX-License-Identifier: MIT
// Data movement: MOV MOVZX MOVSX MOVSXD LEA XCHG CBW/CWDE/CDQE CWD/CDQ/CQO
// (AMD APM Vol. 3). None of these touch RFLAGS.
import type { Cpu } from "../cpu.js";
import { type Insn, OK_REG, RC_SEG } from "../decode.js";
import { movToSegment } from "./segments.js";
import { CpuException, VEC_GP } from "../exits.js";
import { type Builder, type InsnRow, type Op, row } from "../translate/types.js";
import {
  type Ea,
  type Rd,
  type Wr,
  eaOf,
  isReg,
  prepareEa,
  reader,
  readerHi,
  sext,
  withEa,
  writer,
} from "../translate/operands.js";

export const MOVE_ROWS: readonly InsnRow[] = [
  // MOV to/from control and debug registers is privileged: #GP at CPL 3 (APM "MOV CRn", "MOV DRn").
  row("MOV", () => gpFault, { forms: /^Mov_(r(32|64)_(cr|dr)|(cr|dr)_r(32|64))$/ }),
  row("MOV", mov, { forms: /^Mov_/ }),
  row("MOVZX", movx(false)),
  row("MOVSX", movx(true)),
  row("MOVSXD", movx(true)),
  row("LEA", lea),
  row("XCHG", xchg, { lock: true }),
  row("CBW", extendAcc(8)),
  row("CWDE", extendAcc(16)),
  row("CDQE", extendAcc(32)),
  row("CWD", splitAcc(16)),
  row("CDQ", splitAcc(32)),
  row("CQO", splitAcc(64)),
];

const gpFault: Op = () => {
  throw new CpuException(VEC_GP);
};

/** Linux user-mode selector values: CS=0x33, SS=0x2b, others 0 (arch/x86/include/asm/segment.h). */
const SELECTORS = [0, 0x33, 0x2b, 0, 0, 0];

function mov(i: Insn): Op | null {
  const d = i.ops[0]!,
    s = i.ops[1]!;
  if (d.rclass === RC_SEG && d.kind === OK_REG) return movToSegment(i);
  if (s.rclass === RC_SEG && s.kind === OK_REG) {
    const w = writer(d.kind === OK_REG ? { ...d } : d);
    return withEa(prepareEa(i), movConst(w, SELECTORS[s.reg]!));
  }
  if (isReg(d) && isReg(s) && d.size === 64) return movReg64(2 * d.reg, 2 * s.reg);
  if (isReg(d) && isReg(s) && d.size === 32) return movReg32(2 * d.reg, 2 * s.reg);
  if (isReg(d) && d.size === 64 && i.mem !== null) return movLoad64(eaOf(i.mem), 2 * d.reg);
  const sz = d.size;
  return movWith(prepareEa(i), reader(s, sz), readerHi(s, sz), writer(d));
}

// MOV's closures are made by functions of their own, so that each captures its operands
// and nothing else (a builder's scope and a block scope in it would be two contexts per
// instruction: docs/architecture.md "Translation memory").

function movConst(w: Wr, v: number): Op {
  return (c) => w(c, v, 0);
}

function movReg64(dl: number, sl: number): Op {
  return (c) => {
    const r = c.r32;
    r[dl] = r[sl]!;
    r[dl + 1] = r[sl + 1]!;
  };
}

function movReg32(dl: number, sl: number): Op {
  return (c) => {
    const r = c.r32;
    r[dl] = r[sl]!;
    r[dl + 1] = 0;
  };
}

function movLoad64(ea: Ea, dl: number): Op {
  return (c) => {
    const a = ea(c);
    const lo = c.mem.read32(a);
    c.r32[dl + 1] = c.mem.read32(a + 4);
    c.r32[dl] = lo;
  };
}

/** The other forms, with a memory operand's address computed first (one closure: `withEa`'s work done in it). */
function movWith(ea: Ea | null, rs: Rd, rsh: Rd, w: Wr): Op {
  return ea === null
    ? (c) => w(c, rs(c), rsh(c))
    : (c) => {
        c.ea = ea(c);
        w(c, rs(c), rsh(c));
      };
}

function movx(signed: boolean): Builder {
  return (i) => {
    const d = i.ops[0]!,
      s = i.ops[1]!;
    const rs = reader(s),
      w = writer(d);
    // 66h MOVSXD r16, m: AMD still reads the whole doubleword (faults like a 4-byte load).
    if (i.form === "Movsxd_r16_rm16" && i.mem !== null) return withEa(prepareEa(i), movsxd16(rs, w));
    return extendWith(prepareEa(i), rs, w, s.size, !signed ? 0 : d.size === 64 ? 64 : 32);
  };
}

function movsxd16(rs: Rd, w: Wr): Op {
  return (c) => {
    c.mem.probeRead(c.ea, 4);
    w(c, rs(c), 0);
  };
}

/**
 * MOVZX, MOVSX, MOVSXD: the source zero-extended (`sign` 0) or sign-extended from `from`
 * bits to 32 or 64, a memory operand's address computed first in the same closure.
 */
function extendWith(ea: Ea | null, rs: Rd, w: Wr, from: number, sign: 0 | 32 | 64): Op {
  if (sign === 0) {
    if (ea === null) return (c) => w(c, rs(c), 0);
    return (c) => {
      c.ea = ea(c);
      w(c, rs(c), 0);
    };
  }
  if (sign === 64) {
    if (ea === null) {
      return (c) => {
        const v = sext(rs(c), from);
        w(c, v, v >> 31);
      };
    }
    return (c) => {
      c.ea = ea(c);
      const v = sext(rs(c), from);
      w(c, v, v >> 31);
    };
  }
  if (ea === null) return (c) => w(c, sext(rs(c), from), 0);
  return (c) => {
    c.ea = ea(c);
    w(c, sext(rs(c), from), 0);
  };
}

function lea(i: Insn): Op | null {
  const d = i.ops[0]!;
  const m = i.mem;
  if (m === null || !isReg(d)) return null;
  // LEA is plain 64-bit arithmetic (often not an address at all): computed
  // exactly on 32-bit halves, ignoring segment bases (APM Vol. 3 "LEA").
  const bl = 2 * m.base,
    xl = 2 * m.index,
    s = m.scale;
  const dlo = m.disp >>> 0,
    dhi = Math.floor(m.disp / 4294967296);
  const w = writer(d);
  const addr32 = m.addr32;
  return (c) => {
    const r = c.r32;
    let lo = dlo,
      hi = dhi;
    if (bl >= 0) {
      lo += r[bl]! >>> 0;
      hi += r[bl + 1]!;
    }
    if (xl >= 0) {
      lo += (r[xl]! >>> 0) * s;
      hi += r[xl + 1]! * s;
    }
    hi += Math.floor(lo / 4294967296);
    w(c, lo | 0, addr32 ? 0 : hi | 0);
  };
}

function xchg(i: Insn): Op | null {
  const a = i.ops[0]!,
    b = i.ops[1]!;
  const sz = a.size;
  const ra = reader(a),
    rah = readerHi(a),
    rb = reader(b, sz),
    rbh = readerHi(b, sz);
  const wa = writer(a),
    wb = writer(b);
  // Memory operand first so a fault leaves registers untouched.
  const [mRd, mRdh, mW, rRd, rRdh, rW] =
    i.mem !== null && b.kind !== OK_REG ? [rb, rbh, wb, ra, rah, wa] : [ra, rah, wa, rb, rbh, wb];
  return withEa(prepareEa(i), (c) => {
    const x = mRd(c),
      xh = mRdh(c),
      y = rRd(c),
      yh = rRdh(c);
    mW(c, y, yh);
    rW(c, x, xh);
  });
}

/** CBW/CWDE/CDQE: sign-extend the low half of the accumulator into all of it. */
function extendAcc(from: number): Builder {
  return () => (c: Cpu) => {
    const r = c.r32;
    if (from === 8) c.r16[0] = (c.r8[0]! << 24) >> 24;
    else if (from === 16) {
      r[0] = (c.r16[0]! << 16) >> 16;
      r[1] = 0;
    } else r[1] = r[0]! >> 31;
  };
}

/** CWD/CDQ/CQO: sign-fill rDX from rAX. */
function splitAcc(sz: number): Builder {
  return () => (c: Cpu) => {
    const r = c.r32;
    if (sz === 16) c.r16[8] = (c.r16[0]! & 0x8000) !== 0 ? 0xffff : 0;
    else if (sz === 32) {
      r[4] = r[0]! >> 31;
      r[5] = 0;
    } else {
      r[4] = r[1]! >> 31;
      r[5] = r[1]! >> 31;
    }
  };
}
