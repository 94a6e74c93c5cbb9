// SPDX-License-Identifier: MIT
// ELF program loading as Linux's binfmt_elf does it (load_elf_binary,
// load_elf_phdrs, elf_load): the header checks that refuse a file before the
// point of no return (ENOEXEC, EIO), then the segments mapped page by page as
// mmap(MAP_FIXED) would (later segments replace earlier ones, whole file pages,
// bss zeroed), where a failure kills the new image with SIGSEGV. Section
// headers, p_paddr and (for executables) p_align play no part, as on Linux.
import { ET_DYN, ET_EXEC, PT_INTERP, PT_LOAD, PF_R, PF_W, PF_X } from "../../common/elf/elf.js";
import {
  AddressSpace,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  USER_LIMIT,
} from "../../hw/memory/address-space.js";
import type { MemObject } from "../../hw/memory/mem-object.js";
import { EIO, ENOEXEC } from "../errno.js";

/** Where Linux puts ET_DYN executables when ASLR is off (arch/x86/include/asm/elf.h). */
const ELF_ET_DYN_BASE = 0x555555554000;
const EM_X86_64 = 62;
const PHDR_SIZE = 56;
const PATH_MAX = 4096;
/** TASK_SIZE of x86-64 user space (the 47-bit half less the guard page). */
const TASK_SIZE = BigInt(USER_LIMIT - PAGE_SIZE);

/** A program that cannot be executed; `errno` is what execve returns (ENOEXEC unless said). */
export class ExecError extends Error {
  constructor(
    message: string,
    readonly errno = ENOEXEC,
  ) {
    super(message);
  }
}

/** A failure after the point of no return: the new image is killed with SIGSEGV (force_fatal_sig). */
export class ExecFault extends Error {}

/** An Elf64_Phdr with its 64-bit fields exact. */
interface Phdr {
  readonly type: number;
  readonly flags: number;
  readonly offset: bigint;
  readonly vaddr: bigint;
  readonly filesz: bigint;
  readonly memsz: bigint;
  readonly align: bigint;
}

/** What the checks before the point of no return found. */
export interface ElfImage {
  readonly bytes: Uint8Array;
  readonly type: number;
  readonly entry: bigint;
  readonly phoff: bigint;
  readonly phnum: number;
  readonly phdrs: readonly Phdr[];
  /** PT_INTERP's path, or null. */
  readonly interp: string | null;
}

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

const PAGE = BigInt(PAGE_SIZE);
const pageDown = (a: bigint): bigint => a - (a % PAGE);
const pageUp = (a: bigint): bigint => pageDown(a + PAGE - 1n);

function protOf(flags: number): number {
  return (
    ((flags & PF_R) !== 0 ? PROT_READ : 0) |
    ((flags & PF_W) !== 0 ? PROT_WRITE : 0) |
    ((flags & PF_X) !== 0 ? PROT_EXEC : 0)
  );
}

/** bprm->buf: the first 256 bytes, zero-padded (a short file reads as zeros). */
function headerView(bytes: Uint8Array): DataView {
  const buf = new Uint8Array(256);
  buf.set(bytes.subarray(0, 256));
  return new DataView(buf.buffer);
}

/** elf_read: EIO when the file ends before `len` bytes at `off`. */
function fileRange(bytes: Uint8Array, off: bigint, len: number): Uint8Array {
  if (off + BigInt(len) > BigInt(bytes.length)) throw new ExecError("Input/output error", EIO);
  return bytes.subarray(Number(off), Number(off) + len);
}

/** load_elf_phdrs: e_phentsize must be 56 and the table 1..65536 bytes inside the file (else ENOEXEC). */
function readPhdrs(bytes: Uint8Array, phoff: bigint, phnum: number, phent: number): Phdr[] {
  const size = PHDR_SIZE * phnum;
  if (phent !== PHDR_SIZE || size === 0 || size > 65536) throw new ExecError("Exec format error");
  if (phoff + BigInt(size) > BigInt(bytes.length)) throw new ExecError("Exec format error");
  const raw = fileRange(bytes, phoff, size);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: Phdr[] = [];
  for (let o = 0; o < size; o += PHDR_SIZE) {
    out.push({
      type: v.getUint32(o, true),
      flags: v.getUint32(o + 4, true),
      offset: v.getBigUint64(o + 8, true),
      vaddr: v.getBigUint64(o + 16, true),
      filesz: v.getBigUint64(o + 32, true),
      memsz: v.getBigUint64(o + 40, true),
      align: v.getBigUint64(o + 48, true),
    });
  }
  return out;
}

/** The checks of load_elf_binary before begin_new_exec (the file's own header; the interpreter's via the same). */
export function checkElf(bytes: Uint8Array): ElfImage {
  const h = headerView(bytes);
  if (h.getUint32(0, false) !== 0x7f454c46) throw new ExecError("Exec format error");
  const type = h.getUint16(16, true);
  if (type !== ET_EXEC && type !== ET_DYN) throw new ExecError("Exec format error");
  if (h.getUint16(18, true) !== EM_X86_64) throw new ExecError("Exec format error");
  const phoff = h.getBigUint64(32, true),
    phnum = h.getUint16(56, true);
  const phdrs = readPhdrs(bytes, phoff, phnum, h.getUint16(54, true));
  return { bytes, type, entry: h.getBigUint64(24, true), phoff, phnum, phdrs, interp: interpOf(bytes, phdrs) };
}

/** The first PT_INTERP: 2..PATH_MAX bytes ending in NUL (ENOEXEC), inside the file (EIO). */
function interpOf(bytes: Uint8Array, phdrs: readonly Phdr[]): string | null {
  const ph = phdrs.find((p) => p.type === PT_INTERP);
  if (ph === undefined) return null;
  if (ph.filesz > BigInt(PATH_MAX) || ph.filesz < 2n) throw new ExecError("Exec format error");
  const raw = fileRange(bytes, ph.offset, Number(ph.filesz));
  if (raw[raw.length - 1] !== 0) throw new ExecError("Exec format error");
  return new TextDecoder().decode(raw.subarray(0, raw.indexOf(0)));
}

/** total_mapping_size: from the first PT_LOAD's page to the end of the last one (0: none). */
function totalSize(loads: readonly Phdr[]): bigint {
  if (loads.length === 0) return 0n;
  const first = loads[0]!,
    last = loads[loads.length - 1]!;
  return last.vaddr + last.memsz - pageDown(first.vaddr);
}

/**
 * Maps the PT_LOAD segments (after the point of no return: throws ExecFault).
 * `file` is the page-cache object of the file (its pages are mapped private,
 * copy-on-write, and read when first touched); `base` places an ET_DYN image (the
 * kernel's choice for the interpreter); `ram` is the machine's RAM in bytes (the
 * overcommit limit of a bss).
 */
export function loadElf(
  mem: AddressSpace,
  img: ElfImage,
  file: MemObject,
  ram: number,
  base = ELF_ET_DYN_BASE,
): LoadedImage {
  const loads = img.phdrs.filter((p) => p.type === PT_LOAD);
  let bias = 0n;
  if (img.type === ET_DYN) {
    if (totalSize(loads) === 0n) throw new ExecFault("no loadable segments");
    bias = pageDown(BigInt(base) - pageDown(loads[0]?.vaddr ?? 0n));
  }
  let brk = 0n,
    phdr = 0n;
  const segments: LoadedImage["segments"] = [];
  for (const ph of loads) {
    const seg = mapSegment(mem, file, ph, bias, ram);
    if (seg !== null) segments.push(seg);
    if (ph.offset <= img.phoff && img.phoff < ph.offset + ph.filesz) phdr = img.phoff - ph.offset + ph.vaddr;
    const k = ph.vaddr;
    if (k >= TASK_SIZE || ph.filesz > ph.memsz || ph.memsz > TASK_SIZE || TASK_SIZE - ph.memsz < k) {
      throw new ExecFault("bad segment");
    }
    if (k + ph.memsz > brk) brk = k + ph.memsz;
  }
  const entry = img.entry + bias;
  if (entry >= TASK_SIZE) throw new ExecFault("bad entry");
  return {
    entry: Number(entry),
    phdr: Number(phdr + bias),
    phnum: img.phnum,
    phent: PHDR_SIZE,
    bias: Number(bias),
    brk: Number(pageUp(brk + bias)),
    interp: img.interp,
    segments,
  };
}

/**
 * elf_load: the file's pages from pagedown(p_offset) (MAP_FIXED over what was
 * there; whole pages past the end of the file raise SIGBUS when touched), the
 * tail of the last file page zeroed and the rest of p_memsz as anonymous
 * read-write memory (vm_brk_flags). Unaligned offsets and addresses outside
 * user space fail (EINVAL, ENOMEM): ExecFault.
 */
function mapSegment(
  mem: AddressSpace,
  file: MemObject,
  ph: Phdr,
  bias: bigint,
  ram: number,
): LoadedImage["segments"][number] | null {
  const addr = ph.vaddr + bias;
  const pageOff = ph.vaddr % PAGE;
  const prot = protOf(ph.flags);
  const start = pageDown(addr);
  let zeroStart = start;
  if (ph.filesz > 0n) {
    const off = ph.offset - pageOff;
    if (off < 0n || off % PAGE !== 0n) throw new ExecFault("unaligned segment");
    const end = pageUp(addr + ph.filesz);
    if (end > TASK_SIZE || end <= start) throw new ExecFault("segment outside user space");
    // Whole pages past the end of the file raise SIGBUS when touched (the object's size).
    mem.map(Number(start), Number(end - start), prot, file, Number(off) / PAGE_SIZE, true);
    zeroStart = addr + ph.filesz;
    if (ph.memsz > ph.filesz && (prot & PROT_WRITE) !== 0) zeroTail(mem, Number(zeroStart));
  }
  if (ph.memsz > ph.filesz) {
    const zs = pageUp(zeroStart),
      ze = pageUp(start + pageOff + ph.memsz);
    if (ze > TASK_SIZE || ze < zs) throw new ExecFault("bss outside user space");
    // vm_brk_flags accounts the pages: more than the machine's memory fails (__vm_enough_memory, OVERCOMMIT_GUESS).
    if (ze - zs > BigInt(ram)) throw new ExecFault("bss larger than memory");
    if (ze > zs) mem.map(Number(zs), Number(ze - zs), PROT_READ | PROT_WRITE | (prot & PROT_EXEC));
  }
  if (ph.filesz === 0n && ph.memsz <= ph.filesz) return null;
  const end = pageUp(addr + (ph.memsz > ph.filesz ? ph.memsz : ph.filesz));
  return {
    start: Number(start),
    end: Number(end > TASK_SIZE ? TASK_SIZE : end),
    prot,
    offset: Number(ph.offset - pageOff),
  };
}

/** padzero: clears the rest of the page holding the end of the file part. */
function zeroTail(mem: AddressSpace, from: number): void {
  const n = (PAGE_SIZE - (from % PAGE_SIZE)) % PAGE_SIZE;
  if (n > 0 && mem.isMapped(from)) {
    try {
      mem.poke(from, new Uint8Array(n));
    } catch {
      throw new ExecFault("padzero");
    }
  }
}

/** Bytes spanned by an ELF's PT_LOAD segments, page-rounded (room to reserve for an ET_DYN image). */
export function loadSpan(img: ElfImage): number {
  const loads = img.phdrs.filter((p) => p.type === PT_LOAD);
  if (loads.length === 0) return 0;
  const lo = loads.reduce((m, p) => (pageDown(p.vaddr) < m ? pageDown(p.vaddr) : m), pageDown(loads[0]!.vaddr));
  const hi = loads.reduce((m, p) => (p.vaddr + p.memsz > m ? p.vaddr + p.memsz : m), 0n);
  const span = pageUp(hi) - lo;
  return span > TASK_SIZE ? Number(TASK_SIZE) : Number(span);
}
