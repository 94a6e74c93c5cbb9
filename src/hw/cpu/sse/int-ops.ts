// SPDX-License-Identifier: MIT
// Packed-integer semantics shared by the SSE2 (n = 16 bytes) and MMX (n = 8)
// forms (AMD APM Vol. 4 PADDB … PUNPCKHQDQ; Vol. 5 for the MMX encodings):
// slot A (bytes 0..n-1) ← A op B (bytes 16..16+n-1) on the scratch.
import { S16, S16s, S32, S8, S8s } from "./scratch.js";

export type IntOp = (n: number, imm: number) => void;

const sat8 = (v: number): number => (v > 127 ? 127 : v < -128 ? -128 : v);
const satU8 = (v: number): number => (v > 255 ? 255 : v < 0 ? 0 : v);
const sat16 = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
const satU16 = (v: number): number => (v > 65535 ? 65535 : v < 0 ? 0 : v);

function bytes(f: (a: number, b: number) => number, signed: boolean): IntOp {
  const V = signed ? S8s : S8;
  return (n) => {
    for (let k = 0; k < n; k++) V[k] = f(V[k]!, V[16 + k]!);
  };
}

function words(f: (a: number, b: number) => number, signed: boolean): IntOp {
  const V = signed ? S16s : S16;
  return (n) => {
    for (let k = 0; k < n >> 1; k++) V[k] = f(V[k]!, V[8 + k]!);
  };
}

function dwords(f: (a: number, b: number) => number): IntOp {
  return (n) => {
    for (let k = 0; k < n >> 2; k++) S32[k] = f(S32[k]!, S32[4 + k]!);
  };
}

function qwords(sub: boolean): IntOp {
  return (n) => {
    for (let k = 0; k < n >> 2; k += 2) {
      const al = S32[k]! >>> 0,
        bl = S32[4 + k]! >>> 0;
      const lo = sub ? al - bl : al + bl;
      S32[k] = lo;
      S32[k + 1] =
        (sub ? S32[k + 1]! - S32[5 + k]! - (lo < 0 ? 1 : 0) : S32[k + 1]! + S32[5 + k]! + (lo > 0xffffffff ? 1 : 0)) |
        0;
    }
  };
}

const logic = (f: (a: number, b: number) => number): IntOp => dwords(f);

export const INT_OPS: Readonly<Record<string, IntOp>> = {
  PADDB: bytes((a, b) => a + b, false),
  PADDW: words((a, b) => a + b, false),
  PADDD: dwords((a, b) => (a + b) | 0),
  PADDQ: qwords(false),
  PSUBB: bytes((a, b) => a - b, false),
  PSUBW: words((a, b) => a - b, false),
  PSUBD: dwords((a, b) => (a - b) | 0),
  PSUBQ: qwords(true),
  PADDSB: bytes((a, b) => sat8(a + b), true),
  PADDSW: words((a, b) => sat16(a + b), true),
  PADDUSB: bytes((a, b) => satU8(a + b), false),
  PADDUSW: words((a, b) => satU16(a + b), false),
  PSUBSB: bytes((a, b) => sat8(a - b), true),
  PSUBSW: words((a, b) => sat16(a - b), true),
  PSUBUSB: bytes((a, b) => satU8(a - b), false),
  PSUBUSW: words((a, b) => satU16(a - b), false),
  PMULLW: words((a, b) => Math.imul(a, b), false),
  PMULHW: words((a, b) => (a * b) >> 16, true),
  PMULHUW: words((a, b) => (a * b) >>> 16, false),
  PAVGB: bytes((a, b) => (a + b + 1) >> 1, false),
  PAVGW: words((a, b) => (a + b + 1) >> 1, false),
  PMINUB: bytes((a, b) => (a < b ? a : b), false),
  PMAXUB: bytes((a, b) => (a > b ? a : b), false),
  PMINSW: words((a, b) => (a < b ? a : b), true),
  PMAXSW: words((a, b) => (a > b ? a : b), true),
  PCMPEQB: bytes((a, b) => (a === b ? 255 : 0), false),
  PCMPEQW: words((a, b) => (a === b ? 0xffff : 0), false),
  PCMPEQD: dwords((a, b) => (a === b ? -1 : 0)),
  PCMPGTB: bytes((a, b) => (a > b ? -1 : 0), true),
  PCMPGTW: words((a, b) => (a > b ? -1 : 0), true),
  PCMPGTD: dwords((a, b) => (a > b ? -1 : 0)),
  PAND: logic((a, b) => a & b),
  PANDN: logic((a, b) => ~a & b),
  POR: logic((a, b) => a | b),
  PXOR: logic((a, b) => a ^ b),
  PMULUDQ: pmuludq,
  PMADDWD: pmaddwd,
  PSADBW: psadbw,
  PUNPCKLBW: unpack(1, false),
  PUNPCKHBW: unpack(1, true),
  PUNPCKLWD: unpack(2, false),
  PUNPCKHWD: unpack(2, true),
  PUNPCKLDQ: unpack(4, false),
  PUNPCKHDQ: unpack(4, true),
  PUNPCKLQDQ: unpack(8, false),
  PUNPCKHQDQ: unpack(8, true),
  PACKSSWB: pack(2, sat8),
  PACKUSWB: pack(2, satU8),
  PACKSSDW: pack(4, sat16),
};

/** Unsigned 32×32→64 multiply of dword lanes 0 (and 2). */
function pmuludq(n: number): void {
  for (let k = 0; k < n >> 2; k += 2) {
    const a = S32[k]! >>> 0,
      b = S32[4 + k]! >>> 0;
    const al = a & 0xffff,
      ah = a >>> 16,
      bl = b & 0xffff,
      bh = b >>> 16;
    const ll = al * bl,
      mid = ah * bl + al * bh; // mid < 2^33
    const lo = ll + (mid % 65536) * 65536;
    S32[k] = lo;
    S32[k + 1] = ah * bh + Math.floor(mid / 65536) + Math.floor(lo / 4294967296);
  }
}

function pmaddwd(n: number): void {
  for (let k = 0; k < n >> 2; k++) {
    S32[k] = (S16s[2 * k]! * S16s[8 + 2 * k]! + S16s[2 * k + 1]! * S16s[9 + 2 * k]!) | 0;
  }
}

function psadbw(n: number): void {
  for (let q = 0; q < n; q += 8) {
    let s = 0;
    for (let k = q; k < q + 8; k++) s += Math.abs(S8[k]! - S8[16 + k]!);
    S32[q >> 2] = s;
    S32[(q >> 2) + 1] = 0;
  }
}

const tmpBuf = new ArrayBuffer(32);
const tmp = new Uint8Array(tmpBuf);
const t16 = new Uint16Array(tmpBuf);
const t32 = new Int32Array(tmpBuf);

/** Interleaves elements of `w` bytes from the low (or high) halves of A and B. */
function unpack(w: number, high: boolean): IntOp {
  return (n) => {
    const base = high ? n >> 1 : 0;
    for (let e = 0; e < n / (2 * w); e++) {
      for (let j = 0; j < w; j++) {
        tmp[2 * e * w + j] = S8[base + e * w + j]!;
        tmp[(2 * e + 1) * w + j] = S8[16 + base + e * w + j]!;
      }
    }
    for (let k = 0; k < n; k++) S8[k] = tmp[k]!;
  };
}

/** Narrows `w`-byte signed elements of A then B with saturation. */
function pack(w: number, sat: (v: number) => number): IntOp {
  return (n) => {
    const cnt = n / w;
    for (let e = 0; e < cnt; e++) {
      const a = w === 2 ? S16s[e]! : S32[e]!;
      const b = w === 2 ? S16s[8 + e]! : S32[4 + e]!;
      if (w === 2) {
        tmp[e] = sat(a) & 0xff;
        tmp[cnt + e] = sat(b) & 0xff;
      } else {
        const x = sat(a) & 0xffff,
          y = sat(b) & 0xffff;
        tmp[2 * e] = x & 0xff;
        tmp[2 * e + 1] = x >> 8;
        tmp[2 * (cnt + e)] = y & 0xff;
        tmp[2 * (cnt + e) + 1] = y >> 8;
      }
    }
    for (let k = 0; k < n; k++) S8[k] = tmp[k]!;
  };
}

/** Shift count of the register/memory forms: the whole low quadword of B. */
export function countOfB(): number {
  return S32[5] !== 0 || S32[4]! >>> 0 > 255 ? 255 : S32[4]!;
}

/** PSLL/PSRL/PSRA on elements of `w` bytes by `cnt`. */
export function shift(n: number, w: number, kind: number, cnt: number): void {
  if (w === 2) {
    for (let k = 0; k < n >> 1; k++) {
      const v = S16s[k]!;
      S16s[k] =
        kind === 0
          ? cnt > 15
            ? 0
            : v << cnt
          : kind === 1
            ? cnt > 15
              ? 0
              : (v & 0xffff) >>> cnt
            : v >> (cnt > 15 ? 15 : cnt);
    }
  } else if (w === 4) {
    for (let k = 0; k < n >> 2; k++) {
      const v = S32[k]!;
      S32[k] =
        kind === 0 ? (cnt > 31 ? 0 : v << cnt) : kind === 1 ? (cnt > 31 ? 0 : v >>> cnt) : v >> (cnt > 31 ? 31 : cnt);
    }
  } else {
    for (let k = 0; k < n >> 2; k += 2) {
      const lo = S32[k]!,
        hi = S32[k + 1]!;
      if (cnt > 63) {
        S32[k] = 0;
        S32[k + 1] = 0;
      } else if (cnt === 0) continue;
      else if (kind === 0) {
        if (cnt >= 32) {
          S32[k + 1] = lo << (cnt - 32);
          S32[k] = 0;
        } else {
          S32[k + 1] = (hi << cnt) | (lo >>> (32 - cnt));
          S32[k] = lo << cnt;
        }
      } else if (cnt >= 32) {
        S32[k] = hi >>> (cnt - 32);
        S32[k + 1] = 0;
      } else {
        S32[k] = (lo >>> cnt) | (hi << (32 - cnt));
        S32[k + 1] = hi >>> cnt;
      }
    }
  }
}

/** PSLLDQ (left) / PSRLDQ (right) by `cnt` bytes within the 16-byte register. */
export function shiftBytes(left: boolean, cnt: number): void {
  const c = cnt > 16 ? 16 : cnt;
  for (let k = 0; k < 16; k++) tmp[k] = S8[k]!;
  for (let k = 0; k < 16; k++) {
    const src = left ? k - c : k + c;
    S8[k] = src >= 0 && src < 16 ? tmp[src]! : 0;
  }
}

/** PSHUFD (dwords of B), PSHUFLW/PSHUFHW (words of one half of B), PSHUFW (mm words). */
export function shuffle(kind: string, imm: number): void {
  for (let k = 0; k < 16; k++) tmp[k] = S8[16 + k]!;
  if (kind === "D") {
    for (let k = 0; k < 4; k++) S32[k] = t32[(imm >> (2 * k)) & 3]!;
    return;
  }
  const base = kind === "HW" ? 4 : 0;
  for (let k = 0; k < 8; k++) S16[k] = t16[k]!;
  for (let k = 0; k < 4; k++) S16[base + k] = t16[base + ((imm >> (2 * k)) & 3)]!;
}
