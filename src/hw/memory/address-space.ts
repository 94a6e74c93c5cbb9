// SPDX-License-Identifier: MIT
// The guest's virtual address space: what the CPU runs on (SpaceCore, space-core.ts:
// areas, page table, page walk, TLBs) and the kernel's side of it here: mapping and
// protection, fork's copy-on-write copy, exit, and the checked bulk access of system
// calls (AMD APM Vol. 2 §5 "Page Translation and Protection", user-visible subset).
import type { Vma } from "./vma.js";
import type { MemObject } from "./mem-object.js";
import { FRAME_SIZE } from "./phys.js";
import { TlbStore } from "./tlb-store.js";
import { SpaceCore } from "./space-core.js";
import {
  ACCESS_EXEC,
  ACCESS_READ,
  ACCESS_WRITE,
  type AccessKind,
  MemoryFault,
  PAGE_MASK,
  PAGE_SIZE,
  pageNumber,
  PROT_EXEC,
  spans,
  USER_LIMIT,
} from "./access.js";

export { TLB_BYTES, TLB_SIZE } from "./tlb-store.js";

export {
  PAGE_SIZE,
  PAGE_MASK,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  PROT_EXEC,
  USER_LIMIT,
  ACCESS_READ,
  ACCESS_WRITE,
  ACCESS_EXEC,
  type AccessKind,
  FAULT_PLAIN,
  FAULT_KERNEL,
  FAULT_BUS,
  MemoryFault,
} from "./access.js";

export class AddressSpace extends SpaceCore {
  // ---- mapping (kernel side) -----------------------------------------------

  /** Pages with a frame (sysinfo's view of used memory). */
  mappedPageCount(): number {
    return this.pt.count;
  }

  /**
   * Maps [addr, addr+len) (page-aligned) with `prot`, replacing what was there: fresh
   * zero pages, or `obj` from page `pgoff` (shared, or a private copy-on-write view with `cow`).
   */
  map(addr: number, len: number, prot: number, obj: MemObject | null = null, pgoff = 0, cow = false): void {
    this.execChanging(addr, addr + len, prot);
    this.dropFrames(addr, addr + len);
    this.vmas.insert({ start: addr, end: addr + len, prot, obj, pgoff, ...(cow && obj !== null ? { cow } : {}) });
    this.flushTlb();
  }

  unmap(addr: number, len: number): void {
    this.execChanging(addr, addr + len, 0);
    this.dropFrames(addr, addr + len);
    this.vmas.remove(addr, addr + len);
    this.flushTlb();
  }

  /** Changes protection up to the first hole; returns false if there was one (mprotect's ENOMEM). */
  protect(addr: number, len: number, prot: number): boolean {
    this.execChanging(addr, addr + len, prot);
    if ((prot & PROT_EXEC) === 0) this.dropCode(addr, addr + len);
    const ok = this.vmas.update(addr, addr + len, (v) => {
      v.prot = prot;
    });
    this.flushTlb();
    return ok;
  }

  /** Drops the pages of [addr, addr+len) (MADV_DONTNEED): private memory reads as zeros again, shared memory from its object. */
  discard(addr: number, len: number): void {
    this.execChanging(addr, addr + len, 0);
    this.dropFrames(addr, addr + len);
    this.flushTlb();
  }

  /** Calls onExecChange when [start, end) has an executable page, or gets some with `prot`. */
  private execChanging(start: number, end: number, prot: number): void {
    if (this.onExecChange === null) return;
    const exec = (v: Vma): boolean => v.start < end && v.end > start && (v.prot & PROT_EXEC) !== 0;
    if ((prot & PROT_EXEC) !== 0 || this.vmas.all().some(exec)) this.onExecChange();
  }

  /**
   * `to` takes the physical TLB area `from` has (the one a CPU's compiled code reads) and
   * `from` takes `to`'s: a CPU shared by forked processes switches from `from` to `to`.
   * Both areas are emptied (as a CR3 write flushes a TLB); the interpreter's TLBs, one
   * per space, stay.
   */
  static tradeTlbs(from: AddressSpace, to: AddressSpace): void {
    TlbStore.trade(from.tlbs, to.tlbs);
  }

  isMapped(addr: number): boolean {
    return this.vmas.find(addr) !== undefined;
  }

  protOf(addr: number): number | undefined {
    return this.vmas.find(addr)?.prot;
  }

  /** Whether nothing is mapped in [addr, addr+len). */
  isFree(addr: number, len: number): boolean {
    return this.vmas.isFree(addr, addr + len);
  }

  /** Whether [addr, addr+len) is mapped without a hole. */
  isCovered(addr: number, len: number): boolean {
    return this.vmas.isCovered(addr, addr + len);
  }

  /** The highest free range of `len` bytes inside [bottom, top), or -1. */
  findFree(len: number, top: number, bottom: number): number {
    return this.vmas.findGap(len, top, bottom);
  }

  /** The areas in address order. */
  areas(): readonly Vma[] {
    return this.vmas.all();
  }

  /** Moves [from, from+len) to `to` (mremap); the destination must be free. */
  movePages(from: number, to: number, len: number): void {
    this.execChanging(from, from + len, 0);
    this.dropCode(from, from + len);
    const moved = this.vmas.remove(from, from + len);
    const frames: [number, number][] = [];
    this.pt.clear(from / PAGE_SIZE, (from + len) / PAGE_SIZE, (pn, f) => frames.push([pn, f]));
    const delta = (to - from) / PAGE_SIZE;
    for (const [pn, f] of frames) this.pt.set(pn + delta, f);
    for (const v of moved) this.vmas.insert({ ...v, start: v.start + to - from, end: v.end + to - from });
    this.flushTlb();
  }

  /** A copy-on-write copy of this space (fork): private pages are shared until written. */
  clone(): AddressSpace {
    const c = new AddressSpace(this.phys);
    c.vmas.copyFrom(this.vmas);
    const phys = this.phys;
    c.pt.copyFrom(this.pt, (f) => phys.retain(f));
    // Our private frames are shared now: writes must fault and copy. Reads may go on: a
    // copy-on-write fault points the read TLB at the new frame (privateFrame).
    this.flushWriteTlb();
    return c;
  }

  retain(): void {
    this.holders++;
  }

  /** Drops one holder; the last one destroys the space. */
  release(): void {
    if (--this.holders === 0) this.destroy();
  }

  /** Releases every frame (exit, execve); the space must not be used afterwards. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.dropAllFrames();
    this.vmas.remove(0, USER_LIMIT);
    this.unregister();
    this.forgetCollected();
    this.tlbs.giveBack();
    // A WeakRef (made, or dereferenced) keeps its target alive until the current job ends,
    // and a guest runs millions of instructions per job: a destroyed space may stay
    // reachable a while, its kernel hooks must not keep the process, its CPU and its
    // translations with it (docs/architecture.md, "Memory": "Fork and exit").
    this.onMissing = null;
    this.onCodeWrite = () => {};
    this.onExecChange = null;
  }

  /** dropFrames of the whole space, visiting only the pages with code and with frames. */
  private dropAllFrames(): void {
    const pages: number[] = [];
    for (const [f, pns] of this.codePages) {
      this.phys.unmarkCode(f, this);
      pages.push(...pns);
    }
    this.codePages.clear();
    for (const pn of pages) this.onCodeWrite(pn);
    this.pt.clearAll((_pn, f) => this.phys.release(f));
  }

  private dropFrames(start: number, end: number): void {
    this.dropCode(start, end);
    this.pt.clear(start / PAGE_SIZE, end / PAGE_SIZE, (_pn, f) => this.phys.release(f));
  }

  // ---- bulk access for system calls (checked, may throw MemoryFault) --------

  readBytes(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    spans(addr, len, (a, off, n, done) => {
      const base = this.translate(a, ACCESS_READ) + off;
      out.set(this.u8.subarray(base, base + n), done);
      return true;
    });
    return out;
  }

  writeBytes(addr: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.probeRange(addr, bytes.length, ACCESS_WRITE);
    spans(addr, bytes.length, (a, off, n, done) => {
      this.u8.set(bytes.subarray(done, done + n), this.translate(a, ACCESS_WRITE) + off);
      return true;
    });
  }

  /** Checks every page of a range for an access kind without touching data. */
  probeRange(addr: number, len: number, access: AccessKind): void {
    if (len <= 0) return;
    const first = pageNumber(addr);
    const last = pageNumber(addr + len - 1);
    for (let pn = first; pn <= last; pn++) this.translate(Math.max(addr, pn * PAGE_SIZE), access);
  }

  /** Writes ignoring protection (loader use: filling read-only segments). */
  poke(addr: number, bytes: Uint8Array): void {
    spans(addr, bytes.length, (a, off, n, done) => {
      const v = this.vmas.find(a);
      if (v === undefined) throw new MemoryFault(a, ACCESS_WRITE, false, false);
      const f = this.frameFor(v, pageNumber(a), a, ACCESS_WRITE);
      this.u8.set(bytes.subarray(done, done + n), f * FRAME_SIZE + off);
      return true;
    });
    this.flushTlb();
  }

  /**
   * Reads ignoring protection (FOLL_FORCE: /proc/PID/mem, ptrace) up to the first
   * unmapped page or page past the end of a mapped file; returns what was read.
   */
  peek(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    const done = spans(addr, len, (a, off, n, done) => {
      const v = a >= 0 && a < USER_LIMIT ? this.vmas.find(a) : undefined;
      if (v === undefined) return false;
      let f: number;
      try {
        f = this.frameFor(v, pageNumber(a), a, ACCESS_READ);
      } catch (e) {
        if (e instanceof MemoryFault) return false;
        throw e;
      }
      out.set(this.u8.subarray(f * FRAME_SIZE + off, f * FRAME_SIZE + off + n), done);
      return true;
    });
    return done === len ? out : out.slice(0, done);
  }

  /** Reads a NUL-terminated string of at most `max` bytes (throws on fault). */
  readCString(addr: number, max = 4096): Uint8Array {
    const parts: Uint8Array[] = [];
    spans(addr, max, (a, off, n) => {
      const base = this.translate(a, ACCESS_READ) + off;
      const chunk = this.u8.subarray(base, base + n);
      const z = chunk.indexOf(0);
      parts.push(chunk.slice(0, z < 0 ? n : z));
      return z < 0;
    });
    return parts.length === 1 ? parts[0]! : Uint8Array.from(parts.flatMap((p) => [...p]));
  }

  /**
   * Fetches instruction bytes for decoding; stops early at an unmapped/non-exec page. Bytes
   * within one page are a view of that page's frame, valid until the guest runs again (the
   * decoder copies what it keeps): a copy per block was a tenth of translating one.
   */
  fetchCode(addr: number, len: number): Uint8Array {
    if ((addr & PAGE_MASK) + len <= PAGE_SIZE && addr >= 0 && addr < USER_LIMIT) {
      const v = this.vmas.find(addr);
      if (v === undefined || (v.prot & PROT_EXEC) === 0) return new Uint8Array(0);
      let base: number;
      try {
        base = this.translate(addr, ACCESS_EXEC);
      } catch {
        return new Uint8Array(0); // a shared page past the end of its file
      }
      base += addr & PAGE_MASK;
      return this.u8.subarray(base, base + len);
    }
    const out = new Uint8Array(len);
    const done = spans(addr, len, (a, off, n, done) => {
      const v = this.vmas.find(a);
      if (v === undefined || (v.prot & PROT_EXEC) === 0 || !(a >= 0 && a < USER_LIMIT)) return false;
      let base: number;
      try {
        base = this.translate(a, ACCESS_EXEC) + off;
      } catch {
        return false; // a shared page past the end of its file
      }
      out.set(this.u8.subarray(base, base + n), done);
      return true;
    });
    return done === len ? out : out.slice(0, done);
  }
}
