// SPDX-License-Identifier: MIT
// FXSAVE/FXRSTOR, XSAVE/XSAVEOPT/XRSTOR (standard form) and XGETBV/XSETBV
// (AMD APM Vol. 4 "FXSAVE", "FXRSTOR"; Vol. 3 "XSAVE", "XSAVEOPT", "XRSTOR",
// "XGETBV", "XSETBV"). The state components are rows in xstate/components.ts.
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import { type Builder, type InsnRow, type Op, row } from "../translate/types.js";
import { prepareEa, withEa } from "../translate/operands.js";
import { CpuException, VEC_GP, VEC_UD } from "../exits.js";
import { fxrstor, fxsave, xrstor, xsave } from "../xstate/xsave.js";
import { noteXrstor } from "../xstate/modified.js";
import { LWP_RELOAD } from "../../lwp/unit.js";

export const XSAVE_ROWS: readonly InsnRow[] = [
  row(
    "FXSAVE",
    mem((c) => fxsave(c, c.ea, false)),
  ),
  row(
    "FXSAVE64",
    mem((c) => fxsave(c, c.ea, true)),
  ),
  row(
    "FXRSTOR",
    mem((c) => fxrstor(c, c.ea, false)),
  ),
  row(
    "FXRSTOR64",
    mem((c) => fxrstor(c, c.ea, true)),
  ),
  row(
    "XSAVE",
    mem((c) => {
      osxsave(c);
      xsave(c, c.ea, false, false);
    }),
    { cpuid: "XSAVE" },
  ),
  row(
    "XSAVE64",
    mem((c) => {
      osxsave(c);
      xsave(c, c.ea, true, false);
    }),
    { cpuid: "XSAVE" },
  ),
  row(
    "XSAVEOPT",
    mem((c) => {
      osxsave(c);
      xsave(c, c.ea, false, true);
    }),
    { cpuid: "XSAVEOPT" },
  ),
  row(
    "XSAVEOPT64",
    mem((c) => {
      osxsave(c);
      xsave(c, c.ea, true, true);
    }),
    { cpuid: "XSAVEOPT" },
  ),
  row(
    "XRSTOR",
    mem((c) => restore(c, false)),
    { cpuid: "XSAVE" },
  ),
  row(
    "XRSTOR64",
    mem((c) => restore(c, true)),
    { cpuid: "XSAVE" },
  ),
  row("XGETBV", () => xgetbv, { cpuid: "XSAVE" }),
  // XSETBV is CPL 0 only: #GP(0) from user mode.
  row(
    "XSETBV",
    () => () => {
      throw new CpuException(VEC_GP);
    },
    { cpuid: "XSAVE" },
  ),
];

function mem(fn: (c: Cpu) => void): Builder {
  return (i: Insn): Op | null => (i.mem === null ? null : withEa(prepareEa(i), fn));
}

/** XRSTOR; one that replaced the LWP state ends its block like LLWPCB (docs/lwp.md, 23). */
function restore(c: Cpu, rex64: boolean): void {
  osxsave(c);
  const g = c.lwp.generation;
  xrstor(c, c.ea, rex64);
  noteXrstor(c, c.ea, c.xcr0Lo & c.r32[0]!);
  if (c.lwp.generation !== g) throw LWP_RELOAD;
}

/** The XSAVE family needs CR4.OSXSAVE, which the kernel sets by enabling XCR0. */
function osxsave(c: Cpu): void {
  if (c.xcr0Lo === 0) throw new CpuException(VEC_UD);
}

/** XGETBV: ECX = 0 reads XCR0; XINUSE (ECX = 1) is not advertised, so every other ECX is #GP. */
function xgetbv(c: Cpu): void {
  osxsave(c);
  if (c.r32[2] !== 0) throw new CpuException(VEC_GP);
  c.r32[0] = c.xcr0Lo;
  c.r32[1] = 0;
  c.r32[4] = c.xcr0Hi;
  c.r32[5] = 0;
}
