// SPDX-License-Identifier: MIT
// Operand plumbing for XMM and MMX instructions: sources (register or memory,
// with the 16-byte alignment rule of legacy SSE, AMD APM Vol. 1 §4.3.2 and the
// MisAlignSse mode) are copied into the scratch slots; results are copied back.
import type { Cpu } from "../cpu.js";
import { type Insn, type Operand, OK_MEM, OK_REG, RC_MM, RC_XMM } from "../decode.js";
import { CpuException, VEC_GP } from "../exits.js";
import { prepareEa, withEa } from "../translate/operands.js";
import type { Builder, Op } from "../translate/types.js";
import { MM } from "./mxcsr.js";
import { B32, S32 } from "./scratch.js";

/** Memory operands may be unaligned (MOVUPS, scalar and 64-bit forms). */
export const ALIGN_NONE = 0;
/** 16-byte operands must be aligned unless MXCSR.MM (misaligned SSE mode) is set. */
export const ALIGN_LEGACY = 1;
/** Always aligned (MOVAPS, MOVAPD, MOVDQA, MOVNTPS/PD/DQ). */
export const ALIGN_ALWAYS = 2;

type Sem = (c: Cpu, imm: number) => void;

/** An operand known to be an XMM or MMX register (brand keeps the false branch un-narrowed). */
type RegOperand = Operand & { readonly __vectorReg: true };

export function isXmm(o: Operand | undefined): o is RegOperand {
  return o !== undefined && o.kind === OK_REG && o.rclass === RC_XMM;
}

export function isMmx(o: Operand | undefined): o is RegOperand {
  return o !== undefined && o.kind === OK_REG && o.rclass === RC_MM;
}

/** Raises #GP for a misaligned 16-byte access under the given policy. */
export function checkAlign(c: Cpu, a: number, policy: number): void {
  if ((a & 15) !== 0 && policy !== ALIGN_NONE && (policy === ALIGN_ALWAYS || (c.mxcsr & MM) === 0)) {
    throw new CpuException(VEC_GP);
  }
}

// The register loaders are made by functions of their own: made inside `loader`, whose
// memory loaders capture `policy`, each would keep a second context alive
// (docs/architecture.md "Translation memory").

function xmmLoader(k: number, at: number): (c: Cpu) => void {
  return (c) => {
    const x = c.x32;
    S32[at] = x[k]!;
    S32[at + 1] = x[k + 1]!;
    S32[at + 2] = x[k + 2]!;
    S32[at + 3] = x[k + 3]!;
  };
}

function mmxLoader(k: number, at: number): (c: Cpu) => void {
  return (c) => {
    const v = c.x87.view;
    S32[at] = v.getInt32(k, true);
    S32[at + 1] = v.getInt32(k + 4, true);
    S32[at + 2] = 0;
    S32[at + 3] = 0;
  };
}

/**
 * A loader that copies operand `o` into the scratch at int32 index `at`:
 * an XMM register (4 words), an MMX register (2 words, then zeros) or memory
 * (o.size bits, zero-filled to 16 bytes). The EA is in c.ea.
 */
export function loader(o: Operand, at: number, policy: number): (c: Cpu) => void {
  if (isXmm(o)) return xmmLoader(4 * o.reg, at);
  if (isMmx(o)) return mmxLoader(10 * o.reg, at);
  if (o.kind !== OK_MEM) throw new Error("sse loader: unsupported operand");
  const bytes = o.size >>> 3;
  if (bytes === 16) {
    return (c) => {
      const a = c.ea,
        m = c.mem;
      checkAlign(c, a, policy);
      S32[at] = m.read32(a);
      S32[at + 1] = m.read32(a + 4);
      S32[at + 2] = m.read32(a + 8);
      S32[at + 3] = m.read32(a + 12);
    };
  }
  if (bytes === 8) {
    return (c) => {
      S32[at] = c.mem.read32(c.ea);
      S32[at + 1] = c.mem.read32(c.ea + 4);
      S32[at + 2] = 0;
      S32[at + 3] = 0;
    };
  }
  if (bytes === 4) {
    return (c) => {
      S32[at] = c.mem.read32(c.ea);
      S32[at + 1] = 0;
      S32[at + 2] = 0;
      S32[at + 3] = 0;
    };
  }
  if (bytes === 2) {
    return (c) => {
      S32[at] = c.mem.read16(c.ea);
      S32[at + 1] = 0;
      S32[at + 2] = 0;
      S32[at + 3] = 0;
    };
  }
  throw new Error(`sse loader: ${bytes}-byte memory operand`);
}

/** Copies scratch slot A back into XMM register r. */
function storeXmm(c: Cpu, r: number): void {
  const x = c.x32,
    k = 4 * r;
  x[k] = S32[0]!;
  x[k + 1] = S32[1]!;
  x[k + 2] = S32[2]!;
  x[k + 3] = S32[3]!;
}

/** MMX register write (APM Vol. 1 §5.2.1.2): significand ← value, sign+exponent ← all ones. */
export function storeMmx(c: Cpu, r: number, lo: number, hi: number): void {
  const v = c.x87.view,
    k = 10 * r;
  v.setInt32(k, lo, true);
  v.setInt32(k + 4, hi, true);
  v.setUint16(k + 8, 0xffff, true);
}

/** Any MMX instruction but EMMS: TOP ← 0 and every register tagged valid. */
export function enterMmx(c: Cpu): void {
  c.x87.top = 0;
  c.x87.tags = 0xff;
}

function immOf(i: Insn): number {
  const o = i.ops[i.ops.length - 1];
  return o !== undefined && o.kind !== OK_REG && o.kind !== OK_MEM ? o.immLo & 0xff : 0;
}

/** xmm ← sem(xmm, xmm/mem): A = destination, B = source; `imm` = trailing imm8. */
export function xmmRM(sem: Sem, policy = ALIGN_LEGACY): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0],
      s = i.ops[1];
    if (!isXmm(d) || s === undefined || (!isXmm(s) && !isMmx(s) && s.kind !== OK_MEM)) return null;
    const imm = immOf(i),
      ld = loader(s, B32, policy),
      dr = d.reg;
    const la = loader(d, 0, ALIGN_NONE);
    return withEa(prepareEa(i), (c) => {
      ld(c);
      la(c);
      sem(c, imm);
      storeXmm(c, dr);
    });
  };
}

/** mm ← sem(mm, mm/mem): the same with 8-byte registers (sem sees zeros above). */
export function mmxRM(sem: Sem): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0],
      s = i.ops[1];
    if (!isMmx(d) || s === undefined || (!isMmx(s) && s.kind !== OK_MEM)) return null;
    const imm = immOf(i),
      ld = loader(s, B32, ALIGN_NONE),
      dr = d.reg;
    const la = loader(d, 0, ALIGN_NONE);
    return withEa(prepareEa(i), (c) => {
      ld(c);
      la(c);
      sem(c, imm);
      enterMmx(c);
      storeMmx(c, dr, S32[0]!, S32[1]!);
    });
  };
}

/** xmm ← sem(xmm, imm8) (shift-by-immediate forms). */
export function xmmImm(sem: Sem): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0];
    if (!isXmm(d)) return null;
    const imm = immOf(i),
      la = loader(d, 0, ALIGN_NONE),
      dr = d.reg;
    return (c) => {
      la(c);
      sem(c, imm);
      storeXmm(c, dr);
    };
  };
}

export function mmxImm(sem: Sem): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0];
    if (!isMmx(d)) return null;
    const imm = immOf(i),
      la = loader(d, 0, ALIGN_NONE),
      dr = d.reg;
    return (c) => {
      la(c);
      sem(c, imm);
      enterMmx(c);
      storeMmx(c, dr, S32[0]!, S32[1]!);
    };
  };
}
