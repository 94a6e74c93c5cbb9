// SPDX-License-Identifier: MIT
// Memory management calls (mm/mmap.c, mprotect.c, mremap.c): brk, mmap,
// munmap, mprotect, mremap, madvise; anonymous and private file mappings.
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, USER_LIMIT } from "../../hw/memory/address-space.js";
import { EBADF, EFAULT, EINVAL, ENOMEM, EEXIST, EACCES, ENODEV } from "../errno.js";
import { HostFile } from "../fs/files.js";
import type { Task } from "../task.js";
import { type SyscallArgs, type SysResult } from "./abi.js";
import { copyOut } from "../usercopy.js";
import { mmapSpecial } from "./perf.js";

const MAP_SHARED = 0x01;
const MAP_PRIVATE = 0x02;
const MAP_FIXED = 0x10;
const MAP_ANONYMOUS = 0x20;
const MAP_FIXED_NOREPLACE = 0x100000;
const MREMAP_MAYMOVE = 1;
const MREMAP_FIXED = 2;

const pageUp = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
const PROT_MASK = PROT_READ | PROT_WRITE | PROT_EXEC;
/** PROT_SEM: accepted and meaningless on x86. PROT_GROWSDOWN/UP need a stack area: refused. */
const PROT_SEM = 0x8;
/** TASK_SIZE: the end of the user address space (the last page below 2^47 is a guard). */
const TASK_SIZE = USER_LIMIT - PAGE_SIZE;
const MAP_TYPE = 0x0f;

export function brk(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc, want = a.u64(0);
  if (want < p.brkStart) return p.brk;
  const oldTop = pageUp(p.brk), newTop = pageUp(want);
  if (newTop > oldTop) {
    if (!p.mem.isFree(oldTop, newTop - oldTop)) return p.brk;
    p.mem.map(oldTop, newTop - oldTop, PROT_READ | PROT_WRITE);
  } else if (newTop < oldTop) p.mem.unmap(newTop, oldTop - newTop);
  p.brk = want;
  return p.brk;
}

export function mmap(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc, k = p.kernel;
  const [addr, len, prot, flags, fd, off] = [a.ptr(0), a.size(1), a.int(2), a.int(3), a.int(4), a.u64(5)];
  if (len > 2 ** 47) return -ENOMEM;
  if (len === 0 || off % PAGE_SIZE !== 0 || (flags & (MAP_SHARED | MAP_PRIVATE)) === 0) return -EINVAL;
  // An anonymous mapping is MAP_SHARED or MAP_PRIVATE, never MAP_SHARED_VALIDATE (do_mmap).
  if ((flags & MAP_ANONYMOUS) !== 0 && (flags & MAP_TYPE) !== MAP_SHARED && (flags & MAP_TYPE) !== MAP_PRIVATE) return -EINVAL;
  const size = pageUp(len);
  let start: number;
  if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) !== 0) {
    if (addr % PAGE_SIZE !== 0) return -EINVAL;
    if (size > TASK_SIZE || addr > TASK_SIZE - size) return -ENOMEM;
    if ((flags & MAP_FIXED_NOREPLACE) !== 0) {
      if (!p.mem.isFree(addr, size)) return -EEXIST;
    }
    start = addr;
  } else {
    start = p.findFree(size, addr - (addr % PAGE_SIZE));
    if (start < 0) return -ENOMEM;
  }
  let data: Uint8Array | null = null;
  let path = "";
  if ((flags & MAP_ANONYMOUS) === 0) {
    const special = mmapSpecial(t, fd, start, size);
    if (special !== null) return special;
    const f = p.fds.get(fd);
    if (f === undefined) return -EBADF;
    if (!(f instanceof HostFile) || f.isDir) return -ENODEV;
    if ((f.flags & 3) === 1) return -EACCES;
    data = new Uint8Array(len);
    const n = k.host.read(f.hostFd, data, off);
    if (n < 0) return n;
    data = data.subarray(0, n);
    path = f.path;
  }
  p.mem.map(start, size, prot & PROT_MASK);
  if (data !== null && data.length > 0) p.mem.poke(start, data);
  p.addMapping({ start, end: start + size, prot: prot & PROT_MASK, path, offset: off });
  k.lwpProf?.onMap(p, { start, end: start + size, prot: prot & PROT_MASK, path, offset: off });
  return start;
}

export function munmap(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc, addr = a.ptr(0), len = a.size(1);
  if (addr % PAGE_SIZE !== 0 || len === 0 || addr > TASK_SIZE || len > TASK_SIZE - addr) return -EINVAL;
  p.mem.unmap(addr, pageUp(len));
  p.removeMappings(addr, addr + pageUp(len));
  return 0;
}

export function mprotect(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc, addr = a.ptr(0), len = a.size(1), prot = a.int(2);
  if (addr % PAGE_SIZE !== 0 || (prot & ~(PROT_MASK | PROT_SEM)) !== 0) return -EINVAL;
  if (len === 0) return 0;
  if (addr + pageUp(len) > TASK_SIZE) return -ENOMEM;
  return p.mem.protect(addr, pageUp(len), prot & PROT_MASK) ? 0 : -ENOMEM;
}

export function mremap(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc;
  const [old, oldLen, newLen, flags, fixed] = [a.ptr(0), pageUp(a.size(1)), pageUp(a.size(2)), a.int(3), a.ptr(4)];
  if (old % PAGE_SIZE !== 0 || newLen === 0 || newLen > TASK_SIZE || oldLen > TASK_SIZE) return -EINVAL;
  if (!p.mem.isCovered(old, oldLen)) return -EFAULT;
  if (newLen <= oldLen && (flags & MREMAP_FIXED) === 0) {
    if (newLen < oldLen) p.mem.unmap(old + newLen, oldLen - newLen);
    return old;
  }
  const prot = p.mem.protOf(old) ?? PROT_READ | PROT_WRITE;
  if ((flags & MREMAP_FIXED) === 0 && p.mem.isFree(old + oldLen, newLen - oldLen)) {
    p.mem.map(old + oldLen, newLen - oldLen, prot);
    return old;
  }
  if ((flags & MREMAP_MAYMOVE) === 0) return -ENOMEM;
  const to = (flags & MREMAP_FIXED) !== 0 ? fixed : p.findFree(newLen);
  if (to < 0) return -ENOMEM;
  if ((flags & MREMAP_FIXED) !== 0) p.mem.unmap(to, newLen);
  p.mem.movePages(old, to, oldLen);
  if (newLen > oldLen) p.mem.map(to + oldLen, newLen - oldLen, prot);
  return to;
}


/** Advice values madvise_behavior_valid accepts: 0–4 and 8–25 (MADV_FREE … MADV_COLLAPSE). */
function adviceValid(advice: number): boolean {
  return (advice >= 0 && advice <= 4) || (advice >= 8 && advice <= 25);
}

/**
 * madvise (mm/madvise.c): MADV_DONTNEED (4) zeroes private anonymous pages;
 * other valid advice is accepted and ignored; a range with unmapped pages is
 * ENOMEM (after the mapped ones took the advice).
 */
export function madvise(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc, addr = a.ptr(0), lenIn = a.size(1), advice = a.int(2);
  if (!adviceValid(advice) || addr % PAGE_SIZE !== 0) return -EINVAL;
  const len = pageUp(lenIn);
  if (addr + len >= 2 ** 64) return -EINVAL;
  if (len === 0) return 0;
  if (addr >= TASK_SIZE) return -ENOMEM;
  const end = Math.min(addr + len, TASK_SIZE);
  if (advice === 4) p.mem.discard(addr, end - addr);
  return covered(p.mem, addr, addr + len) ? 0 : -ENOMEM;
}

/** Whether every page of [start, end) is mapped. */
function covered(mem: { isMapped(a: number): boolean }, start: number, end: number): boolean {
  if (end > TASK_SIZE) return false;
  for (let a = start; a < end; a += PAGE_SIZE) if (!mem.isMapped(a)) return false;
  return true;
}

const MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;

/** msync (mm/msync.c): argument checks and ENOMEM for unmapped pages; private copies have nothing to write (Q-MMAP-SHARED). */
export function msync(t: Task, a: SyscallArgs): SysResult {
  const addr = a.ptr(0), len = pageUp(a.size(1)), flags = a.int(2);
  if ((flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) !== 0 || addr % PAGE_SIZE !== 0) return -EINVAL;
  if ((flags & MS_ASYNC) !== 0 && (flags & MS_SYNC) !== 0) return -EINVAL;
  if (len === 0) return 0;
  if (addr + len >= 2 ** 64) return -ENOMEM;
  return covered(t.proc.mem, addr, addr + len) ? 0 : -ENOMEM;
}

/**
 * mincore (mm/mincore.c): one byte per page, 1 for every mapped page (lwp does
 * not page anything out; Linux reports 0 for a page never touched: Q-MINCORE).
 */
export function mincore(t: Task, a: SyscallArgs): SysResult {
  const addr = a.ptr(0), len = a.size(1), vec = a.ptr(2);
  if (addr % PAGE_SIZE !== 0) return -EINVAL;
  const pages = Math.ceil(len / PAGE_SIZE);
  if (vec + pages > TASK_SIZE) return -EFAULT;
  if (addr + pages * PAGE_SIZE > TASK_SIZE) return -ENOMEM;
  if (!covered(t.proc.mem, addr, addr + pages * PAGE_SIZE)) return -ENOMEM;
  copyOut(t, vec, new Uint8Array(pages).fill(1));
  return 0;
}
