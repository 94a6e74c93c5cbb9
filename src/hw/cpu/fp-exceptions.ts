// SPDX-License-Identifier: MIT
// The six floating-point exception bits, at the same positions in the x87 FSW
// and in MXCSR (AMD APM Vol. 1 §6.2.2 and §4.2.2): invalid, denormal, divide by
// zero, overflow, underflow, precision. x87/float80.ts and sse/mxcsr.ts export them.
export const IE = 0x01;
export const DE = 0x02;
export const ZE = 0x04;
export const OE = 0x08;
export const UE = 0x10;
export const PE = 0x20;
