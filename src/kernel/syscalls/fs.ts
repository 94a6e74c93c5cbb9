// SPDX-License-Identifier: MIT
// File system calls with host passthrough (fs/open.c, read_write.c, stat.c,
// readdir.c, namei.c behaviour), paths resolved against the guest's cwd.
import { EAGAIN, EPIPE, EBADF, EINVAL, EISDIR, ENOTDIR, ENOTTY, ESPIPE, ENOENT, ERANGE } from "../errno.js";
import { HostFile, PipeBuffer, PipeEnd, S_IFBLK, S_IFDIR, S_IFMT, S_IFREG } from "../fs/files.js";
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import { BLOCK, type SyscallRow, sys } from "./types.js";
import { sendToTask } from "../signal/deliver.js";
import { SI_USER } from "../signal/queue.js";
import { SIGPIPE } from "../signals.js";
import { openSynthetic } from "../fs/synthetic.js";
import { AT_FDCWD, cstring, guarded, hostPath, pathAt, pathOp, putU64, writeStat, writeStatx } from "./util.js";

const O_ACCMODE = 3;
const O_WRONLY = 1;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
const O_CLOEXEC = 0o2000000;
const O_NOFOLLOW = 0o400000;
const O_DIRECTORY = 0o200000;
const O_NONBLOCK = 0o4000;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_EMPTY_PATH = 0x1000;
const AT_REMOVEDIR = 0x200;
const MAX_IO = 1 << 24;

/** read(2): an empty pipe with writers blocks the task until data or EOF arrives (pipe_read). */
function blockingRead(p: Process, fd: number, addr: number, len: number): number {
  const r = guarded(() => readIo(p, fd, addr, len, null));
  if (r !== -EAGAIN) return r;
  const f = p.fds.get(fd);
  if (!(f instanceof PipeEnd) || (f.flags & O_NONBLOCK) !== 0) return r;
  p.current.blocker = {
    poll: () => { const n = guarded(() => readIo(p, fd, addr, len, null)); return n === -EAGAIN ? null : n; },
    deadline: null, timeout: () => 0, restart: "sys",
  };
  return BLOCK;
}

/** Writing to a pipe without readers raises SIGPIPE as well as returning -EPIPE. */
function sigpipe(k: Kernel, p: Process, r: number): number {
  if (r === -EPIPE) sendToTask(k, p.current, { signo: SIGPIPE, code: SI_USER, pid: p.pid, uid: 0 });
  return r;
}

export function openPath(k: Kernel, p: Process, path: string, flags: number, mode: number): number {
  const synth = openSynthetic(path, flags);
  if (synth !== null) return typeof synth === "number" ? synth : p.fds.install(synth, (flags & O_CLOEXEC) !== 0);
  const hp = hostPath(k, p, path, (flags & O_NOFOLLOW) === 0);
  const st = k.host.stat(hp, true);
  const isDir = typeof st !== "number" && (st.mode & S_IFMT) === S_IFDIR;
  if (isDir && (flags & O_ACCMODE) !== 0) return -EISDIR;
  if (!isDir && (flags & O_DIRECTORY) !== 0) return typeof st === "number" ? st : -ENOTDIR;
  const fd = k.host.open(hp, flags & ~O_CLOEXEC, mode);
  if (fd < 0) return fd;
  const fst = k.host.fstat(fd);
  const seekable = typeof fst !== "number" && ((fst.mode & S_IFMT) === S_IFREG || (fst.mode & S_IFMT) === S_IFBLK || isDir);
  const file = new HostFile(k.host, fd, path, flags, seekable ? 0 : null, isDir);
  return p.fds.install(file, (flags & O_CLOEXEC) !== 0);
}

function openat(k: Kernel, p: Process, a: readonly number[]): number {
  return guarded(() => {
    const path = pathAt(p, a[0]!, a[1]!);
    return typeof path === "number" ? path : openPath(k, p, path, a[2]! | 0, a[3]! | 0);
  });
}

function readIo(p: Process, fd: number, addr: number, len: number, pos: number | null): number {
  const f = p.fds.get(fd);
  if (f === undefined) return -EBADF;
  if (f instanceof HostFile && f.isDir) return -EISDIR;
  const buf = new Uint8Array(Math.min(Math.max(len, 0), MAX_IO));
  if (len > 0) p.mem.probeRange(addr, buf.length, 1);
  const n = f.read(buf, pos);
  if (n > 0) p.mem.writeBytes(addr, buf.subarray(0, n));
  return n;
}

function writeIo(p: Process, fd: number, addr: number, len: number, pos: number | null): number {
  const f = p.fds.get(fd);
  if (f === undefined) return -EBADF;
  const buf = p.mem.readBytes(addr, Math.min(Math.max(len, 0), MAX_IO));
  return f.write(buf, pos);
}

function iovecs(p: Process, iov: number, cnt: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < cnt; i++) {
    const base = p.mem.read32(iov + 16 * i) >>> 0;
    const baseHi = p.mem.read32(iov + 16 * i + 4);
    const len = p.mem.read32(iov + 16 * i + 8) >>> 0;
    out.push([baseHi * 4294967296 + base, len]);
  }
  return out;
}

function vectored(p: Process, a: readonly number[], write: boolean, pos: number | null): number {
  if (a[2]! < 0 || a[2]! > 1024) return -EINVAL;
  let total = 0;
  for (const [base, len] of iovecs(p, a[1]!, a[2]!)) {
    if (len === 0) continue;
    const n = write ? writeIo(p, a[0]! | 0, base, len, pos === null ? null : pos + total) : readIo(p, a[0]! | 0, base, len, pos === null ? null : pos + total);
    if (n < 0) return total > 0 ? total : n;
    total += n;
    if (n < len) break;
  }
  return total;
}

function lseek(_k: Kernel, p: Process, a: readonly number[]): number {
  const f = p.fds.get(a[0]! | 0);
  if (f === undefined) return -EBADF;
  if (!(f instanceof HostFile) || f.pos === null) return -ESPIPE;
  const whence = a[2]! | 0;
  let base: number;
  if (whence === 0) base = 0;
  else if (whence === 1) base = f.pos;
  else if (whence === 2) {
    const st = f.host.fstat(f.hostFd);
    if (typeof st === "number") return st;
    base = st.size;
  } else return -EINVAL;
  const pos = base + a[1]!;
  if (pos < 0) return -EINVAL;
  f.pos = pos;
  return pos;
}

function statPath(k: Kernel, p: Process, dirfd: number, pathAddr: number, flags: number): ReturnType<Kernel["host"]["stat"]> {
  if ((flags & AT_EMPTY_PATH) !== 0 && cstring(p, pathAddr) === "") {
    const f = p.fds.get(dirfd | 0);
    if (f === undefined) return -EBADF;
    return f instanceof HostFile ? k.host.fstat(f.hostFd) : pipeStat();
  }
  const path = pathAt(p, dirfd, pathAddr);
  if (typeof path === "number") return path;
  const follow = (flags & AT_SYMLINK_NOFOLLOW) === 0;
  return k.host.stat(hostPath(k, p, path, follow), follow);
}

function pipeStat(): ReturnType<Kernel["host"]["stat"]> {
  return { dev: 12, ino: 1, mode: 0o010600, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 4096, blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n };
}

function fstat(k: Kernel, p: Process, a: readonly number[]): number {
  return guarded(() => {
    const f = p.fds.get(a[0]! | 0);
    if (f === undefined) return -EBADF;
    const st = f instanceof HostFile ? k.host.fstat(f.hostFd) : pipeStat();
    if (typeof st === "number") return st;
    writeStat(p, a[1]!, st);
    return 0;
  });
}

function stat(follow: boolean) {
  return (k: Kernel, p: Process, a: readonly number[]): number => guarded(() => {
    const st = statPath(k, p, AT_FDCWD, a[0]!, follow ? 0 : AT_SYMLINK_NOFOLLOW);
    if (typeof st === "number") return st;
    writeStat(p, a[1]!, st);
    return 0;
  });
}

function newfstatat(k: Kernel, p: Process, a: readonly number[]): number {
  return guarded(() => {
    const st = statPath(k, p, a[0]!, a[1]!, a[3]! | 0);
    if (typeof st === "number") return st;
    writeStat(p, a[2]!, st);
    return 0;
  });
}

function statx(k: Kernel, p: Process, a: readonly number[]): number {
  return guarded(() => {
    const st = statPath(k, p, a[0]!, a[1]!, a[2]! | 0);
    if (typeof st === "number") return st;
    writeStatx(p, a[4]!, st);
    return 0;
  });
}

function getdents64(k: Kernel, p: Process, a: readonly number[]): number {
  return guarded(() => {
    const f = p.fds.get(a[0]! | 0);
    if (f === undefined) return -EBADF;
    if (!(f instanceof HostFile) || !f.isDir || f.pos === null) return -ENOTDIR;
    if (f.dirEntries === null) {
      const list = k.host.readdir(hostPath(k, p, f.path, true));
      if (typeof list === "number") return list;
      f.dirEntries = list;
    }
    const out: number[] = [];
    const enc = new TextEncoder();
    while (f.pos < f.dirEntries.length) {
      const e = f.dirEntries[f.pos]!;
      const name = enc.encode(e.name);
      const reclen = (19 + name.length + 1 + 7) & ~7;
      if (out.length + reclen > a[2]!) break;
      const rec = new Uint8Array(reclen);
      const v = new DataView(rec.buffer);
      v.setBigUint64(0, BigInt(e.ino), true);
      v.setBigInt64(8, BigInt(f.pos + 1), true);
      v.setUint16(16, reclen, true);
      rec[18] = e.type;
      rec.set(name, 19);
      out.push(...rec);
      f.pos++;
    }
    if (out.length === 0 && f.pos < f.dirEntries.length) return -EINVAL;
    p.mem.writeBytes(a[1]!, Uint8Array.from(out));
    return out.length;
  });
}

function readlinkat(k: Kernel, p: Process, dirfd: number, pathAddr: number, buf: number, size: number): number {
  return guarded(() => {
    const path = pathAt(p, dirfd, pathAddr);
    if (typeof path === "number") return path;
    const target = path === "/proc/self/exe" ? p.exePath : k.host.readlink(hostPath(k, p, path));
    if (typeof target === "number") return target;
    if (size <= 0) return -EINVAL;
    const bytes = new TextEncoder().encode(target).subarray(0, size);
    p.mem.writeBytes(buf, bytes);
    return bytes.length;
  });
}

function getcwd(_k: Kernel, p: Process, a: readonly number[]): number {
  return guarded(() => {
    const bytes = new TextEncoder().encode(p.cwd + "\0");
    if (bytes.length > a[1]!) return -ERANGE;
    p.mem.writeBytes(a[0]!, bytes);
    return bytes.length;
  });
}

function chdir(k: Kernel, p: Process, a: readonly number[]): number {
  return guarded(() => {
    const path = pathAt(p, AT_FDCWD, a[0]!);
    if (typeof path === "number") return path;
    const st = k.host.stat(hostPath(k, p, path, true), true);
    if (typeof st === "number") return st;
    if ((st.mode & S_IFMT) !== S_IFDIR) return -ENOTDIR;
    p.cwd = path;
    return 0;
  });
}


function renameAt(k: Kernel, p: Process, d1: number, p1: number, d2: number, p2: number): number {
  return guarded(() => {
    const from = pathAt(p, d1, p1);
    if (typeof from === "number") return from;
    const to = pathAt(p, d2, p2);
    return typeof to === "number" ? to : k.host.rename(hostPath(k, p, from), hostPath(k, p, to));
  });
}

function pipe2(_k: Kernel, p: Process, a: readonly number[]): number {
  return guarded(() => {
    const flags = a[1]! | 0;
    p.mem.probeWrite(a[0]!, 8);
    const buf = new PipeBuffer();
    const r = p.fds.install(new PipeEnd(buf, false, flags), (flags & O_CLOEXEC) !== 0);
    const w = p.fds.install(new PipeEnd(buf, true, flags | 1), (flags & O_CLOEXEC) !== 0);
    p.mem.write32(a[0]!, r);
    p.mem.write32(a[0]! + 4, w);
    return 0;
  });
}

function ioctl(k: Kernel, p: Process, a: readonly number[]): number {
  return guarded(() => {
    const f = p.fds.get(a[0]! | 0);
    if (f === undefined) return -EBADF;
    const tty = f instanceof HostFile && k.host.isatty(f.hostFd);
    const req = a[1]! >>> 0;
    if (!tty) return -ENOTTY;
    if (req === 0x5401) {
      // TCGETS: a cooked terminal (ICRNL|IXON, OPOST|ONLCR, B38400|CS8|CREAD, ISIG|ICANON|ECHO...).
      const t = new Uint8Array(60);
      const v = new DataView(t.buffer);
      v.setUint32(0, 0x500, true); v.setUint32(4, 0x5, true); v.setUint32(8, 0xbf, true); v.setUint32(12, 0x8a3b, true);
      p.mem.writeBytes(a[2]!, t);
      return 0;
    }
    if (req === 0x5413) {
      const ws = k.host.winsize((f as HostFile).hostFd) ?? { rows: 24, cols: 80 };
      const t = new Uint8Array(8);
      const v = new DataView(t.buffer);
      v.setUint16(0, ws.rows, true); v.setUint16(2, ws.cols, true);
      p.mem.writeBytes(a[2]!, t);
      return 0;
    }
    return -ENOTTY;
  });
}

function fcntl(_k: Kernel, p: Process, a: readonly number[]): number {
  const fd = a[0]! | 0, cmd = a[1]! | 0;
  const f = p.fds.get(fd);
  if (f === undefined) return -EBADF;
  switch (cmd) {
    case 0: case 1030: { // F_DUPFD, F_DUPFD_CLOEXEC
      f.refs++;
      const n = p.fds.install(f, cmd === 1030, a[2]! | 0);
      if (n < 0) f.refs--;
      return n;
    }
    case 1: return p.fds.cloexec(fd) ? 1 : 0; // F_GETFD
    case 2: p.fds.setCloexec(fd, (a[2]! & 1) !== 0); return 0; // F_SETFD
    case 3: return f.flags; // F_GETFL
    case 4: f.flags = (f.flags & ~0o2000) | (a[2]! & 0o2000) | (f.flags & 3); return 0; // F_SETFL (O_APPEND, O_NONBLOCK ignored)
    case 5: case 6: case 7: return 0; // F_GETLK/F_SETLK/F_SETLKW: single process, always granted
    default: return -EINVAL;
  }
}

function dup(_k: Kernel, p: Process, a: readonly number[]): number {
  const f = p.fds.get(a[0]! | 0);
  if (f === undefined) return -EBADF;
  f.refs++;
  return p.fds.install(f, false);
}

function dup3(_k: Kernel, p: Process, a: readonly number[], allowSame = false): number {
  const from = a[0]! | 0, to = a[1]! | 0;
  const f = p.fds.get(from);
  if (f === undefined || to < 0 || to >= 1024) return -EBADF;
  if (from === to) return allowSame ? to : -EINVAL;
  f.refs++;
  p.fds.installAt(to, f, ((a[2]! | 0) & O_CLOEXEC) !== 0);
  return to;
}

export const FS_SYSCALLS: readonly SyscallRow[] = [
  sys(0, "read", ["fd", "ptr", "size"], (_k, p, a) => blockingRead(p, a[0]! | 0, a[1]!, a[2]!)),
  sys(1, "write", ["fd", "buf", "size"], (k, p, a) => sigpipe(k, p, guarded(() => writeIo(p, a[0]! | 0, a[1]!, a[2]!, null)))),
  sys(2, "open", ["path", "hex", "oct"], (k, p, a) => openat(k, p, [AT_FDCWD, a[0]!, a[1]!, a[2]!])),
  sys(85, "creat", ["path", "oct"], (k, p, a) => openat(k, p, [AT_FDCWD, a[0]!, O_CREAT | O_WRONLY | O_TRUNC, a[1]!])),
  sys(3, "close", ["fd"], (_k, p, a) => p.fds.close(a[0]! | 0)),
  sys(4, "stat", ["path", "ptr"], stat(true)),
  sys(5, "fstat", ["fd", "ptr"], fstat),
  sys(6, "lstat", ["path", "ptr"], stat(false)),
  sys(8, "lseek", ["fd", "int", "int"], lseek),
  sys(16, "ioctl", ["fd", "hex", "ptr"], ioctl),
  sys(17, "pread64", ["fd", "ptr", "size", "int"], (_k, p, a) => guarded(() => a[3]! < 0 ? -EINVAL : readIo(p, a[0]! | 0, a[1]!, a[2]!, a[3]!))),
  sys(18, "pwrite64", ["fd", "buf", "size", "int"], (_k, p, a) => guarded(() => a[3]! < 0 ? -EINVAL : writeIo(p, a[0]! | 0, a[1]!, a[2]!, a[3]!))),
  sys(19, "readv", ["fd", "ptr", "int"], (_k, p, a) => guarded(() => vectored(p, a, false, null))),
  sys(20, "writev", ["fd", "ptr", "int"], (k, p, a) => sigpipe(k, p, guarded(() => vectored(p, a, true, null)))),
  sys(21, "access", ["path", "oct"], pathOp((k, _p, path, a) => k.host.access(path, a[1]! | 0), null, 0, true)),
  sys(22, "pipe", ["ptr"], (k, p, a) => pipe2(k, p, [a[0]!, 0])),
  sys(32, "dup", ["fd"], dup),
  sys(33, "dup2", ["fd", "fd"], (k, p, a) => dup3(k, p, [a[0]!, a[1]!, 0], true)),
  sys(72, "fcntl", ["fd", "int", "hex"], fcntl),
  sys(74, "fsync", ["fd"], (k, p, a) => { const f = p.fds.get(a[0]! | 0); return f instanceof HostFile ? k.host.fsync(f.hostFd) : f === undefined ? -EBADF : 0; }),
  sys(75, "fdatasync", ["fd"], (k, p, a) => { const f = p.fds.get(a[0]! | 0); return f instanceof HostFile ? k.host.fsync(f.hostFd) : f === undefined ? -EBADF : 0; }),
  sys(77, "ftruncate", ["fd", "int"], (k, p, a) => { const f = p.fds.get(a[0]! | 0); return f instanceof HostFile ? k.host.ftruncate(f.hostFd, a[1]!) : -EBADF; }),
  sys(79, "getcwd", ["ptr", "size"], getcwd),
  sys(80, "chdir", ["path"], chdir),
  sys(82, "rename", ["path", "path"], (k, p, a) => renameAt(k, p, AT_FDCWD, a[0]!, AT_FDCWD, a[1]!)),
  sys(83, "mkdir", ["path", "oct"], pathOp((k, _p, path, a) => k.host.mkdir(path, a[1]! | 0), null, 0)),
  sys(84, "rmdir", ["path"], pathOp((k, _p, path) => k.host.rmdir(path), null, 0)),
  sys(87, "unlink", ["path"], pathOp((k, _p, path) => k.host.unlink(path), null, 0)),
  sys(89, "readlink", ["path", "ptr", "size"], (k, p, a) => readlinkat(k, p, AT_FDCWD, a[0]!, a[1]!, a[2]!)),
  sys(217, "getdents64", ["fd", "ptr", "size"], getdents64),
  sys(257, "openat", ["fd", "path", "hex", "oct"], openat),
  sys(258, "mkdirat", ["fd", "path", "oct"], pathOp((k, _p, path, a) => k.host.mkdir(path, a[2]! | 0), 0, 1)),
  sys(262, "newfstatat", ["fd", "path", "ptr", "hex"], newfstatat),
  sys(263, "unlinkat", ["fd", "path", "hex"], pathOp((k, _p, path, a) => ((a[2]! & AT_REMOVEDIR) !== 0 ? k.host.rmdir(path) : k.host.unlink(path)), 0, 1)),
  sys(264, "renameat", ["fd", "path", "fd", "path"], (k, p, a) => renameAt(k, p, a[0]!, a[1]!, a[2]!, a[3]!)),
  sys(267, "readlinkat", ["fd", "path", "ptr", "size"], (k, p, a) => readlinkat(k, p, a[0]!, a[1]!, a[2]!, a[3]!)),
  sys(269, "faccessat", ["fd", "path", "oct"], pathOp((k, _p, path, a) => k.host.access(path, a[2]! | 0), 0, 1, true)),
  sys(439, "faccessat2", ["fd", "path", "oct", "hex"], pathOp((k, _p, path, a) => k.host.access(path, a[2]! | 0), 0, 1, true)),
  sys(292, "dup3", ["fd", "fd", "hex"], (k, p, a) => dup3(k, p, a)),
  sys(293, "pipe2", ["ptr", "hex"], pipe2),
  sys(316, "renameat2", ["fd", "path", "fd", "path", "hex"], (k, p, a) => (a[4]! !== 0 ? -EINVAL : renameAt(k, p, a[0]!, a[1]!, a[2]!, a[3]!))),
  sys(332, "statx", ["fd", "path", "hex", "hex", "ptr"], statx),
];

export { putU64, ENOENT };
