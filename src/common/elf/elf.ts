// SPDX-License-Identifier: MIT
// ELF64 little-endian reader over a Uint8Array: file header, program headers,
// section headers with names. System V gABI "ELF Header", "Program Header",
// "Sections"; x86-64 psABI §4. Pure: no node: imports, no dependencies.

/** Thrown for anything that is not a readable ELF64 x86-64 file; one-line message. */
export class ElfError extends Error {
  override name = "ElfError";
}

/** e_ident[EI_CLASS], e_ident[EI_DATA] values (gABI "ELF Identification"). */
export const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const EV_CURRENT = 1;

export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;

/** e_machine values that we can name in error messages; only EM_X86_64 is accepted. */
const EM_X86_64 = 62;
const EM_NAMES: Readonly<Record<number, string>> = {
  2: "EM_SPARC",
  3: "EM_386",
  8: "EM_MIPS",
  20: "EM_PPC",
  21: "EM_PPC64",
  22: "EM_S390",
  40: "EM_ARM",
  43: "EM_SPARCV9",
  50: "EM_IA_64",
  62: "EM_X86_64",
  183: "EM_AARCH64",
  243: "EM_RISCV",
  258: "EM_LOONGARCH",
};

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_PHDR = 6;
export const PT_TLS = 7;
export const PT_GNU_EH_FRAME = 0x6474_e550;
export const PT_GNU_STACK = 0x6474_e551;
export const PT_GNU_RELRO = 0x6474_e552;
export const PT_GNU_PROPERTY = 0x6474_e553;

/** p_flags bits. */
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const SHT_SYMTAB = 2;
export const SHT_NOTE = 7;
const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;

export const SHF_COMPRESSED = 0x800;
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
const SHN_XINDEX = 0xffff;

const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;

/** Elf64_Ehdr without e_ident (whose checked parts are implied: ELF64, LSB, x86-64). */
interface ElfHeader {
  readonly eType: number;
  readonly eMachine: number;
  readonly eVersion: number;
  readonly eEntry: number;
  readonly ePhoff: number;
  readonly eShoff: number;
  readonly eFlags: number;
  readonly eEhsize: number;
  readonly ePhentsize: number;
  readonly ePhnum: number;
  readonly eShentsize: number;
  readonly eShnum: number;
  readonly eShstrndx: number;
  /** e_ident[EI_OSABI]. */
  readonly osAbi: number;
}

/** Elf64_Phdr. */
interface ProgramHeader {
  readonly pType: number;
  readonly pFlags: number;
  readonly pOffset: number;
  readonly pVaddr: number;
  readonly pPaddr: number;
  readonly pFilesz: number;
  readonly pMemsz: number;
  readonly pAlign: number;
}

/** Elf64_Shdr plus its resolved name and its index in the table. */
export interface SectionHeader {
  readonly index: number;
  readonly name: string;
  readonly shName: number;
  readonly shType: number;
  readonly shFlags: number;
  readonly shAddr: number;
  readonly shOffset: number;
  readonly shSize: number;
  readonly shLink: number;
  readonly shInfo: number;
  readonly shAddralign: number;
  readonly shEntsize: number;
}

/** Reads a little-endian u64 as a Number; throws ElfError when it is ≥ 2^53. */
export function readU64(view: DataView, offset: number, what: string): number {
  const lo = view.getUint32(offset, true);
  const hi = view.getUint32(offset + 4, true);
  if (hi >= 0x20_0000) {
    const hex = ((BigInt(hi) << 32n) | BigInt(lo)).toString(16);
    throw new ElfError(`Unsupported ELF file: ${what} 0x${hex} does not fit in 53 bits`);
  }
  return hi * 0x1_0000_0000 + lo;
}

/** Returns "EM_AARCH64" style names for e_machine values, "EM_<n>" when unknown. */
function machineName(eMachine: number): string {
  return EM_NAMES[eMachine] ?? `EM_${eMachine}`;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkIdent(bytes: Uint8Array): void {
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError("Not an ELF file");
  }
  if (bytes.length < 16) throw new ElfError(`Truncated ELF file: ${bytes.length} bytes`);
  if (bytes[4] === ELFCLASS32) throw new ElfError("Not a 64-bit ELF file: ELFCLASS32");
  if (bytes[4] !== ELFCLASS64) throw new ElfError(`Not a 64-bit ELF file: EI_CLASS ${bytes[4]}`);
  if (bytes[5] !== ELFDATA2LSB) throw new ElfError("Not a little-endian ELF file");
  if (bytes[6] !== EV_CURRENT) throw new ElfError(`Unsupported ELF version: ${bytes[6]}`);
  if (bytes.length < EHDR_SIZE) {
    throw new ElfError(`Truncated ELF file: header needs ${EHDR_SIZE} bytes, file has ${bytes.length}`);
  }
}

function parseHeader(bytes: Uint8Array): ElfHeader {
  checkIdent(bytes);
  const v = viewOf(bytes);
  const eMachine = v.getUint16(18, true);
  if (eMachine !== EM_X86_64) {
    throw new ElfError(`Wrong architecture: ${machineName(eMachine)} (expected x86-64)`);
  }
  return {
    eType: v.getUint16(16, true),
    eMachine,
    eVersion: v.getUint32(20, true),
    eEntry: readU64(v, 24, "e_entry"),
    ePhoff: readU64(v, 32, "e_phoff"),
    eShoff: readU64(v, 40, "e_shoff"),
    eFlags: v.getUint32(48, true),
    eEhsize: v.getUint16(52, true),
    ePhentsize: v.getUint16(54, true),
    ePhnum: v.getUint16(56, true),
    eShentsize: v.getUint16(58, true),
    eShnum: v.getUint16(60, true),
    eShstrndx: v.getUint16(62, true),
    osAbi: bytes[7] ?? 0,
  };
}

function checkTable(bytes: Uint8Array, what: string, offset: number, size: number): void {
  if (offset + size > bytes.length) throw new ElfError(`Truncated ELF file: ${what} extend past end of file`);
}

function parseProgramHeaders(bytes: Uint8Array, h: ElfHeader): ProgramHeader[] {
  if (h.ePhnum === 0) return [];
  if (h.ePhentsize !== PHDR_SIZE) {
    throw new ElfError(`Corrupt ELF file: e_phentsize is ${h.ePhentsize}, expected ${PHDR_SIZE}`);
  }
  checkTable(bytes, "program headers", h.ePhoff, h.ePhnum * PHDR_SIZE);
  const v = viewOf(bytes);
  const out: ProgramHeader[] = [];
  for (let i = 0; i < h.ePhnum; i++) {
    const o = h.ePhoff + i * PHDR_SIZE;
    out.push({
      pType: v.getUint32(o, true),
      pFlags: v.getUint32(o + 4, true),
      pOffset: readU64(v, o + 8, "p_offset"),
      pVaddr: readU64(v, o + 16, "p_vaddr"),
      pPaddr: readU64(v, o + 24, "p_paddr"),
      pFilesz: readU64(v, o + 32, "p_filesz"),
      pMemsz: readU64(v, o + 40, "p_memsz"),
      pAlign: readU64(v, o + 48, "p_align"),
    });
  }
  return out;
}

function readRawSection(v: DataView, o: number, index: number): SectionHeader {
  return {
    index,
    name: "",
    shName: v.getUint32(o, true),
    shType: v.getUint32(o + 4, true),
    shFlags: readU64(v, o + 8, "sh_flags"),
    shAddr: readU64(v, o + 16, "sh_addr"),
    shOffset: readU64(v, o + 24, "sh_offset"),
    shSize: readU64(v, o + 32, "sh_size"),
    shLink: v.getUint32(o + 40, true),
    shInfo: v.getUint32(o + 44, true),
    shAddralign: readU64(v, o + 48, "sh_addralign"),
    shEntsize: readU64(v, o + 56, "sh_entsize"),
  };
}

function parseSectionHeaders(bytes: Uint8Array, h: ElfHeader): SectionHeader[] {
  if (h.eShoff === 0) return [];
  if (h.eShentsize !== SHDR_SIZE) {
    throw new ElfError(`Corrupt ELF file: e_shentsize is ${h.eShentsize}, expected ${SHDR_SIZE}`);
  }
  const v = viewOf(bytes);
  checkTable(bytes, "section headers", h.eShoff, SHDR_SIZE);
  // Extended numbering (gABI "Sections"): section 0 holds the real counts when they overflow.
  const first = readRawSection(v, h.eShoff, 0);
  const count = h.eShnum === 0 ? first.shSize : h.eShnum;
  const strndx = h.eShstrndx === SHN_XINDEX ? first.shLink : h.eShstrndx;
  checkTable(bytes, "section headers", h.eShoff, count * SHDR_SIZE);
  const raw: SectionHeader[] = [];
  for (let i = 0; i < count; i++) raw.push(readRawSection(v, h.eShoff + i * SHDR_SIZE, i));
  const names = raw[strndx];
  if (strndx === SHN_UNDEF || names === undefined) return raw;
  const table = sliceSection(bytes, names);
  return raw.map((s) => ({ ...s, name: readCString(table, s.shName) }));
}

function sliceSection(bytes: Uint8Array, s: SectionHeader): Uint8Array {
  if (s.shType === SHT_NOBITS) return new Uint8Array(0);
  if (s.shOffset + s.shSize > bytes.length) {
    throw new ElfError(`Truncated ELF file: section ${s.name || `#${s.index}`} extends past end of file`);
  }
  return bytes.subarray(s.shOffset, s.shOffset + s.shSize);
}

const utf8 = new TextDecoder("utf-8");

/** Reads a NUL-terminated string at `offset` in a string table ("" when out of range). */
export function readCString(table: Uint8Array, offset: number): string {
  if (offset >= table.length) return "";
  let end = offset;
  while (end < table.length && table[end] !== 0) end++;
  return utf8.decode(table.subarray(offset, end));
}

/** Reads `length` bytes of a file at `offset` (fewer at its end). */
export type ReadAt = (offset: number, length: number) => Uint8Array;

/** Most bytes of program headers `programHeadersAt` reads (a sane file has tens of entries). */
const MAX_PHDR_BYTES = 64 * 1024;

/**
 * The program headers of an ELF file read through `read`, without the rest of the file
 * (its header and its header table only); throws ElfError as `ElfFile.parse` does.
 */
export function programHeadersAt(read: ReadAt): ProgramHeader[] {
  const h = parseHeader(read(0, EHDR_SIZE));
  const size = h.ePhnum * PHDR_SIZE;
  if (size > MAX_PHDR_BYTES) throw new ElfError(`Corrupt ELF file: ${h.ePhnum} program headers`);
  return parseProgramHeaders(read(h.ePhoff, size), { ...h, ePhoff: 0 }); // the table alone
}

/** A parsed ELF64 x86-64 file; sections and segments are views into `bytes`. */
export class ElfFile {
  private constructor(
    readonly bytes: Uint8Array,
    readonly header: ElfHeader,
    readonly programHeaders: readonly ProgramHeader[],
    readonly sections: readonly SectionHeader[],
  ) {}

  /** Parses headers; throws ElfError for non-ELF, ELF32, big-endian, non-x86-64 or truncated input. */
  static parse(bytes: Uint8Array): ElfFile {
    const header = parseHeader(bytes);
    return new ElfFile(bytes, header, parseProgramHeaders(bytes, header), parseSectionHeaders(bytes, header));
  }

  /** The first section with this name (".symtab", ".debug_line", ...), or undefined. */
  findSection(name: string): SectionHeader | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** The file bytes of a section (empty for SHT_NOBITS); throws ElfError when truncated. */
  sectionBytes(section: SectionHeader): Uint8Array {
    return sliceSection(this.bytes, section);
  }

  /** The file bytes of a segment (p_filesz bytes at p_offset). */
  segmentBytes(ph: ProgramHeader): Uint8Array {
    if (ph.pOffset + ph.pFilesz > this.bytes.length) {
      throw new ElfError("Truncated ELF file: segment extends past end of file");
    }
    return this.bytes.subarray(ph.pOffset, ph.pOffset + ph.pFilesz);
  }

  /** Maps a file offset to the virtual address a PT_LOAD segment gives it, or undefined. */
  fileOffsetToVaddr(offset: number): number | undefined {
    for (const ph of this.programHeaders) {
      if (ph.pType === PT_LOAD && offset >= ph.pOffset && offset < ph.pOffset + ph.pFilesz) {
        return offset - ph.pOffset + ph.pVaddr;
      }
    }
    return undefined;
  }
}
