// SPDX-License-Identifier: MIT
// x87 FPU register state (AMD APM Vol. 1 §6.2): eight 80-bit data registers
// kept in physical order, the stack TOP, control/status/tag words and the
// last-instruction pointers that FXSAVE stores; stack push/pop with the
// stack-fault rules of §6.4.6 ("Invalid-operation exception: stack fault").
import { type F80, classify, C_ZERO, C_NORMAL, IE, indefinite } from "./float80.js";

/** FSW bits beyond the six exception flags (APM Vol. 1 Figure 6-5). */
export const SW_SF = 0x40;
export const SW_ES = 0x80;
export const SW_C0 = 0x100;
export const SW_C1 = 0x200;
export const SW_C2 = 0x400;
export const SW_C3 = 0x4000;
export const SW_B = 0x8000;
export const SW_CC = SW_C0 | SW_C1 | SW_C2 | SW_C3;

export class X87State {
  /** Physical registers R0..R7, 10 bytes each (64-bit significand, then sign+exponent). */
  readonly raw = new Uint8Array(80);
  readonly view = new DataView(this.raw.buffer);
  /** FCW: all exceptions masked, 64-bit precision, round to nearest (FNINIT value). */
  fcw = 0x037f;
  /** FSW without TOP (bits 13:11 come from `top`). */
  fsw = 0;
  top = 0;
  /** Abridged tag: bit i set = physical register i is valid (FXSAVE format). */
  tags = 0;
  fop = 0;
  fip = 0;
  fdp = 0;

  reset(): void {
    this.raw.fill(0);
    this.init();
  }

  /** FNINIT: control/status/tags/pointers to their defaults; data registers unchanged. */
  init(): void {
    this.fcw = 0x037f;
    this.fsw = 0;
    this.top = 0;
    this.tags = 0;
    this.fop = 0;
    this.fip = 0;
    this.fdp = 0;
  }

  /** An exception flag is set whose mask bit is clear (the next waiting instruction takes #MF). */
  pending(): boolean {
    return (this.fsw & ~this.fcw & 0x3f) !== 0;
  }

  /** The full status word as FNSTSW stores it: ES and B follow the flags and masks (as on the host). */
  get status(): number {
    return (this.fsw & ~(0x3800 | SW_ES | SW_B)) | ((this.top & 7) << 11) | (this.pending() ? SW_ES | SW_B : 0);
  }

  set status(v: number) {
    this.fsw = v & ~(0x3800 | SW_ES | SW_B);
    this.top = (v >> 11) & 7;
  }

  // ---- registers ---------------------------------------------------------------

  phys(i: number): number {
    return (this.top + i) & 7;
  }

  empty(i: number): boolean {
    return ((this.tags >> ((this.top + i) & 7)) & 1) === 0;
  }

  readPhys(p: number): F80 {
    const v = this.view,
      o = p * 10;
    const sig = (BigInt(v.getUint32(o + 4, true)) << 32n) | BigInt(v.getUint32(o, true));
    const se = v.getUint16(o + 8, true);
    return { sign: se >> 15, exp: se & 0x7fff, sig };
  }

  writePhys(p: number, x: F80): void {
    const v = this.view,
      o = p * 10;
    v.setUint32(o, Number(x.sig & 0xffffffffn), true);
    v.setUint32(o + 4, Number((x.sig >> 32n) & 0xffffffffn), true);
    v.setUint16(o + 8, (x.sign << 15) | x.exp, true);
  }

  /** ST(i) (the caller has checked that it is not empty). */
  get(i: number): F80 {
    return this.readPhys((this.top + i) & 7);
  }

  /** ST(i) ← x, tagging it valid. */
  set(i: number, x: F80): void {
    const p = (this.top + i) & 7;
    this.writePhys(p, x);
    this.tags |= 1 << p;
  }

  /** Marks ST(0) empty and increments TOP. */
  pop(): void {
    this.tags &= ~(1 << this.top);
    this.top = (this.top + 1) & 7;
  }

  /** Decrements TOP and loads x; on stack overflow (ST(7) in use) loads the indefinite QNaN instead. */
  push(x: F80, flags: { flags: number }): void {
    if (!this.empty(7)) {
      this.stackFault(flags, true);
      if ((this.fcw & IE) === 0) return;
      x = indefinite();
    }
    this.top = (this.top - 1) & 7;
    this.set(0, x);
  }

  /** Stack overflow (C1 = 1) or underflow (C1 = 0): IE and SF. */
  stackFault(flags: { flags: number }, overflow: boolean): void {
    flags.flags |= IE;
    this.fsw = (this.fsw & ~SW_C1) | SW_SF | (overflow ? SW_C1 : 0);
  }

  /** The full 16-bit tag word (FNSTENV/FNSAVE): 00 valid, 01 zero, 10 special, 11 empty. */
  fullTags(): number {
    let w = 0;
    for (let p = 0; p < 8; p++) {
      let t = 3;
      if (((this.tags >> p) & 1) !== 0) {
        const k = classify(this.readPhys(p));
        t = k === C_ZERO ? 1 : k === C_NORMAL ? 0 : 2;
      }
      w |= t << (2 * p);
    }
    return w;
  }

  /** Loads the tag word from its full form (only "empty" matters, the rest is recomputed). */
  setFullTags(w: number): void {
    let t = 0;
    for (let p = 0; p < 8; p++) if (((w >> (2 * p)) & 3) !== 3) t |= 1 << p;
    this.tags = t;
  }

  /** Whether the state equals its XSAVE initial configuration (XINUSE[0] = 0). */
  isInit(): boolean {
    if (this.fcw !== 0x037f || this.fsw !== 0 || this.top !== 0 || this.tags !== 0) return false;
    if (this.fop !== 0 || this.fip !== 0 || this.fdp !== 0) return false;
    for (let k = 0; k < 80; k++) if (this.raw[k] !== 0) return false;
    return true;
  }
}
