// SPDX-License-Identifier: MIT
// x87 FPU register state (AMD APM Vol. 1 §6.2): eight 80-bit data registers
// kept in physical order, the stack TOP, control/status/tag words and the
// last-instruction pointers that FXSAVE stores.

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
    this.fcw = 0x037f;
    this.fsw = 0;
    this.top = 0;
    this.tags = 0;
    this.fop = 0;
    this.fip = 0;
    this.fdp = 0;
  }

  /** The full status word as FNSTSW stores it. */
  get status(): number {
    return (this.fsw & ~0x3800) | ((this.top & 7) << 11);
  }

  set status(v: number) {
    this.fsw = v & ~0x3800;
    this.top = (v >> 11) & 7;
  }
}
