// SPDX-License-Identifier: MIT
// Helpers shared by syscall handlers: guest strings, paths, struct writers.
import { MemoryFault } from "../../hw/memory/address-space.js";
import { EBADF, EFAULT, ENOENT, ENOTDIR } from "../errno.js";
import { HostFile } from "../fs/files.js";
import { resolvePath } from "../fs/paths.js";
import type { HostStat } from "../host.js";
import type { Process } from "../process.js";
import type { Kernel } from "../kernel.js";
import { hostPathOf } from "../fs/root.js";

export const AT_FDCWD = -100;
const utf8 = new TextDecoder();

/** Runs fn, turning a guest memory fault into -EFAULT (as copy_from_user does). */
export function guarded(fn: () => number): number {
  try {
    return fn();
  } catch (e) {
    if (e instanceof MemoryFault) return -EFAULT;
    throw e;
  }
}

export function cstring(p: Process, addr: number): string {
  return utf8.decode(p.mem.readCString(addr, 4096));
}

/** Resolves a path argument relative to dirfd (AT_FDCWD or a directory fd); string or -errno. */
export function pathAt(p: Process, dirfd: number, addr: number): string | number {
  const path = cstring(p, addr);
  if (path === "") return -ENOENT;
  if (path.startsWith("/")) return resolvePath("/", path);
  if ((dirfd | 0) === AT_FDCWD) return resolvePath(p.cwd, path);
  const f = p.fds.get(dirfd | 0);
  if (f === undefined) return -EBADF;
  if (!(f instanceof HostFile) || !f.isDir) return -ENOTDIR;
  return resolvePath(f.path, path);
}

/**
 * The host path for a guest path: kernel-synthesised names (/proc/self/exe), then
 * --root; `follow` says whether a symlink in the last component is followed.
 */
export function hostPath(k: Kernel, p: Process, path: string, follow = false): string {
  return hostPathOf(k, path === "/proc/self/exe" ? p.exePath : path, follow);
}

/** A handler on one path argument (relative to the dirfd argument, if any), given as a host path. */
export function pathOp(fn: (k: Kernel, p: Process, path: string, a: readonly number[]) => number, dirArg: number | null, pathArg: number, follow = false) {
  return (k: Kernel, p: Process, a: readonly number[]): number => guarded(() => {
    const path = pathAt(p, dirArg === null ? AT_FDCWD : a[dirArg]!, a[pathArg]!);
    return typeof path === "number" ? path : fn(k, p, hostPath(k, p, path, follow), a);
  });
}

/** A signed 64-bit value from guest memory (time_t, long). */
export function getI64(p: Process, a: number): bigint {
  return BigInt(p.mem.read32(a) >>> 0) | (BigInt(p.mem.read32(a + 4)) << 32n);
}

export function putU64(p: Process, a: number, v: number | bigint): void {
  const b = BigInt.asUintN(64, BigInt(v));
  p.mem.write64(a, Number(b & 0xffffffffn) | 0, Number(b >> 32n) | 0);
}

/** struct stat (arch/x86/include/uapi/asm/stat.h, 144 bytes). */
export function writeStat(p: Process, a: number, st: HostStat): void {
  const buf = new Uint8Array(144);
  const v = new DataView(buf.buffer);
  const u64 = (o: number, x: number | bigint): void => v.setBigUint64(o, BigInt.asUintN(64, BigInt(x)), true);
  u64(0, st.dev); u64(8, st.ino); u64(16, st.nlink);
  v.setUint32(24, st.mode, true); v.setUint32(28, st.uid, true); v.setUint32(32, st.gid, true);
  u64(40, st.rdev); u64(48, st.size); u64(56, st.blksize); u64(64, st.blocks);
  const ts = (o: number, ns: bigint): void => { u64(o, ns / 1_000_000_000n); u64(o + 8, ns % 1_000_000_000n); };
  ts(72, st.atimeNs); ts(88, st.mtimeNs); ts(104, st.ctimeNs);
  p.mem.writeBytes(a, buf);
}

/** struct statx (include/uapi/linux/stat.h, 256 bytes) with the basic fields. */
export function writeStatx(p: Process, a: number, st: HostStat): void {
  const buf = new Uint8Array(256);
  const v = new DataView(buf.buffer);
  const u64 = (o: number, x: number | bigint): void => v.setBigUint64(o, BigInt.asUintN(64, BigInt(x)), true);
  v.setUint32(0, 0x7ff, true); // STATX_BASIC_STATS
  v.setUint32(4, st.blksize, true);
  v.setUint32(16, st.nlink, true); v.setUint32(20, st.uid, true); v.setUint32(24, st.gid, true);
  v.setUint16(28, st.mode, true);
  u64(32, st.ino); u64(40, st.size); u64(48, st.blocks);
  const ts = (o: number, ns: bigint): void => { u64(o, ns / 1_000_000_000n); v.setUint32(o + 8, Number(ns % 1_000_000_000n), true); };
  ts(64, st.atimeNs); ts(96, st.ctimeNs); ts(112, st.mtimeNs);
  v.setUint32(128, Math.floor(st.rdev / 256) & 0xfff, true); v.setUint32(132, st.rdev & 0xff, true);
  v.setUint32(136, Math.floor(st.dev / 256) & 0xfff, true); v.setUint32(140, st.dev & 0xff, true);
  p.mem.writeBytes(a, buf);
}
