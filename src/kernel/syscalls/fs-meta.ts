// SPDX-License-Identifier: MIT
// File metadata and names with host passthrough: the chmod and chown families,
// utime/utimes/utimensat (fs/utimes.c: UTIME_NOW is the guest's clock, UTIME_OMIT
// keeps a time), link/symlink, statfs/fstatfs.
import { EBADF, EFAULT, EINVAL, ENOENT, ENOTDIR, EPERM, EXDEV } from "../errno.js";
import { HostFile, type OpenFile, S_IFDIR, S_IFMT } from "../fs/files.js";
import { PipeEnd } from "../fs/pipe.js";
import type { Lookup } from "../fs/namei.js";
import { ProcMemFile } from "../fs/proc-mem.js";
import { GeneratedFile, SynthDirFile } from "../fs/synth.js";
import { SYSFS_DEV } from "../fs/sysfs.js";
import type { HostStatfs } from "../host.js";
import type { Task } from "../task.js";
import { copyInString, copyOut, getI64 } from "../usercopy.js";
import { type SyscallArgs, type SysResult, check, fail } from "./abi.js";
import { createAt } from "./fs.js";
import { AT_FDCWD, fileOf, hostFileOf, hostPathAt, lookupAt, lookupPath, onHost } from "./util.js";

const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_SYMLINK_FOLLOW = 0x400;
const AT_EMPTY_PATH = 0x1000;
const UTIME_NOW = (1n << 30n) - 1n;
const UTIME_OMIT = (1n << 30n) - 2n;
const NS = 1_000_000_000n;
/** f_type of pipefs, procfs, sysfs and anon_inodefs (include/uapi/linux/magic.h); f_flags ST_VALID. */
const PIPEFS_MAGIC = 0x50495045;
const PROC_SUPER_MAGIC = 0x9fa0;
const SYSFS_MAGIC = 0x62656572;
const ANON_INODE_FS_MAGIC = 0x09041934;
const ST_VALID = 0x20;

type Target = { path: string; follow: boolean } | { fd: number };

/** The file a *at call names: dirfd + path, or dirfd itself for an empty path with AT_EMPTY_PATH / a NULL path. */
function target(t: Task, dirfd: number, pathAddr: number, flags: number): Target {
  if (pathAddr === 0 || ((flags & AT_EMPTY_PATH) !== 0 && copyInString(t, pathAddr) === "")) {
    if (pathAddr === 0 && dirfd === AT_FDCWD) fail(EFAULT);
    const f = fileOf(t, dirfd);
    return f instanceof HostFile ? { fd: f.hostFd } : fail(EINVAL);
  }
  const follow = (flags & AT_SYMLINK_NOFOLLOW) === 0;
  return { path: onHost(t, lookupAt(t, dirfd, pathAddr, follow), EPERM).host, follow };
}

function chownAt(t: Task, dirfd: number, pathAddr: number, uid: number, gid: number, flags: number): number {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  const host = t.proc.kernel.host;
  const tg = target(t, dirfd, pathAddr, flags);
  if ("fd" in tg) return host.fchown(tg.fd, uid, gid);
  return host.chown(tg.path, uid, gid, tg.follow);
}

export function chown(t: Task, a: SyscallArgs): SysResult {
  return chownAt(t, AT_FDCWD, a.ptr(0), a.int(1), a.int(2), 0);
}

export function lchown(t: Task, a: SyscallArgs): SysResult {
  return chownAt(t, AT_FDCWD, a.ptr(0), a.int(1), a.int(2), AT_SYMLINK_NOFOLLOW);
}

export function fchownat(t: Task, a: SyscallArgs): SysResult {
  return chownAt(t, a.int(0), a.ptr(1), a.int(2), a.int(3), a.int(4));
}

export function fchown(t: Task, a: SyscallArgs): SysResult {
  return t.proc.kernel.host.fchown(hostFileOf(t, a.int(0), EINVAL).hostFd, a.int(1), a.int(2));
}

export function chmod(t: Task, a: SyscallArgs): SysResult {
  return t.proc.kernel.host.chmod(hostPathAt(t, AT_FDCWD, a.ptr(0), true, EPERM), a.u32(1) & 0o7777);
}

export function fchmodat(t: Task, a: SyscallArgs): SysResult {
  return t.proc.kernel.host.chmod(hostPathAt(t, a.int(0), a.ptr(1), true, EPERM), a.u32(2) & 0o7777);
}

export function fchmod(t: Task, a: SyscallArgs): SysResult {
  return t.proc.kernel.host.fchmod(hostFileOf(t, a.int(0), EINVAL).hostFd, a.u32(1) & 0o7777);
}

type TimesUnit = "timespec" | "timeval" | "utimbuf";

/** The times to set, in ns: [atime, mtime] with null = UTIME_OMIT; -EINVAL for a bad nsec/usec. */
function readTimes(t: Task, addr: number, unit: TimesUnit): (bigint | null)[] {
  const now = t.proc.kernel.realtimeNs();
  if (addr === 0) return [now, now];
  const out: (bigint | null)[] = [];
  for (let i = 0; i < 2; i++) {
    if (unit === "utimbuf") {
      out.push(getI64(t, addr + 8 * i) * NS);
      continue;
    }
    const sec = getI64(t, addr + 16 * i),
      frac = getI64(t, addr + 16 * i + 8);
    if (unit === "timespec" && frac === UTIME_NOW) out.push(now);
    else if (unit === "timespec" && frac === UTIME_OMIT) out.push(null);
    else if (frac < 0n || frac >= (unit === "timespec" ? NS : 1_000_000n)) fail(EINVAL);
    else out.push(sec * NS + frac * (unit === "timespec" ? 1n : 1000n));
  }
  return out;
}

function utimesAt(t: Task, dirfd: number, pathAddr: number, timesAddr: number, flags: number, unit: TimesUnit): number {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  const host = t.proc.kernel.host;
  const times = readTimes(t, timesAddr, unit);
  const tg = target(t, dirfd, pathAddr, flags);
  const path = "fd" in tg ? null : tg.path;
  const follow = "fd" in tg || tg.follow;
  const st = check("fd" in tg ? host.fstat(tg.fd) : host.stat(path!, follow));
  if (times[0] === null && times[1] === null) return 0;
  const at = times[0] ?? st.atimeNs,
    mt = times[1] ?? st.mtimeNs;
  return "fd" in tg ? host.futimes(tg.fd, at, mt) : host.utimes(path!, at, mt, follow);
}

export function utime(t: Task, a: SyscallArgs): SysResult {
  return utimesAt(t, AT_FDCWD, a.ptr(0), a.ptr(1), 0, "utimbuf");
}

export function utimes(t: Task, a: SyscallArgs): SysResult {
  return utimesAt(t, AT_FDCWD, a.ptr(0), a.ptr(1), 0, "timeval");
}

export function futimesat(t: Task, a: SyscallArgs): SysResult {
  return utimesAt(t, a.int(0), a.ptr(1), a.ptr(2), 0, "timeval");
}

export function utimensat(t: Task, a: SyscallArgs): SysResult {
  return utimesAt(t, a.int(0), a.ptr(1), a.ptr(2), a.int(3), "timespec");
}

function linkAt(t: Task, d1: number, p1: number, d2: number, p2: number, flags: number): number {
  if ((flags & ~AT_SYMLINK_FOLLOW) !== 0) return -EINVAL;
  const from = onHost(t, lookupAt(t, d1, p1, (flags & AT_SYMLINK_FOLLOW) !== 0), EXDEV);
  if (typeof from.st === "number") return from.st;
  if (from.trailing && (from.st.mode & S_IFMT) !== S_IFDIR) return -ENOTDIR;
  const to = createAt(t, d2, p2, false);
  return t.proc.kernel.host.link(from.host, to.host);
}

export function link(t: Task, a: SyscallArgs): SysResult {
  return linkAt(t, AT_FDCWD, a.ptr(0), AT_FDCWD, a.ptr(1), 0);
}

export function linkat(t: Task, a: SyscallArgs): SysResult {
  return linkAt(t, a.int(0), a.ptr(1), a.int(2), a.ptr(3), a.int(4));
}

/** The link text is stored as given: it is resolved by the kernel at every use, inside --root. */
function symlinkAt(t: Task, targetAddr: number, dirfd: number, pathAddr: number): number {
  const to = copyInString(t, targetAddr);
  if (to === "") return -ENOENT;
  return t.proc.kernel.host.symlink(to, createAt(t, dirfd, pathAddr, false).host);
}

export function symlink(t: Task, a: SyscallArgs): SysResult {
  return symlinkAt(t, a.ptr(0), AT_FDCWD, a.ptr(1));
}

export function symlinkat(t: Task, a: SyscallArgs): SysResult {
  return symlinkAt(t, a.ptr(0), a.int(1), a.ptr(2));
}

/** struct statfs (x86-64, 120 bytes). */
function writeStatfs(t: Task, addr: number, s: HostStatfs): void {
  const v = [s.type, s.bsize, s.blocks, s.bfree, s.bavail, s.files, s.ffree, 0, 255, s.bsize, ST_VALID, 0, 0, 0, 0];
  const buf = new DataView(new ArrayBuffer(8 * v.length));
  v.forEach((x, i) => buf.setBigUint64(8 * i, BigInt.asUintN(64, BigInt(x)), true));
  copyOut(t, addr, new Uint8Array(buf.buffer));
}

/** The figures of a kernel file system (pipefs, procfs, sysfs): no blocks, no inodes. */
const kernelFs = (type: number): HostStatfs => ({
  type,
  bsize: 4096,
  blocks: 0,
  bfree: 0,
  bavail: 0,
  files: 0,
  ffree: 0,
});

function lookupStatfs(t: Task, r: Lookup): HostStatfs {
  if (r.kind === "host") return check(t.proc.kernel.host.statfs(r.host));
  if (r.kind === "synth") return kernelFs(r.node.dev === SYSFS_DEV ? SYSFS_MAGIC : PROC_SUPER_MAGIC);
  return fileStatfs(t, r.file);
}

function fileStatfs(t: Task, f: OpenFile): HostStatfs {
  const host = t.proc.kernel.host;
  if (!(f instanceof HostFile)) {
    const node = f instanceof GeneratedFile || f instanceof SynthDirFile ? f.node : null;
    return kernelFs(
      f instanceof PipeEnd
        ? PIPEFS_MAGIC
        : node !== null && node.dev === SYSFS_DEV
          ? SYSFS_MAGIC
          : f instanceof ProcMemFile
            ? PROC_SUPER_MAGIC
            : ANON_INODE_FS_MAGIC,
    );
  }
  if (f.borrowed) {
    const at = host.fdPath(f.hostFd);
    return check(host.statfs(typeof at === "string" && at.startsWith("/") ? at : "/"));
  }
  return lookupStatfs(t, lookupPath(t, f.path, true));
}

export function statfs(t: Task, a: SyscallArgs): SysResult {
  writeStatfs(t, a.ptr(1), lookupStatfs(t, lookupAt(t, AT_FDCWD, a.ptr(0), true)));
  return 0;
}

export function fstatfs(t: Task, a: SyscallArgs): SysResult {
  const f = t.proc.fds.get(a.int(0));
  if (f === undefined) return -EBADF;
  writeStatfs(t, a.ptr(1), fileStatfs(t, f));
  return 0;
}
