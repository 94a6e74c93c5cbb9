// SPDX-License-Identifier: MIT
// x87 control instructions (AMD APM Vol. 3 "FNINIT", "FLDCW", "FNSTCW",
// "FNSTSW", "FNCLEX", "WAIT", "FFREE", "FINCSTP", "FDECSTP", "FNSTENV",
// "FLDENV", "FNSAVE", "FRSTOR", "FNOP"). FN* forms do not wait for #MF.
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import { type Builder, type InsnRow, type Op, row } from "../translate/types.js";
import { prepareEa, withEa } from "../translate/operands.js";
import { CpuException, VEC_MF } from "../exits.js";
import { SW_B, SW_ES, SW_SF } from "../x87/state.js";
import { begin, finish, siteOf } from "../x87/frame.js";
import { envBytes, fixFcw, loadEnv, loadRegs, storeEnv, storeRegs } from "../x87/env.js";

export const X87_CONTROL_ROWS: readonly InsnRow[] = [
  row("FNINIT", () => (c: Cpu) => c.x87.init()),
  row("WAIT", () => waitOp),
  row(
    "FLDCW",
    mem((c) => {
      waitOp(c);
      c.x87.fcw = fixFcw(c.mem.read16(c.ea));
    }),
  ),
  row(
    "FNSTCW",
    mem((c) => c.mem.write16(c.ea, c.x87.fcw)),
  ),
  row("FNSTSW", fnstsw),
  row("FNCLEX", () => (c: Cpu) => {
    c.x87.fsw &= ~(0x3f | SW_SF | SW_ES | SW_B);
  }),
  row(
    "FNOP",
    stackOp(() => {}, true),
    { undefinedFpu: "023" },
  ),
  row(
    "FFREE",
    stackOp((c, r) => {
      c.x87.tags &= ~(1 << c.x87.phys(r));
    }),
    { undefinedFpu: "023" },
  ),
  row(
    "FFREEP",
    stackOp((c, r) => {
      c.x87.tags &= ~(1 << c.x87.phys(r));
      c.x87.pop();
    }),
  ),
  row(
    "FINCSTP",
    stackOp((c) => {
      c.x87.top = (c.x87.top + 1) & 7;
    }),
  ),
  row(
    "FDECSTP",
    stackOp((c) => {
      c.x87.top = (c.x87.top - 1) & 7;
    }),
  ),
  row("FNSTENV", envOp(false, false)),
  row("FLDENV", envOp(true, false)),
  row("FNSAVE", envOp(false, true)),
  row("FRSTOR", envOp(true, true)),
];

/** WAIT/FWAIT: raises #MF when an unmasked x87 exception is pending. */
function waitOp(c: Cpu): void {
  if (c.x87.pending()) throw new CpuException(VEC_MF);
}

function mem(fn: (c: Cpu) => void): Builder {
  return (i: Insn): Op | null => (i.mem === null ? null : withEa(prepareEa(i), fn));
}

function fnstsw(i: Insn): Op | null {
  if (i.mem === null) {
    return (c) => {
      c.r16[0] = c.x87.status;
    };
  }
  return withEa(prepareEa(i), (c) => c.mem.write16(c.ea, c.x87.status));
}

/** FFREE/FINCSTP/FDECSTP/FNOP: waiting, C1 cleared (FNOP: kept, as on the host), pointers recorded. */
function stackOp(fn: (c: Cpu, r: number) => void, keepC1 = false): Builder {
  return (i: Insn): Op => {
    const site = siteOf(i);
    const r = i.ops.length > 0 ? i.ops[0]!.reg : 0;
    return (c) => {
      begin(c, false, keepC1);
      fn(c, r);
      finish(c, site);
    };
  };
}

function envOp(load: boolean, regs: boolean): Builder {
  return (i: Insn): Op | null => {
    if (i.mem === null) return null;
    const is16 = /m(14|94)byte/.test(i.form);
    const n = envBytes(is16);
    return withEa(prepareEa(i), (c) => {
      const a = c.ea,
        len = n + (regs ? 80 : 0);
      // The host touches the first field, then the image's last byte: a fault reports that address.
      const w = is16 ? 2 : 4;
      if (load) {
        waitOp(c);
        c.mem.probeRead(a, w);
        c.mem.probeRead(a + len - 1, 1);
        c.mem.probeRead(a, len);
        loadEnv(c, a, is16);
        if (regs) loadRegs(c, a + n);
        return;
      }
      c.mem.probeWrite(a, w);
      c.mem.probeWrite(a + len - 1, 1);
      c.mem.probeWrite(a, len);
      storeEnv(c, a, is16);
      if (regs) {
        storeRegs(c, a + n);
        c.x87.init();
      } else c.x87.fcw |= 0x3f;
    });
  };
}
