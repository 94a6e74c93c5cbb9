// SPDX-License-Identifier: MIT
// Open file descriptions and the per-process descriptor table (Linux
// fs/file.c shape): the file interface every kind of open file implements,
// host-backed files with our own offsets, and the descriptor table (in-guest
// pipes: pipe.ts).
import type { Host, HostDirent, HostStat } from "../host.js";
import type { Task } from "../task.js";
import { EAGAIN, EBADF, EMFILE } from "../errno.js";
import { DEFAULT_POLLMASK, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, nextGeneration } from "./poll-events.js";

export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
export const S_IFBLK = 0o060000;
export const S_IFLNK = 0o120000;

export const O_NONBLOCK = 0o4000;

export interface OpenFile {
  /**
   * Reads into buf; returns bytes read, 0 at end of file, -EAGAIN when it would
   * block, or -errno. `t` is the reading task (signalfd reads its signals).
   */
  read(buf: Uint8Array, pos: number | null, t?: Task): number;
  /** Writes buf; returns bytes taken (maybe short), -EAGAIN when nothing can be taken now, or -errno. */
  write(buf: Uint8Array, pos: number | null): number;
  /** Absolute path for host files (openat dirfd resolution, /proc/self/fd). */
  readonly path: string;
  flags: number;
  refs: number;
  close(): void;
  /** lseek for files that are not host files (procfs): the new position or -errno; absent: ESPIPE. */
  seek?(offset: number, whence: number): number;
  /** poll(2) events ready now; a file without it never blocks (DEFAULT_POLLMASK). */
  poll?(): number;
  /**
   * Stamps (poll-events.ts nextGeneration) of the last change of the file's
   * input side (data arrived, end of file) and output side (room freed): epoll's
   * edge-triggered mode reports a change once, its ready list is in stamp order.
   */
  readonly generation?: number;
  readonly outGeneration?: number;
  /** Readiness comes from outside the guest (the host), so a waiter needs real time to pass. */
  readonly hostWait?: boolean;
  /** Bytes a read would return now (FIONREAD), for queues (pipes, sockets). */
  readable?(): number;
  /** What fstat reports for a file that is not on the host (anonymous inodes, memfd, sockets). */
  stat?(): Partial<HostStat>;
}

/** The events `f` reports now. */
export function pollFile(f: OpenFile): number {
  return f.poll === undefined ? DEFAULT_POLLMASK : f.poll();
}

export function isNonblocking(f: OpenFile): boolean {
  return (f.flags & O_NONBLOCK) !== 0;
}

/** A file on the host. `pos` is ours for seekable files, null for streams. */
export class HostFile implements OpenFile {
  refs = 1;
  dirEntries: HostDirent[] | null = null;
  constructor(
    readonly host: Host,
    readonly hostFd: number,
    readonly path: string,
    public flags: number,
    public pos: number | null,
    readonly isDir: boolean,
    /** Standard streams are the host's own descriptors: never closed by the guest. */
    readonly borrowed = false,
  ) {}

  /** Bytes read from a stream ahead of the guest (poll looked for data). */
  private ahead: Uint8Array | null = null;
  private eof = false;
  /** Bumped when poll finds the stream's state changed. */
  generation = 0;

  get hostWait(): boolean {
    return this.streamFd !== null;
  }

  /** A non-blocking descriptor for reads of a stream (a pipe, FIFO, terminal, socket), or null. */
  streamFd: number | null = null;

  read(buf: Uint8Array, at: number | null): number {
    if (this.streamFd !== null) return this.readStream(buf);
    const pos = at ?? this.pos;
    const n = this.host.read(this.hostFd, buf, pos);
    if (n > 0 && at === null && this.pos !== null) this.pos += n;
    return n;
  }

  private readStream(buf: Uint8Array): number {
    const a = this.ahead;
    if (a !== null) {
      const n = Math.min(a.length, buf.length);
      buf.set(a.subarray(0, n));
      this.ahead = n === a.length ? null : a.subarray(n);
      return n;
    }
    if (this.eof) {
      this.eof = false;
      return 0;
    }
    return this.host.read(this.streamFd!, buf, null);
  }

  /**
   * Whether a writer holds the stream (a FIFO): a read finds data (kept for the
   * guest) or would block; end of file means there is none.
   */
  probeWriter(): boolean {
    if (this.ahead !== null) return true;
    const buf = new Uint8Array(4096);
    const n = this.host.read(this.streamFd ?? this.hostFd, buf, null);
    if (n > 0) this.ahead = buf.slice(0, n);
    return n !== 0;
  }

  /** Readable when data was read ahead, at end of file, or when a read now finds data. */
  poll(): number {
    const out = (this.flags & 3) !== 0 ? POLLOUT | POLLWRNORM : 0;
    if (this.streamFd === null) return this.pos === null && (this.flags & 3) === 1 ? out : DEFAULT_POLLMASK;
    if (this.ahead === null && !this.eof) {
      const buf = new Uint8Array(4096);
      const n = this.host.read(this.streamFd, buf, null);
      if (n > 0) this.ahead = buf.slice(0, n);
      else if (n === 0) this.eof = true;
      else if (n !== -EAGAIN) this.eof = true;
      if (n !== -EAGAIN) this.generation = nextGeneration();
    }
    if (this.ahead !== null) return POLLIN | POLLRDNORM | out;
    return this.eof ? POLLIN | POLLRDNORM | POLLHUP | out : out;
  }

  write(buf: Uint8Array, at: number | null): number {
    const append = (this.flags & 0o2000) !== 0;
    const pos = append ? null : (at ?? this.pos);
    const n = this.host.write(this.hostFd, buf, pos);
    if (n > 0 && at === null && this.pos !== null) this.pos = append ? this.pos + n : this.pos + n;
    return n;
  }

  seekable(): boolean {
    return this.pos !== null;
  }

  close(): void {
    if (this.streamFd !== null && this.streamFd !== this.hostFd) this.host.close(this.streamFd);
    if (!this.borrowed) this.host.close(this.hostFd);
  }
}

interface Slot {
  file: OpenFile;
  cloexec: boolean;
}

export class FdTable {
  private readonly slots: (Slot | undefined)[] = [];
  /** RLIMIT_NOFILE's soft limit of the process that uses the table (descriptors are below it). */
  max = 1024;

  get(fd: number): OpenFile | undefined {
    return fd >= 0 ? this.slots[fd]?.file : undefined;
  }

  cloexec(fd: number): boolean {
    return this.slots[fd]?.cloexec ?? false;
  }

  setCloexec(fd: number, on: boolean): void {
    const s = this.slots[fd];
    if (s !== undefined) s.cloexec = on;
  }

  /** Installs at the lowest free descriptor ≥ min; returns it or -EMFILE. */
  install(file: OpenFile, cloexec: boolean, min = 0): number {
    for (let fd = min; fd < this.max; fd++) {
      if (this.slots[fd] === undefined) {
        this.slots[fd] = { file, cloexec };
        return fd;
      }
    }
    return -EMFILE;
  }

  /** dup2 semantics: closes what was at `fd`. */
  installAt(fd: number, file: OpenFile, cloexec: boolean): void {
    this.close(fd);
    this.slots[fd] = { file, cloexec };
  }

  close(fd: number): number {
    const s = fd >= 0 ? this.slots[fd] : undefined;
    if (s === undefined) return -EBADF;
    this.slots[fd] = undefined;
    if (--s.file.refs === 0) s.file.close();
    return 0;
  }

  closeAll(): void {
    for (let fd = 0; fd < this.slots.length; fd++) if (this.slots[fd] !== undefined) this.close(fd);
  }

  /** A copy for fork: same open file descriptions, one more reference each. */
  fork(): FdTable {
    const t = new FdTable();
    t.max = this.max;
    this.slots.forEach((s, fd) => {
      if (s === undefined) return;
      s.file.refs++;
      t.slots[fd] = { file: s.file, cloexec: s.cloexec };
    });
    return t;
  }

  entries(): [number, OpenFile][] {
    const out: [number, OpenFile][] = [];
    this.slots.forEach((s, fd) => {
      if (s !== undefined) out.push([fd, s.file]);
    });
    return out;
  }
}
