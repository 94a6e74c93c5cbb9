// SPDX-License-Identifier: MIT
// Address → {dso, symbol, offset, file, line} for one process's mappings, in the
// steps of docs/tools.md "Symbolization": mapping, file offset, PT_LOAD vaddr, symbol
// table, .debug_line; cached per address and per DSO.
import { ElfFile } from "../../common/elf/elf.js";
import { SymbolTable, readSymbols } from "../../common/elf/symbols.js";
import { demangle } from "./demangle.js";
import { LineTable, type Inflate } from "./dwarf-line.js";
import { InlineTable } from "./dwarf-inline.js";
import { type FdeRange, findRange, readFdeRanges } from "./eh-frame.js";
import { type PltStub, readPltStubs } from "./plt.js";

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
  /** Its separate debug file (symbols, DWARF), when one was found. */
  readonly debug?: Uint8Array;
}

/** A function inlined at an address (DW_TAG_inlined_subroutine), with the position inside it. */
export interface InlineFrame {
  readonly symbol: string;
  readonly mangled?: string;
  readonly file?: string;
  readonly line?: number;
}

/** A resolved frame. `symbol` is never "[unknown]": it falls back to "dso+0xoffset". */
export interface ResolvedFrame {
  readonly dso: string;
  readonly symbol: string;
  /** Offset from the symbol start, or the file offset when the symbol is a fallback. */
  readonly offset: number;
  readonly file?: string;
  readonly line?: number;
  /** The symbol as the file spells it, when `symbol` is its demangled form. */
  readonly mangled?: string;
  /** Functions inlined at this address, innermost first (`file`/`line` above is the innermost position). */
  readonly inlines?: readonly InlineFrame[];
  /** With `inlines`: the position in `symbol`'s own code (the outermost inlined call). */
  readonly site?: { readonly file: string; readonly line: number };
}

export interface SymbolizerOptions {
  /** Demangle C++ names (default true). */
  readonly demangle?: boolean;
  /** Inflater for SHF_COMPRESSED debug sections (e.g. node:zlib inflateSync). */
  readonly inflate?: Inflate;
  /** Read inlined frames from .debug_info (default true, as perf's --inline). */
  readonly inline?: boolean;
}

/** Parsed symbol and line tables of one DSO (undefined fields when the bytes are not a usable ELF). */
interface Dso {
  readonly elf?: ElfFile;
  readonly symbols?: SymbolTable;
  readonly lines?: LineTable;
  readonly plt?: readonly PltStub[];
  readonly fdes?: readonly FdeRange[];
  /** .debug_info's inlined subroutines, read on first use (null: none or unreadable). */
  inline?: InlineTable | null;
  readonly dwarf?: ElfFile;
}

const basename = (p: string): string => p.slice(p.lastIndexOf("/") + 1) || p;
const hex = (n: number): string => `0x${n.toString(16)}`;

/** Resolves addresses of one process; results are cached per address. */
export class Symbolizer {
  private readonly maps: readonly SymbolizerMapping[];
  private readonly dsos = new Map<SymbolizerMapping["elf"], Dso>();
  private readonly cache = new Map<number, ResolvedFrame>();

  constructor(
    mappings: readonly SymbolizerMapping[],
    private readonly options: SymbolizerOptions = {},
  ) {
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
      d = loadDso(m.elf, m.debug, this.options.inflate);
      this.dsos.set(m.elf, d);
    }
    return d;
  }

  private resolveUncached(addr: number): ResolvedFrame {
    const m = this.findMapping(addr);
    if (m === undefined) return { dso: "[unmapped]", symbol: hex(addr), offset: addr };
    const fileOffset = addr - m.start + m.pgoff;
    const fallback: ResolvedFrame = {
      dso: m.path,
      symbol: `${basename(m.path)}+${hex(fileOffset)}`,
      offset: fileOffset,
    };
    const dso = this.dsoOf(m);
    const vaddr = dso.elf?.fileOffsetToVaddr(fileOffset);
    if (vaddr === undefined) return fallback;
    const sym = dso.symbols?.lookup(vaddr);
    const pos = lookupLine(dso, vaddr);
    let base: ResolvedFrame = fallback;
    if (sym !== undefined) {
      const name = this.options.demangle === false ? sym.name : demangle(sym.name);
      base = { dso: m.path, symbol: name, offset: sym.offset, ...(name === sym.name ? {} : { mangled: sym.name }) };
    } else {
      const plt = dso.plt === undefined ? undefined : (findRange(dso.plt, vaddr) as PltStub | undefined);
      const fde = plt === undefined && dso.fdes !== undefined ? findRange(dso.fdes, vaddr) : undefined;
      if (plt !== undefined) base = { dso: m.path, symbol: plt.name, offset: vaddr - plt.start };
      else if (fde !== undefined) {
        base = {
          dso: m.path,
          symbol: `${basename(m.path)}+${hex(fileOffset - (vaddr - fde.start))} [stripped]`,
          offset: vaddr - fde.start,
        };
      }
    }
    if (pos !== undefined) base = { ...base, file: pos.file, line: pos.line };
    return this.options.inline === false ? base : this.withInlines(dso, vaddr, base);
  }

  /** Adds the functions inlined at `vaddr` (addr2line -i's frames) to a resolved frame. */
  private withInlines(dso: Dso, vaddr: number, frame: ResolvedFrame): ResolvedFrame {
    if (dso.inline === undefined) {
      const t = dso.dwarf === undefined ? undefined : attempt(() => new InlineTable(dso.dwarf!, this.options.inflate));
      dso.inline = t === undefined || t.empty ? null : t;
    }
    const table = dso.inline;
    const calls = table === null ? undefined : attempt(() => table.lookup(vaddr));
    if (calls === undefined || calls.length === 0) return frame;
    const inlines = calls.map((c, k): InlineFrame => {
      const name = this.options.demangle === false ? c.name : demangle(c.name);
      const prev = calls[k - 1];
      const at =
        k === 0
          ? frame.file === undefined || frame.line === undefined
            ? undefined
            : { file: frame.file, line: frame.line }
          : prev?.callFile === undefined || prev.callLine === undefined
            ? undefined
            : { file: prev.callFile, line: prev.callLine };
      return { symbol: name, ...(name === c.name ? {} : { mangled: c.name }), ...(at ?? {}) };
    });
    const outer = calls[calls.length - 1]!;
    const site =
      outer.callFile === undefined || outer.callLine === undefined
        ? undefined
        : { file: outer.callFile, line: outer.callLine };
    return { ...frame, inlines, ...(site === undefined ? {} : { site }) };
  }
}

function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** Symbols of the file and of its debug file (which has the full .symtab), PLT stubs, FDEs, lines. */
function loadDso(bytes: Uint8Array, debugBytes: Uint8Array | undefined, inflate: Inflate | undefined): Dso {
  const elf = attempt(() => ElfFile.parse(bytes));
  if (elf === undefined) return {};
  const debug = debugBytes === undefined ? undefined : attempt(() => ElfFile.parse(debugBytes));
  const symbols = attempt(
    () =>
      new SymbolTable(
        [
          ...readSymbols(elf, ".symtab"),
          ...readSymbols(elf, ".dynsym"),
          ...(debug === undefined ? [] : readSymbols(debug, ".symtab")),
        ],
        debug?.sections ?? elf.sections,
      ),
  );
  // Bad or unsupported DWARF: symbols still work. Prefer the debug file's lines.
  const lines =
    (debug === undefined ? undefined : attempt(() => LineTable.fromElf(debug, inflate))) ??
    attempt(() => LineTable.fromElf(elf, inflate));
  const plt = attempt(() => readPltStubs(elf));
  const fdes = attempt(() => readFdeRanges(elf));
  // The file whose .debug_info describes the code: the debug file when it has one.
  const dwarf =
    debug?.findSection(".debug_info") !== undefined
      ? debug
      : elf.findSection(".debug_info") !== undefined
        ? elf
        : undefined;
  return {
    elf,
    ...(symbols === undefined ? {} : { symbols }),
    ...(lines === undefined ? {} : { lines }),
    ...(dwarf === undefined ? {} : { dwarf }),
    ...(plt === undefined ? {} : { plt }),
    ...(fdes === undefined ? {} : { fdes }),
  };
}

function lookupLine(dso: Dso, vaddr: number): { file: string; line: number } | undefined {
  const hit = dso.lines?.lookup(vaddr);
  return hit === undefined || hit.line === 0 ? undefined : { file: hit.file, line: hit.line };
}
