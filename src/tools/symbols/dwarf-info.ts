// SPDX-License-Identifier: MIT
// DWARF .debug_info reader, versions 2–5: unit headers (DWARF 5 §7.5.1), abbreviation
// tables (§7.5.3), attribute forms (§7.5.6) and the indirections of DWARF 5
// (.debug_str_offsets, .debug_addr, .debug_rnglists) and DWARF 2–4 (.debug_ranges).
// Only what the inline-frame reader needs; every form is skipped correctly.
import type { ElfFile } from "../../common/elf/elf.js";
import { Cursor, DwarfError, type Inflate, namedSection, stringAt } from "./dwarf-cursor.js";

/** DW_FORM_* (DWARF 5 §7.5.6, plus the GNU extensions gcc and dwz write). */
export const FORM = {
  addr: 0x01,
  block2: 0x03,
  block4: 0x04,
  data2: 0x05,
  data4: 0x06,
  data8: 0x07,
  string: 0x08,
  block: 0x09,
  block1: 0x0a,
  data1: 0x0b,
  flag: 0x0c,
  sdata: 0x0d,
  strp: 0x0e,
  udata: 0x0f,
  refAddr: 0x10,
  ref1: 0x11,
  ref2: 0x12,
  ref4: 0x13,
  ref8: 0x14,
  refUdata: 0x15,
  indirect: 0x16,
  secOffset: 0x17,
  exprloc: 0x18,
  flagPresent: 0x19,
  strx: 0x1a,
  addrx: 0x1b,
  refSup4: 0x1c,
  strpSup: 0x1d,
  data16: 0x1e,
  lineStrp: 0x1f,
  refSig8: 0x20,
  implicitConst: 0x21,
  loclistx: 0x22,
  rnglistx: 0x23,
  refSup8: 0x24,
  strx1: 0x25,
  strx2: 0x26,
  strx3: 0x27,
  strx4: 0x28,
  addrx1: 0x29,
  addrx2: 0x2a,
  addrx3: 0x2b,
  addrx4: 0x2c,
  gnuAddrIndex: 0x1f01,
  gnuStrIndex: 0x1f02,
  gnuRefAlt: 0x1f20,
  gnuStrpAlt: 0x1f21,
} as const;

/** DW_AT_* that the readers use (§7.5.4). */
export const AT = {
  name: 0x03,
  stmtList: 0x10,
  lowPc: 0x11,
  highPc: 0x12,
  compDir: 0x1b,
  abstractOrigin: 0x31,
  declaration: 0x3c,
  specification: 0x47,
  ranges: 0x55,
  callFile: 0x58,
  callLine: 0x59,
  linkageName: 0x6e,
  strOffsetsBase: 0x72,
  addrBase: 0x73,
  rnglistsBase: 0x74,
  mipsLinkageName: 0x2007,
} as const;

/** DW_TAG_* that the readers use (§7.5.3). */
export const TAG = {
  lexicalBlock: 0x0b,
  compileUnit: 0x11,
  inlinedSubroutine: 0x1d,
  subprogram: 0x2e,
  partialUnit: 0x3c,
} as const;

const DW_UT = { compile: 1, partial: 3 } as const;

interface AbbrevAttr {
  readonly at: number;
  readonly form: number;
  readonly implicit: number;
}
export interface Abbrev {
  readonly tag: number;
  readonly hasChildren: boolean;
  readonly attrs: readonly AbbrevAttr[];
}

/** One compilation unit's header. `dieStart` is where its first DIE is, `end` one past its last byte. */
export interface Unit {
  readonly offset: number;
  readonly version: number;
  readonly offsetSize: number;
  readonly addressSize: number;
  readonly abbrevOffset: number;
  readonly dieStart: number;
  readonly end: number;
  /** Set from the unit DIE: DW_AT_str_offsets_base, DW_AT_addr_base, DW_AT_rnglists_base, DW_AT_low_pc. */
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase: number;
  baseAddress: number;
}

/** An attribute value: a number (constants, addresses, offsets), a string, or an index still to resolve. */
export type AttrValue =
  | { readonly k: "num"; readonly v: number; readonly form: number }
  | { readonly k: "str"; readonly v: string }
  | { readonly k: "strx"; readonly v: number }
  | { readonly k: "addrx"; readonly v: number }
  | { readonly k: "ref"; readonly v: number }
  | { readonly k: "none" };

/** A decoded DIE: its offset, tag, the attributes asked for, and whether children follow. */
export interface Die {
  readonly offset: number;
  readonly tag: number;
  readonly hasChildren: boolean;
  readonly attrs: Map<number, AttrValue>;
}

const NONE: AttrValue = { k: "none" };

/** The sections of one ELF file that .debug_info refers to. */
export class DebugInfo {
  readonly info: Uint8Array;
  private readonly abbrev: Uint8Array;
  private readonly str: Uint8Array;
  private readonly lineStr: Uint8Array;
  private readonly strOffsets: Uint8Array;
  private readonly addr: Uint8Array;
  private readonly rnglists: Uint8Array;
  private readonly rangesV4: Uint8Array;
  readonly aranges: Uint8Array;
  readonly line: Uint8Array;
  private readonly abbrevs = new Map<number, Map<number, Abbrev>>();
  private unitList: Unit[] | undefined;

  constructor(elf: ElfFile, inflate?: Inflate) {
    const sec = (n: string): Uint8Array => namedSection(elf, n, inflate);
    this.info = sec(".debug_info");
    this.abbrev = sec(".debug_abbrev");
    this.str = sec(".debug_str");
    this.lineStr = sec(".debug_line_str");
    this.strOffsets = sec(".debug_str_offsets");
    this.addr = sec(".debug_addr");
    this.rnglists = sec(".debug_rnglists");
    this.rangesV4 = sec(".debug_ranges");
    this.aranges = sec(".debug_aranges");
    this.line = sec(".debug_line");
  }

  /** The string sections the line reader needs. */
  get strings(): { str: Uint8Array; lineStr: Uint8Array } {
    return { str: this.str, lineStr: this.lineStr };
  }

  /** Every compile/partial unit of .debug_info, in section order (headers and the unit DIE's bases). */
  units(): readonly Unit[] {
    if (this.unitList === undefined) this.unitList = this.readUnits();
    return this.unitList;
  }

  /** The unit that contains section offset `offset`. */
  unitAt(offset: number): Unit | undefined {
    const list = this.units();
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = list[mid]!;
      if (offset < u.offset) hi = mid - 1;
      else if (offset >= u.end) lo = mid + 1;
      else return u;
    }
    return undefined;
  }

  private readUnits(): Unit[] {
    const out: Unit[] = [];
    const c = new Cursor(this.info, 0, ".debug_info");
    while (c.pos < this.info.length) {
      const offset = c.pos;
      let length = c.u32();
      let offsetSize = 4;
      if (length === 0xffff_ffff) {
        length = c.u64();
        offsetSize = 8;
      }
      const end = c.pos + length;
      if (end > this.info.length) throw new DwarfError("Corrupt .debug_info: unit extends past end of section");
      const version = c.u16();
      if (version < 2 || version > 5) throw new DwarfError(`Unsupported .debug_info version ${version}`);
      let unitType: number = DW_UT.compile;
      let addressSize: number;
      let abbrevOffset: number;
      if (version >= 5) {
        unitType = c.u8();
        addressSize = c.u8();
        abbrevOffset = c.uint(offsetSize);
        if (unitType === 2 || unitType === 6) {
          c.skip(8 + offsetSize);
        } // type units: signature, type_offset
        else if (unitType === 4 || unitType === 5) c.skip(8); // skeleton/split: dwo_id
      } else {
        abbrevOffset = c.uint(offsetSize);
        addressSize = c.u8();
      }
      if (addressSize !== 4 && addressSize !== 8) {
        throw new DwarfError(`Unsupported .debug_info address size ${addressSize}`);
      }
      const unit: Unit = {
        offset,
        version,
        offsetSize,
        addressSize,
        abbrevOffset,
        dieStart: c.pos,
        end,
        strOffsetsBase: 0,
        addrBase: 0,
        rnglistsBase: 0,
        baseAddress: 0,
      };
      if (unitType === DW_UT.compile || unitType === DW_UT.partial) {
        this.readUnitBases(unit);
        out.push(unit);
      }
      c.pos = end;
    }
    return out;
  }

  /** Fills the unit's base attributes from its unit DIE (DWARF 5 §3.1.1). */
  private readUnitBases(u: Unit): void {
    const c = new Cursor(this.info, u.dieStart, ".debug_info");
    const die = this.readDie(c, u);
    if (die === undefined) return;
    const num = (at: number): number | undefined => {
      const v = die.attrs.get(at);
      return v?.k === "num" ? v.v : undefined;
    };
    u.strOffsetsBase = num(AT.strOffsetsBase) ?? 0;
    u.addrBase = num(AT.addrBase) ?? 0;
    u.rnglistsBase = num(AT.rnglistsBase) ?? 0;
    const low = die.attrs.get(AT.lowPc);
    u.baseAddress = low === undefined ? 0 : (this.address(u, low) ?? 0);
  }

  private abbrevTable(offset: number): Map<number, Abbrev> {
    let t = this.abbrevs.get(offset);
    if (t !== undefined) return t;
    t = new Map();
    const c = new Cursor(this.abbrev, offset, ".debug_abbrev");
    for (let code = c.uleb(); code !== 0; code = c.uleb()) {
      const tag = c.uleb();
      const hasChildren = c.u8() !== 0;
      const attrs: AbbrevAttr[] = [];
      for (;;) {
        const at = c.uleb();
        const form = c.uleb();
        if (at === 0 && form === 0) break;
        attrs.push({ at, form, implicit: form === FORM.implicitConst ? c.sleb() : 0 });
      }
      t.set(code, { tag, hasChildren, attrs });
    }
    this.abbrevs.set(offset, t);
    return t;
  }

  /**
   * Reads the DIE at the cursor (all attributes, strings resolved lazily by `string`),
   * or undefined for a null entry (the end of a sibling chain).
   */
  readDie(c: Cursor, u: Unit): Die | undefined {
    const offset = c.pos;
    const code = c.uleb();
    if (code === 0) return undefined;
    const ab = this.abbrevTable(u.abbrevOffset).get(code);
    if (ab === undefined) {
      throw new DwarfError(`Corrupt .debug_info: abbreviation ${code} undefined at 0x${offset.toString(16)}`);
    }
    const attrs = new Map<number, AttrValue>();
    for (const a of ab.attrs) attrs.set(a.at, this.readForm(c, u, a.form, a.implicit));
    return { offset, tag: ab.tag, hasChildren: ab.hasChildren, attrs };
  }

  /** The DIE at section offset `offset`, or undefined when no unit holds it. */
  dieAt(offset: number): { die: Die; unit: Unit } | undefined {
    const u = this.unitAt(offset);
    if (u === undefined) return undefined;
    const die = this.readDie(new Cursor(this.info, offset, ".debug_info"), u);
    return die === undefined ? undefined : { die, unit: u };
  }

  private readForm(c: Cursor, u: Unit, form: number, implicit: number): AttrValue {
    const num = (v: number | undefined): AttrValue => (v === undefined ? NONE : { k: "num", v, form });
    switch (form) {
      case FORM.addr:
        return num(c.uintOrUndefined(u.addressSize));
      case FORM.data1:
      case FORM.ref1:
      case FORM.flag:
        return this.refOr(form, c.u8(), u);
      case FORM.data2:
      case FORM.ref2:
        return this.refOr(form, c.u16(), u);
      case FORM.data4:
      case FORM.ref4:
        return this.refOr(form, c.u32(), u);
      case FORM.data8:
      case FORM.ref8: {
        const v = c.u64OrUndefined();
        return v === undefined ? NONE : this.refOr(form, v, u);
      }
      case FORM.udata:
      case FORM.refUdata:
        return this.refOr(form, c.uleb(), u);
      case FORM.sdata:
        return num(c.sleb());
      case FORM.implicitConst:
        return num(implicit);
      case FORM.flagPresent:
        return num(1);
      case FORM.string:
        return { k: "str", v: c.cstr() };
      case FORM.strp:
        return { k: "str", v: stringAt(this.str, c.uint(u.offsetSize), ".debug_str") };
      case FORM.lineStrp:
        return { k: "str", v: stringAt(this.lineStr, c.uint(u.offsetSize), ".debug_line_str") };
      case FORM.strx:
      case FORM.gnuStrIndex:
        return { k: "strx", v: c.uleb() };
      case FORM.strx1:
        return { k: "strx", v: c.u8() };
      case FORM.strx2:
        return { k: "strx", v: c.u16() };
      case FORM.strx3:
        return { k: "strx", v: c.u24() };
      case FORM.strx4:
        return { k: "strx", v: c.u32() };
      case FORM.addrx:
      case FORM.gnuAddrIndex:
        return { k: "addrx", v: c.uleb() };
      case FORM.addrx1:
        return { k: "addrx", v: c.u8() };
      case FORM.addrx2:
        return { k: "addrx", v: c.u16() };
      case FORM.addrx3:
        return { k: "addrx", v: c.u24() };
      case FORM.addrx4:
        return { k: "addrx", v: c.u32() };
      case FORM.refAddr:
        return { k: "ref", v: c.uint(u.version <= 2 ? u.addressSize : u.offsetSize) };
      case FORM.secOffset:
        return num(c.uint(u.offsetSize));
      case FORM.rnglistx:
      case FORM.loclistx:
        return num(c.uleb());
      // Forms into other files (dwz's .gnu_debugaltlink, .debug_types, supplementary files): skipped.
      case FORM.strpSup:
      case FORM.gnuRefAlt:
      case FORM.gnuStrpAlt:
        c.skip(u.offsetSize);
        return NONE;
      case FORM.refSup4:
        c.skip(4);
        return NONE;
      case FORM.refSup8:
      case FORM.refSig8:
        c.skip(8);
        return NONE;
      case FORM.data16:
        c.skip(16);
        return NONE;
      case FORM.block1:
        c.skip(c.u8());
        return NONE;
      case FORM.block2:
        c.skip(c.u16());
        return NONE;
      case FORM.block4:
        c.skip(c.u32());
        return NONE;
      case FORM.block:
      case FORM.exprloc:
        c.skip(c.uleb());
        return NONE;
      case FORM.indirect:
        return this.readForm(c, u, c.uleb(), implicit);
      default:
        throw new DwarfError(`Unsupported .debug_info: DW_FORM 0x${form.toString(16)}`);
    }
  }

  /** Unit-relative references become section offsets; data forms stay numbers. */
  private refOr(form: number, v: number, u: Unit): AttrValue {
    const isRef =
      form === FORM.ref1 || form === FORM.ref2 || form === FORM.ref4 || form === FORM.ref8 || form === FORM.refUdata;
    return isRef ? { k: "ref", v: u.offset + v } : { k: "num", v, form };
  }

  /** A string attribute's text (DW_FORM_strx through .debug_str_offsets). */
  string(u: Unit, v: AttrValue | undefined): string | undefined {
    if (v === undefined) return undefined;
    if (v.k === "str") return v.v;
    if (v.k !== "strx") return undefined;
    const c = new Cursor(this.strOffsets, u.strOffsetsBase + v.v * u.offsetSize, ".debug_str_offsets");
    return stringAt(this.str, c.uint(u.offsetSize), ".debug_str");
  }

  /** An address attribute's value (DW_FORM_addr, or an index into .debug_addr). */
  address(u: Unit, v: AttrValue | undefined): number | undefined {
    if (v === undefined) return undefined;
    if (v.k === "num") return v.v;
    if (v.k !== "addrx") return undefined;
    return this.indexedAddress(u, v.v);
  }

  private indexedAddress(u: Unit, index: number): number | undefined {
    const c = new Cursor(this.addr, u.addrBase + index * u.addressSize, ".debug_addr");
    return c.uintOrUndefined(u.addressSize);
  }

  /**
   * The address ranges ([start, end) pairs) of a DIE: DW_AT_low_pc with DW_AT_high_pc
   * (an address, or a length when a constant form), or DW_AT_ranges.
   */
  ranges(u: Unit, die: Die): [number, number][] {
    const low = this.address(u, die.attrs.get(AT.lowPc));
    const high = die.attrs.get(AT.highPc);
    if (low !== undefined && high !== undefined) {
      const isAddr = high.k === "addrx" || (high.k === "num" && high.form === FORM.addr);
      const h = isAddr ? this.address(u, high) : high.k === "num" ? low + high.v : undefined;
      return h === undefined || h <= low ? [] : [[low, h]];
    }
    const r = die.attrs.get(AT.ranges);
    if (r === undefined || r.k !== "num") return [];
    if (u.version >= 5) {
      const offset = r.form === FORM.rnglistx ? this.rnglistOffset(u, r.v) : r.v;
      return offset === undefined ? [] : this.rnglist(u, offset);
    }
    return this.rangesV4List(u, r.v);
  }

  private rnglistOffset(u: Unit, index: number): number | undefined {
    const c = new Cursor(this.rnglists, u.rnglistsBase + index * u.offsetSize, ".debug_rnglists");
    return u.rnglistsBase + c.uint(u.offsetSize);
  }

  /** A DWARF 5 range list (§2.17.3, DW_RLE_*). */
  private rnglist(u: Unit, offset: number): [number, number][] {
    const c = new Cursor(this.rnglists, offset, ".debug_rnglists");
    const out: [number, number][] = [];
    let base: number | undefined = u.baseAddress;
    const push = (a: number | undefined, b: number | undefined): void => {
      if (a !== undefined && b !== undefined && b > a) out.push([a, b]);
    };
    for (;;) {
      const kind = c.u8();
      switch (kind) {
        case 0:
          return out;
        case 1:
          base = this.indexedAddress(u, c.uleb());
          break;
        case 2: {
          const a = this.indexedAddress(u, c.uleb());
          push(a, this.indexedAddress(u, c.uleb()));
          break;
        }
        case 3: {
          const a = this.indexedAddress(u, c.uleb());
          const n = c.uleb();
          push(a, a === undefined ? undefined : a + n);
          break;
        }
        case 4: {
          const a = c.uleb();
          const b = c.uleb();
          if (base !== undefined) push(base + a, base + b);
          break;
        }
        case 5:
          base = c.uintOrUndefined(u.addressSize);
          break;
        case 6: {
          const a = c.uintOrUndefined(u.addressSize);
          push(a, c.uintOrUndefined(u.addressSize));
          break;
        }
        case 7: {
          const a = c.uintOrUndefined(u.addressSize);
          const n = c.uleb();
          push(a, a === undefined ? undefined : a + n);
          break;
        }
        default:
          throw new DwarfError(`Corrupt .debug_rnglists: entry kind ${kind}`);
      }
    }
  }

  /** A DWARF 2–4 range list (.debug_ranges, §2.17.3 of DWARF 4). */
  private rangesV4List(u: Unit, offset: number): [number, number][] {
    const c = new Cursor(this.rangesV4, offset, ".debug_ranges");
    const out: [number, number][] = [];
    const all = u.addressSize === 8 ? 2 ** 64 - 1 : 0xffff_ffff;
    let base: number | undefined = u.baseAddress;
    for (;;) {
      const lo = c.u32() + (u.addressSize === 8 ? c.u32() * 0x1_0000_0000 : 0);
      const hi = c.u32() + (u.addressSize === 8 ? c.u32() * 0x1_0000_0000 : 0);
      if (lo === 0 && hi === 0) return out;
      if (lo === all) {
        base = hi < 2 ** 53 ? hi : undefined;
        continue;
      }
      if (base !== undefined && hi > lo && base + hi < 2 ** 53) out.push([base + lo, base + hi]);
    }
  }
}
