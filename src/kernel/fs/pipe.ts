// SPDX-License-Identifier: MIT
// In-guest pipes (fs/pipe.c): a ring of page-sized buffers, 16 of them (64 KiB)
// unless F_SETPIPE_SZ changes it. A write first tops up the last buffer when its
// tail fits there, then fills new pages while a slot is free; a write of at most
// PIPE_BUF bytes lands whole or not at all. A full pipe makes the writer wait
// (or EAGAIN), an empty one the reader; the waiting is the syscall layer's
// (syscalls/pipe.ts), poll/epoll see the ends through pipe_poll and the
// generations stamped here.
import { EAGAIN, EBADF, EBUSY, EPIPE } from "../errno.js";
import type { OpenFile } from "./files.js";
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, nextGeneration } from "./poll-events.js";

export const PIPE_PAGE = 4096;
/** Writes up to this size are atomic (PIPE_BUF). */
export const PIPE_BUF = PIPE_PAGE;
/** Slots of a new pipe (PIPE_DEF_BUFFERS). */
const DEF_SLOTS = 16;
/** /proc/sys/fs/pipe-max-size's default: the largest F_SETPIPE_SZ (docs/quirks.md Q-PIPE-MAX-SIZE). */
export const PIPE_MAX_SIZE = 1024 * 1024;
const O_NONBLOCK = 0o4000;

interface PipeBuf {
  readonly page: Uint8Array;
  off: number;
  len: number;
}

/** A pipe's buffers, shared by its two ends (the pipe_inode_info). */
export class PipeBuffer {
  private readonly bufs: PipeBuf[] = [];
  /** Bytes held in all buffers. */
  size = 0;
  /** Slots in the ring (max_usage): the pipe's size is slots × 4 KiB. */
  slots = DEF_SLOTS;
  readers = 0;
  writers = 0;
  /** Stamped when data arrives or the last writer leaves (readers' events: epoll edges). */
  gen = 0;
  /** Stamped when room is freed or the last reader leaves (writers' events). */
  outGen = 0;
  /** The pipe's inode number in pipefs (fstat, /proc/PID/fd's "pipe:[N]"). */
  constructor(readonly ino = 0) {}

  get empty(): boolean {
    return this.bufs.length === 0;
  }

  /** No free slot (pipe_full): a writer must wait, POLLOUT is clear. */
  get full(): boolean {
    return this.bufs.length >= this.slots;
  }

  /** Moves up to buf.length bytes out, oldest first; a buffer is freed once read whole. */
  take(buf: Uint8Array): number {
    let n = 0;
    while (n < buf.length && this.bufs.length > 0) {
      const b = this.bufs[0]!;
      const k = Math.min(b.len, buf.length - n);
      buf.set(b.page.subarray(b.off, b.off + k), n);
      n += k;
      b.off += k;
      b.len -= k;
      if (b.len === 0) this.bufs.shift();
    }
    this.size -= n;
    if (n > 0) this.outGen = nextGeneration();
    return n;
  }

  /** Whether the tail of an `n`-byte write (n mod 4 KiB bytes) fits in the last buffer. */
  canMerge(n: number): boolean {
    const chars = n % PIPE_PAGE,
      last = this.bufs[this.bufs.length - 1];
    return chars !== 0 && last !== undefined && last.off + last.len + chars <= PIPE_PAGE;
  }

  /**
   * pipe_write's copy: the tail of a write shorter than a page is merged into the
   * last buffer if it fits whole, then whole pages go into free slots. Returns the
   * bytes taken (0 when the pipe is full for this write).
   */
  put(data: Uint8Array): number {
    let n = 0;
    const chars = data.length % PIPE_PAGE,
      last = this.bufs[this.bufs.length - 1];
    if (last !== undefined && this.canMerge(data.length)) {
      last.page.set(data.subarray(0, chars), last.off + last.len);
      last.len += chars;
      n = chars;
    }
    while (n < data.length && !this.full) {
      const k = Math.min(PIPE_PAGE, data.length - n);
      const page = new Uint8Array(PIPE_PAGE);
      page.set(data.subarray(n, n + k));
      this.bufs.push({ page, off: 0, len: k });
      n += k;
    }
    this.size += n;
    if (n > 0) this.gen = nextGeneration();
    return n;
  }

  /** pipe_resize_ring: fewer slots than buffers in use is EBUSY; a bigger ring wakes writers. */
  resize(slots: number): number {
    if (slots < this.bufs.length) return -EBUSY;
    this.slots = slots;
    this.outGen = nextGeneration();
    return 0;
  }
}

/** One end of a pipe. */
export class PipeEnd implements OpenFile {
  refs = 1;
  get path(): string {
    return `pipe:[${this.pipe.ino}]`;
  }
  constructor(
    readonly pipe: PipeBuffer,
    readonly writable: boolean,
    public flags: number,
  ) {
    if (writable) pipe.writers++;
    else pipe.readers++;
  }

  /** Bytes read, 0 at end of file (no writer), -EAGAIN when empty with a writer. */
  read(buf: Uint8Array): number {
    if (this.writable) return -EBADF;
    const p = this.pipe;
    if (p.empty) return p.writers === 0 ? 0 : -EAGAIN;
    return p.take(buf);
  }

  /**
   * Bytes written (possibly fewer than asked), -EPIPE without a reader, -EAGAIN when
   * nothing fits; a write of at most PIPE_BUF bytes is never split.
   */
  write(buf: Uint8Array): number {
    if (!this.writable) return -EBADF;
    const p = this.pipe;
    if (p.readers === 0) return -EPIPE;
    if (buf.length <= PIPE_BUF && !fitsWhole(p, buf.length)) return -EAGAIN;
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
      let m = p.empty ? 0 : POLLIN | POLLRDNORM;
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

/** Whether a write of `n` ≤ PIPE_BUF bytes goes in at once: a free slot, or merged into the last buffer. */
function fitsWhole(p: PipeBuffer, n: number): boolean {
  return !p.full || p.canMerge(n);
}
