// SPDX-License-Identifier: MIT
// File locks between guest processes (fs/locks.c): POSIX record locks owned by
// a process (released by any close of the file or by exit), open-file-
// description locks (F_OFD_*) and flock(2) locks owned by the open file, per
// host inode. Locks that host processes hold are not seen (docs/quirks.md Q-FLOCK).
import type { Kernel } from "../kernel.js";
import { HostFile, type OpenFile } from "./files.js";
import { MemFdFile } from "./memfd.js";

export const F_RDLCK = 0;
export const F_WRLCK = 1;
export const F_UNLCK = 2;

/** A byte-range lock; `end` is inclusive (Infinity: to the end of any file). */
interface RangeLock {
  type: number;
  start: number;
  end: number;
  /** The owning process (POSIX locks), or -1 for an open file description's lock. */
  pid: number;
  /** The owning open file description (OFD locks), or null. */
  file: OpenFile | null;
}

export interface InodeLocks {
  ranges: RangeLock[];
  /** flock(2): the open file descriptions holding a shared or exclusive lock. */
  flocks: { file: OpenFile; exclusive: boolean }[];
}

/** In-kernel files (pipes, memfds, sockets) are their own inode for locking. */
const anonIds = new WeakMap<object, number>();
let nextAnon = 1;

/** The inode a lock is kept on: the host file's device and inode, or the in-kernel inode. */
export function inodeKey(k: Kernel, f: OpenFile): string {
  if (f instanceof HostFile) {
    const st = k.host.fstat(f.hostFd);
    if (typeof st !== "number") return `${st.dev}:${st.ino}`;
  }
  const obj: object = f instanceof MemFdFile ? f.inode : f;
  let id = anonIds.get(obj);
  if (id === undefined) anonIds.set(obj, (id = nextAnon++));
  return `anon:${id}`;
}

/**
 * A process is closing one of its descriptors (filp_close): its POSIX locks on
 * the file's inode go with it, whichever descriptor took them (locks_remove_posix).
 */
export function closingFile(k: Kernel, pid: number, f: OpenFile | undefined): void {
  if (f !== undefined && k.locks.size > 0) releasePosix(k, inodeKey(k, f), pid);
}

function table(k: Kernel, key: string): InodeLocks {
  let t = k.locks.get(key);
  if (t === undefined) k.locks.set(key, (t = { ranges: [], flocks: [] }));
  return t;
}

/** Locks whose owner is gone (an exited process, a closed description) no longer count. */
function live(k: Kernel, l: RangeLock): boolean {
  return l.file !== null ? l.file.refs > 0 : k.procs.get(l.pid)?.live === true;
}

function sameOwner(a: RangeLock, b: RangeLock): boolean {
  return a.file !== null ? a.file === b.file : b.file === null && a.pid === b.pid;
}

/** The first lock of another owner that conflicts with `want` (posix_test_lock), or null. */
export function conflict(k: Kernel, key: string, want: RangeLock): RangeLock | null {
  const t = table(k, key);
  t.ranges = t.ranges.filter((l) => live(k, l));
  for (const l of t.ranges) {
    if (sameOwner(l, want) || l.end < want.start || l.start > want.end) continue;
    if (l.type === F_WRLCK || want.type === F_WRLCK) return l;
  }
  return null;
}

/** Sets (or with F_UNLCK clears) the owner's lock on [start, end], splitting and merging its own ranges. */
export function setRange(k: Kernel, key: string, want: RangeLock): void {
  const t = table(k, key);
  const out: RangeLock[] = [];
  for (const l of t.ranges) {
    if (!sameOwner(l, want) || l.end < want.start || l.start > want.end) {
      out.push(l);
      continue;
    }
    if (l.start < want.start) out.push({ ...l, end: want.start - 1 });
    if (l.end > want.end) out.push({ ...l, start: want.end + 1 });
  }
  if (want.type !== F_UNLCK) out.push({ ...want });
  t.ranges = out;
}

/** A process closed a descriptor of the inode: its POSIX locks there go (locks_remove_posix). */
function releasePosix(k: Kernel, key: string, pid: number): void {
  const t = k.locks.get(key);
  if (t !== undefined) t.ranges = t.ranges.filter((l) => l.file !== null || l.pid !== pid);
}

/** flock(2): -1 when another description's lock conflicts, else takes or converts the lock (0). */
export function flockSet(k: Kernel, key: string, file: OpenFile, op: "sh" | "ex" | "un"): number {
  const t = table(k, key);
  t.flocks = t.flocks.filter((f) => f.file.refs > 0 && !(f.file === file));
  if (op === "un") return 0;
  if (t.flocks.some((f) => f.exclusive || op === "ex")) {
    return -1;
  }
  t.flocks.push({ file, exclusive: op === "ex" });
  return 0;
}

/** Whether `file` could take the flock now (without changing anything). */
export function flockFree(k: Kernel, key: string, file: OpenFile, op: "sh" | "ex"): boolean {
  const t = table(k, key);
  return !t.flocks.some((f) => f.file !== file && f.file.refs > 0 && (f.exclusive || op === "ex"));
}
