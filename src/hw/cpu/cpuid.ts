// SPDX-License-Identifier: MIT
// CPUID (AMD APM Vol. 3 Appendix E): one row per leaf. The model advertises
// exactly what is implemented: an AMD Family 15h ("Bulldozer") identity with the
// x86-64 baseline (FPU, TSC, CX8, CMOV, FXSR, SSE, SSE2), XSAVE/OSXSAVE and LWP.
import type { Cpu } from "./cpu.js";
import { FAM15H_LWP, FULL_LWP, type LwpCaps, lwpCpuidLeaf } from "../lwp/caps.js";
import { XCR0_HI_LWP } from "../lwp/unit.js";

type CpuidResult = [eax: number, ebx: number, ecx: number, edx: number];
type CpuidLeaf = (c: Cpu, subleaf: number) => CpuidResult;

export interface CpuModel {
  readonly name: "full" | "fam15h";
  /** Leaves by number; missing leaves return zeros (AMD: out-of-range leaves read as 0). */
  readonly leaves: ReadonlyMap<number, CpuidLeaf>;
  /** LWP capabilities: CPUID 8000_001C EBX/ECX/EDX (src/hw/lwp/caps.ts). */
  readonly lwp: LwpCaps;
  /** Extra feature bits granted per leaf/register as instruction groups are proven (see isa rows). */
}

function ascii4(s: string): number {
  return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0;
}

function brand(n: number): CpuidResult {
  const text = "AMD lwp emulated Family 15h CPU".padEnd(48, "\0");
  const part = text.slice((n - 2) * 16, (n - 1) * 16);
  return [ascii4(part.slice(0, 4)), ascii4(part.slice(4, 8)), ascii4(part.slice(8, 12)), ascii4(part.slice(12, 16))];
}

/** Leaf 1 EDX: FPU(0) TSC(4) CX8(8) CMOV(15) CLFSH(19) MMX(23) FXSR(24) SSE(25) SSE2(26). */
export const LEAF1_EDX =
  (1 << 0) | (1 << 4) | (1 << 8) | (1 << 15) | (1 << 19) | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26);
/** Leaf 1 ECX: CX16(13) POPCNT(23) XSAVE(26) OSXSAVE(27). */
const LEAF1_ECX = (1 << 13) | (1 << 23) | (1 << 26) | (1 << 27);
/** 8000_0001 EDX: SYSCALL(11) NX(20) LM(29) + the leaf-1 bits AMD mirrors. */
const EXT1_EDX = (1 << 11) | (1 << 20) | (1 << 29) | (LEAF1_EDX & 0x0183f3ff);
/** 8000_0001 ECX: LahfSahf(0) ABM(5: LZCNT) LWP(15). */
const EXT1_ECX = (1 << 0) | (1 << 5) | (1 << 15);

const FAMILY_15H_SIGNATURE = 0x00600f12;

/** Extra feature bits contributed by instruction groups once they are proven (leaf → [ecx, edx]). */
export const EXTRA_FEATURES = { leaf1Ecx: 0, leaf1Edx: 0, ext1Ecx: 0, ext1Edx: 0 };

function xsaveLeaf(c: Cpu, sub: number): CpuidResult {
  const lwpOn = (c.xcr0Hi & XCR0_HI_LWP) !== 0;
  switch (sub) {
    case 0:
      return [3, lwpOn ? 0x3c0 : 0x240, 0x3c0, 0x40000000];
    case 1:
      return [1, 0, 0, 0]; // XSAVEOPT
    case 62:
      return [0x80, 0x340, 0, 0];
    default:
      return [0, 0, 0, 0];
  }
}

function baseLeaves(): Map<number, CpuidLeaf> {
  return new Map<number, CpuidLeaf>([
    [0x0, () => [0xd, ascii4("Auth"), ascii4("cAMD"), ascii4("enti")]],
    [
      0x1,
      (c) => [
        FAMILY_15H_SIGNATURE,
        0x00010800,
        (LEAF1_ECX | EXTRA_FEATURES.leaf1Ecx) & (c.xcr0Lo !== 0 ? -1 : ~(1 << 27)),
        LEAF1_EDX | EXTRA_FEATURES.leaf1Edx,
      ],
    ],
    [0xd, xsaveLeaf],
    [0x80000000, () => [0x8000001c, ascii4("Auth"), ascii4("cAMD"), ascii4("enti")]],
    [
      0x80000001,
      () => [FAMILY_15H_SIGNATURE, 0x10000000, EXT1_ECX | EXTRA_FEATURES.ext1Ecx, EXT1_EDX | EXTRA_FEATURES.ext1Edx],
    ],
    [0x80000002, () => brand(2)],
    [0x80000003, () => brand(3)],
    [0x80000004, () => brand(4)],
    // L1: 16 KiB 4-way D-cache, 64 KiB 2-way I-cache, 64-byte lines (Bulldozer values).
    [0x80000005, () => [0xff20ff18, 0xff20ff30, 0x10040140, 0x40020140]],
    // L2: 2 MiB 16-way; L3: 8 MiB 64-way (EDX[31:18] in 512 KiB units).
    [0x80000006, () => [0x64000000, 0x64004200, 0x08009140, 0x0040a140]],
    [0x80000008, () => [0x00003030, 0, 0, 0]],
    // LWP (LWP spec §1.2): EAX = enabled features when XCR0[62], EBX/ECX/EDX = the model's row.
    [0x8000001c, (c) => lwpCpuidLeaf(c.lwp.caps, (c.xcr0Hi & XCR0_HI_LWP) !== 0, c.lwp.cfgLo)],
  ]);
}

export function fullModel(): CpuModel {
  return { name: "full", leaves: baseLeaves(), lwp: FULL_LWP };
}

export function fam15hModel(): CpuModel {
  return { name: "fam15h", leaves: baseLeaves(), lwp: FAM15H_LWP };
}

/** Executes CPUID for (leaf, subleaf). */
export function cpuid(c: Cpu, leaf: number, sub: number): CpuidResult {
  const fn = c.model.leaves.get(leaf >>> 0);
  return fn === undefined ? [0, 0, 0, 0] : fn(c, sub);
}
