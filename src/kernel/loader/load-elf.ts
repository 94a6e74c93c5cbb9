// SPDX-License-Identifier: MIT
// ELF program loading as Linux's binfmt_elf does it for static executables:
// non-PIE (ET_EXEC) at their link addresses, static-PIE (ET_DYN without
// PT_INTERP) at ELF_ET_DYN_BASE with randomisation off.
import { ElfError, ElfFile, ET_DYN, ET_EXEC, PT_INTERP, PT_LOAD, PT_PHDR, PF_R, PF_W, PF_X } from "../../common/elf/elf.js";
import { AddressSpace, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../hw/memory/address-space.js";

/** Where Linux puts ET_DYN executables when ASLR is off (arch/x86/include/asm/elf.h). */
const ELF_ET_DYN_BASE = 0x555555554000;

interface LoadedImage {
  entry: number;
  /** Address of the program headers in guest memory (AT_PHDR). */
  phdr: number;
  phnum: number;
  phent: number;
  /** Load bias (0 for ET_EXEC). */
  bias: number;
  /** First address after the highest segment: the initial program break. */
  brk: number;
  interp: string | null;
  /** Mapped segments, for /proc/self/maps and the profiler's MAPS section. */
  segments: { start: number; end: number; prot: number; offset: number }[];
}

/** A program that cannot be executed; the message is the user's one line, `errno` what execve would return (ENOEXEC = 8 unless said). */
export class ExecError extends Error {
  constructor(message: string, readonly errno = 8) {
    super(message);
  }
}

function pageDown(a: number): number {
  return a - (a % PAGE_SIZE);
}

function pageUp(a: number): number {
  return pageDown(a + PAGE_SIZE - 1);
}

function protOf(flags: number): number {
  return ((flags & PF_R) !== 0 ? PROT_READ : 0) | ((flags & PF_W) !== 0 ? PROT_WRITE : 0) | ((flags & PF_X) !== 0 ? PROT_EXEC : 0);
}

export function parseExecutable(bytes: Uint8Array): ElfFile {
  try {
    return ElfFile.parse(bytes);
  } catch (e) {
    if (e instanceof ElfError) throw new ExecError(e.message);
    throw e;
  }
}

function interpOf(elf: ElfFile): string | null {
  const ph = elf.programHeaders.find((p) => p.pType === PT_INTERP);
  if (ph === undefined) return null;
  const raw = elf.segmentBytes(ph);
  const end = raw.indexOf(0);
  return new TextDecoder().decode(raw.subarray(0, end < 0 ? raw.length : end));
}

/** Maps an executable's PT_LOAD segments into `mem`; `base` is used for ET_DYN. */
export function loadElf(mem: AddressSpace, elf: ElfFile, base = ELF_ET_DYN_BASE): LoadedImage {
  const h = elf.header;
  if (h.eType !== ET_EXEC && h.eType !== ET_DYN) throw new ExecError(`Not an executable: ELF type ${h.eType}`);
  const bias = h.eType === ET_DYN ? base : 0;
  const loads = elf.programHeaders.filter((p) => p.pType === PT_LOAD);
  if (loads.length === 0) throw new ExecError("Not an executable: no loadable segments");
  let brk = 0;
  const segments: LoadedImage["segments"] = [];
  for (const ph of loads) {
    const start = pageDown(ph.pVaddr + bias);
    const end = pageUp(ph.pVaddr + bias + ph.pMemsz);
    const prot = protOf(ph.pFlags);
    mapKeeping(mem, start, end, prot);
    mem.poke(ph.pVaddr + bias, elf.segmentBytes(ph));
    segments.push({ start, end, prot, offset: pageDown(ph.pOffset) });
    brk = Math.max(brk, ph.pVaddr + bias + ph.pMemsz);
  }
  const phdrSeg = elf.programHeaders.find((p) => p.pType === PT_PHDR);
  const phdr = phdrSeg !== undefined ? phdrSeg.pVaddr + bias : (elf.fileOffsetToVaddr(h.ePhoff) ?? 0) + bias;
  return {
    entry: h.eEntry + bias, phdr, phnum: h.ePhnum, phent: h.ePhentsize, bias,
    brk: pageUp(brk), interp: interpOf(elf), segments,
  };
}

/** Maps [start, end) with `prot`; pages already mapped by a previous segment keep their bytes and gain `prot`. */
function mapKeeping(mem: AddressSpace, start: number, end: number, prot: number): void {
  for (let a = start; a < end; a += PAGE_SIZE) {
    const old = mem.protOf(a);
    if (old === undefined) mem.map(a, PAGE_SIZE, prot);
    else mem.protect(a, PAGE_SIZE, old | prot);
  }
}

/** Bytes spanned by an ELF's PT_LOAD segments, page-rounded (room to reserve for an ET_DYN image). */
export function loadSpan(elf: ElfFile): number {
  const loads = elf.programHeaders.filter((p) => p.pType === PT_LOAD);
  if (loads.length === 0) return 0;
  const lo = Math.min(...loads.map((p) => pageDown(p.pVaddr)));
  const hi = Math.max(...loads.map((p) => p.pVaddr + p.pMemsz));
  return pageUp(hi) - lo;
}
