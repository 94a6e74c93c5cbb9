// SPDX-License-Identifier: MIT
// Copies between the kernel and a task's memory (include/linux/uaccess.h,
// lib/strncpy_from_user.c, lib/iov_iter.c). A fault throws MemoryFault, which
// the dispatcher turns into -EFAULT for the call, in one place. The partial
// rules are Linux's: copyOut writes the bytes before the faulting page and then
// fails (copy_to_user's short copy); I/O buffers transfer the accessible prefix
// and fail only when it is empty (readable/writablePrefix); a string fails at
// its first unreadable byte, and a path without its NUL within PATH_MAX is
// ENAMETOOLONG.
import {
  ACCESS_READ,
  ACCESS_WRITE,
  type AccessKind,
  type AddressSpace,
  MemoryFault,
  PAGE_MASK,
  PAGE_SIZE,
} from "../hw/memory/address-space.js";
import { EINVAL, ENAMETOOLONG } from "./errno.js";
import { fail } from "./syscalls/abi.js";
import type { Task } from "./task.js";

const PATH_MAX = 4096;
/** UIO_MAXIOV: the most iovecs one readv/writev takes. */
const UIO_MAXIOV = 1024;
/** MAX_RW_COUNT: one read/write transfers at most INT_MAX rounded down to a page. */
export const MAX_RW_COUNT = 0x7ffff000;
/** MAX_ARG_STRINGS: the most argv/envp entries execve reads. */
const MAX_ARG_STRINGS = 0x7fffffff;

const utf8 = new TextDecoder();

/** Bytes [addr, addr+len) of the task's memory. */
export function copyIn(t: Task, addr: number, len: number): Uint8Array {
  return t.proc.mem.readBytes(addr, len);
}

/** Writes `bytes` at addr: the pages before a fault are written, then the fault is thrown. */
export function copyOut(t: Task, addr: number, bytes: Uint8Array): void {
  const n = writablePrefix(t.proc.mem, addr, bytes.length);
  if (n > 0) t.proc.mem.writeBytes(addr, bytes.subarray(0, n));
  if (n < bytes.length) t.proc.mem.probeWrite(addr + n, 1);
}

/** How many bytes from addr (up to len) can be accessed before the first faulting page. */
function accessiblePrefix(mem: AddressSpace, addr: number, len: number, access: AccessKind): number {
  let done = 0;
  while (done < len) {
    const a = addr + done;
    try {
      if (access === ACCESS_WRITE) mem.probeWrite(a, 1);
      else mem.probeRead(a, 1);
    } catch (e) {
      if (e instanceof MemoryFault) return done;
      throw e;
    }
    done += Math.min(len - done, PAGE_SIZE - (a & PAGE_MASK));
  }
  return done;
}

export function writablePrefix(mem: AddressSpace, addr: number, len: number): number {
  return accessiblePrefix(mem, addr, len, ACCESS_WRITE);
}

export function readablePrefix(mem: AddressSpace, addr: number, len: number): number {
  return accessiblePrefix(mem, addr, len, ACCESS_READ);
}

/** A NUL-terminated string of at most `max` bytes before the NUL, as bytes; null when longer. */
export function copyInCString(t: Task, addr: number, max: number): Uint8Array | null {
  const mem = t.proc.mem;
  const out: number[] = [];
  for (let k = 0; k <= max; k++) {
    const b = mem.read8(addr + k);
    if (b === 0) return Uint8Array.from(out);
    if (k < max) out.push(b);
  }
  return null;
}

/** A string argument (strncpy_from_user): EFAULT at an unreadable byte, `tooLong` past max. */
export function copyInString(t: Task, addr: number, max = PATH_MAX - 1, tooLong = ENAMETOOLONG): string {
  const b = copyInCString(t, addr, max);
  return b === null ? fail(tooLong) : utf8.decode(b);
}

/** A NULL-terminated array of string pointers (execve's argv/envp); a NULL array is empty. */
export function copyInStrings(t: Task, addr: number): string[] {
  const out: string[] = [];
  for (let i = 0; addr !== 0 && i < MAX_ARG_STRINGS; i++) {
    const ptr = getU64(t, addr + 8 * i);
    if (ptr === 0) break;
    out.push(copyInString(t, ptr, 32 * PAGE_SIZE - 1, 7 /* E2BIG */));
  }
  return out;
}

interface Iovec {
  readonly base: number;
  readonly len: number;
}

/**
 * struct iovec[cnt] (lib/iov_iter.c import_iovec): EINVAL for a count above
 * UIO_MAXIOV or a negative length; the total is clamped to MAX_RW_COUNT.
 */
export function copyInIovecs(t: Task, addr: number, cnt: number): Iovec[] {
  if (cnt < 0 || cnt > UIO_MAXIOV) fail(EINVAL);
  const out: Iovec[] = [];
  let total = 0;
  for (let i = 0; i < cnt; i++) {
    const base = getU64(t, addr + 16 * i);
    const len = getI64(t, addr + 16 * i + 8);
    if (len < 0n) fail(EINVAL);
    const n = Math.min(Number(len), MAX_RW_COUNT - total);
    out.push({ base, len: n });
    total += n;
  }
  return out;
}

/** An unsigned 64-bit value (unsigned long, pointers); exact below 2^53. */
export function getU64(t: Task, a: number): number {
  const mem = t.proc.mem;
  mem.probeRead(a, 8);
  return (mem.read32(a + 4) >>> 0) * 4294967296 + (mem.read32(a) >>> 0);
}

/** A signed 64-bit value (time_t, long, ssize_t) exactly. */
export function getI64(t: Task, a: number): bigint {
  const mem = t.proc.mem;
  mem.probeRead(a, 8);
  return BigInt.asIntN(64, BigInt(mem.read32(a) >>> 0) | (BigInt(mem.read32(a + 4) >>> 0) << 32n));
}

export function putU64(t: Task, a: number, v: number | bigint): void {
  const b = BigInt.asUintN(64, BigInt(v));
  t.proc.mem.write64(a, Number(b & 0xffffffffn) | 0, Number(b >> 32n) | 0);
}

export function getU32(t: Task, a: number): number {
  return t.proc.mem.read32(a) >>> 0;
}

export function putU32(t: Task, a: number, v: number): void {
  t.proc.mem.write32(a, v);
}

/**
 * Runs a guest-memory access outside a system call (a blocker's poll, a deferred
 * write on wake): a fault gives `onFault` instead of propagating.
 */
export function tryAccess<T>(fn: () => T, onFault: T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof MemoryFault) return onFault;
    throw e;
  }
}
