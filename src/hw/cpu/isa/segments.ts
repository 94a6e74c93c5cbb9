// SPDX-License-Identifier: MIT
// Segment register loads in 64-bit user mode (AMD APM Vol. 2 §4.5, Vol. 3 "MOV
// (Segment)", "LFS/LGS/LSS"): the selectors Linux's GDT offers user code load
// (FS/GS bases become 0; a null selector too, as on this EPYC), others are #GP.
// The descriptor checks LAR, LSL, VERR and VERW see the same table (Vol. 3).
import type { Cpu } from "../cpu.js";
import { type Insn, OK_REG } from "../decode.js";
import { CpuException, VEC_GP } from "../exits.js";
import { ZF } from "../flags.js";
import { prepareEa, reader, withEa, writer } from "../translate/operands.js";
import { type Op, row, type InsnRow } from "../translate/types.js";

const SS = 2,
  FS = 4,
  GS = 5;
/**
 * GDT entries a data segment register may hold at CPL 3 with any RPL (DPL 3,
 * readable): __USER32_CS (4), __USER_DS (5), __USER_CS (6), the per-CPU segment
 * (15). SS takes only __USER_DS with RPL 3. (A kernel booted with
 * `ia32_emulation=0`, Linux 6.7 on, clears __USER32_CS; 6.1 always has it.)
 */
const USER_ENTRIES = new Set([0x20, 0x28, 0x30, 0x78]);

/** Checks and loads selector `v` into segment register `seg` (ES CS SS DS FS GS = 0..5). */
function loadSegment(c: Cpu, seg: number, v: number): void {
  const s = v & 0xfffc;
  if (seg === SS ? v !== 0x2b : s !== 0 && !USER_ENTRIES.has(s)) throw new CpuException(VEC_GP, s);
  if (seg === FS) c.fsBase = 0;
  else if (seg === GS) c.gsBase = 0;
}

/** MOV Sreg, r/m16 (CS is not a destination: iced rejects it). */
export function movToSegment(i: Insn): Op | null {
  const d = i.ops[0]!,
    s = i.ops[1]!;
  if (d.kind !== OK_REG) return null;
  const rd = reader(s, 16),
    seg = d.reg;
  return withEa(prepareEa(i), (c) => loadSegment(c, seg, rd(c) & 0xffff));
}

/** LFS/LGS/LSS r, m16:16/32/64: the offset, then the selector after it. */
function loadFar(seg: number): (i: Insn) => Op | null {
  return (i) => {
    if (i.mem === null) return null;
    const n = i.ops[0]!.size / 8;
    const w = writer(i.ops[0]!);
    return withEa(prepareEa(i), (c) => {
      const a = c.ea;
      c.mem.probeRead(a, n + 2);
      const lo = n === 2 ? c.mem.read16(a) : c.mem.read32(a);
      const hi = n === 8 ? c.mem.read32(a + 4) : 0;
      loadSegment(c, seg, c.mem.read16(a + n));
      w(c, lo, hi);
    });
  };
}

/**
 * What CPL 3 sees of a GDT entry (Linux x86-64's table, arch/x86 `GDT_ENTRY_*`):
 * the access-rights dword LAR returns (masked 0x00fxff00), the limit LSL returns
 * (scaled by the G bit), and whether VERR/VERW pass. The other entries are null,
 * system descriptors (TSS, LDT) or DPL 0 and fail every check, as do selectors
 * past the table's limit (0x7f) and LDT selectors (Linux processes have none).
 */
interface UserDescriptor {
  readonly rights: number;
  readonly limit: number;
  readonly readable: boolean;
  readonly writable: boolean;
}
const USER_DESCRIPTORS: ReadonlyMap<number, UserDescriptor> = new Map([
  [0x20, { rights: 0x00cffb00, limit: 0xffffffff, readable: true, writable: false }], // __USER32_CS (D=1)
  [0x28, { rights: 0x00cff300, limit: 0xffffffff, readable: true, writable: true }], // __USER_DS
  [0x30, { rights: 0x00affb00, limit: 0xffffffff, readable: true, writable: false }], // __USER_CS (L=1)
  // The per-CPU segment: its limit is (node << 12) | cpu, read by the vDSO's getcpu; lwp is CPU 0 of node 0.
  [0x78, { rights: 0x0040f500, limit: 0, readable: true, writable: false }],
]);

/** Sets ZF alone (the other arithmetic flags are kept). */
function setZf(c: Cpu, on: boolean): void {
  c.f.setEager((c.f.arith() & ~ZF) | (on ? ZF : 0));
}

/** LAR/LSL r, r/m16: ZF and the rights or limit of a visible descriptor; the destination is kept otherwise. */
function descriptorLoad(pick: (d: UserDescriptor) => number): (i: Insn) => Op | null {
  return (i) => {
    const rd = reader(i.ops[1]!, 16),
      w = writer(i.ops[0]!),
      size = i.ops[0]!.size;
    return withEa(prepareEa(i), (c) => {
      const d = USER_DESCRIPTORS.get(rd(c) & 0xfffc);
      setZf(c, d !== undefined);
      if (d === undefined) return;
      const v = pick(d);
      w(c, size === 16 ? v & 0xffff : v | 0, 0);
    });
  };
}

/** VERR/VERW r/m16: ZF when the segment is readable (writable) at CPL 3. */
function verify(write: boolean): (i: Insn) => Op | null {
  return (i) => {
    const rd = reader(i.ops[0]!, 16);
    return withEa(prepareEa(i), (c) => {
      const d = USER_DESCRIPTORS.get(rd(c) & 0xfffc);
      setZf(c, d !== undefined && (write ? d.writable : d.readable));
    });
  };
}

export const SEGMENT_ROWS: readonly InsnRow[] = [
  row("LFS", loadFar(FS)),
  row("LGS", loadFar(GS)),
  row("LSS", loadFar(SS)),
  row(
    "LAR",
    descriptorLoad((d) => d.rights),
    { writes: "Z" },
  ),
  row(
    "LSL",
    descriptorLoad((d) => d.limit),
    { writes: "Z" },
  ),
  row("VERR", verify(false), { writes: "Z" }),
  row("VERW", verify(true), { writes: "Z" }),
];
