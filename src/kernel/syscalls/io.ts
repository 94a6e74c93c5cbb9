// SPDX-License-Identifier: MIT
// Descriptor I/O (fs/open.c, read_write.c, pipe.c, fcntl.c, ioctl.c, file.c):
// open and close, read and write with Linux's short-copy rules, vectored and
// positioned I/O, lseek, dup, fcntl and the two terminal ioctls (pipes: pipe.ts).
import {
  EAGAIN,
  EBADF,
  EEXIST,
  EFAULT,
  EINVAL,
  EISDIR,
  ENOTDIR,
  ENOTTY,
  ENXIO,
  EPIPE,
  ESPIPE,
  ETXTBSY,
} from "../errno.js";
import type { Blocker } from "../task.js";
import { HostFile, type OpenFile, S_IFIFO, S_IFMT, isNonblocking } from "../fs/files.js";
import {
  O_ACCMODE,
  O_CLOEXEC,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_TRUNC,
  O_WRONLY,
  openLookup,
} from "../fs/open-host.js";
import type { Lookup } from "../fs/namei.js";
import type { HostStat } from "../host.js";
import { openFifo } from "../fs/fifo.js";
import { PipeEnd } from "../fs/pipe.js";
import { F_GETPIPE_SZ, F_SETPIPE_SZ, gatherPipeWrite, pipeFcntl, writePipe } from "./pipe.js";
import { MemFdFile } from "../fs/memfd.js";
import { closingFile } from "../fs/locks.js";
import { addSeals, getSeals } from "./memfd.js";
import { recordLock } from "./locks.js";
import { sendToTask } from "../signal/deliver.js";
import { SI_USER } from "../signal/queue.js";
import { SIGPIPE } from "../signals.js";
import type { Task } from "../task.js";
import {
  MAX_RW_COUNT,
  copyInIovecs,
  copyOut,
  getU32,
  getU64,
  putU32,
  putU64,
  readablePrefix,
  tryAccess,
  writablePrefix,
} from "../usercopy.js";
import { PAGE_SIZE, USER_LIMIT } from "../../hw/memory/address-space.js";
import { type SyscallArgs, type SysResult, SyscallArgs as Args, block, check, fail } from "./abi.js";
import { AT_FDCWD, fileOf, hostFileOf, lookupAt, pathArg } from "./util.js";

const O_APPEND = 0o2000;
const O_TMPFILE_BIT = 0o20000000;
const O_NONBLOCK = 0o4000;
const SEEK_DATA = 3,
  SEEK_HOLE = 4;
const F_DUPFD = 0,
  F_GETFD = 1,
  F_SETFD = 2,
  F_GETFL = 3,
  F_SETFL = 4,
  F_GETLK = 5,
  F_SETLK = 6,
  F_SETLKW = 7;
const F_GETLEASE = 1025,
  F_NOTIFY = 1026,
  F_DUPFD_QUERY = 1027,
  F_GET_RW_HINT = 1035,
  F_SET_RW_HINT = 1036;
const F_UNLCK_TYPE = 2,
  RWH_WRITE_LIFE_EXTREME = 5,
  DN_MULTISHOT = 0x80000000;
const F_DUPFD_CLOEXEC = 1030,
  F_ADD_SEALS = 1033,
  F_GET_SEALS = 1034;
const FD_CLOEXEC = 1;
const TCGETS = 0x5401,
  TIOCGWINSZ = 0x5413,
  FIONREAD = 0x541b,
  FIONBIO = 0x5421;
const FIONCLEX = 0x5450,
  FIOCLEX = 0x5451,
  FIOASYNC = 0x5452;
/** Bytes one call moves at most here (a short count, which every caller handles). */
const MAX_IO = 1 << 24;

const O_PATH = 0o10000000;

/** A FIFO that open(2) found (not for O_PATH): it is opened through fifo_open's waits (src/kernel/fs/fifo.ts), never a blocking host open. */
function fifoFound(r: Lookup, flags: number): HostStat | null {
  if (r.kind !== "host" || typeof r.st === "number" || (flags & O_PATH) !== 0) return null;
  return (r.st.mode & S_IFMT) === S_IFIFO ? r.st : null;
}

/** do_open's get_write_access: a file some process runs (its program or interpreter) does not open for writing or truncation. */
function textBusy(k: Task["proc"]["kernel"], r: Lookup, flags: number): boolean {
  if (r.kind !== "host" || typeof r.st === "number" || (flags & O_PATH) !== 0) return false;
  if ((flags & O_ACCMODE) === 0 && (flags & O_TRUNC) === 0) return false; // O_RDONLY
  return k.pageCache.running(r.st.dev, r.st.ino);
}

export function openat(t: Task, a: SyscallArgs): SysResult {
  const flags = a.int(2),
    k = t.proc.kernel;
  // O_TMPFILE (build_open_flags): with O_DIRECTORY, without O_CREAT, and writable.
  if (
    (flags & O_TMPFILE_BIT) !== 0 &&
    ((flags & (O_TMPFILE_BIT | O_DIRECTORY | O_CREAT)) !== (O_TMPFILE_BIT | O_DIRECTORY) || (flags & O_ACCMODE) === 0)
  ) {
    return -EINVAL;
  }
  const follow = (flags & O_NOFOLLOW) === 0 && (flags & (O_CREAT | O_EXCL)) !== (O_CREAT | O_EXCL);
  if ((flags & O_CREAT) !== 0 && slashAfterName(pathArg(t, a.ptr(1)))) {
    lookupAt(t, a.int(0), a.ptr(1), "parent"); // the directories must be there
    return -EISDIR; // open_last_lookups: O_CREAT with a trailing slash, whatever the name is
  }
  const r = lookupAt(t, a.int(0), a.ptr(1), follow && (flags & O_CREAT) !== 0 ? "create" : follow);
  const fifo = fifoFound(r, flags);
  if (fifo !== null && r.kind === "host") {
    if ((flags & (O_CREAT | O_EXCL)) === (O_CREAT | O_EXCL)) return -EEXIST;
    if ((flags & O_DIRECTORY) !== 0) return -ENOTDIR;
    return openFifo(t, r.host, r.guest, flags, fifo);
  }
  if (textBusy(k, r, flags)) return -ETXTBSY;
  const f = openLookup(t, r, flags, a.u32(3));
  if (typeof f === "number") return f;
  const cached = (flags & O_TRUNC) !== 0 ? k.pageCache.existing(k, f) : undefined;
  if (cached !== undefined) k.pageCache.resized(k, cached, 0);
  const fd = t.proc.fds.install(f, (flags & O_CLOEXEC) !== 0);
  if (fd < 0) f.close();
  return fd;
}

/** The path ends in `name/` with a name other than `.` and `..` (LAST_NORM followed by a slash). */
function slashAfterName(path: string): boolean {
  if (!path.endsWith("/")) return false;
  const parts = path.split("/").filter((x) => x !== "");
  const last = parts[parts.length - 1];
  return last !== undefined && last !== "." && last !== "..";
}

export function open(t: Task, a: SyscallArgs): SysResult {
  return openat(t, Args.of(AT_FDCWD, a.ptr(0), a.int(1), a.u32(2)));
}

export function creat(t: Task, a: SyscallArgs): SysResult {
  return openat(t, Args.of(AT_FDCWD, a.ptr(0), O_CREAT | O_WRONLY | O_TRUNC, a.u32(1)));
}

/** close(2): a process's POSIX locks on the file go with any descriptor of it (locks_remove_posix). */
export function close(t: Task, a: SyscallArgs): SysResult {
  closingFile(t.proc.kernel, t.proc.pid, t.proc.fds.get(a.int(0)));
  return t.proc.fds.close(a.int(0));
}

/** access_ok: up to a page from an address ≤ TASK_SIZE_MAX, a longer range ending there. */
function accessOk(addr: number, len: number): void {
  if ((len <= PAGE_SIZE ? addr : addr + len) > USER_LIMIT - PAGE_SIZE) fail(EFAULT);
}

/**
 * A pipe moves whole page-sized buffers (fs/pipe.c): a copy that faults inside
 * one fails unless earlier buffers went through, so of a partly accessible
 * range only whole pages count. Files move the accessible prefix (filemap_read,
 * generic_perform_write).
 */
function usable(f: OpenFile, accessible: number, wanted: number): number {
  if (!(f instanceof PipeEnd) || accessible >= wanted) return accessible;
  return accessible - (accessible % PAGE_SIZE);
}

/**
 * Reads into [addr, addr+len): the bytes up to the first unwritable page are
 * transferred (a short count), EFAULT only when none can be; -EAGAIN when the
 * file has nothing yet.
 */
function readIo(t: Task, f: OpenFile, addr: number, len: number, pos: number | null): number {
  if (f instanceof HostFile && f.isDir) return -EISDIR;
  accessOk(addr, len);
  let want = Math.min(len, MAX_RW_COUNT, MAX_IO);
  if (want === 0) return 0;
  if (f instanceof PipeEnd && !f.writable) {
    if (f.pipe.empty) return f.read(new Uint8Array(0)); // EOF or EAGAIN, before any copy
    want = Math.min(want, f.pipe.size);
  }
  const room = usable(f, writablePrefix(t.proc.mem, addr, want), want);
  if (room === 0) return -EFAULT;
  const buf = new Uint8Array(room);
  const k = t.proc.kernel;
  if (!k.pageCache.empty) k.pageCache.beforeRead(k, f);
  const n = f.read(buf, pos, t);
  if (n > 0) copyOut(t, addr, buf.subarray(0, n));
  return n;
}

/** Writes from [addr, addr+len): the readable prefix is written, EFAULT when it is empty. */
function writeIo(t: Task, f: OpenFile, addr: number, len: number, pos: number | null): number {
  accessOk(addr, len);
  const want = Math.min(len, MAX_RW_COUNT, MAX_IO);
  if (want === 0) return 0;
  const n = usable(f, readablePrefix(t.proc.mem, addr, want), want);
  if (n === 0) return -EFAULT;
  const bytes = t.proc.mem.readBytes(addr, n);
  const r = f.write(bytes, pos);
  const k = t.proc.kernel;
  if (r > 0 && !k.pageCache.empty) k.pageCache.afterWrite(k, f, pos, bytes.subarray(0, r));
  return sigpipe(t, r);
}

/** Writing to a pipe without readers raises SIGPIPE as well as returning -EPIPE. */
function sigpipe(t: Task, r: number): number {
  if (r === -EPIPE) sendToTask(t.proc.kernel, t, { signo: SIGPIPE, code: SI_USER, pid: t.proc.pid, uid: t.cred.uid });
  return r;
}

/** A wait for a file to become ready: `attempt` is retried until it is not -EAGAIN. */
function waitFile(f: OpenFile, attempt: () => number, extra: Partial<Blocker> = {}): SysResult {
  return block({
    poll: () => {
      const n = tryAccess(attempt, -EFAULT);
      return n === -EAGAIN ? null : n;
    },
    deadline: null,
    timeout: () => 0,
    restart: "sys",
    host: f.hostWait === true,
    ...extra,
  });
}

/** read(2): a file with nothing to read blocks the task until data, end of file or an error (pipe_read). */
export function read(t: Task, a: SyscallArgs): SysResult {
  const fd = a.int(0),
    addr = a.ptr(1),
    len = a.size(2);
  const f = fileOf(t, fd);
  const r = readIo(t, f, addr, len, null);
  if (r !== -EAGAIN || isNonblocking(f)) return r;
  return waitFile(f, () => readIo(t, f, addr, len, null));
}

/**
 * write(2): a blocking write to a pipe or stream takes everything before it
 * returns, waiting for room as often as needed (a signal returns the count so far);
 * a pipe's writer is syscalls/pipe.ts's.
 */
export function write(t: Task, a: SyscallArgs): SysResult {
  const f = fileOf(t, a.int(0));
  if (f instanceof PipeEnd && f.writable) {
    accessOk(a.ptr(1), a.size(2)); // vfs_write checks the range before anything, a count of 0 too
    return writePipe(t, f, gatherPipeWrite(t, [{ base: a.ptr(1), len: a.size(2) }]));
  }
  return writeAll(t, f, a.ptr(1), a.size(2));
}

/** Pipes, FIFOs, terminals and sockets: a short write means "no room yet", not "no more". */
function isStream(f: OpenFile): boolean {
  return f instanceof PipeEnd || f.hostWait === true;
}

function writeAll(t: Task, f: OpenFile, addr: number, len: number): SysResult {
  const r = writeIo(t, f, addr, len, null);
  if (isNonblocking(f) || !(r === -EAGAIN || (r > 0 && r < len && isStream(f)))) return r;
  let done = r > 0 ? r : 0;
  return waitFile(
    f,
    () => {
      const n = writeIo(t, f, addr + done, len - done, null);
      if (n === -EAGAIN) return -EAGAIN;
      if (n < 0) return done > 0 ? done : n;
      done += n;
      return done < len ? -EAGAIN : done;
    },
    { partial: () => done },
  );
}

export function pread64(t: Task, a: SyscallArgs): SysResult {
  if (a.long(3) < 0) return -EINVAL;
  const f = fileOf(t, a.int(0));
  if (!seekable(f)) return -ESPIPE;
  return readIo(t, f, a.ptr(1), a.size(2), a.long(3));
}

export function pwrite64(t: Task, a: SyscallArgs): SysResult {
  if (a.long(3) < 0) return -EINVAL;
  const f = fileOf(t, a.int(0));
  if (!seekable(f)) return -ESPIPE;
  return writeIo(t, f, a.ptr(1), a.size(2), a.long(3));
}

/** FMODE_PREAD/FMODE_LSEEK: files with a position (regular host files, block devices, directories; memfds and procfs files, which seek themselves). */
function seekable(f: OpenFile): boolean {
  return f instanceof HostFile ? f.pos !== null : f.seek !== undefined;
}

/** readv/writev: iovecs in order until one transfers short; an error after some data returns the count. */
function vectored(t: Task, a: SyscallArgs, isWrite: boolean): number {
  const f = fileOf(t, a.int(0));
  let total = 0;
  for (const { base, len } of copyInIovecs(t, a.ptr(1), a.int(2))) {
    if (len === 0) continue;
    const n = tryAccess(() => (isWrite ? writeIo : readIo)(t, f, base, len, null), -EFAULT);
    if (n < 0) return total > 0 ? total : n;
    total += n;
    if (n < len) break;
  }
  return total;
}

/** readv/writev wait like read and write when nothing could be moved. */
function vectoredIo(t: Task, a: SyscallArgs, isWrite: boolean): SysResult {
  const f = fileOf(t, a.int(0));
  const r = vectored(t, a, isWrite);
  if (r !== -EAGAIN || isNonblocking(f)) return r;
  return waitFile(f, () => vectored(t, a, isWrite));
}

export function readv(t: Task, a: SyscallArgs): SysResult {
  return vectoredIo(t, a, false);
}

/** writev(2); on a pipe, one write of all the buffers (atomic up to PIPE_BUF bytes in all). */
export function writev(t: Task, a: SyscallArgs): SysResult {
  const f = fileOf(t, a.int(0));
  if (f instanceof PipeEnd && f.writable) {
    return writePipe(t, f, gatherPipeWrite(t, copyInIovecs(t, a.ptr(1), a.int(2))));
  }
  return vectoredIo(t, a, true);
}

export function lseek(t: Task, a: SyscallArgs): SysResult {
  const f = fileOf(t, a.int(0));
  if (!(f instanceof HostFile)) return f.seek?.(a.long(1), a.int(2)) ?? -ESPIPE;
  if (f.pos === null) return -ESPIPE;
  const whence = a.int(2);
  let base: number;
  if (whence === 0) base = 0;
  else if (whence === 1) base = f.pos;
  else if (whence === 2 || whence === SEEK_DATA || whence === SEEK_HOLE) base = check(f.host.fstat(f.hostFd)).size;
  else return -EINVAL;
  if (whence !== 2 && whence >= SEEK_DATA) {
    // No holes are known: data from any offset inside the file, the one hole at its end (generic_file_llseek_size).
    const off = a.long(1);
    if (off < 0 || off >= base) return -ENXIO;
    f.pos = whence === SEEK_DATA ? off : base;
    return f.pos;
  }
  const pos = base + a.long(1);
  if (pos < 0) return -EINVAL;
  f.pos = pos;
  if (f.isDir && pos === 0) f.dirEntries = null; // rewinddir reads the directory again
  return pos;
}

/** TCGETS and TIOCGWINSZ on a terminal; anything else is ENOTTY (docs/quirks.md Q-IOCTL). */
export function ioctl(t: Task, a: SyscallArgs): SysResult {
  const f = fileOf(t, a.int(0));
  const common = commonIoctl(t, a.int(0), f, a.u32(1), a.ptr(2));
  if (common !== null) return common;
  if (!(f instanceof HostFile) || !t.proc.kernel.host.isatty(f.hostFd)) return -ENOTTY;
  const req = a.u32(1);
  if (req === TCGETS) {
    // A cooked terminal (ICRNL|IXON, OPOST|ONLCR, B38400|CS8|CREAD, ISIG|ICANON|ECHO...), in the
    // kernel's 36-byte struct termios (4 flags, c_line, 19 c_cc): glibc reads it into a local of that size.
    const v = new DataView(new ArrayBuffer(36));
    v.setUint32(0, 0x500, true);
    v.setUint32(4, 0x5, true);
    v.setUint32(8, 0xbf, true);
    v.setUint32(12, 0x8a3b, true);
    copyOut(t, a.ptr(2), new Uint8Array(v.buffer));
    return 0;
  }
  if (req === TIOCGWINSZ) {
    const ws = t.proc.kernel.host.winsize(f.hostFd) ?? { rows: 24, cols: 80 };
    const v = new DataView(new ArrayBuffer(8));
    v.setUint16(0, ws.rows, true);
    v.setUint16(2, ws.cols, true);
    copyOut(t, a.ptr(2), new Uint8Array(v.buffer));
    return 0;
  }
  return -ENOTTY;
}

/** The requests every file answers (fs/ioctl.c do_vfs_ioctl) and FIONREAD; null for the rest. */
function commonIoctl(t: Task, fd: number, f: OpenFile, req: number, arg: number): number | null {
  switch (req) {
    case FIOCLEX:
    case FIONCLEX:
      t.proc.fds.setCloexec(fd, req === FIOCLEX);
      return 0;
    case FIONBIO: {
      const on = getU32(t, arg) !== 0;
      f.flags = on ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK;
      return 0;
    }
    case FIOASYNC:
      getU32(t, arg);
      return 0;
    case FIONREAD: {
      const n =
        f.readable?.() ??
        (f instanceof HostFile && f.pos !== null && !f.isDir
          ? Math.max(0, check(f.host.fstat(f.hostFd)).size - f.pos)
          : null);
      if (n === null) return null;
      putU32(t, arg, n);
      return 0;
    }
    default:
      return null;
  }
}

/** fcntl: descriptors, status flags, record locks, pipe sizes and seals. */
export function fcntl(t: Task, a: SyscallArgs): SysResult {
  const fds = t.proc.fds,
    fd = a.int(0),
    cmd = a.int(1);
  const f = fileOf(t, fd);
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      if (a.u64(2) >= fds.max) return -EINVAL;
      f.refs++;
      const n = fds.install(f, cmd === F_DUPFD_CLOEXEC, a.int(2));
      if (n < 0) f.refs--;
      return n;
    }
    case F_GETFD:
      return fds.cloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD:
      fds.setCloexec(fd, (a.int(2) & FD_CLOEXEC) !== 0);
      return 0;
    case F_GETFL:
      return f.flags;
    case F_SETFL:
      f.flags = (f.flags & ~(O_APPEND | O_NONBLOCK)) | (a.int(2) & (O_APPEND | O_NONBLOCK));
      return 0;
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case 36:
    case 37:
    case 38 /* F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW */:
      return recordLock(t, f, cmd, a.ptr(2));
    case F_ADD_SEALS:
      return addSeals(t, f, a.u32(2));
    case F_GET_SEALS:
      return getSeals(f);
    case F_SETPIPE_SZ:
    case F_GETPIPE_SZ:
      return pipeFcntl(f, cmd, a.int(2));
    case F_GETLEASE:
      return F_UNLCK_TYPE; // no leases are ever granted (F_SETLEASE is EINVAL)
    // dnotify: 0 (no events) removes the watch on any file; a watch is accepted on a directory and never fires.
    case F_NOTIFY:
      return (a.u32(2) & ~DN_MULTISHOT) === 0 || (f instanceof HostFile && f.isDir) ? 0 : -ENOTDIR;
    case F_DUPFD_QUERY: {
      const g = t.proc.fds.get(a.int(2));
      return g === undefined ? -EBADF : g === f ? 1 : 0;
    }
    case F_GET_RW_HINT:
      putU64(t, a.ptr(2), 0);
      return 0; // RWH_WRITE_LIFE_NOT_SET
    case F_SET_RW_HINT:
      return getU64(t, a.ptr(2)) > RWH_WRITE_LIFE_EXTREME ? -EINVAL : 0;
    default:
      return -EINVAL;
  }
}

export function dup(t: Task, a: SyscallArgs): SysResult {
  const f = fileOf(t, a.int(0));
  f.refs++;
  const n = t.proc.fds.install(f, false);
  if (n < 0) f.refs--;
  return n;
}

function dupTo(t: Task, from: number, to: number, flags: number, allowSame: boolean): number {
  const f = t.proc.fds.get(from);
  if (f === undefined || to < 0 || to >= t.proc.fds.max) return -EBADF;
  if (from === to) return allowSame ? to : -EINVAL;
  if ((flags & ~O_CLOEXEC) !== 0) return -EINVAL;
  closingFile(t.proc.kernel, t.proc.pid, t.proc.fds.get(to));
  f.refs++;
  t.proc.fds.installAt(to, f, (flags & O_CLOEXEC) !== 0);
  return to;
}

export function dup2(t: Task, a: SyscallArgs): SysResult {
  return dupTo(t, a.int(0), a.int(1), 0, true);
}

export function dup3(t: Task, a: SyscallArgs): SysResult {
  return dupTo(t, a.int(0), a.int(1), a.int(2), false);
}

/** fsync/fdatasync: pages stored through mappings first, then the host file's; pipes have nothing to flush. */
export function fsync(t: Task, a: SyscallArgs): SysResult {
  const f = fileOf(t, a.int(0)),
    k = t.proc.kernel;
  if (f instanceof MemFdFile) return 0;
  if (!(f instanceof HostFile)) return -EINVAL;
  const obj = k.pageCache.existing(k, f);
  if (obj !== undefined) k.pageCache.sync(k, obj);
  return k.host.fsync(f.hostFd);
}

/** ftruncate: the file's size changes for its mappings too (pages past the end fault with SIGBUS). */
export function ftruncate(t: Task, a: SyscallArgs): SysResult {
  const len = a.long(1),
    k = t.proc.kernel;
  if (len < 0) return -EINVAL;
  const f = fileOf(t, a.int(0));
  if (f instanceof MemFdFile) {
    if ((f.flags & 3) === 0) return -EINVAL;
    const ok = f.inode.mayResize(len);
    if (ok < 0) return ok;
    k.pageCache.resized(k, f.obj, len);
    return 0;
  }
  const hf = hostFileOf(t, a.int(0), EINVAL);
  const obj = k.pageCache.existing(k, hf);
  if (obj !== undefined) k.pageCache.sync(k, obj);
  const r = k.host.ftruncate(hf.hostFd, len);
  if (r === 0 && obj !== undefined) k.pageCache.resized(k, obj, len);
  return r;
}
