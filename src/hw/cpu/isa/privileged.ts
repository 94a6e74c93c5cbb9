// SPDX-License-Identifier: MIT
// Instructions of the operating system seen from a user program (CPL 3, IOPL 0,
// CR4.UMIP clear, as Linux runs it; AMD APM Vol. 2 §4.11, §8.2, Vol. 3): port I/O,
// CLI/STI, the descriptor-table loads, cache and TLB control, SWAPGS, SYSRET,
// RDPMC (CR4.PCE clear) raise #GP(0) (SYSEXIT is #UD on AMD in long mode); INT n raises #GP(n·8+2) except the
// vectors whose IDT gates are open to user mode (3: #BP, 4: #OF); INT1 (ICEBP)
// is a #DB trap; far returns and IRET go through their selector checks; the
// descriptor-table stores run and report Linux's values for CPU 0.
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import { CpuException, VEC_BP, VEC_DB, VEC_GP, VEC_OF } from "../exits.js";
import { plain } from "../translate/forms.js";
import { prepareEa, withEa, writer } from "../translate/operands.js";
import { type InsnRow, type Op, row } from "../translate/types.js";
import { rsp, setRsp } from "./stack-ops.js";
import { stepIfTraced } from "./stack.js";

const TWO32 = 4294967296;
const gp = plain(() => {
  throw new CpuException(VEC_GP);
});
const nothing = plain(() => {});

/** Linux x86-64: CR0 with PE MP ET NE WP AM PG; TR holds GDT_ENTRY_TSS (8) · 8; no LDT. */
const CR0 = 0x80050033;
const TR = 0x40;
/** The cpu_entry_area of CPU 0: its GDT page (limit GDT_SIZE-1) and the read-only IDT (limit 0xfff). */
const GDT = { limit: 0x7f, lo: 0x00001000, hi: 0xfffffe00 };
const IDT = { limit: 0xfff, lo: 0x00000000, hi: 0xfffffe00 };

export const PRIVILEGED_ROWS: readonly InsnRow[] = [
  ...["IN", "OUT", "INSB", "INSW", "INSD", "OUTSB", "OUTSW", "OUTSD", "CLI", "STI"].map((m) => row(m, gp)),
  ...["LGDT", "LIDT", "LLDT", "LTR", "LMSW", "CLTS", "INVD", "WBINVD", "INVLPG", "INVLPGA", "SWAPGS"].map((m) =>
    row(m, gp),
  ),
  ...["SYSRET", "RDPMC", "VMRUN", "VMLOAD", "VMSAVE", "STGI", "CLGI", "SKINIT"].map((m) => row(m, gp)),
  row("INT", intN),
  row("INT1", (i) => () => {
    throw new CpuException(VEC_DB, 0, 0, i.len);
  }),
  row("RETF", retf),
  row("IRETD", iret(4)),
  row("IRETQ", iret(8)),
  row("IRET", iret(2)),
  row("SGDT", tableStore(GDT)),
  row("SIDT", tableStore(IDT)),
  row("SMSW", selectorStore(CR0)),
  row("STR", selectorStore(TR)),
  row("SLDT", selectorStore(0)),
  // The 8087's interrupt mask and the 80287's protected-mode switch: no-ops since the 80387.
  row("FNENI", nothing),
  row("FNDISI", nothing),
  row("FNSETPM", nothing),
  // 0F 18-1F with a register or an unassigned /reg: hint NOPs; 0F 0D with a register is #UD (as on this EPYC).
  row("RESERVEDNOP", (i) => (i.form.endsWith("_0F0D") ? null : () => {})),
  // Hints in that space the host takes as NOPs: cache demotion, code prefetches, and the
  // CET instructions, which are NOPs while shadow stacks and IBT are off (as Linux runs user code).
  ...["CLDEMOTE", "PREFETCHIT0", "PREFETCHIT1", "ENDBR32", "RDSSPD", "RDSSPQ"].map((m) => row(m, nothing)),
];

/** INT imm8: the gates Linux opens to user mode trap (RIP after it), the others are #GP(vector·8+2). */
function intN(i: Insn): Op {
  const n = i.ops[0]!.immLo & 0xff;
  // The traps carry the instruction's length (prefixes included) for the RIP after it.
  if (n === 3) {
    return () => {
      throw new CpuException(VEC_BP, 0, 0, i.len);
    };
  }
  if (n === 4) {
    return () => {
      throw new CpuException(VEC_OF, 0, 0, i.len);
    };
  }
  return () => {
    throw new CpuException(VEC_GP, n * 8 + 2);
  };
}

/** Reads an `n`-byte stack slot at `a` as a Number (exact for addresses and selectors). */
function slot(c: Cpu, a: number, n: number): number {
  if (n === 2) return c.mem.read16(a);
  if (n === 4) return c.mem.read32(a) >>> 0;
  const lo = c.mem.read32(a) >>> 0;
  return c.mem.read32(a + 4) * TWO32 + lo;
}

/**
 * A return to the selector `cs` at CPL 3: the 64-bit user code segment (0x33)
 * stays in this mode; a null or kernel selector, or a data segment, is #GP.
 * The 32-bit user code segment (0x23) enters compatibility mode, which is not
 * modelled: only a target that cannot be fetched (it faults alike) is followed.
 */
function checkCs(c: Cpu, cs: number, target: number): void {
  const s = cs & 0xfffc;
  if ((cs & 3) !== 3 || (s !== 0x30 && s !== 0x20)) throw new CpuException(VEC_GP, s);
  if (s === 0x20 && (c.mem.protOf(target) ?? 0) !== 0) throw new CpuException(VEC_GP, s);
}

/** RETF [imm16]: pops RIP then CS at the operand size (REX.W: 8 bytes each). */
function retf(i: Insn): Op {
  const n = i.form.startsWith("Retfq") ? 8 : i.form.startsWith("Retfw") ? 2 : 4;
  const extra = i.ops[0] !== undefined ? i.ops[0].immLo & 0xffff : 0;
  return (c) => {
    const sp = rsp(c);
    const target = slot(c, sp, n);
    const cs = slot(c, sp + n, n) & 0xffff;
    checkCs(c, cs, target);
    c.rip = target;
    setRsp(c, sp + 2 * n + extra);
  };
}

/** Flags IRET may change at CPL 3 with IOPL 0: CF PF AF ZF SF TF DF OF NT AC ID (not IF, IOPL). */
const IRET_FLAGS = 0x244dd5;

/** IRET in 64-bit mode: pops RIP, CS, RFLAGS, RSP and SS, each `n` bytes wide. */
function iret(n: number): () => Op {
  return () => (c) => {
    const sp = rsp(c);
    const target = slot(c, sp, n);
    const cs = slot(c, sp + n, n) & 0xffff;
    const fl = slot(c, sp + 2 * n, n);
    const newSp = slot(c, sp + 3 * n, n);
    const ss = slot(c, sp + 4 * n, n) & 0xffff;
    checkCs(c, cs, target);
    if ((ss & 0xfffc) !== 0x28 || (ss & 3) !== 3) throw new CpuException(VEC_GP, ss & 0xfffc);
    c.f.rflags = (c.f.rflags & ~IRET_FLAGS) | (fl & IRET_FLAGS);
    c.rip = target;
    setRsp(c, newSp);
    stepIfTraced(c);
  };
}

/** SGDT/SIDT m: the 2-byte limit and the 8-byte base (64-bit mode stores all 10 bytes). */
function tableStore(t: { limit: number; lo: number; hi: number }): (i: Insn) => Op | null {
  return (i) => {
    if (i.mem === null) return null;
    return withEa(prepareEa(i), (c) => {
      c.mem.probeWrite(c.ea, 10);
      c.mem.write16(c.ea, t.limit);
      c.mem.write64(c.ea + 2, t.lo | 0, t.hi | 0);
    });
  };
}

/** SMSW/STR/SLDT: 16 bits to memory; a register gets the value at its operand size (zero-extended). */
function selectorStore(v: number): (i: Insn) => Op | null {
  return (i) => {
    const w = writer(i.ops[0]!);
    return withEa(prepareEa(i), (c) => w(c, v | 0, 0));
  };
}
