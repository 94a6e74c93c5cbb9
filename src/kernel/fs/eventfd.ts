// SPDX-License-Identifier: MIT
// Anonymous-inode files that count or wait (fs/eventfd.c, fs/timerfd.c,
// fs/signalfd.c): an 8-byte counter, a timer on the virtual clock, and a
// reader of the calling task's pending signals.
import { EAGAIN, EINVAL } from "../errno.js";
import type { Kernel } from "../kernel.js";
import { type Siginfo, sigbit } from "../signal/queue.js";
import type { Task } from "../task.js";
import type { OpenFile } from "./files.js";
import { POLLERR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, nextGeneration } from "./poll-events.js";

const MAX_COUNT = 0xfffffffffffffffen;
const EFD_SEMAPHORE = 1;
/** An anonymous inode: no file type bits, mode 0600 (fs/anon_inodes.c). */
const ANON_STAT = { mode: 0o600, dev: 14, ino: 1 };

/** Base of the anonymous-inode files: no path on disk, never seekable. */
abstract class AnonFile implements OpenFile {
  refs = 1;
  constructor(
    readonly path: string,
    public flags: number,
  ) {}
  abstract read(buf: Uint8Array, pos: number | null, t?: Task): number;
  write(_buf: Uint8Array): number {
    return -EINVAL;
  }
  abstract poll(): number;
  stat(): { mode: number; dev: number; ino: number } {
    return ANON_STAT;
  }
  close(): void {}
}

function u64(buf: Uint8Array, v: bigint): number {
  new DataView(buf.buffer, buf.byteOffset, 8).setBigUint64(0, v, true);
  return 8;
}

/** eventfd: a 64-bit counter; reads take it (or 1 with EFD_SEMAPHORE), writes add to it. */
export class EventFd extends AnonFile {
  generation = 0;
  constructor(
    public count: bigint,
    flags: number,
    readonly semaphore: boolean,
  ) {
    super("anon_inode:[eventfd]", flags & ~EFD_SEMAPHORE);
  }

  read(buf: Uint8Array): number {
    if (buf.length < 8) return -EINVAL;
    if (this.count === 0n) return -EAGAIN;
    const v = this.semaphore ? 1n : this.count;
    this.count -= v;
    this.generation = nextGeneration();
    return u64(buf, v);
  }

  override write(buf: Uint8Array): number {
    if (buf.length < 8) return -EINVAL;
    const v = new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true);
    if (v === 0xffffffffffffffffn) return -EINVAL;
    if (MAX_COUNT - this.count < v) return -EAGAIN;
    this.count += v;
    this.generation = nextGeneration();
    return 8;
  }

  poll(): number {
    let m = 0;
    if (this.count > 0n) m |= POLLIN | POLLRDNORM;
    if (this.count === 0xffffffffffffffffn) m |= POLLERR;
    if (this.count < MAX_COUNT) m |= POLLOUT | POLLWRNORM;
    return m;
  }
}

/** timerfd: expirations of a timer on the guest's clock (virtual time), read as a count. */
export class TimerFd extends AnonFile {
  generation = 0;
  /** Next expiry on the kernel's clock (ns), or null when disarmed. */
  deadline: bigint | null = null;
  interval = 0n;
  /** Expirations counted but not yet read. */
  private ticks = 0n;

  constructor(
    readonly k: Kernel,
    readonly clock: number,
    flags: number,
  ) {
    super("anon_inode:[timerfd]", flags);
    k.timerFds.add(this);
  }

  /** Counts the expirations up to now and moves the deadline past it. */
  update(): void {
    const now = this.k.clockNs();
    if (this.deadline === null || now < this.deadline) return;
    if (this.interval > 0n) {
      const n = 1n + (now - this.deadline) / this.interval;
      this.ticks += n;
      this.deadline += n * this.interval;
    } else {
      this.ticks += 1n;
      this.deadline = null;
    }
    this.generation = nextGeneration();
  }

  /** Arms (or disarms, value 0) the timer; expiry is on the kernel clock. */
  arm(expiry: bigint | null, interval: bigint): void {
    this.ticks = 0n;
    this.deadline = expiry;
    this.interval = expiry === null ? 0n : interval;
    this.generation = nextGeneration();
  }

  read(buf: Uint8Array): number {
    if (buf.length < 8) return -EINVAL;
    this.update();
    if (this.ticks === 0n) return -EAGAIN;
    const v = this.ticks;
    this.ticks = 0n;
    return u64(buf, v);
  }

  poll(): number {
    this.update();
    return this.ticks > 0n ? POLLIN | POLLRDNORM : 0;
  }

  override close(): void {
    this.k.timerFds.delete(this);
  }
}

/** struct signalfd_siginfo (128 bytes) of a dequeued signal. */
function encodeSignalfdInfo(si: Siginfo): Uint8Array {
  const b = new Uint8Array(128);
  const v = new DataView(b.buffer);
  v.setUint32(0, si.signo, true);
  v.setInt32(4, si.errno ?? 0, true);
  v.setInt32(8, si.code, true);
  v.setUint32(12, si.pid ?? 0, true);
  v.setUint32(16, si.uid ?? 0, true);
  if (si.status !== undefined) v.setInt32(48, si.status, true);
  if (si.value !== undefined) {
    v.setInt32(52, Number(BigInt.asIntN(32, si.value)), true);
    v.setBigUint64(56, BigInt.asUintN(64, si.value), true);
  }
  if (si.addr !== undefined) v.setBigUint64(80, BigInt.asUintN(64, BigInt(si.addr)), true);
  return b;
}

/** signalfd: reads dequeue the reading task's pending signals of its mask. */
export class SignalFd extends AnonFile {
  constructor(
    public mask: bigint,
    flags: number,
    readonly owner: Task,
  ) {
    super("anon_inode:[signalfd]", flags);
  }

  private pendingOf(t: Task): number {
    return t.pending.next(~this.mask) || t.proc.sharedPending.next(~this.mask);
  }

  read(buf: Uint8Array, _pos: number | null, t?: Task): number {
    const task = t ?? this.owner;
    if (buf.length < 128) return -EINVAL;
    let n = 0;
    while (n + 128 <= buf.length) {
      const sig = this.pendingOf(task);
      if (sig === 0) break;
      const q = task.pending.next(~this.mask) === sig ? task.pending : task.proc.sharedPending;
      const si = q.take(sig);
      if (si === undefined) break;
      buf.set(encodeSignalfdInfo(si), n);
      n += 128;
    }
    return n === 0 ? -EAGAIN : n;
  }

  poll(): number {
    return this.pendingOf(this.owner) !== 0 ? POLLIN | POLLRDNORM : 0;
  }

  get generation(): number {
    return this.pendingOf(this.owner);
  }
}

export { sigbit };
