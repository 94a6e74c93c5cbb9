// SPDX-License-Identifier: MIT
// File locks (fs/locks.c's system call side): fcntl record locks (F_GETLK,
// F_SETLK, F_SETLKW and the open-file-description F_OFD_* forms) and flock(2).
// The lock tables are fs/locks.ts; a wait polls until the conflict is gone.
import { EAGAIN, EBADF, EFAULT, EINVAL } from "../errno.js";
import { HostFile, type OpenFile } from "../fs/files.js";
import { MemFdFile } from "../fs/memfd.js";
import { F_RDLCK, F_UNLCK, F_WRLCK, conflict, flockFree, flockSet, inodeKey, setRange } from "../fs/locks.js";
import type { Task } from "../task.js";
import { copyIn, copyOut, tryAccess } from "../usercopy.js";
import { type SyscallArgs, type SysResult, block, check, fail } from "./abi.js";
import { fileOf } from "./util.js";

const F_GETLK = 5,
  F_SETLK = 6;
const F_OFD_GETLK = 36,
  F_OFD_SETLK = 37;
const O_ACCMODE = 3,
  O_WRONLY = 1;

/** F_SETLKW and flock without LOCK_NB: retried until granted; a signal ends the wait (ERESTARTSYS). */
function waitLock(f: OpenFile, attempt: () => number): SysResult {
  return block({
    poll: () => {
      const n = tryAccess(attempt, -EFAULT);
      return n === -EAGAIN ? null : n;
    },
    deadline: null,
    timeout: () => 0,
    restart: "sys",
    host: f.hostWait === true,
  });
}

/** struct flock (32 bytes): l_type, l_whence, l_start, l_len, l_pid; resolved to an inclusive range. */
function readFlock(t: Task, f: OpenFile, addr: number): { type: number; start: number; end: number } {
  const b = copyIn(t, addr, 32);
  const v = new DataView(b.buffer, b.byteOffset, 32);
  const type = v.getInt16(0, true),
    whence = v.getInt16(2, true);
  const start0 = Number(v.getBigInt64(8, true)),
    len = Number(v.getBigInt64(16, true));
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) fail(EINVAL);
  let base: number;
  if (whence === 0) base = 0;
  else if (whence === 1) base = f instanceof HostFile || f instanceof MemFdFile ? (f.pos ?? 0) : 0;
  else if (whence === 2) {
    base = f instanceof HostFile ? check(f.host.fstat(f.hostFd)).size : f instanceof MemFdFile ? f.inode.size : 0;
  } else return fail(EINVAL);
  let start = base + start0,
    end = len > 0 ? start + len - 1 : len === 0 ? Infinity : start - 1;
  if (len < 0) start += len;
  if (start < 0) fail(EINVAL);
  if (end < start && len !== 0) end = start - 1;
  return { type, start, end };
}

/** fcntl record locks: F_GETLK reports a conflicting lock or F_UNLCK; F_SETLKW waits for the conflict to go. */
export function recordLock(t: Task, f: OpenFile, cmd: number, addr: number): SysResult {
  const k = t.proc.kernel;
  const ofd = cmd >= F_OFD_GETLK;
  const req = readFlock(t, f, addr);
  if (ofd && new DataView(copyIn(t, addr + 24, 4).buffer).getInt32(0, true) !== 0) return -EINVAL;
  const want = { ...req, pid: ofd ? -1 : t.proc.pid, file: ofd ? f : null };
  const key = inodeKey(t.proc.kernel, f);
  if (cmd === F_GETLK || cmd === F_OFD_GETLK) {
    if (req.type === F_UNLCK) return -EINVAL;
    const c = conflict(k, key, want);
    const out = new DataView(new ArrayBuffer(32));
    out.setInt16(0, c === null ? F_UNLCK : c.type, true);
    out.setInt16(2, c === null ? new DataView(copyIn(t, addr, 4).buffer).getInt16(2, true) : 0, true);
    if (c === null) {
      copyOut(t, addr, new Uint8Array(out.buffer, 0, 2));
      return 0;
    }
    out.setBigInt64(8, BigInt(c.start), true);
    out.setBigInt64(16, c.end === Infinity ? 0n : BigInt(c.end - c.start + 1), true);
    out.setInt32(24, c.file !== null ? -1 : c.pid, true);
    copyOut(t, addr, new Uint8Array(out.buffer));
    return 0;
  }
  const acc = f.flags & O_ACCMODE;
  if ((req.type === F_RDLCK && acc === O_WRONLY) || (req.type === F_WRLCK && acc === 0)) return -EBADF;
  const attempt = (): number => {
    if (req.type !== F_UNLCK && conflict(k, key, want) !== null) return -EAGAIN;
    setRange(k, key, want);
    return 0;
  };
  const r = attempt();
  if (r === 0 || cmd === F_SETLK || cmd === F_OFD_SETLK) return r;
  return waitLock(f, attempt);
}

/** flock(2): LOCK_SH/LOCK_EX/LOCK_UN, LOCK_NB for EWOULDBLOCK instead of waiting. */
export function flock(t: Task, a: SyscallArgs): SysResult {
  const f = fileOf(t, a.int(0));
  const op = a.int(1),
    nb = (op & 4) !== 0,
    base = op & ~4;
  const kind = base === 1 ? "sh" : base === 2 ? "ex" : base === 8 ? "un" : null;
  if (kind === null) return -EINVAL;
  const k = t.proc.kernel,
    key = inodeKey(t.proc.kernel, f);
  const attempt = (): number => (flockSet(k, key, f, kind) < 0 ? -EAGAIN : 0);
  if (kind !== "un" && !flockFree(k, key, f, kind) && !nb) {
    flockSet(k, key, f, "un");
    return waitLock(f, attempt);
  }
  return attempt();
}
