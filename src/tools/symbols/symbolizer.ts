// SPDX-License-Identifier: MIT
// Address → {dso, symbol, offset, file, line} for one process's mappings, in the
// steps of docs/tools.md "Symbolization": mapping, file offset, PT_LOAD vaddr, symbol
// table, .debug_line; cached per address and per DSO.
import { ElfFile } from "../../common/elf/elf.js";
import { SymbolTable } from "../../common/elf/symbols.js";
import { demangle } from "./demangle.js";
import { LineTable, type Inflate } from "./dwarf-line.js";

/** One executable mapping of the profiled process (as in MAPS of an lwpdata file). */
export interface SymbolizerMapping {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
  /** File offset of `start` (mmap pgoff in bytes). */
  readonly pgoff: number;
  /** Path, or a pseudo name such as "[vdso]" / "[anon]". */
  readonly path: string;
  /** The file's ELF bytes, when available. */
  readonly elf?: Uint8Array;
}

/** A resolved frame. `symbol` is never "[unknown]": it falls back to "dso+0xoffset". */
export interface ResolvedFrame {
  readonly dso: string;
  readonly symbol: string;
  /** Offset from the symbol start, or the file offset when the symbol is a fallback. */
  readonly offset: number;
  readonly file?: string;
  readonly line?: number;
}

export interface SymbolizerOptions {
  /** Demangle C++ names (default true). */
  readonly demangle?: boolean;
  /** Inflater for SHF_COMPRESSED debug sections (e.g. node:zlib inflateSync). */
  readonly inflate?: Inflate;
}

/** Parsed symbol and line tables of one DSO (undefined fields when the bytes are not a usable ELF). */
interface Dso {
  readonly elf?: ElfFile;
  readonly symbols?: SymbolTable;
  readonly lines?: LineTable;
}

const basename = (p: string): string => p.slice(p.lastIndexOf("/") + 1) || p;
const hex = (n: number): string => `0x${n.toString(16)}`;

/** Resolves addresses of one process; results are cached per address. */
export class Symbolizer {
  private readonly maps: readonly SymbolizerMapping[];
  private readonly dsos = new Map<Uint8Array, Dso>();
  private readonly cache = new Map<number, ResolvedFrame>();

  constructor(mappings: readonly SymbolizerMapping[], private readonly options: SymbolizerOptions = {}) {
    this.maps = [...mappings].sort((a, b) => a.start - b.start);
  }

  /** Resolves `addr`; unmapped addresses give dso "[unmapped]" and symbol "0x…". */
  resolve(addr: number): ResolvedFrame {
    let r = this.cache.get(addr);
    if (r === undefined) {
      r = this.resolveUncached(addr);
      this.cache.set(addr, r);
    }
    return r;
  }

  private findMapping(addr: number): SymbolizerMapping | undefined {
    let lo = 0;
    let hi = this.maps.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = this.maps[mid];
      if (m === undefined) break;
      if (addr < m.start) hi = mid - 1;
      else if (addr >= m.end) lo = mid + 1;
      else return m;
    }
    return undefined;
  }

  private dsoOf(m: SymbolizerMapping): Dso {
    if (m.elf === undefined) return {};
    let d = this.dsos.get(m.elf);
    if (d === undefined) {
      d = loadDso(m.elf, this.options.inflate);
      this.dsos.set(m.elf, d);
    }
    return d;
  }

  private resolveUncached(addr: number): ResolvedFrame {
    const m = this.findMapping(addr);
    if (m === undefined) return { dso: "[unmapped]", symbol: hex(addr), offset: addr };
    const fileOffset = addr - m.start + m.pgoff;
    const fallback: ResolvedFrame = { dso: m.path, symbol: `${basename(m.path)}+${hex(fileOffset)}`, offset: fileOffset };
    const dso = this.dsoOf(m);
    const vaddr = dso.elf?.fileOffsetToVaddr(fileOffset);
    if (vaddr === undefined) return fallback;
    const sym = dso.symbols?.lookup(vaddr);
    const pos = lookupLine(dso, vaddr);
    const base = sym === undefined
      ? fallback
      : { dso: m.path, symbol: this.options.demangle === false ? sym.name : demangle(sym.name), offset: sym.offset };
    return pos === undefined ? base : { ...base, file: pos.file, line: pos.line };
  }
}

function loadDso(bytes: Uint8Array, inflate: Inflate | undefined): Dso {
  let elf: ElfFile;
  try {
    elf = ElfFile.parse(bytes);
  } catch {
    return {};
  }
  let symbols: SymbolTable | undefined;
  try {
    symbols = SymbolTable.fromElf(elf);
  } catch {
    symbols = undefined;
  }
  let lines: LineTable | undefined;
  try {
    lines = LineTable.fromElf(elf, inflate);
  } catch {
    lines = undefined; // bad or unsupported DWARF: symbols still work
  }
  return { elf, ...(symbols === undefined ? {} : { symbols }), ...(lines === undefined ? {} : { lines }) };
}

function lookupLine(dso: Dso, vaddr: number): { file: string; line: number } | undefined {
  const hit = dso.lines?.lookup(vaddr);
  return hit === undefined || hit.line === 0 ? undefined : { file: hit.file, line: hit.line };
}
