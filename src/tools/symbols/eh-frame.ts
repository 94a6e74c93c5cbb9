// SPDX-License-Identifier: MIT
// Function boundaries of stripped code from .eh_frame (x86-64 psABI §4.2.4, LSB
// "Exception Frames"): every function that can unwind has an FDE whose
// [pc_begin, pc_begin + pc_range) is its address range, so samples in code with no
// symbol still group per function, as perf does with unwind tables.
import type { ElfFile } from "../../common/elf/elf.js";

/** DW_EH_PE pointer encodings (LSB 5.0 §10.5). */
const PE = {
  omit: 0xff,
  absptr: 0x00,
  uleb128: 0x01,
  udata2: 0x02,
  udata4: 0x03,
  udata8: 0x04,
  sleb128: 0x09,
  sdata2: 0x0a,
  sdata4: 0x0b,
  sdata8: 0x0c,
  pcrel: 0x10,
  datarel: 0x30,
} as const;

export interface FdeRange {
  readonly start: number;
  readonly end: number;
}

class Cursor {
  constructor(
    readonly b: Uint8Array,
    readonly v: DataView,
    public at: number,
  ) {}
  u8(): number {
    return this.b[this.at++] ?? 0;
  }
  u16(): number {
    const x = this.v.getUint16(this.at, true);
    this.at += 2;
    return x;
  }
  i16(): number {
    const x = this.v.getInt16(this.at, true);
    this.at += 2;
    return x;
  }
  u32(): number {
    const x = this.v.getUint32(this.at, true);
    this.at += 4;
    return x;
  }
  i32(): number {
    const x = this.v.getInt32(this.at, true);
    this.at += 4;
    return x;
  }
  u64(): number {
    const lo = this.u32();
    const hi = this.u32();
    return hi * 0x1_0000_0000 + lo;
  }
  i64(): number {
    const lo = this.u32();
    const hi = this.i32();
    return hi * 0x1_0000_0000 + lo;
  }
  uleb(): number {
    let r = 0,
      mul = 1,
      byte;
    do {
      byte = this.u8();
      r += (byte & 0x7f) * mul;
      mul *= 128;
    } while ((byte & 0x80) !== 0 && this.at < this.b.length);
    return r;
  }
  sleb(): number {
    let r = 0,
      mul = 1,
      byte;
    do {
      byte = this.u8();
      r += (byte & 0x7f) * mul;
      mul *= 128;
    } while ((byte & 0x80) !== 0 && this.at < this.b.length);
    return (byte & 0x40) !== 0 ? r - mul : r;
  }
  cstr(): string {
    const end = this.b.indexOf(0, this.at);
    const s = new TextDecoder().decode(this.b.subarray(this.at, end < 0 ? this.b.length : end));
    this.at = end < 0 ? this.b.length : end + 1;
    return s;
  }
}

/** Reads a pointer with encoding `enc` at the cursor; `sectionAddr` is the vaddr of byte 0. */
function readEncoded(c: Cursor, enc: number, sectionAddr: number, rangeOnly = false): number {
  const pos = sectionAddr + c.at;
  let v: number;
  switch (enc & 0x0f) {
    case PE.absptr:
    case PE.udata8:
      v = c.u64();
      break;
    case PE.uleb128:
      v = c.uleb();
      break;
    case PE.udata2:
      v = c.u16();
      break;
    case PE.udata4:
      v = c.u32();
      break;
    case PE.sleb128:
      v = c.sleb();
      break;
    case PE.sdata2:
      v = c.i16();
      break;
    case PE.sdata4:
      v = c.i32();
      break;
    case PE.sdata8:
      v = c.i64();
      break;
    default:
      throw new RangeError(`pointer encoding 0x${enc.toString(16)}`);
  }
  if (rangeOnly) return v;
  return (enc & 0x70) === PE.pcrel ? pos + v : v;
}

interface Cie {
  readonly fdeEnc: number;
  readonly hasAug: boolean;
}

function readCie(c: Cursor, end: number, sectionAddr: number): Cie {
  const version = c.u8();
  const aug = c.cstr();
  c.uleb(); // code alignment
  c.sleb(); // data alignment
  if (version === 1) c.u8();
  else c.uleb(); // return address register
  let fdeEnc: number = PE.absptr;
  if (aug.startsWith("z")) {
    const len = c.uleb();
    const augEnd = c.at + len;
    for (const ch of aug.slice(1)) {
      if (ch === "R") fdeEnc = c.u8();
      else if (ch === "P") {
        const e = c.u8();
        readEncoded(c, e, sectionAddr);
      } else if (ch === "L") c.u8();
      else if (ch !== "S" && ch !== "B") break;
    }
    c.at = Math.min(augEnd, end);
  }
  return { fdeEnc, hasAug: aug.startsWith("z") };
}

/** FDE address ranges of .eh_frame, sorted by start, overlaps removed; [] when absent or unreadable. */
export function readFdeRanges(elf: ElfFile): FdeRange[] {
  const sec = elf.findSection(".eh_frame");
  if (sec === undefined || sec.shAddr === 0) return [];
  const b = elf.sectionBytes(sec);
  const c = new Cursor(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0);
  const cies = new Map<number, Cie>();
  const out: FdeRange[] = [];
  try {
    while (c.at + 4 <= b.length) {
      const start = c.at;
      let len = c.u32();
      if (len === 0) break; // terminator
      if (len === 0xffffffff) len = c.u64();
      const body = c.at;
      const end = body + len;
      if (end > b.length) break;
      const id = c.u32();
      if (id === 0) cies.set(start, readCie(c, end, sec.shAddr));
      else {
        const cie = cies.get(body - id);
        if (cie !== undefined) {
          const pc = readEncoded(c, cie.fdeEnc, sec.shAddr);
          const range = readEncoded(c, cie.fdeEnc & 0x0f, sec.shAddr, true);
          if (range > 0 && pc > 0) out.push({ start: pc, end: pc + range });
        }
      }
      c.at = end;
    }
  } catch {
    // A malformed entry ends the walk: what was read so far is still right.
  }
  out.sort((x, y) => x.start - y.start);
  return out.filter((r, i) => i === 0 || r.start >= out[i - 1]!.end);
}

/** The FDE range containing `addr`, or undefined. */
export function findRange(ranges: readonly FdeRange[], addr: number): FdeRange | undefined {
  let lo = 0,
    hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (addr < r.start) hi = mid - 1;
    else if (addr >= r.end) lo = mid + 1;
    else return r;
  }
  return undefined;
}
