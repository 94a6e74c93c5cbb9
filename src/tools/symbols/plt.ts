// SPDX-License-Identifier: MIT
// PLT stubs named `name@plt` as perf and objdump name them. Each 16-byte entry of
// .plt, .plt.sec and .plt.got that jumps through a GOT slot (`jmp *disp(%rip)`,
// optionally after endbr64 and a bnd prefix; x86-64 psABI §5.2 and the IBT PLT)
// is named after the dynamic symbol of that slot's relocation (.rela.plt
// R_X86_64_JUMP_SLOT, .rela.dyn R_X86_64_GLOB_DAT); a slot filled by an IFUNC
// resolver (R_X86_64_IRELATIVE, no symbol) is `*ABS*+0xADDEND@plt`, as objdump names it.
import type { ElfFile } from "../../common/elf/elf.js";
import { readSymbols } from "../../common/elf/symbols.js";

export interface PltStub {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

const ENTRY = 16;
const RELA_SIZE = 24;

/** GOT slot address → dynamic symbol name, from the RELA sections. */
function gotSlots(elf: ElfFile): Map<number, string> {
  const dynsym = readSymbols(elf, ".dynsym");
  const out = new Map<number, string>();
  for (const name of [".rela.plt", ".rela.dyn"]) {
    const s = elf.findSection(name);
    if (s === undefined) continue;
    const b = elf.sectionBytes(s);
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let o = 0; o + RELA_SIZE <= b.length; o += RELA_SIZE) {
      const offset = v.getUint32(o, true) + v.getUint32(o + 4, true) * 0x1_0000_0000;
      const sym = v.getUint32(o + 12, true);
      const type = v.getUint32(o + 8, true);
      const name = dynsym[sym]?.name ?? "";
      // R_X86_64_GLOB_DAT (6), R_X86_64_JUMP_SLOT (7); R_X86_64_IRELATIVE (37): the resolver's address is the addend.
      if ((type === 6 || type === 7) && name !== "") out.set(offset, name);
      else if (type === 37 && !out.has(offset)) out.set(offset, `*ABS*+0x${v.getBigInt64(o + 16, true).toString(16)}`);
    }
  }
  return out;
}

/** The GOT address an entry jumps through, or undefined. */
function jumpSlot(b: Uint8Array, at: number, entryAddr: number, size: number): number | undefined {
  let i = at;
  const end = Math.min(b.length, at + size);
  if (b[i] === 0xf3 && b[i + 1] === 0x0f && b[i + 2] === 0x1e && b[i + 3] === 0xfa) i += 4; // endbr64
  if (b[i] === 0xf2) i++; // bnd
  if (i + 6 > end || b[i] !== 0xff || b[i + 1] !== 0x25) return undefined;
  const disp = new DataView(b.buffer, b.byteOffset + i + 2, 4).getInt32(0, true);
  return entryAddr + (i - at) + 6 + disp;
}

/** Named PLT stubs of `elf`, sorted by address ([] when it has none). */
export function readPltStubs(elf: ElfFile): PltStub[] {
  let slots: Map<number, string> | undefined;
  const out: PltStub[] = [];
  for (const name of [".plt", ".plt.sec", ".plt.got"]) {
    const s = elf.findSection(name);
    if (s === undefined || s.shAddr === 0) continue;
    slots ??= gotSlots(elf);
    const b = elf.sectionBytes(s);
    const size = s.shEntsize === 8 || s.shEntsize === 16 ? s.shEntsize : ENTRY;
    for (let at = 0; at + size <= b.length; at += size) {
      const got = jumpSlot(b, at, s.shAddr + at, size);
      const sym = got === undefined ? undefined : slots.get(got);
      if (sym !== undefined) out.push({ start: s.shAddr + at, end: s.shAddr + at + size, name: `${sym}@plt` });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}
