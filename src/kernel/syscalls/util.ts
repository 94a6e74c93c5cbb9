// SPDX-License-Identifier: MIT
// Helpers shared by syscall handlers: path arguments (fs/namei.c getname and
// the *at dirfd rule), the host path of a guest path, struct stat and statx.
import { EACCES, EBADF, ENOENT, ENOTDIR } from "../errno.js";
import { HostFile, type OpenFile } from "../fs/files.js";
import { type HostLookup, type LastMode, type Lookup, walk } from "../fs/namei.js";
import { SynthDirFile } from "../fs/synth.js";
import type { HostStat } from "../host.js";
import type { Task } from "../task.js";
import { copyInString, copyOut } from "../usercopy.js";
import { fail } from "./abi.js";

export const AT_FDCWD = -100;

/** The open file behind `fd`, or EBADF. */
export function fileOf(t: Task, fd: number): OpenFile {
  return t.proc.fds.get(fd) ?? fail(EBADF);
}

/** A host-backed open file behind `fd`: EBADF if none, `notHost` (an errno) for a pipe or perf fd. */
export function hostFileOf(t: Task, fd: number, notHost: number): HostFile {
  const f = fileOf(t, fd);
  return f instanceof HostFile ? f : fail(notHost);
}

/** The directory a relative path starts from: the cwd for AT_FDCWD, else the directory open as dirfd. */
function baseDir(t: Task, dirfd: number): string {
  if (dirfd === AT_FDCWD) return t.proc.cwd;
  const f = fileOf(t, dirfd);
  if (!isDirectory(f)) fail(ENOTDIR);
  return f.path;
}

/** Whether an open file is a directory (a dirfd, fchdir's argument). */
export function isDirectory(f: OpenFile): boolean {
  return (f instanceof HostFile && f.isDir) || f instanceof SynthDirFile;
}

/** A path argument (getname): EFAULT, ENAMETOOLONG, and ENOENT for an empty one. */
export function pathArg(t: Task, addr: number): string {
  const path = copyInString(t, addr);
  if (path === "") fail(ENOENT);
  return path;
}

/** Looks up a path argument relative to dirfd (fs/namei.c); `follow` follows a symlink in the last component. */
export function lookupAt(t: Task, dirfd: number, addr: number, follow: boolean | LastMode): Lookup {
  const path = pathArg(t, addr);
  return walk(t, path.startsWith("/") ? "/" : baseDir(t, dirfd), path, follow);
}

/** Looks up a guest path the kernel already holds (a cwd, a file's path). */
export function lookupPath(t: Task, path: string, follow: boolean): Lookup {
  return walk(t, t.proc.cwd, path, follow);
}

/**
 * The host side of a lookup for a call that acts on a host file: a magic link to
 * an open host file stands for that file's path; a node of a synthetic tree
 * (procfs, sysfs) fails the call with `synthetic` (an errno).
 */
export function onHost(t: Task, r: Lookup, synthetic: number): HostLookup {
  if (r.kind === "host") return r;
  if (r.kind === "file" && r.file instanceof HostFile && r.file.path.startsWith("/")) {
    const again = walk(t, "/", r.file.path, true);
    if (again.kind === "host") return again;
  }
  return fail(synthetic);
}

/** The host path a path argument names, for calls on host files only. */
export function hostPathAt(
  t: Task,
  dirfd: number,
  addr: number,
  follow: boolean | LastMode,
  synthetic = EACCES,
): string {
  return onHost(t, lookupAt(t, dirfd, addr, follow), synthetic).host;
}

const u64At = (v: DataView, o: number, x: number | bigint): void =>
  v.setBigUint64(o, BigInt.asUintN(64, BigInt(x)), true);

/** struct stat (arch/x86/include/uapi/asm/stat.h, 144 bytes). */
export function writeStat(t: Task, a: number, st: HostStat): void {
  const buf = new Uint8Array(144);
  const v = new DataView(buf.buffer);
  u64At(v, 0, st.dev);
  u64At(v, 8, st.ino);
  u64At(v, 16, st.nlink);
  v.setUint32(24, st.mode, true);
  v.setUint32(28, st.uid, true);
  v.setUint32(32, st.gid, true);
  u64At(v, 40, st.rdev);
  u64At(v, 48, st.size);
  u64At(v, 56, st.blksize);
  u64At(v, 64, st.blocks);
  const ts = (o: number, ns: bigint): void => {
    u64At(v, o, ns / 1_000_000_000n);
    u64At(v, o + 8, ns % 1_000_000_000n);
  };
  ts(72, st.atimeNs);
  ts(88, st.mtimeNs);
  ts(104, st.ctimeNs);
  copyOut(t, a, buf);
}

/** struct statx (include/uapi/linux/stat.h, 256 bytes) with the basic fields. */
export function writeStatx(t: Task, a: number, st: HostStat): void {
  const buf = new Uint8Array(256);
  const v = new DataView(buf.buffer);
  v.setUint32(0, 0x7ff, true); // STATX_BASIC_STATS
  v.setUint32(4, st.blksize, true);
  v.setUint32(16, st.nlink, true);
  v.setUint32(20, st.uid, true);
  v.setUint32(24, st.gid, true);
  v.setUint16(28, st.mode, true);
  u64At(v, 32, st.ino);
  u64At(v, 40, st.size);
  u64At(v, 48, st.blocks);
  const ts = (o: number, ns: bigint): void => {
    u64At(v, o, ns / 1_000_000_000n);
    v.setUint32(o + 8, Number(ns % 1_000_000_000n), true);
  };
  ts(64, st.atimeNs);
  ts(96, st.ctimeNs);
  ts(112, st.mtimeNs);
  v.setUint32(128, Math.floor(st.rdev / 256) & 0xfff, true);
  v.setUint32(132, st.rdev & 0xff, true);
  v.setUint32(136, Math.floor(st.dev / 256) & 0xfff, true);
  v.setUint32(140, st.dev & 0xff, true);
  copyOut(t, a, buf);
}
