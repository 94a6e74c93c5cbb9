// SPDX-License-Identifier: MIT
// Pipes (fs/pipe.c): a ring of page buffers, 16 by default (the 64 KiB pipe
// size), with Linux's merge rule for small writes, so that a writer fills a
// pipe to exactly the byte count Linux's does before it blocks or gets EAGAIN.
// F_SETPIPE_SZ resizes the ring; readers and writers wait on each other.
import { EAGAIN, EBADF, EBUSY, EINVAL, EPERM, EPIPE } from "../errno.js";
import type { OpenFile } from "./files.js";
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, nextGeneration } from "./poll-events.js";

const PAGE = 4096;
/** PIPE_DEF_BUFFERS. */
const DEF_BUFFERS = 16;
/** /proc/sys/fs/pipe-max-size. */
const PIPE_MAX_SIZE = 1 << 20;
/** PIPE_BUF: writes up to this size are atomic (one page buffer). */
const O_NONBLOCK = 0o4000;

interface PipeBuf {
  data: Uint8Array;
  offset: number;
  len: number;
}

/** The pipe_inode_info: buffers, their number limit and the count of each end. */
export class Pipe {
  readonly bufs: PipeBuf[] = [];
  /** max_usage: how many page buffers the pipe may hold. */
  slots = DEF_BUFFERS;
  readers = 0;
  writers = 0;
  /** Stamped when data arrives or the last writer leaves (readers' events: epoll edges). */
  gen = 0;
  /** Stamped when room is freed or the last reader leaves (writers' events). */
  outGen = 0;

  /** The pipe's inode number in pipefs (fstat, /proc/PID/fd's "pipe:[N]"). */
  constructor(readonly ino = 0) {}

  get size(): number {
    let n = 0;
    for (const b of this.bufs) n += b.len;
    return n;
  }

  get full(): boolean {
    return this.bufs.length >= this.slots;
  }

  /** pipe_read's copy: consumes up to buf.length bytes; 0 when empty. */
  take(buf: Uint8Array): number {
    let n = 0;
    while (n < buf.length && this.bufs.length > 0) {
      const b = this.bufs[0]!;
      const k = Math.min(b.len, buf.length - n);
      buf.set(b.data.subarray(b.offset, b.offset + k), n);
      n += k;
      b.offset += k;
      b.len -= k;
      if (b.len === 0) this.bufs.shift();
    }
    if (n > 0) this.outGen = nextGeneration();
    return n;
  }

  /**
   * pipe_write's copy: the first (len mod PAGE) bytes merge into the last buffer
   * when they fit there, the rest goes a page at a time into free slots.
   * Returns the bytes taken (possibly 0 when the pipe is full).
   */
  put(src: Uint8Array): number {
    let n = 0;
    const rem = src.length % PAGE;
    const last = this.bufs[this.bufs.length - 1];
    if (rem !== 0 && last !== undefined && last.offset + last.len + rem <= PAGE) {
      last.data.set(src.subarray(0, rem), last.offset + last.len);
      last.len += rem;
      n = rem;
    }
    while (n < src.length && !this.full) {
      const k = Math.min(PAGE, src.length - n);
      const data = new Uint8Array(PAGE);
      data.set(src.subarray(n, n + k));
      this.bufs.push({ data, offset: 0, len: k });
      n += k;
    }
    if (n > 0) this.gen = nextGeneration();
    return n;
  }

  /** Free room for a write of `len` bytes: atomic (≤ PIPE_BUF) writes need all of it at once. */
  canWrite(len: number): boolean {
    if (!this.full) return true;
    const rem = len % PAGE;
    const last = this.bufs[this.bufs.length - 1];
    return rem !== 0 && len < PAGE && last !== undefined && last.offset + last.len + rem <= PAGE;
  }

  /**
   * pipe_set_size: round_pipe_size (at least a page, a power of two, 0 above
   * 2^31: EINVAL); growing above pipe-max-size needs CAP_SYS_RESOURCE (EPERM);
   * EBUSY if the buffers in use would not fit. Returns the new size.
   */
  resize(arg: number, privileged: boolean): number {
    if (arg > 2 ** 31) return -EINVAL;
    const size = arg < PAGE ? PAGE : 2 ** Math.ceil(Math.log2(arg));
    const slots = size / PAGE;
    if (slots > this.slots && size > PIPE_MAX_SIZE && !privileged) return -EPERM;
    if (this.bufs.length > slots) return -EBUSY;
    this.slots = slots;
    this.outGen = nextGeneration();
    return size;
  }
}

/** One end of a pipe. */
export class PipeEnd implements OpenFile {
  refs = 1;
  constructor(
    readonly pipe: Pipe,
    readonly writable: boolean,
    public flags: number,
  ) {
    if (writable) pipe.writers++;
    else pipe.readers++;
  }

  get path(): string {
    return `pipe:[${this.pipe.ino}]`;
  }

  /** Bytes read, 0 at end of file (no writers), -EAGAIN when empty with writers. */
  read(buf: Uint8Array): number {
    if (this.writable) return -EBADF;
    const p = this.pipe;
    if (p.bufs.length === 0) return p.writers === 0 ? 0 : -EAGAIN;
    return p.take(buf);
  }

  /** Bytes written (maybe short), -EAGAIN when full, -EPIPE without readers. */
  write(buf: Uint8Array): number {
    if (!this.writable) return -EBADF;
    const p = this.pipe;
    if (p.readers === 0) return -EPIPE;
    if (buf.length <= PAGE && !p.canWrite(buf.length)) return -EAGAIN;
    const n = p.put(buf);
    return n === 0 ? -EAGAIN : n;
  }

  get nonblocking(): boolean {
    return (this.flags & O_NONBLOCK) !== 0;
  }

  /** pipe_poll. */
  poll(): number {
    const p = this.pipe;
    if (!this.writable) {
      let m = p.bufs.length > 0 ? POLLIN | POLLRDNORM : 0;
      if (p.writers === 0) m |= POLLHUP;
      return m;
    }
    let m = p.full ? 0 : POLLOUT | POLLWRNORM;
    if (p.readers === 0) m |= POLLERR;
    return m;
  }

  readable(): number {
    return this.pipe.size;
  }

  get generation(): number {
    return this.pipe.gen;
  }

  get outGeneration(): number {
    return this.pipe.outGen;
  }

  close(): void {
    if (this.writable) {
      if (--this.pipe.writers === 0) this.pipe.gen = nextGeneration();
    } else if (--this.pipe.readers === 0) this.pipe.outGen = nextGeneration();
  }
}
