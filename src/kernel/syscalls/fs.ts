// SPDX-License-Identifier: MIT
// Names and status with host passthrough (fs/stat.c, readdir.c, namei.c,
// open.c access, d_path.c getcwd): paths resolved against the guest's cwd or
// a directory descriptor, then confined by --root.
import { EACCES, EBUSY, EEXIST, EINVAL, EISDIR, ENOENT, ENOTDIR, ENOTEMPTY, EPERM, ERANGE, EXDEV } from "../errno.js";
import { HostFile, type OpenFile, S_IFDIR, S_IFLNK, S_IFMT } from "../fs/files.js";
import { PipeEnd } from "../fs/pipe.js";
import type { HostLookup, Lookup } from "../fs/namei.js";
import { ProcMemFile } from "../fs/proc-mem.js";
import { GeneratedFile, SynthDirFile, synthStat } from "../fs/synth.js";
import { SYSFS_DEV } from "../fs/sysfs.js";
import type { HostDirent, HostStat } from "../host.js";
import type { Task } from "../task.js";
import { copyInString, copyOut } from "../usercopy.js";
import { type SyscallArgs, type SysResult, SyscallArgs as Args, check, fail } from "./abi.js";
import { AT_FDCWD, fileOf, isDirectory, lookupAt, lookupPath, onHost, writeStat, writeStatx } from "./util.js";

const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_REMOVEDIR = 0x200;
const AT_EMPTY_PATH = 0x1000;
const AT_STATX_SYNC_TYPE = 0x6000;
const AT_EACCESS = 0x200;
const RENAME_NOREPLACE = 1;

/** What fstat says of a pipe (pipefs) or an anonymous inode (perf_event). */
const PIPE_STAT: HostStat = {
  dev: 12,
  ino: 1,
  mode: 0o010600,
  nlink: 1,
  uid: 0,
  gid: 0,
  rdev: 0,
  size: 0,
  blksize: 4096,
  blocks: 0,
  atimeNs: 0n,
  mtimeNs: 0n,
  ctimeNs: 0n,
};
const ANON_STAT: HostStat = { ...PIPE_STAT, dev: 14, mode: 0o600 };

/** The stat of an open file: the host's for host files, the node's for synthetic ones, the kernel's own inodes' (pipes, memfds, sockets, anonymous inodes). */
function fileStat(t: Task, f: OpenFile): HostStat {
  const k = t.proc.kernel;
  if (f instanceof HostFile) return check(k.host.fstat(f.hostFd));
  if ((f instanceof GeneratedFile || f instanceof SynthDirFile) && f.node !== null) {
    return synthStat(f.node, k.realtimeNs());
  }
  if (f instanceof ProcMemFile) return { ...ANON_STAT, dev: 20, mode: 0o100600, blksize: 1024 };
  const base = f instanceof PipeEnd ? { ...PIPE_STAT, ino: f.pipe.ino } : ANON_STAT;
  return { ...base, uid: t.cred.uid, gid: t.cred.gid, ...f.stat?.() };
}

/** The stat of what a lookup found. */
export function lookupStat(t: Task, r: Lookup): HostStat {
  if (r.kind === "synth") return synthStat(r.node, t.proc.kernel.realtimeNs());
  if (r.kind === "file") return fileStat(t, r.file);
  return check(r.st);
}

/** vfs_fstatat: dirfd + path, or dirfd itself for an empty path with AT_EMPTY_PATH. */
function statAt(t: Task, dirfd: number, pathAddr: number, flags: number): HostStat {
  if ((flags & AT_EMPTY_PATH) !== 0 && copyInString(t, pathAddr) === "") return fileStat(t, fileOf(t, dirfd));
  return lookupStat(t, lookupAt(t, dirfd, pathAddr, (flags & AT_SYMLINK_NOFOLLOW) === 0));
}

export function stat(t: Task, a: SyscallArgs): SysResult {
  writeStat(t, a.ptr(1), statAt(t, AT_FDCWD, a.ptr(0), 0));
  return 0;
}

export function lstat(t: Task, a: SyscallArgs): SysResult {
  writeStat(t, a.ptr(1), statAt(t, AT_FDCWD, a.ptr(0), AT_SYMLINK_NOFOLLOW));
  return 0;
}

export function fstat(t: Task, a: SyscallArgs): SysResult {
  writeStat(t, a.ptr(1), fileStat(t, fileOf(t, a.int(0))));
  return 0;
}

export function newfstatat(t: Task, a: SyscallArgs): SysResult {
  const flags = a.int(3);
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800)) !== 0) return -EINVAL;
  writeStat(t, a.ptr(2), statAt(t, a.int(0), a.ptr(1), flags));
  return 0;
}

export function statx(t: Task, a: SyscallArgs): SysResult {
  const flags = a.int(2);
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 | AT_STATX_SYNC_TYPE)) !== 0) return -EINVAL;
  if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE) return -EINVAL;
  writeStatx(t, a.ptr(4), statAt(t, a.int(0), a.ptr(1), flags));
  return 0;
}

/** The entries of an open directory, read once per rewind (the `..` of the root is the host's, as in a chroot). */
function dirEntries(t: Task, f: OpenFile): { list: HostDirent[]; pos: number } {
  if (f instanceof SynthDirFile) return { list: f.entries(), pos: f.pos };
  if (!(f instanceof HostFile) || !f.isDir || f.pos === null) return fail(ENOTDIR);
  f.dirEntries ??= check(t.proc.kernel.host.readdir(onHost(t, lookupPath(t, f.path, true), ENOENT).host));
  return { list: f.dirEntries, pos: f.pos };
}

/** struct linux_dirent64 records for as many entries as fit; EINVAL when not even one does. */
export function getdents64(t: Task, a: SyscallArgs): SysResult {
  const f = fileOf(t, a.int(0));
  const { list, pos: from } = dirEntries(t, f);
  const size = Math.min(a.size(2), 1 << 24);
  const out = new Uint8Array(size);
  const enc = new TextEncoder();
  let used = 0;
  let pos = from;
  while (pos < list.length) {
    const e = list[pos]!;
    const name = enc.encode(e.name);
    const reclen = (19 + name.length + 1 + 7) & ~7;
    if (used + reclen > size) break;
    const v = new DataView(out.buffer, used, reclen);
    v.setBigUint64(0, BigInt(e.ino), true);
    v.setBigInt64(8, BigInt(pos + 1), true);
    v.setUint16(16, reclen, true);
    v.setUint8(18, e.type);
    out.set(name, used + 19);
    used += reclen;
    pos++;
  }
  if (used === 0 && pos < list.length) return -EINVAL;
  copyOut(t, a.ptr(1), out.subarray(0, used));
  if (f instanceof SynthDirFile) f.pos = pos;
  else (f as HostFile).pos = pos;
  return used;
}

/** The text of the symbolic link a lookup found (without following it); EINVAL for anything else. */
function linkText(t: Task, r: Lookup): string {
  if (r.kind === "synth") {
    if (r.node.kind !== "link") return fail(EINVAL);
    const tg = r.node.target(t);
    return typeof tg === "number" ? fail(-tg) : tg.text;
  }
  if (r.kind === "file") return fail(EINVAL);
  const st = check(r.st);
  if ((st.mode & S_IFMT) !== S_IFLNK) fail(EINVAL);
  return check(t.proc.kernel.host.readlink(r.host));
}

function readlinkAt(t: Task, dirfd: number, pathAddr: number, buf: number, size: number): number {
  const target = linkText(t, lookupAt(t, dirfd, pathAddr, false));
  if (size <= 0 || size > 0x7fffffff) return -EINVAL;
  const bytes = new TextEncoder().encode(target).subarray(0, size);
  copyOut(t, buf, bytes);
  return bytes.length;
}

export function readlink(t: Task, a: SyscallArgs): SysResult {
  return readlinkAt(t, AT_FDCWD, a.ptr(0), a.ptr(1), a.int(2));
}

export function readlinkat(t: Task, a: SyscallArgs): SysResult {
  return readlinkAt(t, a.int(0), a.ptr(1), a.ptr(2), a.int(3));
}

export function getcwd(t: Task, a: SyscallArgs): SysResult {
  const bytes = new TextEncoder().encode(t.proc.cwd + "\0");
  if (bytes.length > a.size(1)) return -ERANGE;
  copyOut(t, a.ptr(0), bytes);
  return bytes.length;
}

export function chdir(t: Task, a: SyscallArgs): SysResult {
  const r = lookupAt(t, AT_FDCWD, a.ptr(0), true);
  if (r.kind === "file") {
    if (!isDirectory(r.file)) return -ENOTDIR;
    t.proc.cwd = r.file.path;
    return 0;
  }
  if (r.kind === "synth" ? r.node.kind !== "dir" : (check(r.st).mode & S_IFMT) !== S_IFDIR) return -ENOTDIR;
  t.proc.cwd = r.guest;
  return 0;
}

export function fchdir(t: Task, a: SyscallArgs): SysResult {
  const f = fileOf(t, a.int(0));
  if (!isDirectory(f)) return -ENOTDIR;
  t.proc.cwd = f.path;
  return 0;
}

/** Whether a "parent" lookup ended in a name (not ".", ".." or "/"): LAST_NORM. */
const normal = (r: Lookup): boolean => r.lastName !== "." && r.lastName !== ".." && r.lastName !== "/";
const isDirSt = (st: HostStat | number): boolean => typeof st !== "number" && (st.mode & S_IFMT) === S_IFDIR;

function renameAt(t: Task, d1: number, p1: number, d2: number, p2: number, flags: number): number {
  if ((flags & ~RENAME_NOREPLACE) !== 0) return -EINVAL;
  const from = lookupAt(t, d1, p1, "parent"),
    to = lookupAt(t, d2, p2, "parent");
  if (from.kind !== "host" || to.kind !== "host") return from.kind === to.kind ? -EPERM : -EXDEV;
  if (!normal(from) || !normal(to)) return -EBUSY;
  if (typeof from.st === "number") return from.st;
  if (!isDirSt(from.st) && (from.trailing || to.trailing)) return -ENOTDIR;
  if ((flags & RENAME_NOREPLACE) !== 0 && typeof to.st !== "number") return -EEXIST;
  return t.proc.kernel.host.rename(from.host, to.host);
}

export function rename(t: Task, a: SyscallArgs): SysResult {
  return renameAt(t, AT_FDCWD, a.ptr(0), AT_FDCWD, a.ptr(1), 0);
}

export function renameat(t: Task, a: SyscallArgs): SysResult {
  return renameAt(t, a.int(0), a.ptr(1), a.int(2), a.ptr(3), 0);
}

export function renameat2(t: Task, a: SyscallArgs): SysResult {
  return renameAt(t, a.int(0), a.ptr(1), a.int(2), a.ptr(3), a.u32(4));
}

/** filename_create: the place for a new name; EEXIST if taken, ENOENT for a trailing slash on a non-directory. */
export function createAt(t: Task, dirfd: number, pathAddr: number, dir: boolean): HostLookup {
  const r = lookupAt(t, dirfd, pathAddr, "parent");
  if (r.kind !== "host") return fail(r.kind === "synth" ? EEXIST : EEXIST);
  if (!normal(r) || typeof r.st !== "number") fail(EEXIST);
  if (r.st !== -ENOENT) fail(-r.st);
  if (r.trailing && !dir) fail(ENOENT);
  return r;
}

function mkdirAt(t: Task, dirfd: number, pathAddr: number, mode: number): number {
  return t.proc.kernel.host.mkdir(createAt(t, dirfd, pathAddr, true).host, mode);
}

export function mkdir(t: Task, a: SyscallArgs): SysResult {
  return mkdirAt(t, AT_FDCWD, a.ptr(0), a.u32(1));
}

export function mkdirat(t: Task, a: SyscallArgs): SysResult {
  return mkdirAt(t, a.int(0), a.ptr(1), a.u32(2));
}

/** do_rmdir: "." is EINVAL, ".." ENOTEMPTY, the root EBUSY. */
function rmdirAt(t: Task, dirfd: number, pathAddr: number): number {
  const r = lookupAt(t, dirfd, pathAddr, "parent");
  if (r.lastName === ".") return -EINVAL;
  if (r.lastName === "..") return -ENOTEMPTY;
  if (r.lastName === "/") return -EBUSY;
  if (r.kind !== "host") return -EPERM;
  if (typeof r.st === "number") return r.st;
  if (!isDirSt(r.st)) return -ENOTDIR;
  return t.proc.kernel.host.rmdir(r.host);
}

/** do_unlinkat: a directory is EISDIR; a trailing slash makes anything else ENOTDIR. */
function unlinkAt(t: Task, dirfd: number, pathAddr: number): number {
  const r = lookupAt(t, dirfd, pathAddr, "parent");
  if (!normal(r)) return -EISDIR;
  if (r.kind !== "host") return -EPERM;
  if (typeof r.st === "number") return r.st;
  if (isDirSt(r.st)) return -EISDIR;
  if (r.trailing) return -ENOTDIR;
  return t.proc.kernel.host.unlink(r.host);
}

/** mknodat: FIFOs and regular files; devices need CAP_MKNOD and the host's help (EPERM here: docs/quirks.md Q-MKNOD). */
export function mknodat(t: Task, a: SyscallArgs): SysResult {
  const mode = a.u32(2),
    type = mode & 0o170000;
  if (![0, 0o100000, 0o010000, 0o020000, 0o060000, 0o140000].includes(type)) return -EINVAL;
  return t.proc.kernel.host.mknod(createAt(t, a.int(0), a.ptr(1), false).host, type === 0 ? mode | 0o100000 : mode);
}

export function mknod(t: Task, a: SyscallArgs): SysResult {
  return mknodat(t, Args.of(AT_FDCWD, a.ptr(0), a.u32(1), a.u32(2)));
}

export function rmdir(t: Task, a: SyscallArgs): SysResult {
  return rmdirAt(t, AT_FDCWD, a.ptr(0));
}

export function unlink(t: Task, a: SyscallArgs): SysResult {
  return unlinkAt(t, AT_FDCWD, a.ptr(0));
}

export function unlinkat(t: Task, a: SyscallArgs): SysResult {
  const flags = a.int(2);
  if ((flags & ~AT_REMOVEDIR) !== 0) return -EINVAL;
  return (flags & AT_REMOVEDIR) !== 0 ? rmdirAt(t, a.int(0), a.ptr(1)) : unlinkAt(t, a.int(0), a.ptr(1));
}

function accessAt(t: Task, dirfd: number, pathAddr: number, mode: number, flags: number): number {
  if ((mode & ~7) !== 0) return -EINVAL;
  if ((flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  if ((flags & AT_EMPTY_PATH) !== 0 && copyInString(t, pathAddr) === "") {
    fileOf(t, dirfd);
    return 0;
  }
  const r = lookupAt(t, dirfd, pathAddr, (flags & AT_SYMLINK_NOFOLLOW) === 0);
  if (r.kind !== "host") {
    const st = lookupStat(t, r);
    return (mode & 2) !== 0 && (st.mode & 0o222) === 0 && r.kind === "synth" && r.node.dev === SYSFS_DEV ? -EACCES : 0;
  }
  if (typeof r.st === "number") return r.st;
  return t.proc.kernel.host.access(r.host, mode);
}

export function access(t: Task, a: SyscallArgs): SysResult {
  return accessAt(t, AT_FDCWD, a.ptr(0), a.int(1), 0);
}

export function faccessat(t: Task, a: SyscallArgs): SysResult {
  return accessAt(t, a.int(0), a.ptr(1), a.int(2), 0);
}

export function faccessat2(t: Task, a: SyscallArgs): SysResult {
  return accessAt(t, a.int(0), a.ptr(1), a.int(2), a.int(3));
}
