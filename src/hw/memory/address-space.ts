// SPDX-License-Identifier: MIT
// The guest's virtual address space: sparse 4 KiB pages with R/W/X permissions,
// a direct-mapped software TLB per access kind, and faults carrying the address
// (AMD APM Vol. 2 §5 "Page Translation and Protection", user-visible subset).

export const PAGE_SIZE = 4096;
export const PAGE_MASK = 0xfff;
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
/** Highest user address + 1: 47-bit canonical lower half. */
export const USER_LIMIT = 2 ** 47;

const TLB_SIZE = 1024;

/** Kind of access that faulted: the page-fault error-code bits W and I/D. */
export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_EXEC = 2;
export type AccessKind = 0 | 1 | 2;

/**
 * A guest memory fault. Not an Error: thrown on the hot path's slow branch and
 * caught once at the CPU's run-loop boundary, so no stack is captured.
 * `present` is false when no page is mapped (SEGV_MAPERR) and true when the
 * page exists but forbids the access (SEGV_ACCERR). Non-canonical addresses
 * raise #GP instead of #PF (Linux reports si_addr 0 for those).
 */
export class MemoryFault {
  constructor(
    readonly address: number,
    readonly access: AccessKind,
    readonly present: boolean,
    readonly generalProtection: boolean,
  ) {}
}

/** One 4 KiB page; its bytes are allocated on first touch (large sparse mappings stay cheap). */
export class Page {
  private bytes: Uint8Array | null;
  private dv: DataView | null = null;
  /** True while translated code exists for this page (self-modifying-code guard). */
  hasCode = false;
  constructor(
    public prot: number,
    data: Uint8Array | null = null,
  ) {
    this.bytes = data;
  }
  get data(): Uint8Array {
    return (this.bytes ??= new Uint8Array(PAGE_SIZE));
  }
  get view(): DataView {
    return (this.dv ??= new DataView(this.data.buffer, this.data.byteOffset, PAGE_SIZE));
  }
  /** Whether the page has been touched (untouched pages read as zeros). */
  get materialised(): boolean {
    return this.bytes !== null;
  }
}

function pageNumber(addr: number): number {
  return (addr - (addr & PAGE_MASK)) / PAGE_SIZE;
}

export class AddressSpace {
  private readonly pages = new Map<number, Page>();
  // Direct-mapped TLBs: tag = page number (NaN when empty: -1 is the page of a wrapped negative address).
  private readonly rTag = new Float64Array(TLB_SIZE).fill(NaN);
  private readonly wTag = new Float64Array(TLB_SIZE).fill(NaN);
  private readonly rView: DataView[] = [];
  private readonly wView: DataView[] = [];
  /** Called when a write hits a page holding translated code. */
  onCodeWrite: (pageNum: number) => void = () => {};

  constructor() {
    const dummy = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < TLB_SIZE; i++) {
      this.rView.push(dummy);
      this.wView.push(dummy);
    }
  }

  // ---- hot path -----------------------------------------------------------

  read8(a: number): number {
    const off = a & PAGE_MASK;
    const pn = (a - off) / PAGE_SIZE;
    const i = pn & (TLB_SIZE - 1);
    if (this.rTag[i] === pn) return this.rView[i]!.getUint8(off);
    return this.slowPage(a, ACCESS_READ).view.getUint8(off);
  }

  read16(a: number): number {
    const off = a & PAGE_MASK;
    const pn = (a - off) / PAGE_SIZE;
    const i = pn & (TLB_SIZE - 1);
    if (off <= PAGE_SIZE - 2) {
      if (this.rTag[i] === pn) return this.rView[i]!.getUint16(off, true);
      return this.slowPage(a, ACCESS_READ).view.getUint16(off, true);
    }
    return this.read8(a) | (this.read8(a + 1) << 8);
  }

  /** Reads 32 bits; the result is a signed int32 (callers use `>>> 0` when needed). */
  read32(a: number): number {
    const off = a & PAGE_MASK;
    const pn = (a - off) / PAGE_SIZE;
    const i = pn & (TLB_SIZE - 1);
    if (off <= PAGE_SIZE - 4) {
      if (this.rTag[i] === pn) return this.rView[i]!.getInt32(off, true);
      return this.slowPage(a, ACCESS_READ).view.getInt32(off, true);
    }
    return this.read32Slow(a);
  }

  write8(a: number, v: number): void {
    const off = a & PAGE_MASK;
    const pn = (a - off) / PAGE_SIZE;
    const i = pn & (TLB_SIZE - 1);
    if (this.wTag[i] === pn) this.wView[i]!.setUint8(off, v);
    else this.slowPage(a, ACCESS_WRITE).view.setUint8(off, v);
  }

  write16(a: number, v: number): void {
    const off = a & PAGE_MASK;
    const pn = (a - off) / PAGE_SIZE;
    const i = pn & (TLB_SIZE - 1);
    if (off <= PAGE_SIZE - 2) {
      if (this.wTag[i] === pn) this.wView[i]!.setUint16(off, v, true);
      else this.slowPage(a, ACCESS_WRITE).view.setUint16(off, v, true);
    } else this.writeSplit(a, v, 2);
  }

  write32(a: number, v: number): void {
    const off = a & PAGE_MASK;
    const pn = (a - off) / PAGE_SIZE;
    const i = pn & (TLB_SIZE - 1);
    if (off <= PAGE_SIZE - 4) {
      if (this.wTag[i] === pn) this.wView[i]!.setInt32(off, v, true);
      else this.slowPage(a, ACCESS_WRITE).view.setInt32(off, v, true);
    } else this.writeSplit(a, v, 4);
  }

  /** Reads the high half of a 64-bit value; the pair (read32(a), read32hi(a)) is one access. */
  read64hi(a: number): number {
    return this.read32(a + 4);
  }

  /** Writes 64 bits as two halves; both pages are checked first so a fault writes nothing. */
  write64(a: number, lo: number, hi: number): void {
    const off = a & PAGE_MASK;
    const pn = (a - off) / PAGE_SIZE;
    const i = pn & (TLB_SIZE - 1);
    if (off <= PAGE_SIZE - 8) {
      const v = this.wTag[i] === pn ? this.wView[i]! : this.slowPage(a, ACCESS_WRITE).view;
      v.setInt32(off, lo, true);
      v.setInt32(off + 4, hi, true);
      return;
    }
    this.probeWrite(a, 8);
    this.write32(a, lo);
    this.write32(a + 4, hi);
  }

  // ---- slow paths -----------------------------------------------------------

  private read32Slow(a: number): number {
    return (this.read8(a) | (this.read8(a + 1) << 8) | (this.read8(a + 2) << 16) | (this.read8(a + 3) << 24)) | 0;
  }

  private writeSplit(a: number, v: number, n: number): void {
    this.probeWrite(a, n);
    for (let k = 0; k < n; k++) this.write8(a + k, (v >>> (8 * k)) & 0xff);
  }

  /**
   * Faults (before any byte is written) unless [a, a+n) is writable.
   * A fault on a later page reports that page's first byte, as the hardware does.
   */
  probeWrite(a: number, n: number): void {
    this.slowPage(a, ACCESS_WRITE);
    const off = a & PAGE_MASK;
    if (off + n > PAGE_SIZE) this.probeTail(a - off + PAGE_SIZE, a + n, ACCESS_WRITE);
  }

  /** Faults unless [a, a+n) is readable; a later-page fault reports its first byte. */
  probeRead(a: number, n: number): void {
    this.slowPage(a, ACCESS_READ);
    const off = a & PAGE_MASK;
    if (off + n > PAGE_SIZE) this.probeTail(a - off + PAGE_SIZE, a + n, ACCESS_READ);
  }

  /** Checks the pages starting at page-aligned `from` below `end`. */
  private probeTail(from: number, end: number, access: AccessKind): void {
    for (let p = from; p < end; p += PAGE_SIZE) this.slowPage(p, access);
  }

  /** Looks up the page for an access, checks permissions, fills the TLB or throws. */
  slowPage(a: number, access: AccessKind): Page {
    if (!(a >= 0 && a < USER_LIMIT)) throw new MemoryFault(a, access, false, true);
    const pn = pageNumber(a);
    const page = this.pages.get(pn);
    if (page === undefined) throw new MemoryFault(a, access, false, false);
    const need = access === ACCESS_READ ? PROT_READ : access === ACCESS_WRITE ? PROT_WRITE : PROT_EXEC;
    if ((page.prot & need) === 0) throw new MemoryFault(a, access, true, false);
    const i = pn & (TLB_SIZE - 1);
    if (access === ACCESS_READ) {
      this.rTag[i] = pn;
      this.rView[i] = page.view;
    } else if (access === ACCESS_WRITE) {
      if (page.hasCode) {
        page.hasCode = false;
        this.onCodeWrite(pn);
      }
      this.wTag[i] = pn;
      this.wView[i] = page.view;
    }
    return page;
  }

  // ---- mapping (kernel side) -----------------------------------------------

  /** Number of mapped pages (sysinfo's view of used memory). */
  mappedPageCount(): number {
    return this.pages.size;
  }

  /** Maps fresh zeroed pages over [addr, addr+len), replacing what was there. */
  map(addr: number, len: number, prot: number): void {
    this.forPages(addr, len, (pn) => {
      this.dropCode(pn);
      this.pages.set(pn, new Page(prot));
    });
    this.flushTlb();
  }

  unmap(addr: number, len: number): void {
    this.forPages(addr, len, (pn) => {
      this.dropCode(pn);
      this.pages.delete(pn);
    });
    this.flushTlb();
  }

  /** Changes protection; returns false if any page in the range is unmapped (ENOMEM). */
  protect(addr: number, len: number, prot: number): boolean {
    let ok = true;
    this.forPages(addr, len, (pn) => {
      const p = this.pages.get(pn);
      if (p === undefined) ok = false;
      else {
        if ((prot & PROT_EXEC) === 0) this.dropCode(pn);
        p.prot = prot;
      }
    });
    this.flushTlb();
    return ok;
  }

  isMapped(addr: number): boolean {
    return this.pages.has(pageNumber(addr));
  }

  protOf(addr: number): number | undefined {
    return this.pages.get(pageNumber(addr))?.prot;
  }

  /** Moves pages (mremap); the destination range must be unmapped by the caller. */
  movePages(from: number, to: number, len: number): void {
    const n = Math.ceil(len / PAGE_SIZE);
    const fromPn = pageNumber(from);
    const toPn = pageNumber(to);
    for (let k = 0; k < n; k++) {
      const p = this.pages.get(fromPn + k);
      this.dropCode(fromPn + k);
      this.pages.delete(fromPn + k);
      if (p !== undefined) this.pages.set(toPn + k, p);
    }
    this.flushTlb();
  }

  /** Iterates mapped page numbers in ascending order (for /proc/self/maps, fork). */
  mappedPages(): number[] {
    return [...this.pages.keys()].sort((x, y) => x - y);
  }

  pageAt(pn: number): Page | undefined {
    return this.pages.get(pn);
  }

  setPage(pn: number, page: Page): void {
    this.pages.set(pn, page);
    this.flushTlb();
  }

  flushTlb(): void {
    this.rTag.fill(NaN);
    this.wTag.fill(NaN);
  }

  /** Marks a page as holding translated code, so the next write to it is seen. */
  markCode(pn: number): void {
    const p = this.pages.get(pn);
    if (p === undefined || p.hasCode) return;
    p.hasCode = true;
    const i = pn & (TLB_SIZE - 1);
    if (this.wTag[i] === pn) this.wTag[i] = NaN;
  }

  private dropCode(pn: number): void {
    const p = this.pages.get(pn);
    if (p !== undefined && p.hasCode) {
      p.hasCode = false;
      this.onCodeWrite(pn);
    }
  }

  private forPages(addr: number, len: number, fn: (pn: number) => void): void {
    const first = pageNumber(addr);
    const last = pageNumber(addr + len - 1);
    for (let pn = first; pn <= last; pn++) fn(pn);
  }

  // ---- bulk access for system calls (checked, may throw MemoryFault) --------

  readBytes(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const off = a & PAGE_MASK;
      const n = Math.min(len - done, PAGE_SIZE - off);
      const p = this.slowPage(a, ACCESS_READ);
      out.set(p.data.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  writeBytes(addr: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.probeRange(addr, bytes.length, ACCESS_WRITE);
    let done = 0;
    while (done < bytes.length) {
      const a = addr + done;
      const off = a & PAGE_MASK;
      const n = Math.min(bytes.length - done, PAGE_SIZE - off);
      const p = this.slowPage(a, ACCESS_WRITE);
      p.data.set(bytes.subarray(done, done + n), off);
      done += n;
    }
  }

  /** Checks every page of a range for an access kind without touching data. */
  probeRange(addr: number, len: number, access: AccessKind): void {
    if (len <= 0) return;
    const first = pageNumber(addr);
    const last = pageNumber(addr + len - 1);
    for (let pn = first; pn <= last; pn++) this.slowPage(Math.max(addr, pn * PAGE_SIZE), access);
  }

  /** Writes ignoring protection (loader use: filling read-only segments). */
  poke(addr: number, bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      const a = addr + done;
      const off = a & PAGE_MASK;
      const n = Math.min(bytes.length - done, PAGE_SIZE - off);
      const p = this.pages.get(pageNumber(a));
      if (p === undefined) throw new MemoryFault(a, ACCESS_WRITE, false, false);
      p.data.set(bytes.subarray(done, done + n), off);
      if (p.hasCode) this.dropCode(pageNumber(a));
      done += n;
    }
  }

  /** Reads a NUL-terminated string of at most `max` bytes (throws on fault). */
  readCString(addr: number, max = 4096): Uint8Array {
    const parts: number[] = [];
    for (let k = 0; k < max; k++) {
      const b = this.read8(addr + k);
      if (b === 0) return Uint8Array.from(parts);
      parts.push(b);
    }
    return Uint8Array.from(parts);
  }

  /** Fetches instruction bytes for decoding; stops early at an unmapped/non-exec page. */
  fetchCode(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const off = a & PAGE_MASK;
      const p = this.pages.get(pageNumber(a));
      if (p === undefined || (p.prot & PROT_EXEC) === 0) break;
      const n = Math.min(len - done, PAGE_SIZE - off);
      out.set(p.data.subarray(off, off + n), done);
      done += n;
    }
    return done === len ? out : out.slice(0, done);
  }
}
