// SPDX-License-Identifier: MIT
// The byte-level pieces every DWARF reader here shares: a little-endian cursor with
// LEB128 (DWARF 5 §7.6), string-section lookups, and section contents with
// SHF_COMPRESSED undone (ELF gABI, Elf64_Chdr + zlib). Pure: bytes in, values out.
import { SHF_COMPRESSED, type ElfFile, type SectionHeader } from "../../common/elf/elf.js";

/** Thrown for malformed or unsupported DWARF contents; one-line message. */
export class DwarfError extends Error {
  override name = "DwarfError";
}

const utf8 = new TextDecoder("utf-8");

/** A little-endian cursor with LEB128; 64-bit values become Numbers (checked < 2^53). */
export class Cursor {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
    private readonly section = ".debug_line",
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number): number {
    const p = this.pos;
    if (p + n > this.bytes.length) {
      throw new DwarfError(`Corrupt ${this.section}: read past end at offset 0x${p.toString(16)}`);
    }
    this.pos = p + n;
    return p;
  }
  u8(): number {
    return this.view.getUint8(this.need(1));
  }
  i8(): number {
    return this.view.getInt8(this.need(1));
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  u24(): number {
    const lo = this.u16();
    return lo + this.u8() * 0x1_0000;
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  /** u64 as Number, or undefined when it does not fit in 53 bits (tombstones like ~0). */
  u64OrUndefined(): number | undefined {
    const lo = this.u32();
    const hi = this.u32();
    return hi >= 0x20_0000 ? undefined : hi * 0x1_0000_0000 + lo;
  }
  u64(): number {
    const v = this.u64OrUndefined();
    if (v === undefined) throw new DwarfError(`Unsupported ${this.section}: 64-bit value does not fit in 53 bits`);
    return v;
  }
  uint(size: number): number {
    if (size === 1) return this.u8();
    if (size === 2) return this.u16();
    if (size === 4) return this.u32();
    if (size === 8) return this.u64();
    throw new DwarfError(`Unsupported ${this.section}: ${size}-byte field`);
  }
  /** An address or offset of `size` bytes; an 8-byte value past 2^53 (a tombstone) gives undefined. */
  uintOrUndefined(size: number): number | undefined {
    return size === 8 ? this.u64OrUndefined() : this.uint(size);
  }
  skip(n: number): void {
    this.need(n);
  }
  uleb(): number {
    return this.leb(false);
  }
  sleb(): number {
    return this.leb(true);
  }
  /** LEB128 (DWARF 5 §7.6); signed values extend the sign bit of the last byte. */
  private leb(signed: boolean): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return signed && (b & 0x40) !== 0 ? result - scale : result;
    }
  }
  cstr(): string {
    const start = this.pos;
    const end = this.bytes.indexOf(0, start);
    if (end < 0) throw new DwarfError(`Corrupt ${this.section}: unterminated string`);
    this.pos = end + 1;
    return utf8.decode(this.bytes.subarray(start, end));
  }
}

/** The NUL-terminated string at `offset` of a string section (.debug_str, .debug_line_str). */
export function stringAt(table: Uint8Array, offset: number, name: string): string {
  if (offset >= table.length) throw new DwarfError(`Corrupt DWARF: offset 0x${offset.toString(16)} outside ${name}`);
  const end = table.indexOf(0, offset);
  return utf8.decode(table.subarray(offset, end < 0 ? table.length : end));
}

/** Decompresses zlib data (e.g. node:zlib inflateSync); passed in to keep this module pure. */
export type Inflate = (data: Uint8Array) => Uint8Array;

const ELFCOMPRESS_ZLIB = 1;

/** Section contents, undoing SHF_COMPRESSED (Elf64_Chdr + zlib) when an inflater is given. */
export function debugSection(elf: ElfFile, section: SectionHeader | undefined, inflate?: Inflate): Uint8Array {
  if (section === undefined) return new Uint8Array(0);
  const bytes = elf.sectionBytes(section);
  if ((section.shFlags & SHF_COMPRESSED) === 0) return bytes;
  const chType = bytes.length >= 24 ? new DataView(bytes.buffer, bytes.byteOffset, 24).getUint32(0, true) : 0;
  if (chType !== ELFCOMPRESS_ZLIB || inflate === undefined) {
    throw new DwarfError(`Unsupported compressed section ${section.name} (ch_type ${chType})`);
  }
  return inflate(bytes.subarray(24));
}

/** A named debug section's contents (empty when absent). */
export function namedSection(elf: ElfFile, name: string, inflate?: Inflate): Uint8Array {
  return debugSection(elf, elf.findSection(name), inflate);
}
