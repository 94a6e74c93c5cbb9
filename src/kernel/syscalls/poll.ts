// SPDX-License-Identifier: MIT
// poll, ppoll, select and pselect6 (fs/select.c) over every kind of file: each
// file reports its ready events (OpenFile.poll); a call with nothing ready
// sleeps until a file becomes ready, its timeout passes or a signal arrives.
// ppoll and pselect6 wait with a temporary signal mask (set_user_sigmask).
import { EBADF, EFAULT, EINTR, EINVAL } from "../errno.js";
import { type OpenFile, pollFile } from "../fs/files.js";
import {
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  POLLPRI,
  POLLRDBAND,
  POLLRDNORM,
  POLLWRBAND,
  POLLWRNORM,
} from "../fs/poll-events.js";
import { UNBLOCKABLE } from "../signals.js";
import type { Task } from "../task.js";
import { copyIn, copyOut, getU64, tryAccess } from "../usercopy.js";
import { type SyscallArgs, type SysResult, block, fail } from "./abi.js";
import { readTimespecNs } from "./time.js";

/** RLIMIT_NOFILE: poll's nfds limit and select's descriptor table size. */
const NOFILE = 1024;
const NS = 1_000_000_000n;
const SIGSET_SIZE = 8;
const POLLIN_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
const POLLOUT_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
const POLLEX_SET = POLLPRI;

/** How a wait ends: its deadline (virtual ns) and whether host files take part. */
interface Wait {
  deadline: bigint | null;
  host: boolean;
}

/** One poll(2) pass over the pollfd array: writes every revents, returns the ready count. */
function scanPollfds(t: Task, addr: number, n: number, w: Wait | null): number {
  const raw = copyIn(t, addr, 8 * n);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const fd = v.getInt32(8 * i, true),
      want = v.getUint16(8 * i + 4, true);
    let rev = 0;
    if (fd >= 0) {
      const f = t.proc.fds.get(fd);
      if (f === undefined) rev = POLLNVAL;
      else {
        rev = pollFile(f) & (want | POLLERR | POLLHUP);
        if (w !== null && f.hostWait === true) w.host = true;
      }
    }
    v.setUint16(8 * i + 6, rev, true);
    if (rev !== 0) count++;
  }
  copyOut(t, addr, raw);
  return count;
}

/** Sleeps until `scan` finds something (its count), the deadline (0) or a signal. */
function waitFor(
  t: Task,
  scan: () => number,
  w: Wait,
  done: (r: number) => void,
  restart: "nohand" | "block",
): SysResult {
  const first = scan();
  if (first !== 0 || w.deadline === t.proc.kernel.clockNs()) {
    done(first);
    return first;
  }
  const pending = t.pending.next(t.sigMask) || t.proc.sharedPending.next(t.sigMask);
  if (pending !== 0) return -EINTR;
  return block({
    poll: () => {
      const r = tryAccess(scan, -EFAULT);
      if (r === 0) return null;
      done(r);
      return r;
    },
    deadline: w.deadline,
    host: w.host,
    restart,
    timeout: () => {
      done(0);
      return 0;
    },
  });
}

/** The wait's deadline for a relative timeout (null: forever). */
function deadlineOf(t: Task, ns: bigint | null): bigint | null {
  return ns === null ? null : t.proc.kernel.clockNs() + ns;
}

/** Installs a temporary signal mask for the wait (ppoll, pselect6); returns the restore function. */
function tempMask(t: Task, maskPtr: number, size: number): () => void {
  if (maskPtr === 0) return () => {};
  if (size !== SIGSET_SIZE) fail(EINVAL);
  const set = getU64(t, maskPtr);
  t.savedMask = t.sigMask;
  t.sigMask = BigInt.asUintN(64, BigInt(set)) & ~UNBLOCKABLE;
  return () => {
    if (t.savedMask !== null) {
      t.sigMask = t.savedMask;
      t.savedMask = null;
    }
  };
}

function doPoll(
  t: Task,
  fds: number,
  n: number,
  ns: bigint | null,
  after: (left: bigint) => void,
  restart: "nohand" | "block",
): SysResult {
  if (n > NOFILE) return -EINVAL;
  const w: Wait = { deadline: deadlineOf(t, ns), host: false };
  copyIn(t, fds, 8 * n);
  return waitFor(
    t,
    () => scanPollfds(t, fds, n, w),
    w,
    () => after(remaining(t, w.deadline)),
    restart,
  );
}

function remaining(t: Task, deadline: bigint | null): bigint {
  if (deadline === null) return 0n;
  const left = deadline - t.proc.kernel.clockNs();
  return left > 0n ? left : 0n;
}

export function poll(t: Task, a: SyscallArgs): SysResult {
  const ms = a.int(2);
  return doPoll(t, a.ptr(0), a.u32(1), ms < 0 ? null : BigInt(ms) * 1_000_000n, () => {}, "block");
}

/** ppoll: a timespec timeout (written back with the time left) and a temporary signal mask. */
export function ppoll(t: Task, a: SyscallArgs): SysResult {
  const tsp = a.ptr(2);
  const ns = tsp === 0 ? null : readTimespecNs(t, tsp);
  const restore = tempMask(t, a.ptr(3), a.size(4));
  return restoring(restore, () =>
    doPoll(
      t,
      a.ptr(0),
      a.u32(1),
      ns,
      (left) => {
        restore();
        if (tsp !== 0) {
          tryAccess(() => {
            writeTimespec(t, tsp, left);
            return 0;
          }, 0);
        }
      },
      "nohand",
    ),
  );
}

/** Runs a wait with a temporary mask: an error other than EINTR (which keeps it for the handler) restores it. */
function restoring(restore: () => void, run: () => SysResult): SysResult {
  let r: SysResult;
  try {
    r = run();
  } catch (e) {
    restore();
    throw e;
  }
  if (typeof r === "number" && r < 0 && r !== -EINTR) restore();
  return r;
}

function writeTimespec(t: Task, addr: number, ns: bigint): void {
  const b = new DataView(new ArrayBuffer(16));
  b.setBigInt64(0, ns / NS, true);
  b.setBigInt64(8, ns % NS, true);
  copyOut(t, addr, new Uint8Array(b.buffer));
}

/** The three fd_set bitmaps of select: nfds bits each, in whole longs. */
interface FdSets {
  n: number;
  bytes: number;
  ptrs: [number, number, number];
  sets: [Uint8Array | null, Uint8Array | null, Uint8Array | null];
}

function bit(set: Uint8Array | null, fd: number): boolean {
  return set !== null && (set[fd >> 3]! & (1 << (fd & 7))) !== 0;
}

/** core_sys_select's checks: every fd named in a set must be open (EBADF). */
function readSets(t: Task, n: number, ptrs: [number, number, number]): FdSets {
  const bytes = 8 * Math.ceil(n / 64);
  const sets = ptrs.map((p) => (p === 0 ? null : copyIn(t, p, bytes).slice())) as FdSets["sets"];
  for (let fd = 0; fd < n; fd++) {
    if ((bit(sets[0], fd) || bit(sets[1], fd) || bit(sets[2], fd)) && t.proc.fds.get(fd) === undefined) fail(EBADF);
  }
  return { n, bytes, ptrs, sets };
}

/** One select pass: the result sets (written back only when something is ready or time is up). */
function scanSets(t: Task, s: FdSets, w: Wait, write: boolean): number {
  const out = s.sets.map((x) => (x === null ? null : new Uint8Array(s.bytes)));
  let count = 0;
  for (let fd = 0; fd < s.n; fd++) {
    const want = [bit(s.sets[0], fd), bit(s.sets[1], fd), bit(s.sets[2], fd)];
    if (!want[0] && !want[1] && !want[2]) continue;
    const f: OpenFile | undefined = t.proc.fds.get(fd);
    if (f === undefined) continue;
    if (f.hostWait === true) w.host = true;
    const m = pollFile(f);
    [POLLIN_SET, POLLOUT_SET, POLLEX_SET].forEach((mask, i) => {
      const o = out[i];
      if (want[i] === true && o !== null && o !== undefined && (m & mask) !== 0) {
        o[fd >> 3] = o[fd >> 3]! | (1 << (fd & 7));
        count++;
      }
    });
  }
  if (count > 0 || write) {
    out.forEach((o, i) => {
      if (o !== null) copyOut(t, s.ptrs[i]!, o);
    });
  }
  return count;
}

function doSelect(t: Task, a: SyscallArgs, ns: bigint | null, after: (left: bigint) => void): SysResult {
  const nfds = a.int(0);
  if (nfds < 0) return -EINVAL;
  const n = Math.min(nfds, NOFILE);
  const s = readSets(t, n, [a.ptr(1), a.ptr(2), a.ptr(3)]);
  const w: Wait = { deadline: deadlineOf(t, ns), host: false };
  return waitFor(
    t,
    () => scanSets(t, s, w, false),
    w,
    (r) => {
      if (r === 0) scanSets(t, s, w, true);
      after(remaining(t, w.deadline));
    },
    "nohand",
  );
}

/** select: a timeval timeout, written back with the time left (Linux does; glibc passes it through). */
export function select(t: Task, a: SyscallArgs): SysResult {
  const tvp = a.ptr(4);
  let ns: bigint | null = null;
  if (tvp !== 0) {
    const v = copyIn(t, tvp, 16);
    const d = new DataView(v.buffer, v.byteOffset, 16);
    const sec = d.getBigInt64(0, true),
      usec = d.getBigInt64(8, true);
    if (sec < 0n || usec < 0n || usec >= 1_000_000n) return -EINVAL;
    ns = sec * NS + usec * 1000n;
  }
  return doSelect(t, a, ns, (left) => {
    if (tvp === 0) return;
    const b = new DataView(new ArrayBuffer(16));
    b.setBigInt64(0, left / NS, true);
    b.setBigInt64(8, (left % NS) / 1000n, true);
    tryAccess(() => {
      copyOut(t, tvp, new Uint8Array(b.buffer));
      return 0;
    }, 0);
  });
}

/** pselect6: a timespec timeout and, in the sixth argument, {const sigset_t *ss; size_t ss_len}. */
export function pselect6(t: Task, a: SyscallArgs): SysResult {
  const tsp = a.ptr(4);
  const ns = tsp === 0 ? null : readTimespecNs(t, tsp);
  let restore = (): void => {};
  if (a.ptr(5) !== 0) {
    const v = copyIn(t, a.ptr(5), 16);
    const d = new DataView(v.buffer, v.byteOffset, 16);
    restore = tempMask(t, Number(d.getBigUint64(0, true)), Number(d.getBigUint64(8, true)));
  }
  return restoring(restore, () =>
    doSelect(t, a, ns, (left) => {
      restore();
      if (tsp !== 0) {
        tryAccess(() => {
          writeTimespec(t, tsp, left);
          return 0;
        }, 0);
      }
    }),
  );
}
