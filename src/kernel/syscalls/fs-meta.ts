// SPDX-License-Identifier: MIT
// File metadata and names with host passthrough: the chmod and chown families,
// utime/utimes/utimensat (fs/utimes.c: UTIME_NOW is the guest's clock, UTIME_OMIT
// keeps a time), link/symlink, statfs/fstatfs and fchdir.
import { EBADF, EFAULT, EINVAL, ELOOP, ENOENT, ENOTDIR } from "../errno.js";
import { HostFile, S_IFLNK, S_IFMT } from "../fs/files.js";
import { resolvePath } from "../fs/paths.js";
import type { HostStatfs } from "../host.js";
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import { type SyscallRow, sys } from "./types.js";
import { AT_FDCWD, cstring, getI64, guarded, hostPath, pathAt, pathOp, putU64 } from "./util.js";

const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_SYMLINK_FOLLOW = 0x400;
const AT_EMPTY_PATH = 0x1000;
const UTIME_NOW = (1n << 30n) - 1n;
const UTIME_OMIT = (1n << 30n) - 2n;
const NS = 1_000_000_000n;
/** f_type of a pipe's file system (PIPEFS_MAGIC), f_flags ST_VALID. */
const PIPEFS_MAGIC = 0x50495045;
const ST_VALID = 0x20;

type Target = { path: string; follow: boolean } | { fd: number };

/** The file a *at call names: dirfd + path, or dirfd itself for an empty path with AT_EMPTY_PATH / a NULL path. */
function target(p: Process, dirfd: number, pathAddr: number, flags: number, followDefault: boolean): Target | number {
  if (pathAddr === 0 || ((flags & AT_EMPTY_PATH) !== 0 && cstring(p, pathAddr) === "")) {
    if (pathAddr === 0 && (dirfd | 0) === AT_FDCWD) return -EFAULT;
    const f = p.fds.get(dirfd | 0);
    if (f === undefined) return -EBADF;
    return f instanceof HostFile ? { fd: f.hostFd } : -EINVAL;
  }
  const path = pathAt(p, dirfd, pathAddr);
  if (typeof path === "number") return path;
  const follow = followDefault ? (flags & AT_SYMLINK_NOFOLLOW) === 0 : (flags & AT_SYMLINK_FOLLOW) !== 0;
  return { path, follow };
}

function chownAt(k: Kernel, p: Process, dirfd: number, pathAddr: number, uid: number, gid: number, flags: number): number {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  return guarded(() => {
    const t = target(p, dirfd, pathAddr, flags, true);
    if (typeof t === "number") return t;
    if ("fd" in t) return k.host.fchown(t.fd, uid | 0, gid | 0);
    return k.host.chown(hostPath(k, p, t.path, t.follow), uid | 0, gid | 0, t.follow);
  });
}

/** The times to set, in ns: [atime, mtime] with null = UTIME_OMIT; -EINVAL for a bad nsec/usec. */
function readTimes(k: Kernel, p: Process, addr: number, unit: "timespec" | "timeval" | "utimbuf"): (bigint | null)[] | number {
  const now = k.realtimeNs(p);
  if (addr === 0) return [now, now];
  const out: (bigint | null)[] = [];
  for (let i = 0; i < 2; i++) {
    if (unit === "utimbuf") {
      out.push(getI64(p, addr + 8 * i) * NS);
      continue;
    }
    const sec = getI64(p, addr + 16 * i), frac = getI64(p, addr + 16 * i + 8);
    if (unit === "timespec" && frac === UTIME_NOW) out.push(now);
    else if (unit === "timespec" && frac === UTIME_OMIT) out.push(null);
    else if (frac < 0n || frac >= (unit === "timespec" ? NS : 1_000_000n)) return -EINVAL;
    else out.push(sec * NS + frac * (unit === "timespec" ? 1n : 1000n));
  }
  return out;
}

function utimesAt(k: Kernel, p: Process, dirfd: number, pathAddr: number, timesAddr: number, flags: number, unit: "timespec" | "timeval" | "utimbuf"): number {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  return guarded(() => {
    const times = readTimes(k, p, timesAddr, unit);
    if (typeof times === "number") return times;
    const t = target(p, dirfd, pathAddr, flags, true);
    if (typeof t === "number") return t;
    const path = "fd" in t ? null : hostPath(k, p, t.path, t.follow);
    const follow = "fd" in t || t.follow;
    const st = "fd" in t ? k.host.fstat(t.fd) : k.host.stat(path!, follow);
    if (typeof st === "number") return st;
    if (times[0] === null && times[1] === null) return 0;
    const at = times[0] ?? st.atimeNs, mt = times[1] ?? st.mtimeNs;
    return "fd" in t ? k.host.futimes(t.fd, at, mt) : k.host.utimes(path!, at, mt, follow);
  });
}

/** The path with symlinks in its last component followed (linkat's AT_SYMLINK_FOLLOW). */
function followLinks(k: Kernel, p: Process, path: string): string | number {
  for (let n = 0; n < 40; n++) {
    const st = k.host.stat(hostPath(k, p, path), false);
    if (typeof st === "number") return st;
    if ((st.mode & S_IFMT) !== S_IFLNK) return path;
    const to = k.host.readlink(hostPath(k, p, path));
    if (typeof to === "number") return to;
    path = resolvePath(path.slice(0, path.lastIndexOf("/")) || "/", to);
  }
  return -ELOOP;
}

function linkAt(k: Kernel, p: Process, a: readonly number[]): number {
  const flags = a[4]! | 0;
  if ((flags & ~AT_SYMLINK_FOLLOW) !== 0) return -EINVAL;
  return guarded(() => {
    let from = pathAt(p, a[0]!, a[1]!);
    if (typeof from === "number") return from;
    const to = pathAt(p, a[2]!, a[3]!);
    if (typeof to === "number") return to;
    if ((flags & AT_SYMLINK_FOLLOW) !== 0) from = followLinks(k, p, from);
    return typeof from === "number" ? from : k.host.link(hostPath(k, p, from), hostPath(k, p, to));
  });
}

function symlinkAt(k: Kernel, p: Process, targetAddr: number, dirfd: number, pathAddr: number): number {
  return guarded(() => {
    const to = cstring(p, targetAddr);
    if (to === "") return -ENOENT;
    const path = pathAt(p, dirfd, pathAddr);
    return typeof path === "number" ? path : k.host.symlink(to, hostPath(k, p, path));
  });
}

/** struct statfs (x86-64, 120 bytes). */
function writeStatfs(p: Process, addr: number, s: HostStatfs): void {
  const v = [s.type, s.bsize, s.blocks, s.bfree, s.bavail, s.files, s.ffree, 0, 255, s.bsize, ST_VALID, 0, 0, 0, 0];
  p.mem.probeWrite(addr, 8 * v.length);
  v.forEach((x, i) => putU64(p, addr + 8 * i, x));
}

function statfs(k: Kernel, p: Process, a: readonly number[]): number {
  return guarded(() => {
    const path = pathAt(p, AT_FDCWD, a[0]!);
    if (typeof path === "number") return path;
    const s = k.host.statfs(hostPath(k, p, path, true));
    if (typeof s === "number") return s;
    writeStatfs(p, a[1]!, s);
    return 0;
  });
}

function fstatfs(k: Kernel, p: Process, a: readonly number[]): number {
  return guarded(() => {
    const f = p.fds.get(a[0]! | 0);
    if (f === undefined) return -EBADF;
    const s = f instanceof HostFile ? k.host.statfs(f.path === "" ? "/" : hostPath(k, p, f.path, true))
      : { type: PIPEFS_MAGIC, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0 };
    if (typeof s === "number") return s;
    writeStatfs(p, a[1]!, s);
    return 0;
  });
}

function fchdir(_k: Kernel, p: Process, a: readonly number[]): number {
  const f = p.fds.get(a[0]! | 0);
  if (f === undefined) return -EBADF;
  if (!(f instanceof HostFile) || !f.isDir) return -ENOTDIR;
  p.cwd = f.path;
  return 0;
}

function fdOp(fn: (k: Kernel, hostFd: number, a: readonly number[]) => number) {
  return (k: Kernel, p: Process, a: readonly number[]): number => {
    const f = p.fds.get(a[0]! | 0);
    if (f === undefined) return -EBADF;
    return f instanceof HostFile ? fn(k, f.hostFd, a) : -EINVAL;
  };
}

export const FS_META_SYSCALLS: readonly SyscallRow[] = [
  sys(90, "chmod", ["path", "oct"], pathOp((k, _p, path, a) => k.host.chmod(path, a[1]! & 0o7777), null, 0, true)),
  sys(91, "fchmod", ["fd", "oct"], fdOp((k, fd, a) => k.host.fchmod(fd, a[1]! & 0o7777))),
  sys(268, "fchmodat", ["fd", "path", "oct"], pathOp((k, _p, path, a) => k.host.chmod(path, a[2]! & 0o7777), 0, 1, true)),
  sys(92, "chown", ["path", "int", "int"], (k, p, a) => chownAt(k, p, AT_FDCWD, a[0]!, a[1]!, a[2]!, 0)),
  sys(93, "fchown", ["fd", "int", "int"], fdOp((k, fd, a) => k.host.fchown(fd, a[1]! | 0, a[2]! | 0))),
  sys(94, "lchown", ["path", "int", "int"], (k, p, a) => chownAt(k, p, AT_FDCWD, a[0]!, a[1]!, a[2]!, AT_SYMLINK_NOFOLLOW)),
  sys(260, "fchownat", ["fd", "path", "int", "int", "hex"], (k, p, a) => chownAt(k, p, a[0]!, a[1]!, a[2]!, a[3]!, a[4]! | 0)),
  sys(132, "utime", ["path", "ptr"], (k, p, a) => utimesAt(k, p, AT_FDCWD, a[0]!, a[1]!, 0, "utimbuf")),
  sys(235, "utimes", ["path", "ptr"], (k, p, a) => utimesAt(k, p, AT_FDCWD, a[0]!, a[1]!, 0, "timeval")),
  sys(261, "futimesat", ["fd", "path", "ptr"], (k, p, a) => utimesAt(k, p, a[0]!, a[1]!, a[2]!, 0, "timeval")),
  sys(280, "utimensat", ["fd", "path", "ptr", "hex"], (k, p, a) => utimesAt(k, p, a[0]!, a[1]!, a[2]!, a[3]! | 0, "timespec")),
  sys(86, "link", ["path", "path"], (k, p, a) => linkAt(k, p, [AT_FDCWD, a[0]!, AT_FDCWD, a[1]!, 0])),
  sys(265, "linkat", ["fd", "path", "fd", "path", "hex"], linkAt),
  sys(88, "symlink", ["path", "path"], (k, p, a) => symlinkAt(k, p, a[0]!, AT_FDCWD, a[1]!)),
  sys(266, "symlinkat", ["path", "fd", "path"], (k, p, a) => symlinkAt(k, p, a[0]!, a[1]!, a[2]!)),
  sys(137, "statfs", ["path", "ptr"], statfs),
  sys(138, "fstatfs", ["fd", "ptr"], fstatfs),
  sys(81, "fchdir", ["fd"], fchdir),
];
