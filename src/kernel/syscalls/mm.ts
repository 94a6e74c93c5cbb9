// SPDX-License-Identifier: MIT
// Memory management calls (mm/mmap.c, mprotect.c, mremap.c, madvise.c,
// msync.c): brk, mmap, munmap, mprotect, mremap, madvise, msync. Areas are
// ranges, so every size up to 2^64 is answered at once with Linux's result;
// RLIMIT_AS/RLIMIT_DATA, the overcommit heuristic and vm.max_map_count apply
// as in Linux 6.1. File mappings share the page cache (src/kernel/mm/page-cache.ts).
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../hw/memory/address-space.js";
import type { MemObject } from "../../hw/memory/mem-object.js";
import { EACCES, EBADF, EEXIST, EFAULT, EINVAL, ENODEV, ENOMEM, ENOTSUP, EPERM } from "../errno.js";
import { HostFile, type OpenFile, S_IFCHR, S_IFMT, S_IFREG } from "../fs/files.js";
import { F_SEAL_FUTURE_WRITE, F_SEAL_WRITE, MemFdFile } from "../fs/memfd.js";
import type { Mapping, Process } from "../process.js";
import type { Task } from "../task.js";
import {
  enoughMemory,
  mapCountOk,
  MAX_MAP_COUNT,
  mappedIn,
  mayExpandVm,
  noteVmPeak,
  pageUp,
  STACK_GUARD_GAP,
  TASK_SIZE,
  unmappedArea,
} from "../mm/vm.js";
import { type SyscallArgs, type SysResult } from "./abi.js";
import { copyOut } from "../usercopy.js";
import { mmapSpecial } from "./perf.js";

const MAP_SHARED = 0x01,
  MAP_PRIVATE = 0x02,
  MAP_SHARED_VALIDATE = 0x03,
  MAP_TYPE = 0x0f;
const MAP_FIXED = 0x10,
  MAP_ANONYMOUS = 0x20,
  MAP_NORESERVE = 0x4000,
  MAP_HUGETLB = 0x40000;
const MAP_FIXED_NOREPLACE = 0x100000;
/** The flags MAP_SHARED_VALIDATE accepts (LEGACY_MAP_MASK; MAP_SYNC only on DAX files). */
const LEGACY_MAP_MASK =
  0x01 |
  0x02 |
  0x10 |
  0x20 |
  0x800 |
  0x1000 |
  0x4000000 |
  0x100 |
  0x2000 |
  0x4000 |
  0x8000 |
  0x10000 |
  0x20000 |
  0x40000 |
  MAP_FIXED_NOREPLACE;
const MREMAP_MAYMOVE = 1,
  MREMAP_FIXED = 2,
  MREMAP_DONTUNMAP = 4;
const MS_ASYNC = 1,
  MS_INVALIDATE = 2,
  MS_SYNC = 4;
const PROT_MASK = PROT_READ | PROT_WRITE | PROT_EXEC;
const PROT_SEM = 0x8,
  PROT_GROWSDOWN = 0x01000000,
  PROT_GROWSUP = 0x02000000;
const O_ACCMODE = 3,
  O_RDWR = 2,
  O_WRONLY = 1;
/** /dev/zero's device number (1:5): mapping it is anonymous memory. */
const DEV_ZERO = (1 << 8) | 5;

/** The area holding the page at `addr`, or the first one above it (find_vma). */
function areaFrom(
  p: Process,
  addr: number,
): { start: number; end: number; prot: number; obj: MemObject | null; pgoff: number; cow?: boolean } | undefined {
  return p.mem.areas().find((v) => v.end > addr);
}

/** brk (mm/mmap.c): RLIMIT_DATA, a page of room below the next mapping, shrinking always allowed; the old break on failure. */
export function brk(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc,
    want = a.u64(0),
    mm = p.mm;
  if (want < p.brkStart) return p.brk;
  const L = mm.layout,
    dataLim = p.rlimits.cur(2);
  if (dataLim !== Infinity && want - p.brkStart + (L.endData - L.startData) > dataLim) return p.brk;
  const oldTop = pageUp(p.brk),
    newTop = pageUp(want);
  if (newTop === oldTop) {
    p.brk = want;
    return want;
  }
  if (want <= p.brk) {
    noteVmPeak(mm);
    p.mem.unmap(newTop, oldTop - newTop);
    p.brk = want;
    return want;
  }
  const next = areaFrom(p, oldTop);
  const gap = next === undefined ? TASK_SIZE : next.start - (next.start === mm.stackStart ? STACK_GUARD_GAP : 0);
  if (newTop + PAGE_SIZE > gap) return p.brk;
  const grow = newTop - oldTop;
  if (!mayExpandVm(p, grow, true) || !mapCountOk(p.mem, 1) || !enoughMemory(p.kernel, grow)) return p.brk;
  p.mem.map(oldTop, grow, PROT_READ | PROT_WRITE);
  p.brk = want;
  return want;
}

/** What a file descriptor offers to mmap: a page-cache object, anonymous memory (/dev/zero), or -errno. */
function fileObject(
  t: Task,
  f: OpenFile,
  shared: boolean,
  prot: number,
): { obj: MemObject | null; m: Partial<Mapping> } | number {
  const k = t.proc.kernel;
  const acc = f.flags & O_ACCMODE;
  if (f instanceof MemFdFile) {
    const ino = f.inode;
    if (ino.huge) return -ENOMEM; // no huge page reserved (nr_hugepages 0)
    if (acc === O_WRONLY || (shared && (prot & PROT_WRITE) !== 0 && acc !== O_RDWR)) return -EACCES;
    const sealed = (ino.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) !== 0;
    if (shared && (prot & PROT_WRITE) !== 0 && sealed) return -EPERM;
    const mayWrite = !shared || (acc === O_RDWR && !sealed); // shmem_mmap clears VM_MAYWRITE under a write seal
    return { obj: f.obj, m: { path: f.path, dev: 1, ino: ino.ino, ...(mayWrite ? {} : { readOnly: true }) } };
  }
  if (!(f instanceof HostFile) || f.isDir) return -ENODEV;
  const st = k.host.fstat(f.hostFd);
  if (typeof st === "number") return st;
  if ((st.mode & S_IFMT) === S_IFCHR && st.rdev === DEV_ZERO) {
    return { obj: shared ? k.pageCache.anonymous(k, 0, false) : null, m: {} };
  }
  if ((st.mode & S_IFMT) !== S_IFREG) return -ENODEV;
  if (acc === O_WRONLY || (shared && (prot & PROT_WRITE) !== 0 && acc !== O_RDWR)) return -EACCES;
  const mayWrite = !shared || acc === O_RDWR;
  return {
    obj: k.pageCache.forMapping(k, f),
    m: { path: f.path, dev: st.dev, ino: st.ino, ...(mayWrite ? {} : { readOnly: true }) },
  };
}

/** Where a new mapping goes: MAP_FIXED's address (EINVAL unaligned, ENOMEM past the top), NOREPLACE's (EEXIST if taken), or a free range. */
function placeMapping(p: Process, addr: number, size: number, flags: number): number {
  if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) === 0) {
    const at = unmappedArea(p, addr, size);
    return at < 0 ? -ENOMEM : at;
  }
  if (addr % PAGE_SIZE !== 0) return -EINVAL;
  if (addr > TASK_SIZE - size) return -ENOMEM;
  if ((flags & MAP_FIXED_NOREPLACE) !== 0 && !p.mem.isFree(addr, size)) return -EEXIST;
  return addr;
}

/** mmap (ksys_mmap_pgoff, do_mmap, mmap_region) in Linux's order of checks. */
export function mmap(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc,
    k = p.kernel;
  const [addr, len, prot, flags, fd, off] = [a.ptr(0), a.size(1), a.int(2), a.int(3), a.int(4), a.u64n(5)];
  if (off % BigInt(PAGE_SIZE) !== 0n) return -EINVAL;
  const file = (flags & MAP_ANONYMOUS) === 0 ? p.fds.get(fd) : undefined;
  if ((flags & MAP_ANONYMOUS) === 0 && file === undefined) return -EBADF;
  if ((flags & MAP_ANONYMOUS) !== 0 && (flags & MAP_HUGETLB) !== 0) return -ENOMEM; // no huge pages reserved (nr_hugepages 0)
  if (len === 0) return -EINVAL;
  const size = pageUp(len);
  if (size > TASK_SIZE) return -ENOMEM;
  if (p.mem.areas().length > MAX_MAP_COUNT) return -ENOMEM;
  const type = flags & MAP_TYPE;
  if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return -EINVAL;
  // An anonymous mapping is MAP_SHARED or MAP_PRIVATE, never MAP_SHARED_VALIDATE (do_mmap).
  if (file === undefined && type === MAP_SHARED_VALIDATE) return -EINVAL;
  if (type === MAP_SHARED_VALIDATE && (flags & ~LEGACY_MAP_MASK) !== 0) return -ENOTSUP;
  const start = placeMapping(p, addr, size, flags);
  if (start < 0) return start;
  const shared = type !== MAP_PRIVATE;
  let obj: MemObject | null = null,
    named: Partial<Mapping> = {};
  if (file !== undefined) {
    const special = mmapSpecial(t, fd, start, size);
    if (special !== null) return special;
    const fo = fileObject(t, file, shared, prot);
    if (typeof fo === "number") return fo;
    ({ obj, m: named } = fo);
  }
  const fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) !== 0;
  if (!mayExpandVm(p, size, (prot & PROT_WRITE) !== 0 && !shared, fixed ? mappedIn(p.mem, start, start + size) : 0)) {
    return -ENOMEM;
  }
  const accountable =
    (flags & MAP_NORESERVE) === 0 && (shared ? obj !== null && file === undefined : (prot & PROT_WRITE) !== 0);
  if (accountable && !enoughMemory(k, size)) return -ENOMEM;
  if (shared && obj === null) {
    obj = k.pageCache.anonymous(k, size, false);
    named = { path: "/dev/zero (deleted)", dev: 1, ino: k.allocIno() };
  }
  if (fixed) noteVmPeak(p.mm);
  const pgoff = Number(off / BigInt(PAGE_SIZE));
  p.mem.map(
    start,
    size,
    prot & PROT_MASK,
    obj,
    obj === null ? 0 : file === undefined ? 0 : pgoff,
    obj !== null && !shared,
  );
  const m: Mapping = {
    start,
    end: start + size,
    prot: prot & PROT_MASK,
    path: "",
    offset: file === undefined ? 0 : Number(off),
    ...named,
  };
  if (m.path !== "") p.addMapping(m);
  else p.removeMappings(start, start + size);
  k.lwpProf?.onMap(p, m);
  if (fixed) k.pageCache.collect(k);
  return start;
}

/** Writes back the shared objects mapped in [start, end) (munmap, msync); true if the range had a hole. */
function syncRange(p: Process, start: number, end: number): boolean {
  const k = p.kernel;
  let at = start;
  let hole = false;
  for (const v of p.mem.areas()) {
    if (v.end <= start || v.start >= end) continue;
    if (v.start > at) hole = true;
    if (v.obj !== null && v.cow !== true) k.pageCache.sync(k, v.obj);
    at = v.end;
  }
  return hole || at < end;
}

/** munmap (do_vmi_munmap): EINVAL for an unaligned or out-of-range request, ENOMEM when a split would pass vm.max_map_count. */
export function munmap(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc,
    addr = a.ptr(0),
    len = a.size(1);
  if (addr % PAGE_SIZE !== 0 || addr > TASK_SIZE || len > TASK_SIZE - addr) return -EINVAL;
  const size = pageUp(len);
  if (size === 0) return -EINVAL;
  const inner = p.mem.areas().find((v) => v.start < addr && v.end > addr + size);
  if (inner !== undefined && !mapCountOk(p.mem, 1)) return -ENOMEM;
  noteVmPeak(p.mm);
  const hadObjects = p.mem.areas().some((v) => v.obj !== null && v.end > addr && v.start < addr + size);
  if (hadObjects) syncRange(p, addr, addr + size);
  p.mem.unmap(addr, size);
  p.removeMappings(addr, addr + size);
  if (hadObjects) p.kernel.pageCache.collect(p.kernel);
  return 0;
}

/** Whether making [start, end) writable is allowed: not over a shared mapping of a file opened read-only (VM_MAYWRITE). */
function mayWrite(p: Process, start: number, end: number): boolean {
  return !p.mappings.some((m) => m.readOnly === true && m.end > start && m.start < end);
}

/**
 * PROT_GROWSDOWN/PROT_GROWSUP (do_mprotect_pkey): the range starts at the bottom of
 * the area found (find_vma), which must grow down (only the stack, VM_GROWSDOWN);
 * nothing grows up on x86 (VM_GROWSUP is VM_NONE). The new start, or -errno.
 */
function growsStart(p: Process, start: number, end: number, grows: number): number {
  const v = p.mem.areas().find((x) => x.end > start);
  if (v === undefined || start >= TASK_SIZE) return -ENOMEM;
  if (grows === PROT_GROWSUP) return v.start > start ? -ENOMEM : -EINVAL;
  if (v.start >= end) return -ENOMEM;
  return v.start === p.mm.stackStart ? v.start : -EINVAL;
}

/** mprotect (do_mprotect_pkey): applied area by area up to the first hole (ENOMEM there). */
export function mprotect(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc,
    len = a.size(1);
  let addr = a.ptr(0),
    prot = a.u64(2);
  const grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
  prot -= grows;
  if (grows === (PROT_GROWSDOWN | PROT_GROWSUP)) return -EINVAL;
  if (addr % PAGE_SIZE !== 0) return -EINVAL;
  if (len === 0) return 0;
  let size = pageUp(len);
  if (addr + size >= 2 ** 64 || size === 0) return -ENOMEM;
  if ((prot & ~(PROT_MASK | PROT_SEM)) !== 0) return -EINVAL;
  if (grows !== 0) {
    const from = growsStart(p, addr, addr + size, grows);
    if (from < 0) return from;
    size += addr - from;
    addr = from;
  }
  if (addr >= TASK_SIZE || !p.mem.isMapped(addr)) return -ENOMEM;
  if ((prot & PROT_WRITE) !== 0 && !mayWrite(p, addr, addr + size)) return -EACCES;
  const splits = p.mem
    .areas()
    .filter((v) => (v.start < addr && v.end > addr) || (v.start < addr + size && v.end > addr + size)).length;
  if (!mapCountOk(p.mem, splits)) return -ENOMEM;
  const ok = p.mem.protect(addr, Math.min(size, TASK_SIZE - addr), prot & PROT_MASK);
  for (const m of p.mappings) if (m.start >= addr && m.end <= addr + size) m.prot = prot & PROT_MASK;
  return ok ? 0 : -ENOMEM;
}

/** The part of mremap that grows or moves [old, old+oldLen) to newLen bytes (vma_to_resize, move_vma). */
function remapGrow(p: Process, old: number, oldLen: number, newLen: number, flags: number, to: number | null): number {
  const v = p.mem.areas().find((x) => x.start <= old && x.end > old);
  if (v === undefined || oldLen > v.end - old) return -14; // EFAULT
  const grow = newLen - oldLen;
  const priv = v.obj === null || v.cow === true;
  if (!mayExpandVm(p, grow, priv && (v.prot & PROT_WRITE) !== 0)) return -ENOMEM;
  if (priv && (v.prot & PROT_WRITE) !== 0 && !enoughMemory(p.kernel, grow)) return -ENOMEM;
  const pgoff = v.obj === null ? 0 : v.pgoff + (old - v.start) / PAGE_SIZE;
  const extend = (at: number): void => {
    if (grow > 0) {
      p.mem.map(at + oldLen, grow, v.prot, v.obj, v.obj === null ? 0 : pgoff + oldLen / PAGE_SIZE, v.cow === true);
    }
  };
  if (to === null && old + oldLen === v.end && old + newLen <= TASK_SIZE && p.mem.isFree(old + oldLen, grow)) {
    extend(old);
    return old;
  }
  if ((flags & MREMAP_MAYMOVE) === 0) return -ENOMEM;
  const dest = to ?? unmappedArea(p, 0, newLen);
  if (dest < 0) return -ENOMEM;
  p.mem.movePages(old, dest, oldLen);
  const named = p.mappings.filter((m) => m.start < old + oldLen && m.end > old);
  p.removeMappings(old, old + oldLen);
  for (const m of named) {
    p.addMapping({
      ...m,
      start: Math.max(m.start, old) - old + dest,
      end: Math.min(m.end, old + oldLen) - old + dest,
      offset: m.offset + Math.max(0, old - m.start),
    });
  }
  extend(dest);
  if ((flags & MREMAP_DONTUNMAP) !== 0) p.mem.map(old, oldLen, v.prot, v.obj, pgoff, v.cow === true);
  return dest;
}

/** mremap (mm/mremap.c): shrink in place, grow in place when the room is free, else move (MREMAP_MAYMOVE, MREMAP_FIXED). */
export function mremap(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc;
  const [old, oldIn, newIn, flags, fixed] = [a.ptr(0), a.size(1), a.size(2), a.int(3), a.ptr(4)];
  if ((flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP)) !== 0) return -EINVAL;
  if ((flags & MREMAP_FIXED) !== 0 && (flags & MREMAP_MAYMOVE) === 0) return -EINVAL;
  if ((flags & MREMAP_DONTUNMAP) !== 0 && ((flags & MREMAP_MAYMOVE) === 0 || oldIn !== newIn)) return -EINVAL;
  if (old % PAGE_SIZE !== 0) return -EINVAL;
  let oldLen = pageUp(oldIn) % 2 ** 64;
  const newLen = pageUp(newIn);
  if (newLen === 0 || newLen >= 2 ** 64 || newLen > TASK_SIZE) return -EINVAL;
  noteVmPeak(p.mm);
  if ((flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) !== 0) {
    let to: number | null = null;
    if ((flags & MREMAP_FIXED) !== 0) {
      if (fixed % PAGE_SIZE !== 0 || newLen > TASK_SIZE || fixed > TASK_SIZE - newLen) return -EINVAL;
      if (old + oldLen > fixed && fixed + newLen > old) return -EINVAL;
      p.mem.unmap(fixed, newLen);
      p.removeMappings(fixed, fixed + newLen);
      to = fixed;
    }
    if (oldLen > newLen) {
      p.mem.unmap(old + newLen, oldLen - newLen);
      p.removeMappings(old + newLen, old + oldLen);
      oldLen = newLen;
    }
    const r = remapGrow(p, old, oldLen, newLen, flags, to);
    p.kernel.pageCache.collect(p.kernel);
    return r;
  }
  if (oldLen >= newLen) {
    if (oldLen > newLen) {
      p.mem.unmap(old + newLen, oldLen - newLen);
      p.removeMappings(old + newLen, old + oldLen);
      p.kernel.pageCache.collect(p.kernel);
    }
    return old;
  }
  return remapGrow(p, old, oldLen, newLen, flags, null);
}

/** The advice values Linux 6.1 knows (madvise_behavior_valid). */
const ADVICE = new Set([0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 100, 101]);
const MADV_DONTNEED = 4,
  MADV_REMOVE = 9,
  MADV_DONTNEED_LOCKED = 24;

/** madvise (do_madvise): DONTNEED drops pages (private memory reads zeros again, shared memory its object); ENOMEM for holes. */
export function madvise(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc,
    addr = a.ptr(0),
    lenIn = a.size(1),
    advice = a.int(2);
  if (!ADVICE.has(advice)) return -EINVAL;
  if (addr % PAGE_SIZE !== 0) return -EINVAL;
  const len = pageUp(lenIn);
  if (lenIn !== 0 && (len === 0 || len >= 2 ** 64)) return -EINVAL;
  if (addr + len >= 2 ** 64) return -EINVAL;
  if (len === 0) return 0;
  const end = Math.min(addr + len, TASK_SIZE);
  const covered = addr < TASK_SIZE && p.mem.isCovered(addr, end - addr) && addr + len <= TASK_SIZE;
  if (advice === MADV_DONTNEED || advice === MADV_DONTNEED_LOCKED || advice === MADV_REMOVE) {
    for (const v of p.mem.areas()) {
      if (v.end <= addr || v.start >= end) continue;
      const s = Math.max(v.start, addr),
        e = Math.min(v.end, end);
      p.mem.discard(s, e - s);
    }
  }
  return covered ? 0 : -ENOMEM;
}

/** msync (mm/msync.c): writes shared file pages back; ENOMEM when the range has holes. */
export function msync(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc,
    addr = a.ptr(0),
    lenIn = a.size(1),
    flags = a.int(2);
  if ((flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) !== 0) return -EINVAL;
  if (addr % PAGE_SIZE !== 0) return -EINVAL;
  if ((flags & MS_ASYNC) !== 0 && (flags & MS_SYNC) !== 0) return -EINVAL;
  const len = pageUp(lenIn);
  if (addr + len >= 2 ** 64) return -ENOMEM;
  if (len === 0) return 0;
  return syncRange(p, addr, addr + len) ? -ENOMEM : 0;
}

/**
 * mincore (mm/mincore.c): one byte per page, 1 for every mapped page (lwp does
 * not page anything out; Linux reports 0 for a page never touched: Q-MINCORE).
 */
export function mincore(t: Task, a: SyscallArgs): SysResult {
  const addr = a.ptr(0),
    len = a.size(1),
    vec = a.ptr(2);
  if (addr % PAGE_SIZE !== 0) return -EINVAL;
  const pages = Math.ceil(len / PAGE_SIZE);
  if (vec + pages > TASK_SIZE) return -EFAULT;
  if (addr + pages * PAGE_SIZE > TASK_SIZE) return -ENOMEM;
  if (!t.proc.mem.isCovered(addr, pages * PAGE_SIZE)) return -ENOMEM;
  copyOut(t, vec, new Uint8Array(pages).fill(1));
  return 0;
}
