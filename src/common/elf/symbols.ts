// SPDX-License-Identifier: MIT
// ELF64 symbol tables (.symtab, .dynsym; gABI "Symbol Table") and an
// address → function lookup over them, perf-style (size-0 symbols end at the next one).
import { ElfError, SHN_UNDEF, SHN_LORESERVE, readCString, readU64, type ElfFile, type SectionHeader } from "./elf.js";

/** st_info type (low 4 bits). */
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_COMMON = 5;
export const STT_TLS = 6;
export const STT_GNU_IFUNC = 10;

/** st_info binding (high 4 bits). */
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const STB_GNU_UNIQUE = 10;

const SYM_SIZE = 24;

/** One Elf64_Sym with its name resolved. */
export interface ElfSymbol {
  readonly name: string;
  readonly value: number;
  readonly size: number;
  /** STT_* */
  readonly type: number;
  /** STB_* */
  readonly bind: number;
  /** st_other & 3: STV_DEFAULT 0, INTERNAL 1, HIDDEN 2, PROTECTED 3. */
  readonly visibility: number;
  /** st_shndx */
  readonly shndx: number;
}

/** Reads every entry of a SHT_SYMTAB/SHT_DYNSYM section (entry 0, the null symbol, included). */
function readSymbolSection(elf: ElfFile, section: SectionHeader): ElfSymbol[] {
  const data = elf.sectionBytes(section);
  const strSec = elf.sections[section.shLink];
  if (strSec === undefined) throw new ElfError(`Corrupt ELF file: ${section.name} has no string table`);
  const strtab = elf.sectionBytes(strSec);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: ElfSymbol[] = [];
  for (let o = 0; o + SYM_SIZE <= data.length; o += SYM_SIZE) {
    const info = v.getUint8(o + 4);
    out.push({
      name: readCString(strtab, v.getUint32(o, true)),
      type: info & 0xf,
      bind: info >> 4,
      visibility: v.getUint8(o + 5) & 3,
      shndx: v.getUint16(o + 6, true),
      value: readU64(v, o + 8, "st_value"),
      size: readU64(v, o + 16, "st_size"),
    });
  }
  return out;
}

/** Symbols of ".symtab" or ".dynsym" (empty when the section is absent). */
export function readSymbols(elf: ElfFile, which: ".symtab" | ".dynsym"): ElfSymbol[] {
  const s = elf.findSection(which);
  return s === undefined ? [] : readSymbolSection(elf, s);
}

/** A function symbol as kept by SymbolTable: [start, end). */
export interface FunctionSymbol {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

const isFunction = (s: ElfSymbol): boolean =>
  (s.type === STT_FUNC || s.type === STT_GNU_IFUNC) && s.shndx !== SHN_UNDEF && s.name !== "";

/** Rank for choosing among aliases at one address: global > weak > local, sized > unsized. */
function rank(s: ElfSymbol): number {
  const b = s.bind === STB_GLOBAL ? 3 : s.bind === STB_WEAK ? 2 : s.bind === STB_LOCAL ? 1 : 0;
  return b * 2 + (s.size > 0 ? 1 : 0);
}

/**
 * Sorted function symbols with binary-search lookup. Aliases at one address
 * collapse to the best-ranked name. A symbol of size 0 extends to the next
 * function or to the end of its section (perf's symbols__fixup_end), so that
 * hand-written assembly without `.size` still resolves.
 */
export class SymbolTable {
  readonly functions: readonly FunctionSymbol[];

  constructor(symbols: readonly ElfSymbol[], sections: readonly SectionHeader[] = []) {
    const best = new Map<number, ElfSymbol>();
    for (const s of symbols) {
      if (!isFunction(s)) continue;
      const prev = best.get(s.value);
      if (prev === undefined || rank(s) > rank(prev) || (rank(s) === rank(prev) && s.size > prev.size)) {
        best.set(s.value, s);
      }
    }
    const sorted = [...best.values()].sort((a, b) => a.value - b.value);
    this.functions = sorted.map((s, i) => ({ name: s.name, start: s.value, end: endOf(s, sorted[i + 1], sections) }));
  }

  /** Function symbols of .symtab and .dynsym together (a stripped file still has .dynsym). */
  static fromElf(elf: ElfFile): SymbolTable {
    return new SymbolTable([...readSymbols(elf, ".symtab"), ...readSymbols(elf, ".dynsym")], elf.sections);
  }

  /** The function containing `addr` and the offset into it, or undefined. */
  lookup(addr: number): { name: string; offset: number } | undefined {
    const f = this.functions;
    let lo = 0;
    let hi = f.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((f[mid]?.start ?? 0) <= addr) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    const s = f[found];
    if (s === undefined || addr >= s.end) return undefined;
    return { name: s.name, offset: addr - s.start };
  }
}

function endOf(s: ElfSymbol, next: ElfSymbol | undefined, sections: readonly SectionHeader[]): number {
  if (s.size > 0) return s.value + s.size;
  const sec = s.shndx < SHN_LORESERVE ? sections[s.shndx] : undefined;
  const secEnd = sec !== undefined && sec.shAddr <= s.value ? sec.shAddr + sec.shSize : Infinity;
  const nextStart = next?.value ?? Infinity;
  const end = Math.min(secEnd, nextStart);
  // Unbounded (no section info, last symbol): cover one byte only rather than everything above.
  return end === Infinity ? s.value + 1 : end;
}
