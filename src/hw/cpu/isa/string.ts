// SPDX-License-Identifier: MIT
// String instructions MOVS STOS LODS SCAS CMPS (B/W/D/Q) with REP/REPE/REPNE,
// and XLATB (AMD APM Vol. 3 "MOVSx" ... and Vol. 1 §3.10.5 "Repeat Prefixes").
// REP MOVS/STOS with DF=0 copy or fill whole page runs at a time (memcpy/memset).
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import { ACCESS_READ, ACCESS_WRITE, PAGE_MASK, PAGE_SIZE } from "../../memory/address-space.js";
import { type Builder, type InsnRow, type Op, row } from "../translate/types.js";
import { sub } from "./arith.js";

const MOVS = 0,
  STOS = 1,
  LODS = 2,
  SCAS = 3,
  CMPS = 4;
const TWO32 = 4294967296;

export const STRING_ROWS: readonly InsnRow[] = [
  row("MOVSB", str(MOVS, 1)),
  row("MOVSW", str(MOVS, 2)),
  row("MOVSD", str(MOVS, 4), { forms: /^Movsd_m32_m32$/ }),
  row("MOVSQ", str(MOVS, 8)),
  row("STOSB", str(STOS, 1)),
  row("STOSW", str(STOS, 2)),
  row("STOSD", str(STOS, 4)),
  row("STOSQ", str(STOS, 8)),
  row("LODSB", str(LODS, 1)),
  row("LODSW", str(LODS, 2)),
  row("LODSD", str(LODS, 4)),
  row("LODSQ", str(LODS, 8)),
  row("SCASB", str(SCAS, 1), { writes: "OSZAPC" }),
  row("SCASW", str(SCAS, 2), { writes: "OSZAPC" }),
  row("SCASD", str(SCAS, 4), { writes: "OSZAPC" }),
  row("SCASQ", str(SCAS, 8), { writes: "OSZAPC" }),
  row("CMPSB", str(CMPS, 1), { writes: "OSZAPC" }),
  row("CMPSW", str(CMPS, 2), { writes: "OSZAPC" }),
  row("CMPSD", str(CMPS, 4), { writes: "OSZAPC", forms: /^Cmpsd_m32_m32$/ }),
  row("CMPSQ", str(CMPS, 8), { writes: "OSZAPC" }),
  row("XLATB", xlat),
];

/** Address-size and segment prefixes (the only ones that change string semantics). */
interface Prefixes {
  a32: boolean;
  seg: number;
}

function prefixes(b: Uint8Array): Prefixes {
  const p = { a32: false, seg: 0 };
  for (const x of b) {
    if (x === 0x67) p.a32 = true;
    else if (x === 0x64) p.seg = 1;
    else if (x === 0x65) p.seg = 2;
    else if (!(x === 0x66 || x === 0xf0 || x === 0xf2 || x === 0xf3 || (x & 0xe7) === 0x26 || (x & 0xf0) === 0x40)) {
      break;
    }
  }
  return p;
}

/** Per-instruction constants a string operation needs at run time. */
interface StrCtx {
  op: number;
  k: number;
  a32: boolean;
  seg: number;
  zf: number;
}

function str(op: number, k: number): Builder {
  return (i: Insn): Op | null => {
    const p = prefixes(i.bytes);
    const rep = i.rep || i.repne;
    const x: StrCtx = { op, k, a32: p.a32, seg: p.seg, zf: op >= SCAS ? (i.repne ? 0 : 1) : -1 };
    if (!rep) return (c) => once(c, x);
    return (c) => repeat(c, x);
  };
}

/** rCX/rSI/rDI as an unsigned Number (inexact above 2^53: counts only test > 0 there, addresses fault). */
function getR(c: Cpu, reg: number, a32: boolean): number {
  const r = c.r32;
  return a32 ? r[2 * reg]! >>> 0 : (r[2 * reg + 1]! >>> 0) * TWO32 + (r[2 * reg]! >>> 0);
}

/** rCX −= by (by < 2^32), exact on the 64-bit halves (counts may exceed 2^53). */
function decCount(c: Cpu, by: number, a32: boolean): void {
  const r = c.r32;
  let lo = (r[2]! >>> 0) - by;
  if (a32) {
    r[2] = lo | 0;
    r[3] = 0;
    return;
  }
  if (lo < 0) {
    lo += TWO32;
    r[3] = (r[3]! - 1) | 0;
  }
  r[2] = lo | 0;
}

function setR(c: Cpu, reg: number, v: number, a32: boolean): void {
  const r = c.r32;
  r[2 * reg] = v % TWO32;
  r[2 * reg + 1] = a32 ? 0 : Math.floor(v / TWO32);
}

function segBase(c: Cpu, seg: number): number {
  return seg === 0 ? 0 : seg === 1 ? c.fsBase : c.gsBase;
}

/** Element last read by `load`. */
let vlo = 0,
  vhi = 0;

function load(c: Cpu, a: number, k: number): void {
  const m = c.mem;
  if (k === 8) {
    vlo = m.read32(a);
    vhi = m.read32(a + 4);
  } else {
    vlo = k === 1 ? m.read8(a) : k === 2 ? m.read16(a) : m.read32(a);
    vhi = 0;
  }
}

function store(c: Cpu, a: number, k: number, lo: number, hi: number): void {
  const m = c.mem;
  if (k === 8) m.write64(a, lo, hi);
  else if (k === 4) m.write32(a, lo);
  else if (k === 2) m.write16(a, lo & 0xffff);
  else m.write8(a, lo & 0xff);
}

function accLo(c: Cpu, k: number): number {
  return k === 1 ? c.r8[0]! : k === 2 ? c.r16[0]! : c.r32[0]!;
}

/** One element; RSI/RDI advance afterwards (a fault leaves them at this element). */
function once(c: Cpu, x: StrCtx): void {
  const k = x.k,
    a32 = x.a32,
    step = c.f.df ? -k : k;
  const op = x.op,
    sz = 8 * k;
  const di = getR(c, 7, a32);
  if (op === STOS) {
    store(c, di, k, accLo(c, k), c.r32[1]!);
  } else if (op === SCAS) {
    load(c, di, k);
    sub(c, accLo(c, k), k === 8 ? c.r32[1]! : 0, vlo, vhi, sz);
  } else {
    const si = getR(c, 6, a32);
    load(c, si + segBase(c, x.seg), k);
    if (op === MOVS) store(c, di, k, vlo, vhi);
    else if (op === LODS) {
      if (k === 1) c.r8[0] = vlo;
      else if (k === 2) c.r16[0] = vlo;
      else {
        c.r32[0] = vlo;
        c.r32[1] = vhi;
      }
    } else {
      const a = vlo,
        ah = vhi;
      load(c, di, k);
      sub(c, a, ah, vlo, vhi, sz);
    }
    setR(c, 6, si + step, a32);
    if (op === LODS) return;
  }
  setR(c, 7, di + step, a32);
}

/** REP/REPE/REPNE: RCX counts down; SCAS/CMPS stop when ZF ≠ the prefix's condition. */
function repeat(c: Cpu, x: StrCtx): void {
  let n = getR(c, 1, x.a32);
  const fast = !x.a32 && !c.f.df ? (x.op === MOVS ? 1 : x.op === STOS ? 2 : 0) : 0;
  const zf = x.zf;
  while (n > 0) {
    if (fast !== 0) {
      n = fast === 1 ? fastMovs(c, x, n) : fastStos(c, x.k, n);
      if (n === 0) return;
    }
    once(c, x);
    n--;
    decCount(c, 1, x.a32);
    if (zf >= 0 && c.f.zf() !== (zf === 1)) return;
  }
}

/** Copies whole runs inside one source and one destination page; returns the count left. */
function fastMovs(c: Cpu, x: StrCtx, n: number): number {
  const k = x.k,
    r = c.r32,
    sb = segBase(c, x.seg);
  while (n > 0) {
    const si = r[13]! * TWO32 + (r[12]! >>> 0) + sb,
      di = r[15]! * TWO32 + (r[14]! >>> 0);
    const so = si & PAGE_MASK,
      dof = di & PAGE_MASK;
    let bytes = Math.min(n * k, PAGE_SIZE - so, PAGE_SIZE - dof);
    const gap = di - si;
    if (gap > 0 && gap < bytes) bytes = gap; // a forward overlap replicates: copy at most `gap` at a time
    const e = Math.floor(bytes / k);
    if (e === 0) return n; // element straddles a page or overlaps itself: slow path
    const src = c.mem.translate(si, ACCESS_READ) + so,
      dst = c.mem.translate(di, ACCESS_WRITE) + dof;
    c.mem.u8.copyWithin(dst, src, src + e * k);
    setR(c, 6, si - sb + e * k, false);
    setR(c, 7, di + e * k, false);
    n -= e;
    decCount(c, e, false);
    if (bytes !== e * k) return n;
  }
  return n;
}

/** Fills whole runs inside one destination page; returns the count left. */
function fastStos(c: Cpu, k: number, n: number): number {
  const r = c.r32,
    lo = r[0]!,
    hi = r[1]!;
  const b = lo & 0xff;
  const uniform =
    k === 1 || (k === 2 ? (lo & 0xffff) === b * 0x101 : lo === ((b * 0x1010101) | 0) && (k === 4 || hi === lo));
  while (n > 0) {
    const di = r[15]! * TWO32 + (r[14]! >>> 0);
    const off = di & PAGE_MASK;
    const e = Math.min(n, Math.floor((PAGE_SIZE - off) / k));
    if (e === 0) return n;
    const base = c.mem.translate(di, ACCESS_WRITE);
    if (uniform) c.mem.u8.fill(b, base + off, base + off + e * k);
    else {
      const v = c.mem.dv;
      for (let j = base + off, end = base + off + e * k; j < end; j += k) {
        if (k === 2) v.setUint16(j, lo & 0xffff, true);
        else {
          v.setInt32(j, lo, true);
          if (k === 8) v.setInt32(j + 4, hi, true);
        }
      }
    }
    setR(c, 7, di + e * k, false);
    n -= e;
    decCount(c, e, false);
  }
  return n;
}

/** XLATB: AL ← [rBX + AL] (segment override honoured). */
function xlat(i: Insn): Op | null {
  const p = prefixes(i.bytes);
  const wrap = p.a32 ? TWO32 : Infinity;
  return (c) => {
    c.r8[0] = c.mem.read8(segBase(c, p.seg) + ((getR(c, 3, p.a32) + c.r8[0]!) % wrap));
  };
}
