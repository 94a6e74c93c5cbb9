// SPDX-License-Identifier: MIT
// Lazy RFLAGS (AMD APM Vol. 1 §3.1.6): the last flag-producing operation is
// recorded (kind, size, operands, result) and CF/PF/AF/ZF/SF/OF are computed
// only when something reads them, as in QEMU's cc_op and v86.

export const CF = 1 << 0;
export const PF = 1 << 2;
export const AF = 1 << 4;
export const ZF = 1 << 6;
export const SF = 1 << 7;
export const TF = 1 << 8;
export const IF = 1 << 9;
export const DF = 1 << 10;
export const OF = 1 << 11;
export const AC = 1 << 18;
export const NT = 1 << 14;
export const ID = 1 << 21;
const ARITH_MASK = CF | PF | AF | ZF | SF | OF;
/** Flags user code may change with POPF (IOPL/IF/VM/RF stay as the kernel set them; NT is kept, as on the host). */
const USER_WRITABLE = ARITH_MASK | TF | DF | NT | AC | ID;

/** Flag-producing operation kinds. */
export const K_EAGER = 0; // fr holds materialised arithmetic flags
export const K_ADD = 1;
export const K_ADC = 2;
export const K_SUB = 3;
export const K_SBB = 4;
export const K_LOGIC = 5;
export const K_INC = 6;
export const K_DEC = 7;
export const K_NEG = 8;
/** SF/ZF/PF from the result; CF, OF and AF given explicitly in `aux` (shifts, multiplies, bit ops). */
export const K_RESULT = 9;

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i;
  b ^= b >> 4;
  b ^= b >> 2;
  b ^= b >> 1;
  PARITY[i] = (b & 1) === 0 ? PF : 0;
}

/** Masks for the low 32 bits of a value of each size (64 uses the full low word). */
function lowMask(sz: number): number {
  return sz === 8 ? 0xff : sz === 16 ? 0xffff : -1;
}

function signBit(sz: number): number {
  return sz === 8 ? 0x80 : sz === 16 ? 0x8000 : sz === 32 ? 0x80000000 | 0 : 0;
}

/** Unsigned a < b for (lo,hi) pairs; hi ignored below 64 bits. */
function ultPair(alo: number, ahi: number, blo: number, bhi: number, sz: number): boolean {
  const m = lowMask(sz);
  if (sz === 64 && ahi !== bhi) return ahi >>> 0 < bhi >>> 0;
  return (alo & m) >>> 0 < (blo & m) >>> 0;
}

/**
 * Word offsets of the lazy-flags record in physical memory, where translated code
 * keeps the flags (src/hw/jit): the interpreter's Flags object is copied to it on
 * entry to translated code and back on exit (`save`, `load`).
 */
export const FL_KIND = 0,
  FL_SIZE = 1,
  FL_A = 2,
  FL_AH = 3,
  FL_B = 4,
  FL_BH = 5,
  FL_R = 6,
  FL_RH = 7,
  FL_AUX = 8,
  FL_OTHER = 9;

export class Flags {
  kind = K_EAGER;
  size = 32;
  a = 0;
  ah = 0;
  b = 0;
  bh = 0;
  r = 0;
  rh = 0;
  /** Carry-in for ADC/SBB, or the preserved CF for INC/DEC. */
  aux = 0;
  /** Non-arithmetic RFLAGS bits (DF, TF, AC, ID, IF and the reserved bit 1). */
  other = 0x202;

  /** Copies the record into `m` at word `k` (FL_* layout). */
  save(m: Int32Array, k: number): void {
    m[k + FL_KIND] = this.kind;
    m[k + FL_SIZE] = this.size;
    m[k + FL_A] = this.a;
    m[k + FL_AH] = this.ah;
    m[k + FL_B] = this.b;
    m[k + FL_BH] = this.bh;
    m[k + FL_R] = this.r;
    m[k + FL_RH] = this.rh;
    m[k + FL_AUX] = this.aux;
    m[k + FL_OTHER] = this.other;
  }

  /** Takes the arithmetic part of the record from `m` at word `k` (`other` stays). */
  loadArith(m: Int32Array, k: number): void {
    this.kind = m[k + FL_KIND]!;
    this.size = m[k + FL_SIZE]!;
    this.a = m[k + FL_A]!;
    this.ah = m[k + FL_AH]!;
    this.b = m[k + FL_B]!;
    this.bh = m[k + FL_BH]!;
    this.r = m[k + FL_R]!;
    this.rh = m[k + FL_RH]!;
    this.aux = m[k + FL_AUX]!;
  }

  /** Takes the record from `m` at word `k`. */
  load(m: Int32Array, k: number): void {
    this.kind = m[k + FL_KIND]!;
    this.size = m[k + FL_SIZE]!;
    this.a = m[k + FL_A]!;
    this.ah = m[k + FL_AH]!;
    this.b = m[k + FL_B]!;
    this.bh = m[k + FL_BH]!;
    this.r = m[k + FL_R]!;
    this.rh = m[k + FL_RH]!;
    this.aux = m[k + FL_AUX]!;
    this.other = m[k + FL_OTHER]!;
  }

  /** Records an operation whose flags are derived later. Values are raw lo/hi words. */
  set(kind: number, sz: number, a: number, ah: number, b: number, bh: number, r: number, rh: number): void {
    this.kind = kind;
    this.size = sz;
    this.a = a;
    this.ah = ah;
    this.b = b;
    this.bh = bh;
    this.r = r;
    this.rh = rh;
  }

  /** Records a result whose SF/ZF/PF are derived later; `bits` holds CF|OF|AF. */
  setResult(sz: number, r: number, rh: number, bits: number): void {
    this.kind = K_RESULT;
    this.size = sz;
    this.r = r;
    this.rh = rh;
    this.aux = bits;
  }

  /** Sets the arithmetic flags directly (shifts, multiplies, POPF, SAHF ...). */
  setEager(bits: number): void {
    this.kind = K_EAGER;
    this.r = bits & ARITH_MASK;
  }

  cf(): boolean {
    switch (this.kind) {
      case K_EAGER:
        return (this.r & CF) !== 0;
      case K_ADD:
        return ultPair(this.r, this.rh, this.a, this.ah, this.size);
      case K_ADC:
        return this.aux !== 0
          ? !ultPair(this.a, this.ah, this.r, this.rh, this.size)
          : ultPair(this.r, this.rh, this.a, this.ah, this.size);
      case K_SUB:
        return ultPair(this.a, this.ah, this.b, this.bh, this.size);
      case K_SBB:
        return this.aux !== 0
          ? !ultPair(this.b, this.bh, this.a, this.ah, this.size)
          : ultPair(this.a, this.ah, this.b, this.bh, this.size);
      case K_LOGIC:
        return false;
      case K_INC:
      case K_DEC:
        return this.aux !== 0;
      case K_NEG:
        return !this.isZero();
      case K_RESULT:
        return (this.aux & CF) !== 0;
      default:
        return false;
    }
  }

  private isZero(): boolean {
    return (this.r & lowMask(this.size)) === 0 && (this.size !== 64 || this.rh === 0);
  }

  zf(): boolean {
    return this.kind === K_EAGER ? (this.r & ZF) !== 0 : this.isZero();
  }

  sf(): boolean {
    if (this.kind === K_EAGER) return (this.r & SF) !== 0;
    return this.size === 64 ? this.rh < 0 : (this.r & signBit(this.size)) !== 0;
  }

  pf(): boolean {
    if (this.kind === K_EAGER) return (this.r & PF) !== 0;
    return PARITY[this.r & 0xff] !== 0;
  }

  af(): boolean {
    switch (this.kind) {
      case K_EAGER:
        return (this.r & AF) !== 0;
      case K_LOGIC:
        return false;
      case K_RESULT:
        return (this.aux & AF) !== 0;
      case K_NEG:
        return ((this.a ^ this.r) & 0x10) !== 0;
      case K_INC:
      case K_DEC:
        return ((this.a ^ 1 ^ this.r) & 0x10) !== 0;
      default:
        return ((this.a ^ this.b ^ this.r) & 0x10) !== 0;
    }
  }

  of(): boolean {
    const sz = this.size;
    const hiA = sz === 64 ? this.ah : this.a;
    const hiB = sz === 64 ? this.bh : this.b;
    const hiR = sz === 64 ? this.rh : this.r;
    const sb = sz === 64 ? 0x80000000 | 0 : signBit(sz);
    switch (this.kind) {
      case K_EAGER:
        return (this.r & OF) !== 0;
      case K_ADD:
      case K_ADC:
        return ((hiA ^ hiR) & (hiB ^ hiR) & sb) !== 0;
      case K_SUB:
      case K_SBB:
        return ((hiA ^ hiB) & (hiA ^ hiR) & sb) !== 0;
      case K_LOGIC:
        return false;
      case K_RESULT:
        return (this.aux & OF) !== 0;
      case K_INC:
        return (hiR & (sz === 64 ? -1 : lowMask(sz))) === sb && (sz !== 64 || this.r === 0);
      case K_DEC:
        return (hiA & (sz === 64 ? -1 : lowMask(sz))) === sb && (sz !== 64 || this.a === 0);
      case K_NEG:
        return (hiR & (sz === 64 ? -1 : lowMask(sz))) === sb && (sz !== 64 || this.r === 0);
      default:
        return false;
    }
  }

  /** Materialises the six arithmetic flags. */
  arith(): number {
    if (this.kind === K_EAGER) return this.r & ARITH_MASK;
    return (
      (this.cf() ? CF : 0) |
      (this.pf() ? PF : 0) |
      (this.af() ? AF : 0) |
      (this.zf() ? ZF : 0) |
      (this.sf() ? SF : 0) |
      (this.of() ? OF : 0)
    );
  }

  /** The whole RFLAGS image as user code sees it (PUSHF, signal frames). */
  get rflags(): number {
    return (this.other | this.arith() | 2) >>> 0;
  }

  set rflags(v: number) {
    this.setEager(v);
    this.other = (v & ~ARITH_MASK & USER_WRITABLE) | 0x202;
  }

  get df(): boolean {
    return (this.other & DF) !== 0;
  }

  /** Condition codes 0..15 in tttn order (APM Vol. 3 Appendix B "Condition Codes"). */
  cond(cc: number): boolean {
    switch (cc) {
      case 0:
        return this.of();
      case 1:
        return !this.of();
      case 2:
        return this.cf();
      case 3:
        return !this.cf();
      case 4:
        return this.zf();
      case 5:
        return !this.zf();
      case 6:
        return this.cf() || this.zf();
      case 7:
        return !this.cf() && !this.zf();
      case 8:
        return this.sf();
      case 9:
        return !this.sf();
      case 10:
        return this.pf();
      case 11:
        return !this.pf();
      case 12:
        return this.sf() !== this.of();
      case 13:
        return this.sf() === this.of();
      case 14:
        return this.zf() || this.sf() !== this.of();
      default:
        return !this.zf() && this.sf() === this.of();
    }
  }
}
