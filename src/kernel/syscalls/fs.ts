// SPDX-License-Identifier: MIT
// Names and status with host passthrough (fs/stat.c, readdir.c, namei.c,
// open.c access, d_path.c getcwd): paths resolved against the guest's cwd or
// a directory descriptor, then confined by --root.
import { EBADF, EEXIST, EINVAL, ENOTDIR, ERANGE } from "../errno.js";
import { HostFile, S_IFDIR, S_IFMT } from "../fs/files.js";
import type { HostStat } from "../host.js";
import type { Task } from "../task.js";
import { copyInString, copyOut } from "../usercopy.js";
import { type SyscallArgs, type SysResult, SyscallArgs as Args, check, fail } from "./abi.js";
import { AT_FDCWD, fileOf, hostPath, hostPathAt, pathAt, writeStat, writeStatx } from "./util.js";

const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_REMOVEDIR = 0x200;
const AT_EMPTY_PATH = 0x1000;
const AT_STATX_SYNC_TYPE = 0x6000;
const AT_EACCESS = 0x200;
const RENAME_NOREPLACE = 1;

/** What fstat says of a pipe or perf descriptor (pipefs). */
const PIPE_STAT: HostStat = { dev: 12, ino: 1, mode: 0o010600, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 4096, blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n };

function fdStat(t: Task, fd: number): HostStat {
  const f = fileOf(t, fd);
  if (!(f instanceof HostFile)) return { ...PIPE_STAT, uid: t.cred.uid, gid: t.cred.gid, ...f.stat?.() };
  return check(t.proc.kernel.host.fstat(f.hostFd));
}

/** vfs_fstatat: dirfd + path, or dirfd itself for an empty path with AT_EMPTY_PATH. */
function statAt(t: Task, dirfd: number, pathAddr: number, flags: number): HostStat {
  if ((flags & AT_EMPTY_PATH) !== 0 && copyInString(t, pathAddr) === "") return fdStat(t, dirfd);
  const follow = (flags & AT_SYMLINK_NOFOLLOW) === 0;
  return check(t.proc.kernel.host.stat(hostPathAt(t, dirfd, pathAddr, follow), follow));
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
  writeStat(t, a.ptr(1), fdStat(t, a.int(0)));
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

/** struct linux_dirent64 records for as many entries as fit; EINVAL when not even one does. */
export function getdents64(t: Task, a: SyscallArgs): SysResult {
  const f = fileOf(t, a.int(0));
  if (!(f instanceof HostFile) || !f.isDir || f.pos === null) return -ENOTDIR;
  f.dirEntries ??= check(t.proc.kernel.host.readdir(hostPath(t, f.path, true)));
  const size = Math.min(a.size(2), 1 << 24);
  const out = new Uint8Array(size);
  const enc = new TextEncoder();
  let used = 0;
  let pos = f.pos;
  while (pos < f.dirEntries.length) {
    const e = f.dirEntries[pos]!;
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
  if (used === 0 && pos < f.dirEntries.length) return -EINVAL;
  copyOut(t, a.ptr(1), out.subarray(0, used));
  f.pos = pos;
  return used;
}

function readlinkAt(t: Task, dirfd: number, pathAddr: number, buf: number, size: number): number {
  const path = pathAt(t, dirfd, pathAddr);
  const target = path === "/proc/self/exe" ? t.proc.exePath : check(t.proc.kernel.host.readlink(hostPath(t, path)));
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
  const path = pathAt(t, AT_FDCWD, a.ptr(0));
  const st = check(t.proc.kernel.host.stat(hostPath(t, path, true), true));
  if ((st.mode & S_IFMT) !== S_IFDIR) return -ENOTDIR;
  t.proc.cwd = path;
  return 0;
}

export function fchdir(t: Task, a: SyscallArgs): SysResult {
  const f = fileOf(t, a.int(0));
  if (!(f instanceof HostFile) || !f.isDir) return -ENOTDIR;
  t.proc.cwd = f.path;
  return 0;
}

function renameAt(t: Task, d1: number, p1: number, d2: number, p2: number, flags: number): number {
  if ((flags & ~RENAME_NOREPLACE) !== 0) return -EINVAL;
  const from = hostPathAt(t, d1, p1), to = hostPathAt(t, d2, p2);
  const host = t.proc.kernel.host;
  if ((flags & RENAME_NOREPLACE) !== 0 && typeof host.stat(to, false) !== "number") return -EEXIST;
  return host.rename(from, to);
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

export function mkdir(t: Task, a: SyscallArgs): SysResult {
  return t.proc.kernel.host.mkdir(hostPathAt(t, AT_FDCWD, a.ptr(0)), a.u32(1));
}

export function mkdirat(t: Task, a: SyscallArgs): SysResult {
  return t.proc.kernel.host.mkdir(hostPathAt(t, a.int(0), a.ptr(1)), a.u32(2));
}

/** mknodat: FIFOs and regular files; devices need CAP_MKNOD and the host's help (EPERM here). */
export function mknodat(t: Task, a: SyscallArgs): SysResult {
  const mode = a.u32(2), type = mode & 0o170000;
  if (![0, 0o100000, 0o010000, 0o020000, 0o060000, 0o140000].includes(type)) return -EINVAL;
  return t.proc.kernel.host.mknod(hostPathAt(t, a.int(0), a.ptr(1)), type === 0 ? mode | 0o100000 : mode);
}

export function mknod(t: Task, a: SyscallArgs): SysResult {
  return mknodat(t, Args.of(AT_FDCWD, a.ptr(0), a.u32(1), a.u32(2)));
}

export function rmdir(t: Task, a: SyscallArgs): SysResult {
  return t.proc.kernel.host.rmdir(hostPathAt(t, AT_FDCWD, a.ptr(0)));
}

export function unlink(t: Task, a: SyscallArgs): SysResult {
  return t.proc.kernel.host.unlink(hostPathAt(t, AT_FDCWD, a.ptr(0)));
}

export function unlinkat(t: Task, a: SyscallArgs): SysResult {
  const flags = a.int(2);
  if ((flags & ~AT_REMOVEDIR) !== 0) return -EINVAL;
  const path = hostPathAt(t, a.int(0), a.ptr(1));
  return (flags & AT_REMOVEDIR) !== 0 ? t.proc.kernel.host.rmdir(path) : t.proc.kernel.host.unlink(path);
}

function accessAt(t: Task, dirfd: number, pathAddr: number, mode: number, flags: number): number {
  if ((mode & ~7) !== 0) return -EINVAL;
  if ((flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  if ((flags & AT_EMPTY_PATH) !== 0 && copyInString(t, pathAddr) === "") {
    const f = fileOf(t, dirfd);
    return f instanceof HostFile ? 0 : fail(EBADF);
  }
  return t.proc.kernel.host.access(hostPathAt(t, dirfd, pathAddr, (flags & AT_SYMLINK_NOFOLLOW) === 0), mode);
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
