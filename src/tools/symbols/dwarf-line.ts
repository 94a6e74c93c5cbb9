// SPDX-License-Identifier: MIT
// DWARF .debug_line reader, versions 2–5: the line-number program of DWARF 5
// §6.2 (header §6.2.4, entry formats §6.2.4.1, opcodes §6.2.5) run into a
// sorted row table with addr2line-style lookup. Pure: bytes in, rows out.
import type { ElfFile } from "../../common/elf/elf.js";
import { Cursor, DwarfError, type Inflate, namedSection, stringAt } from "./dwarf-cursor.js";

export { DwarfError, type Inflate } from "./dwarf-cursor.js";

/** One row of the line-number matrix (DWARF 5 §6.2.2). */
export interface LineRow {
  readonly address: number;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly isStmt: boolean;
  readonly endSequence: boolean;
}

/** DW_FORM_* values allowed in DWARF 5 directory/file entry formats (§7.5.6). */
const DW_FORM = {
  block: 0x09,
  block1: 0x0a,
  data1: 0x0b,
  data2: 0x05,
  data4: 0x06,
  data8: 0x07,
  data16: 0x1e,
  string: 0x08,
  strp: 0x0e,
  lineStrp: 0x1f,
  udata: 0x0f,
  sdata: 0x0d,
} as const;
/** DW_LNCT_* content types (§6.2.4.1). */
const DW_LNCT_PATH = 1;
const DW_LNCT_DIRECTORY_INDEX = 2;
/** Standard opcodes (§6.2.5.2) and extended opcodes (§6.2.5.3). */
const DW_LNS = {
  copy: 1,
  advancePc: 2,
  advanceLine: 3,
  setFile: 4,
  setColumn: 5,
  negateStmt: 6,
  setBasicBlock: 7,
  constAddPc: 8,
  fixedAdvancePc: 9,
  setPrologueEnd: 10,
  setEpilogueBegin: 11,
  setIsa: 12,
} as const;
const DW_LNE = { endSequence: 1, setAddress: 2, defineFile: 3, setDiscriminator: 4 } as const;

/** The string sections that DW_FORM_strp / DW_FORM_line_strp point into. */
interface StringSections {
  readonly str: Uint8Array;
  readonly lineStr: Uint8Array;
}

/** Parsed line-program header (§6.2.4); `files` is indexed by the file register. */
interface LineHeader {
  readonly version: number;
  readonly minInstLength: number;
  readonly maxOpsPerInst: number;
  readonly defaultIsStmt: boolean;
  readonly lineBase: number;
  readonly lineRange: number;
  readonly opcodeBase: number;
  readonly stdLengths: readonly number[];
  readonly dirs: string[];
  readonly files: string[];
  readonly addressSize: number;
}

function joinPath(dir: string | undefined, name: string): string {
  if (name.startsWith("/") || dir === undefined || dir === "") return name;
  return `${dir.replace(/\/+$/, "")}/${name}`;
}

function readForm(c: Cursor, form: number, offsetSize: number, strs: StringSections): string | number | undefined {
  switch (form) {
    case DW_FORM.string:
      return c.cstr();
    case DW_FORM.lineStrp:
      return stringAt(strs.lineStr, c.uint(offsetSize), ".debug_line_str");
    case DW_FORM.strp:
      return stringAt(strs.str, c.uint(offsetSize), ".debug_str");
    case DW_FORM.udata:
      return c.uleb();
    case DW_FORM.sdata:
      return c.sleb();
    case DW_FORM.data1:
      return c.u8();
    case DW_FORM.data2:
      return c.u16();
    case DW_FORM.data4:
      return c.u32();
    case DW_FORM.data8:
      return c.u64OrUndefined();
    case DW_FORM.data16:
      c.skip(16);
      return undefined;
    case DW_FORM.block:
      c.skip(c.uleb());
      return undefined;
    case DW_FORM.block1:
      c.skip(c.u8());
      return undefined;
    default:
      throw new DwarfError(`Unsupported .debug_line: entry format DW_FORM 0x${form.toString(16)}`);
  }
}

/** DWARF 5 directory or file name table: a format description then the entries. */
function readEntryTable(c: Cursor, offsetSize: number, strs: StringSections): { path: string; dir: number }[] {
  const formats: [number, number][] = [];
  for (let n = c.u8(); n > 0; n--) formats.push([c.uleb(), c.uleb()]);
  const out: { path: string; dir: number }[] = [];
  for (let n = c.uleb(); n > 0; n--) {
    let path = "";
    let dir = 0;
    for (const [type, form] of formats) {
      const v = readForm(c, form, offsetSize, strs);
      if (type === DW_LNCT_PATH && typeof v === "string") path = v;
      if (type === DW_LNCT_DIRECTORY_INDEX && typeof v === "number") dir = v;
    }
    out.push({ path, dir });
  }
  return out;
}

/** DWARF 2–4 include_directories and file_names (1-based; directory 0 is the unknown comp dir). */
function readV4Tables(c: Cursor): { dirs: string[]; files: string[] } {
  const dirs = [""];
  for (let d = c.cstr(); d !== ""; d = c.cstr()) dirs.push(d);
  const files = ["<unknown>"];
  for (let name = c.cstr(); name !== ""; name = c.cstr()) {
    const dir = c.uleb();
    c.uleb();
    c.uleb();
    files.push(joinPath(dirs[dir], name));
  }
  return { dirs, files };
}

function readHeader(c: Cursor, offsetSize: number, strs: StringSections): LineHeader {
  const version = c.u16();
  if (version < 2 || version > 5) throw new DwarfError(`Unsupported .debug_line version ${version}`);
  let addressSize = 8;
  if (version >= 5) {
    addressSize = c.u8();
    c.u8(); // segment_selector_size
  }
  const headerLength = c.uint(offsetSize);
  const programStart = c.pos + headerLength;
  const minInstLength = c.u8();
  const maxOpsPerInst = version >= 4 ? c.u8() : 1;
  const defaultIsStmt = c.u8() !== 0;
  const lineBase = c.i8();
  const lineRange = c.u8();
  const opcodeBase = c.u8();
  if (lineRange === 0) throw new DwarfError("Corrupt .debug_line: line_range is 0");
  const stdLengths: number[] = [];
  for (let i = 1; i < opcodeBase; i++) stdLengths.push(c.u8());
  let dirs: string[];
  let files: string[];
  if (version >= 5) {
    dirs = readEntryTable(c, offsetSize, strs).map((d) => d.path);
    files = readEntryTable(c, offsetSize, strs).map((f) => joinPath(dirs[f.dir], f.path));
  } else {
    ({ dirs, files } = readV4Tables(c));
  }
  c.pos = programStart;
  return {
    version,
    minInstLength,
    maxOpsPerInst: maxOpsPerInst || 1,
    defaultIsStmt,
    lineBase,
    lineRange,
    opcodeBase,
    stdLengths,
    dirs,
    files,
    addressSize,
  };
}

/** The state-machine registers (§6.2.2) that rows are made of. */
interface Registers {
  address: number;
  opIndex: number;
  file: number;
  line: number;
  column: number;
  isStmt: boolean;
  /** Set when DW_LNE_set_address gave a tombstone (≥ 2^53): rows are dropped until end_sequence. */
  dead: boolean;
}

const initialRegisters = (h: LineHeader): Registers => ({
  address: 0,
  opIndex: 0,
  file: 1,
  line: 1,
  column: 0,
  isStmt: h.defaultIsStmt,
  dead: false,
});

function advance(r: Registers, h: LineHeader, operationAdvance: number): void {
  const ops = r.opIndex + operationAdvance;
  r.address += h.minInstLength * Math.floor(ops / h.maxOpsPerInst);
  r.opIndex = ops % h.maxOpsPerInst;
}

/** Runs one unit's line program, appending each sequence's rows to `sequences`. */
function runProgram(c: Cursor, end: number, h: LineHeader, sequences: LineRow[][]): void {
  let r = initialRegisters(h);
  let seq: LineRow[] = [];
  const emit = (endSequence: boolean): void => {
    if (r.dead) return;
    const file = h.files[r.file] ?? `<file ${r.file}>`;
    seq.push({ address: r.address, file, line: r.line, column: r.column, isStmt: r.isStmt, endSequence });
  };
  while (c.pos < end) {
    const op = c.u8();
    if (op >= h.opcodeBase) {
      const adj = op - h.opcodeBase;
      advance(r, h, Math.floor(adj / h.lineRange));
      r.line += h.lineBase + (adj % h.lineRange);
      emit(false);
    } else if (op === 0) {
      const len = c.uleb();
      const next = c.pos + len;
      if (len === 0) continue;
      const sub = c.u8();
      if (sub === DW_LNE.endSequence) {
        emit(true);
        if (seq.length > 0) sequences.push(seq);
        seq = [];
        r = initialRegisters(h);
      } else if (sub === DW_LNE.setAddress) {
        const a = len - 1 === 8 ? c.u64OrUndefined() : c.uint(len - 1);
        r.dead = a === undefined;
        r.address = a ?? 0;
        r.opIndex = 0;
      } else if (sub === DW_LNE.defineFile) {
        const name = c.cstr();
        h.files.push(joinPath(h.dirs[c.uleb()], name));
      }
      c.pos = next;
    } else if (runStandard(c, op, r, h)) {
      emit(false);
    }
  }
}

/** Executes a standard opcode; returns true when it appends a row (DW_LNS_copy). */
function runStandard(c: Cursor, op: number, r: Registers, h: LineHeader): boolean {
  switch (op) {
    case DW_LNS.copy:
      return true;
    case DW_LNS.advancePc:
      advance(r, h, c.uleb());
      break;
    case DW_LNS.advanceLine:
      r.line += c.sleb();
      break;
    case DW_LNS.setFile:
      r.file = c.uleb();
      break;
    case DW_LNS.setColumn:
      r.column = c.uleb();
      break;
    case DW_LNS.negateStmt:
      r.isStmt = !r.isStmt;
      break;
    case DW_LNS.constAddPc:
      advance(r, h, Math.floor((255 - h.opcodeBase) / h.lineRange));
      break;
    case DW_LNS.fixedAdvancePc:
      r.address += c.u16();
      r.opIndex = 0;
      break;
    default: // set_basic_block, prologue_end, epilogue_begin, set_isa and unknown opcodes: skip operands
      for (let n = h.stdLengths[op - 1] ?? 0; n > 0; n--) c.uleb();
  }
  return false;
}

/** Decodes every unit of a .debug_line section into sequences of rows (program order). */
export function decodeDebugLine(debugLine: Uint8Array, strs: Partial<StringSections> = {}): LineRow[][] {
  const s: StringSections = { str: strs.str ?? new Uint8Array(0), lineStr: strs.lineStr ?? new Uint8Array(0) };
  const c = new Cursor(debugLine);
  const sequences: LineRow[][] = [];
  while (c.pos < debugLine.length) {
    let unitLength = c.u32();
    let offsetSize = 4;
    if (unitLength === 0xffff_ffff) {
      unitLength = c.u64();
      offsetSize = 8;
    }
    const end = c.pos + unitLength;
    if (end > debugLine.length) throw new DwarfError("Corrupt .debug_line: unit extends past end of section");
    const h = readHeader(c, offsetSize, s);
    runProgram(c, end, h, sequences);
    c.pos = end;
  }
  return sequences;
}

/**
 * The file names of the line program at `offset` of .debug_line (a unit's
 * DW_AT_stmt_list), indexed as the program's file register and DW_AT_call_file are.
 */
export function lineProgramFiles(
  debugLine: Uint8Array,
  offset: number,
  strs: Partial<StringSections> = {},
): readonly string[] {
  const s: StringSections = { str: strs.str ?? new Uint8Array(0), lineStr: strs.lineStr ?? new Uint8Array(0) };
  const c = new Cursor(debugLine, offset);
  let offsetSize = 4;
  if (c.u32() === 0xffff_ffff) {
    c.u64();
    offsetSize = 8;
  }
  return readHeader(c, offsetSize, s).files;
}

/**
 * The rows of every sequence, sorted by address (stable, so rows that share an
 * address keep program order), with addr2line-style lookup: an address maps to
 * the last row at or below it within the same sequence.
 */
export class LineTable {
  /** Start address of each row's range, ascending; its end; the row. */
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private readonly hits: LineRow[];

  constructor(private readonly sequences: readonly (readonly LineRow[])[]) {
    // A row covers the addresses up to the next row of its sequence. Ranges are kept in
    // parallel arrays sorted through an index: a symbolizer decodes libc's whole table,
    // and a tuple per row, then a sorted copy of every row, were most of `lwp report`'s
    // allocation.
    const rows: LineRow[] = [],
      ends: number[] = [];
    for (const seq of sequences) {
      for (let i = 0; i + 1 < seq.length; i++) {
        const row = seq[i]!,
          next = seq[i + 1]!;
        if (!row.endSequence && next.address > row.address) {
          rows.push(row);
          ends.push(next.address);
        }
      }
    }
    const order = Array.from(rows.keys()).sort((a, b) => rows[a]!.address - rows[b]!.address || a - b);
    this.starts = new Float64Array(order.length);
    this.ends = new Float64Array(order.length);
    this.hits = new Array<LineRow>(order.length);
    order.forEach((k, i) => {
      this.starts[i] = rows[k]!.address;
      this.ends[i] = ends[k]!;
      this.hits[i] = rows[k]!;
    });
  }

  /** Every row of every sequence, sorted by address (stable: rows that share an address keep program order). */
  get rows(): readonly LineRow[] {
    return this.sequences.flat().sort((a, b) => a.address - b.address);
  }

  /** Decodes .debug_line (with .debug_str/.debug_line_str); an empty table when there is none. */
  static fromElf(elf: ElfFile, inflate?: Inflate): LineTable {
    const sec = (name: string): Uint8Array => namedSection(elf, name, inflate);
    return new LineTable(
      decodeDebugLine(sec(".debug_line"), { str: sec(".debug_str"), lineStr: sec(".debug_line_str") }),
    );
  }

  /** The source position of the instruction at `addr`, or undefined outside every sequence. */
  lookup(addr: number): { file: string; line: number; column: number } | undefined {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= addr) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    const row = this.hits[found];
    if (row === undefined || addr >= this.ends[found]!) return undefined;
    return { file: row.file, line: row.line, column: row.column };
  }
}
