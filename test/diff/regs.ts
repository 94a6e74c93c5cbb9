// SPDX-License-Identifier: MIT
// iced-x86 register ids by class, and which GPR (0..15) a register lives in,
// for the generator's operand choices.
import iced from "iced-x86";

const R = iced.Register as unknown as Record<string, number>;
function ids(names: readonly string[]): number[] {
  return names.map((n) => {
    const v = R[n];
    if (v === undefined) throw new Error(`iced-x86 has no register ${n}`);
    return v;
  });
}
const range = (f: (i: number) => string, n: number): string[] => [...Array(n).keys()].map(f);
const LOW8 = ["AL", "CL", "DL", "BL", "SPL", "BPL", "SIL", "DIL"];
const R16 = ["AX", "CX", "DX", "BX", "SP", "BP", "SI", "DI"];
const R32 = ["EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"];
const R64 = ["RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI"];

export const GPR8 = ids([...LOW8, ...range((i) => `R${i + 8}L`, 8)]);
export const GPR8_HI = ids(["AH", "CH", "DH", "BH"]);
/** AL..BL and AH..BH: the byte registers usable without REX. */
export const GPR8_LEGACY = ids(["AL", "CL", "DL", "BL", "AH", "CH", "DH", "BH"]);
export const GPR16 = ids([...R16, ...range((i) => `R${i + 8}W`, 8)]);
export const GPR32 = ids([...R32, ...range((i) => `R${i + 8}D`, 8)]);
export const GPR64 = ids([...R64, ...range((i) => `R${i + 8}`, 8)]);
export const XMM = ids(range((i) => `XMM${i}`, 16));
export const MM = ids(range((i) => `MM${i}`, 8));
export const ST = ids(range((i) => `ST${i}`, 8));
export const SEG = ids(["ES", "CS", "SS", "DS", "FS", "GS"]);
export const CR = ids(["CR0", "CR2", "CR3", "CR4", "CR8"]);
export const DR = ids(range((i) => `DR${i}`, 8));
export const NONE = iced.Register.None;
export const RIP = iced.Register.RIP;
export const RSP = GPR64[4]!;

/** Fixed registers of implicit operand kinds. */
export const FIXED = {
  al: R.AL!,
  cl: R.CL!,
  ax: R.AX!,
  dx: R.DX!,
  eax: R.EAX!,
  rax: R.RAX!,
  st0: R.ST0!,
  es: R.ES!,
  cs: R.CS!,
  ss: R.SS!,
  ds: R.DS!,
  fs: R.FS!,
  gs: R.GS!,
} as const;

/** GPR number (0..15) of a 64-bit register id, or -1. */
export function gprOf64(r: number): number {
  return GPR64.indexOf(r);
}

/** GPR number (0..15) of any general register id, or -1; AH..BH give 0..3 (check GPR8_HI). */
export function gprIndex(r: number): number {
  for (const pool of [GPR64, GPR32, GPR16, GPR8, GPR8_HI]) {
    const i = pool.indexOf(r);
    if (i >= 0) return i;
  }
  return -1;
}
