// SPDX-License-Identifier: MIT
// SSE/SSE2 data movement (AMD APM Vol. 4): MOVAPS/UPS/APD/UPD/DQA/DQU, MOVSS, MOVSD
// (XMM forms), MOVD/MOVQ (XMM forms), MOVHPS/LPS/HPD/LPD, MOVHLPS/LHPS, MOVMSKPS/PD,
// PMOVMSKB, the non-temporal stores, MASKMOVDQU, LDMXCSR/STMXCSR. No flags change.
import type { Cpu } from "../cpu.js";
import { type Insn, OK_MEM, RC_GPR } from "../decode.js";
import { prepareEa, withEa } from "../translate/operands.js";
import { type Builder, type InsnRow, type Op, row } from "../translate/types.js";
import { loadMxcsr } from "../sse/mxcsr.js";
import { ALIGN_ALWAYS, ALIGN_NONE, checkAlign, isXmm } from "../sse/operands.js";
import { rdiAddress } from "./mmx.js";

export const SSE_MOVE_ROWS: readonly InsnRow[] = [
  row("MOVAPS", mov128(ALIGN_ALWAYS)),
  row("MOVAPD", mov128(ALIGN_ALWAYS)),
  row("MOVDQA", mov128(ALIGN_ALWAYS)),
  row("MOVUPS", mov128(ALIGN_NONE)),
  row("MOVUPD", mov128(ALIGN_NONE)),
  row("MOVDQU", mov128(ALIGN_NONE)),
  row("MOVNTPS", mov128(ALIGN_ALWAYS)),
  row("MOVNTPD", mov128(ALIGN_ALWAYS)),
  row("MOVNTDQ", mov128(ALIGN_ALWAYS)),
  row("MOVSS", movScalar(1)),
  row("MOVSD", movScalar(2), { forms: /^Movsd_xmm/ }),
  row("MOVD", movGprXmm, { forms: /xmm/ }),
  row("MOVQ", movqXmm, { forms: /xmm/ }),
  row("MOVLPS", movHalf(0)),
  row("MOVLPD", movHalf(0)),
  row("MOVHPS", movHalf(2)),
  row("MOVHPD", movHalf(2)),
  row("MOVHLPS", regHalf(0, 2)),
  row("MOVLHPS", regHalf(2, 0)),
  row("MOVMSKPS", moveMask(4)),
  row("MOVMSKPD", moveMask(8)),
  row("PMOVMSKB", moveMask(1), { forms: /xmm/ }),
  row("MOVNTI", movnti),
  row("MASKMOVDQU", maskmovdqu),
  row("LDMXCSR", (i) => withEa(prepareEa(i), (c) => loadMxcsr(c, c.mem.read32(c.ea)))),
  row("STMXCSR", (i) => withEa(prepareEa(i), (c) => c.mem.write32(c.ea, c.mxcsr | 0))),
];

/** Reads 16 bytes at c.ea into XMM word index k (all reads before any write). */
function load16(c: Cpu, k: number, policy: number): void {
  const a = c.ea,
    m = c.mem;
  checkAlign(c, a, policy);
  const w0 = m.read32(a),
    w1 = m.read32(a + 4),
    w2 = m.read32(a + 8),
    w3 = m.read32(a + 12);
  const x = c.x32;
  x[k] = w0;
  x[k + 1] = w1;
  x[k + 2] = w2;
  x[k + 3] = w3;
}

function store16(c: Cpu, k: number, policy: number): void {
  const a = c.ea,
    m = c.mem,
    x = c.x32;
  checkAlign(c, a, policy);
  m.probeWrite(a, 16);
  m.write32(a, x[k]!);
  m.write32(a + 4, x[k + 1]!);
  m.write32(a + 8, x[k + 2]!);
  m.write32(a + 12, x[k + 3]!);
}

function mov128(policy: number): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0],
      s = i.ops[1];
    if (isXmm(d) && isXmm(s)) {
      const a = 4 * d.reg,
        b = 4 * s.reg;
      return (c) => {
        const x = c.x32;
        x[a] = x[b]!;
        x[a + 1] = x[b + 1]!;
        x[a + 2] = x[b + 2]!;
        x[a + 3] = x[b + 3]!;
      };
    }
    if (isXmm(d)) {
      const k = 4 * d.reg;
      return withEa(prepareEa(i), (c) => load16(c, k, policy));
    }
    if (isXmm(s)) {
      const k = 4 * s.reg;
      return withEa(prepareEa(i), (c) => store16(c, k, policy));
    }
    return null;
  };
}

/** MOVSS (words = 1) / MOVSD (words = 2): register merge, load zero-extends, store. */
function movScalar(words: number): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0],
      s = i.ops[1];
    if (isXmm(d) && isXmm(s)) {
      const a = 4 * d.reg,
        b = 4 * s.reg;
      return (c) => {
        const x = c.x32;
        x[a] = x[b]!;
        if (words === 2) x[a + 1] = x[b + 1]!;
      };
    }
    if (isXmm(d)) {
      const k = 4 * d.reg;
      return withEa(prepareEa(i), (c) => {
        const lo = c.mem.read32(c.ea),
          hi = words === 2 ? c.mem.read32(c.ea + 4) : 0;
        const x = c.x32;
        x[k] = lo;
        x[k + 1] = hi;
        x[k + 2] = 0;
        x[k + 3] = 0;
      });
    }
    if (!isXmm(s)) return null;
    const k = 4 * s.reg;
    return withEa(
      prepareEa(i),
      words === 2 ? (c) => c.mem.write64(c.ea, c.x32[k]!, c.x32[k + 1]!) : (c) => c.mem.write32(c.ea, c.x32[k]!),
    );
  };
}

/** MOVD/MOVQ between XMM and a general register or memory (loads zero-extend to 128 bits). */
function movGprXmm(i: Insn): Op | null {
  const d = i.ops[0]!,
    s = i.ops[1]!;
  const wide = d.size === 64 || s.size === 64;
  if (isXmm(d)) {
    const k = 4 * d.reg;
    const set = (c: Cpu, lo: number, hi: number): void => {
      const x = c.x32;
      x[k] = lo;
      x[k + 1] = hi;
      x[k + 2] = 0;
      x[k + 3] = 0;
    };
    if (s.kind === OK_MEM) {
      return withEa(
        prepareEa(i),
        wide ? (c) => set(c, c.mem.read32(c.ea), c.mem.read32(c.ea + 4)) : (c) => set(c, c.mem.read32(c.ea), 0),
      );
    }
    if (s.rclass !== RC_GPR) return null;
    const g = 2 * s.reg;
    return wide ? (c) => set(c, c.r32[g]!, c.r32[g + 1]!) : (c) => set(c, c.r32[g]!, 0);
  }
  if (!isXmm(s)) return null;
  const k = 4 * s.reg;
  if (d.kind === OK_MEM) {
    return withEa(
      prepareEa(i),
      wide ? (c) => c.mem.write64(c.ea, c.x32[k]!, c.x32[k + 1]!) : (c) => c.mem.write32(c.ea, c.x32[k]!),
    );
  }
  if (d.rclass !== RC_GPR) return null;
  const g = 2 * d.reg;
  return (c) => {
    c.r32[g] = c.x32[k]!;
    c.r32[g + 1] = wide ? c.x32[k + 1]! : 0;
  };
}

/** MOVQ xmm, xmm/m64 (zero-extends), MOVQ xmm/m64, xmm, and the GPR forms. */
function movqXmm(i: Insn): Op | null {
  const d = i.ops[0]!,
    s = i.ops[1]!;
  if (isXmm(d) && isXmm(s)) {
    const a = 4 * d.reg,
      b = 4 * s.reg;
    return (c) => {
      const x = c.x32;
      x[a] = x[b]!;
      x[a + 1] = x[b + 1]!;
      x[a + 2] = 0;
      x[a + 3] = 0;
    };
  }
  return movGprXmm(i);
}

/** MOVLPS/MOVLPD (word 0) and MOVHPS/MOVHPD (word 2): one quadword to or from memory. */
function movHalf(w: number): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0],
      s = i.ops[1];
    if (isXmm(d) && s?.kind === OK_MEM) {
      const k = 4 * d.reg + w;
      return withEa(prepareEa(i), (c) => {
        const lo = c.mem.read32(c.ea),
          hi = c.mem.read32(c.ea + 4);
        c.x32[k] = lo;
        c.x32[k + 1] = hi;
      });
    }
    if (isXmm(s) && d?.kind === OK_MEM) {
      const k = 4 * s.reg + w;
      return withEa(prepareEa(i), (c) => c.mem.write64(c.ea, c.x32[k]!, c.x32[k + 1]!));
    }
    return null;
  };
}

/** MOVHLPS (dst low ← src high) / MOVLHPS (dst high ← src low). */
function regHalf(dw: number, sw: number): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0],
      s = i.ops[1];
    if (!isXmm(d) || !isXmm(s)) return null;
    const a = 4 * d.reg + dw,
      b = 4 * s.reg + sw;
    return (c) => {
      const x = c.x32;
      x[a] = x[b]!;
      x[a + 1] = x[b + 1]!;
    };
  };
}

/** MOVMSKPS (4-byte lanes), MOVMSKPD (8), PMOVMSKB (1): sign bits into a GPR. */
function moveMask(w: number): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0],
      s = i.ops[1];
    if (d === undefined || d.rclass !== RC_GPR || !isXmm(s)) return null;
    const k = 16 * s.reg,
      g = 2 * d.reg;
    return (c) => {
      const b = c.x8;
      let m = 0;
      for (let j = 0; j < 16 / w; j++) m |= (b[k + j * w + w - 1]! >> 7) << j;
      c.r32[g] = m;
      c.r32[g + 1] = 0;
    };
  };
}

function movnti(i: Insn): Op | null {
  const d = i.ops[0],
    s = i.ops[1];
  if (d?.kind !== OK_MEM || s === undefined || s.rclass !== RC_GPR) return null;
  const g = 2 * s.reg;
  return withEa(
    prepareEa(i),
    s.size === 64 ? (c) => c.mem.write64(c.ea, c.r32[g]!, c.r32[g + 1]!) : (c) => c.mem.write32(c.ea, c.r32[g]!),
  );
}

/** MASKMOVDQU xmm1, xmm2: bytes of xmm1 selected by bit 7 of xmm2's bytes go to [rDI]. */
function maskmovdqu(i: Insn): Op | null {
  const d = i.ops[1],
    s = i.ops[2];
  if (!isXmm(d) || !isXmm(s)) return null;
  const kd = 16 * d.reg,
    ks = 16 * s.reg;
  return (c) => {
    const a = rdiAddress(c),
      b = c.x8;
    for (let j = 0; j < 16; j++) if ((b[ks + j]! & 0x80) !== 0) c.mem.probeWrite(a + j, 1);
    for (let j = 0; j < 16; j++) if ((b[ks + j]! & 0x80) !== 0) c.mem.write8(a + j, b[kd + j]!);
  };
}
