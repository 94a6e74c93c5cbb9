// SPDX-License-Identifier: MIT
// Opening what a path lookup found (fs/namei.c do_open, fs/proc/fd.c): a host
// file opened with O_NOFOLLOW on the path the kernel resolved, a synthetic file
// through its node, and a magic link's file opened anew (a new open file
// description of the same file, pipe or node).
import { EACCES, EEXIST, EISDIR, ELOOP, ENOTDIR, ENXIO } from "../errno.js";
import { SyscallError } from "../syscalls/abi.js";
import type { Task } from "../task.js";
import { HostFile, type OpenFile, S_IFBLK, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from "./files.js";
import { PipeEnd } from "./pipe.js";
import { MemFdFile } from "./memfd.js";
import { type Lookup, walk } from "./namei.js";
import { GeneratedFile, SynthDirFile, type SynthNode, synthStat } from "./synth.js";
import type { HostStat } from "../host.js";

export const O_ACCMODE = 3;
export const O_WRONLY = 1;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_NOFOLLOW = 0o400000;
export const O_DIRECTORY = 0o200000;
export const O_CLOEXEC = 0o2000000;
const O_PATH = 0o10000000;

/** generic_permission for a synthetic node: CAP_DAC_OVERRIDE (fsuid 0 here) opens anything but a directory for writing. */
function permitted(t: Task, st: HostStat, flags: number): boolean {
  const acc = flags & O_ACCMODE,
    c = t.cred;
  const want = (acc === 0 || acc === 2 ? 4 : 0) | (acc === 1 || acc === 2 ? 2 : 0);
  if (c.fsuid === 0 && c.capable(1)) return true;
  const bits =
    c.fsuid === st.uid ? st.mode >> 6 : c.groups.includes(st.gid) || c.fsgid === st.gid ? st.mode >> 3 : st.mode;
  return (bits & want) === want;
}

function openSynth(t: Task, node: SynthNode, guest: string, flags: number): OpenFile | number {
  if ((flags & O_CREAT) !== 0 && (flags & O_EXCL) !== 0) return -EEXIST;
  if (node.kind === "link") return -ELOOP;
  if (node.kind === "dir") {
    if ((flags & O_ACCMODE) !== 0 || (flags & O_CREAT) !== 0) return -EISDIR;
    return new SynthDirFile(guest, flags, node, t);
  }
  if ((flags & O_DIRECTORY) !== 0) return -ENOTDIR;
  if (!permitted(t, synthStat(node, 0n), flags)) return -EACCES;
  return node.open(t, flags, guest);
}

function hostFile(t: Task, fd: number, path: string, flags: number): HostFile {
  const k = t.proc.kernel,
    st = k.host.fstat(fd);
  const type = typeof st === "number" ? 0 : st.mode & S_IFMT;
  const isDir = type === S_IFDIR;
  return new HostFile(k.host, fd, path, flags, type === S_IFREG || type === S_IFBLK || isDir ? 0 : null, isDir);
}

/** The file behind a magic link opened anew (proc_fd_link + do_dentry_open). */
function reopen(t: Task, f: OpenFile, flags: number): OpenFile | number {
  if ((flags & O_CREAT) !== 0 && (flags & O_EXCL) !== 0) return -EEXIST;
  if (f instanceof HostFile) {
    if (f.isDir && (flags & O_ACCMODE) !== 0) return -EISDIR;
    const fd = t.proc.kernel.host.reopen(f.hostFd, flags & ~(O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW));
    return fd < 0 ? fd : hostFile(t, fd, f.path, flags);
  }
  if (f instanceof PipeEnd) return new PipeEnd(f.pipe, (flags & O_ACCMODE) === O_WRONLY, flags);
  if (f instanceof MemFdFile) return reopenMemfd(t, f, flags);
  if ((f instanceof GeneratedFile || f instanceof SynthDirFile) && f.node !== null) {
    return openSynth(t, f.node, f.path, flags);
  }
  if (f.path.startsWith("/")) return openLookup(t, walk(t, "/", f.path, true), flags, 0);
  return -ENXIO; // an anonymous inode (perf_event)
}

/** A memfd opened anew through its magic link: a new open file of the same inode (shmem), O_TRUNC within its seals. */
function reopenMemfd(t: Task, f: MemFdFile, flags: number): OpenFile | number {
  const ino = f.inode,
    k = t.proc.kernel;
  if ((flags & O_TRUNC) !== 0 && (flags & O_ACCMODE) !== 0 && ino.size !== 0) {
    const ok = ino.mayResize(0);
    if (ok < 0) return ok;
    k.pageCache.resized(k, ino.obj, 0);
  }
  return new MemFdFile(ino, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC | O_NOFOLLOW));
}

/** Opens what `r` found with open(2)'s flags and mode; the open file or -errno. */
export function openLookup(t: Task, r: Lookup, flags: number, mode: number): OpenFile | number {
  if (r.kind === "file") return reopen(t, r.file, flags);
  if (r.kind === "synth") return openSynth(t, r.node, r.guest, flags);
  const host = t.proc.kernel.host,
    st = r.st;
  if (typeof st === "number") {
    if ((flags & O_CREAT) === 0 || (flags & O_PATH) !== 0) return st;
    if (r.trailing) return -EISDIR;
  } else {
    const type = st.mode & S_IFMT;
    if ((flags & O_CREAT) !== 0 && (flags & O_EXCL) !== 0) return -EEXIST;
    if (type === S_IFLNK && (flags & O_PATH) === 0) return -ELOOP;
    if (type === S_IFDIR && ((flags & O_ACCMODE) !== 0 || (flags & (O_CREAT | O_TRUNC)) !== 0)) return -EISDIR;
    if (type !== S_IFDIR && (flags & O_DIRECTORY) !== 0) return -ENOTDIR;
  }
  const fd = host.open(r.host, (flags & ~O_CLOEXEC) | O_NOFOLLOW, mode);
  return fd < 0 ? fd : hostFile(t, fd, r.guest, flags);
}

/**
 * A read-only host descriptor for a guest path and its guest path (exec, interpreters);
 * -errno when it cannot be opened. Only a regular file is opened (may_open with
 * MAY_EXEC): a directory is EISDIR, a FIFO, socket or device EACCES before any open,
 * so a FIFO never blocks the exec.
 */
export function openFollowing(t: Task, path: string): { fd: number; guest: string } | number {
  try {
    const r = walk(t, t.proc.cwd, path, true);
    if (r.kind === "host" && typeof r.st !== "number") {
      const type = r.st.mode & S_IFMT;
      if (type === S_IFDIR) return -EISDIR;
      if (type !== S_IFREG) return -EACCES;
    }
    const f = openLookup(t, r, 0, 0);
    if (typeof f === "number") return f;
    if (f instanceof HostFile) return { fd: f.hostFd, guest: f.path };
    f.close();
    return -EACCES;
  } catch (e) {
    if (e instanceof SyscallError) return -e.errno;
    throw e;
  }
}
