// SPDX-License-Identifier: MIT
// The guest's virtual address space as the CPU sees it: areas (VMAs) with R/W/X
// permissions, a page table of the pages touched so far onto frames of the machine's
// physical memory (copy-on-write after fork, a shared zero page for untouched reads),
// and a direct-mapped software TLB per access kind, kept twice: as JavaScript typed
// arrays for the interpreter and in physical memory for translated code (AMD APM
// Vol. 2 §5 "Page Translation and Protection", user-visible subset). The kernel's side
// of a space (mapping, fork, exit, bulk access) is AddressSpace (address-space.ts).
import { type CodeOwner, defaultPhysMem, FRAME_SIZE, type PhysMem, ZERO_FRAME } from "./phys.js";
import { type Vma, VmaList } from "./vma.js";
import { PageTable } from "./page-table.js";
import { TLB_BYTES, TLB_SIZE, TlbStore } from "./tlb-store.js";
import {
  ACCESS_EXEC,
  ACCESS_READ,
  ACCESS_WRITE,
  type AccessKind,
  FAULT_BUS,
  MemoryFault,
  NEED,
  outsideUser,
  PAGE_MASK,
  PAGE_SIZE,
  pageNumber,
  PROT_EXEC,
  USER_LIMIT,
} from "./access.js";

/** Frees the memory of an address space that was dropped without destroy() (tests, abandoned runs). */
const collected = new FinalizationRegistry<{ phys: PhysMem; pt: PageTable; tlbs: TlbStore }>((h) => {
  h.pt.clear(0, USER_LIMIT / PAGE_SIZE, (_pn, f) => h.phys.release(f));
  h.tlbs.free();
});

/**
 * The part of an address space the CPU runs on (`AddressSpace` adds the kernel's side:
 * mapping, fork and exit, bulk access): the areas and page table, the page walk, the
 * TLBs and the self-modifying-code guard.
 */
export class SpaceCore implements CodeOwner {
  readonly phys: PhysMem;
  /** Views over the whole physical memory. */
  readonly u8: Uint8Array;
  readonly dv: DataView;
  protected readonly pt = new PageTable();
  protected readonly vmas = new VmaList();
  /** The TLBs' storage (reused from a destroyed space); the fields below are its arrays, for the hot path. */
  protected readonly tlbs: TlbStore;
  // JavaScript TLBs: tag = page number (NaN when empty: -1 is the page of a wrapped negative address).
  private readonly rTag: Float64Array;
  private readonly wTag: Float64Array;
  private readonly rOff: Int32Array;
  private readonly wOff: Int32Array;
  /**
   * Byte offset of the translated code's read TLB in physical memory; the write TLB follows
   * it. Spaces that share a CPU trade these areas as the CPU switches between them
   * (`tradeTlbs`): its compiled code reads the TLB at one place.
   */
  get tlbBase(): number {
    return this.tlbs.base;
  }
  /** Frame → the pages of this space that translated code was made from. */
  protected readonly codePages = new Map<number, number[]>();
  readonly codeRef: WeakRef<CodeOwner> = new WeakRef(this);
  protected readonly unregister: () => void;
  protected destroyed = false;
  /** Holders (Mm users, a profiler reading a dead task's ring); the last release frees the frames. */
  protected holders = 1;
  /** Called when a page holding translated code is written, remapped or unmapped. */
  onCodeWrite: (pageNum: number) => void = () => {};
  /**
   * Called (when set) before this space's executable pages change: a write to one, or a
   * mapping change that covers one or makes one. Spaces sharing their CPU's translations
   * (fork) must then stop sharing them (src/hw/cpu/spaces.ts).
   */
  onExecChange: (() => void) | null = null;
  /**
   * Called when an access finds no area: the kernel may map one (a stack growing
   * down) and return true, and the access is retried.
   */
  onMissing: ((addr: number) => boolean) | null = null;

  /** The space was destroyed: the collector has nothing to free for it. */
  protected forgetCollected(): void {
    collected.unregister(this);
  }

  constructor(phys: PhysMem = defaultPhysMem()) {
    this.phys = phys;
    const tlbs = (this.tlbs = TlbStore.take(phys));
    this.rTag = tlbs.rTag;
    this.wTag = tlbs.wTag;
    this.rOff = tlbs.rOff;
    this.wOff = tlbs.wOff;
    this.u8 = phys.u8;
    this.dv = phys.dv;
    this.unregister = phys.addOwner(this);
    collected.register(this, { phys, pt: this.pt, tlbs }, this);
    tlbs.flush();
  }

  // ---- hot path -----------------------------------------------------------

  read8(a: number): number {
    const off = a & PAGE_MASK;
    const pn = (a - off) / PAGE_SIZE;
    const i = pn & (TLB_SIZE - 1);
    if (this.rTag[i] === pn) return this.u8[this.rOff[i]! + off]!;
    const b = this.translate(a, ACCESS_READ) + off;
    return this.u8[b]!;
  }

  read16(a: number): number {
    const off = a & PAGE_MASK;
    const pn = (a - off) / PAGE_SIZE;
    const i = pn & (TLB_SIZE - 1);
    if (off <= PAGE_SIZE - 2) {
      if (this.rTag[i] === pn) return this.dv.getUint16(this.rOff[i]! + off, true);
      const b = this.translate(a, ACCESS_READ) + off;
      return this.dv.getUint16(b, true);
    }
    return this.read8(a) | (this.read8(a + 1) << 8);
  }

  /** Reads 32 bits; the result is a signed int32 (callers use `>>> 0` when needed). */
  read32(a: number): number {
    const off = a & PAGE_MASK;
    const pn = (a - off) / PAGE_SIZE;
    const i = pn & (TLB_SIZE - 1);
    if (off <= PAGE_SIZE - 4) {
      if (this.rTag[i] === pn) return this.dv.getInt32(this.rOff[i]! + off, true);
      const b = this.translate(a, ACCESS_READ) + off;
      return this.dv.getInt32(b, true);
    }
    return this.read32Slow(a);
  }

  write8(a: number, v: number): void {
    const off = a & PAGE_MASK;
    const pn = (a - off) / PAGE_SIZE;
    const i = pn & (TLB_SIZE - 1);
    if (this.wTag[i] === pn) this.u8[this.wOff[i]! + off] = v;
    else {
      const b = this.translate(a, ACCESS_WRITE) + off;
      this.u8[b] = v;
    }
  }

  write16(a: number, v: number): void {
    const off = a & PAGE_MASK;
    const pn = (a - off) / PAGE_SIZE;
    const i = pn & (TLB_SIZE - 1);
    if (off <= PAGE_SIZE - 2) {
      if (this.wTag[i] === pn) this.dv.setUint16(this.wOff[i]! + off, v, true);
      else {
        const b = this.translate(a, ACCESS_WRITE) + off;
        this.dv.setUint16(b, v, true);
      }
    } else this.writeSplit(a, v, 2);
  }

  write32(a: number, v: number): void {
    const off = a & PAGE_MASK;
    const pn = (a - off) / PAGE_SIZE;
    const i = pn & (TLB_SIZE - 1);
    if (off <= PAGE_SIZE - 4) {
      if (this.wTag[i] === pn) this.dv.setInt32(this.wOff[i]! + off, v, true);
      else {
        const b = this.translate(a, ACCESS_WRITE) + off;
        this.dv.setInt32(b, v, true);
      }
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
      const base = (this.wTag[i] === pn ? this.wOff[i]! : this.translate(a, ACCESS_WRITE)) + off;
      this.dv.setInt32(base, lo, true);
      this.dv.setInt32(base + 4, hi, true);
      return;
    }
    this.probeWrite(a, 8);
    this.write32(a, lo);
    this.write32(a + 4, hi);
  }

  /**
   * The byte in physical memory of the address whose 32-bit halves are `lo` and `hi`, when
   * the `n` bytes from it lie in one page that the translated code's read (or, with `w`,
   * write) TLB holds; else -1 (the caller takes the Number path). The halves stay small
   * integers: the stack's addresses as Numbers are heap numbers to V8's baseline code, a
   * short run's most allocated object (push, pop, call and ret, before TurboFan).
   * That TLB holds only what the JavaScript one could (AddressSpace.fillTlb), so a hit
   * is the same frame the Number path would find.
   */
  frameAt(lo: number, hi: number, n: number, w: boolean): number {
    if ((lo & PAGE_MASK) > PAGE_SIZE - n || hi < 0) return -1; // hi < 0: never a user page (and an empty entry's tag)
    const m = this.phys.i32,
      k = ((this.tlbs.base + (w ? TLB_BYTES : 0)) >> 2) + 4 * ((lo >>> 12) & (TLB_SIZE - 1));
    return m[k] === ((hi << 20) | (lo >>> 12)) && m[k + 1] === hi >> 12 ? (m[k + 2]! + lo) | 0 : -1;
  }

  // ---- slow paths -----------------------------------------------------------

  private read32Slow(a: number): number {
    return this.read8(a) | (this.read8(a + 1) << 8) | (this.read8(a + 2) << 16) | (this.read8(a + 3) << 24) | 0;
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
    const off = a & PAGE_MASK,
      pn = (a - off) / PAGE_SIZE;
    // A write-TLB entry is a page a store may go to now (private, writable, no translated code).
    if (off + n <= PAGE_SIZE && this.wTag[pn & (TLB_SIZE - 1)] === pn) return;
    this.translate(a, ACCESS_WRITE);
    if (off + n > PAGE_SIZE) this.probeTail(a - off + PAGE_SIZE, a + n, ACCESS_WRITE);
  }

  /** Faults unless [a, a+n) is readable; a later-page fault reports its first byte. */
  probeRead(a: number, n: number): void {
    const off = a & PAGE_MASK,
      pn = (a - off) / PAGE_SIZE;
    if (off + n <= PAGE_SIZE && this.rTag[pn & (TLB_SIZE - 1)] === pn) return;
    this.translate(a, ACCESS_READ);
    if (off + n > PAGE_SIZE) this.probeTail(a - off + PAGE_SIZE, a + n, ACCESS_READ);
  }

  /** Checks the pages starting at page-aligned `from` below `end`. */
  private probeTail(from: number, end: number, access: AccessKind): void {
    for (let p = from; p < end; p += PAGE_SIZE) this.translate(p, access);
  }

  /**
   * The page walk: checks the access against the area, materialises the page
   * (zero page for reads, a fresh or copied frame for writes), fills the TLBs for
   * reads and writes, and returns the byte offset of the page's frame in physical
   * memory; throws a MemoryFault when the access is not allowed.
   */
  translate(a: number, access: AccessKind): number {
    if (!(a >= 0 && a < USER_LIMIT)) throw outsideUser(a, access);
    const v = this.vmas.find(a) ?? this.missing(a, access);
    if ((v.prot & NEED[access]!) === 0) throw new MemoryFault(a, access, true, false);
    const pn = pageNumber(a);
    const f = this.frameFor(v, pn, a, access);
    if (access !== ACCESS_EXEC) this.fillTlb(pn, f * FRAME_SIZE, access);
    return f * FRAME_SIZE;
  }

  /** The area for an address that has none, if the kernel maps one (onMissing); else the fault. */
  private missing(a: number, access: AccessKind): Vma {
    const v = this.onMissing !== null && this.onMissing(a) ? this.vmas.find(a) : undefined;
    if (v === undefined) throw new MemoryFault(a, access, false, false);
    return v;
  }

  protected frameFor(v: Vma, pn: number, a: number, access: AccessKind): number {
    if (access === ACCESS_WRITE && (v.prot & PROT_EXEC) !== 0) this.onExecChange?.();
    if (v.obj === null) return this.privateFrame(pn, access);
    return v.cow === true ? this.cowFrame(v, pn, a, access) : this.sharedFrame(v, pn, a, access);
  }

  private privateFrame(pn: number, access: AccessKind): number {
    let f = this.pt.get(pn);
    if (access !== ACCESS_WRITE) {
      if (f === 0) this.pt.set(pn, (f = ZERO_FRAME));
      return f;
    }
    const phys = this.phys;
    if (f !== 0 && phys.isCode(f)) phys.codeWritten(f);
    if (f === 0) f = phys.alloc();
    else if (phys.shared(f)) {
      const g = phys.copy(f);
      phys.release(f);
      f = g;
      this.fillTlb(pn, f * FRAME_SIZE, ACCESS_READ); // the read TLB may still point at the old frame
    } else return f;
    this.pt.set(pn, f);
    return f;
  }

  private sharedFrame(v: Vma, pn: number, a: number, access: AccessKind): number {
    const pg = v.pgoff + (pn - v.start / PAGE_SIZE);
    const obj = v.obj!;
    if (!obj.hasPage(pg)) throw new MemoryFault(a, access, true, false, FAULT_BUS);
    let f = this.pt.get(pn);
    if (f === 0) {
      f = obj.frameAt(pg);
      this.phys.retain(f);
      this.pt.set(pn, f);
    }
    if (access === ACCESS_WRITE) {
      obj.markDirty(pg);
      if (this.phys.isCode(f)) this.phys.codeWritten(f);
    }
    return f;
  }

  /** A private view of an object: its page until the first write, then a private copy (a private file mapping). */
  private cowFrame(v: Vma, pn: number, a: number, access: AccessKind): number {
    const pg = v.pgoff + (pn - v.start / PAGE_SIZE);
    if (!v.obj!.hasPage(pg)) throw new MemoryFault(a, access, true, false, FAULT_BUS);
    if (this.pt.get(pn) === 0) {
      const f = v.obj!.frameAt(pg);
      this.phys.retain(f);
      this.pt.set(pn, f);
    }
    return this.privateFrame(pn, access);
  }

  private fillTlb(pn: number, off: number, access: AccessKind): void {
    this.tlbs.fill(pn, off, access === ACCESS_WRITE);
  }

  flushTlb(): void {
    this.tlbs.flush();
  }

  /** Empties the write TLB only: the read TLB stays right while no frame changes under it. */
  protected flushWriteTlb(): void {
    this.tlbs.flushWrite();
  }

  /** Drops the write-TLB entries that point at frame offset `off` (the frame now holds code). */
  evictWriteFrame(off: number): void {
    this.tlbs.evictWriteFrame(off);
  }

  // ---- translated code (self-modifying-code guard) ---------------------------

  /** Marks a page as holding translated code, so the next write to it is seen. */
  markCode(pn: number): void {
    const f = this.pt.get(pn);
    if (f === 0) return;
    const list = this.codePages.get(f);
    if (list === undefined) this.codePages.set(f, [pn]);
    else if (!list.includes(pn)) list.push(pn);
    this.phys.markCode(f, this);
  }

  /** The frame of page `pn` when it is present and executable, else 0 (shared translations look blocks up by frame). */
  execFrame(pn: number): number {
    const v = this.vmas.find(pn * PAGE_SIZE);
    return v !== undefined && (v.prot & PROT_EXEC) !== 0 ? this.pt.get(pn) : 0;
  }

  codeFrameWritten(frame: number): void {
    const pages = this.codePages.get(frame);
    if (pages === undefined) return;
    this.codePages.delete(frame);
    for (const pn of pages) this.onCodeWrite(pn);
  }

  /** Invalidates the translations of every page with a frame in [start, end). */
  protected dropCode(start: number, end: number): void {
    if (this.codePages.size === 0) return;
    this.pt.forEach(start / PAGE_SIZE, end / PAGE_SIZE, (pn, f) => {
      const pages = this.codePages.get(f);
      if (pages === undefined || !pages.includes(pn)) return;
      pages.splice(pages.indexOf(pn), 1);
      if (pages.length === 0) {
        this.codePages.delete(f);
        this.phys.unmarkCode(f, this);
      }
      this.onCodeWrite(pn);
    });
  }
}
