// SPDX-License-Identifier: MIT
// Descriptors that wait for events (fs/eventfd.c, fs/timerfd.c, fs/signalfd.c,
// fs/eventpoll.c): eventfd, timerfd, signalfd and epoll, with Linux's argument
// checks in Linux's order. memfd_create is in memfd.ts.
import { EBADF, EEXIST, EFAULT, EINTR, EINVAL, ELOOP, ENOENT, EPERM } from "../errno.js";
import { EventFd, SignalFd, TimerFd } from "../fs/eventfd.js";
import { EPOLLET, EPOLLEXCLUSIVE, EPOLLONESHOT, EPOLLWAKEUP, EpollFile } from "../fs/epoll.js";
import { HostFile, type OpenFile } from "../fs/files.js";
import { UNBLOCKABLE } from "../signals.js";
import type { Task } from "../task.js";
import { copyIn, copyOut, getU64, tryAccess } from "../usercopy.js";
import { type SyscallArgs, type SysResult, SyscallArgs as Args, block, fail } from "./abi.js";
import { readTimespecNs } from "./time.js";
import { fileOf } from "./util.js";

const O_CLOEXEC = 0o2000000,
  O_NONBLOCK = 0o4000;
const EFD_SEMAPHORE = 1;
const CLOCK_REALTIME = 0,
  CLOCK_MONOTONIC = 1,
  CLOCK_BOOTTIME = 7,
  CLOCK_REALTIME_ALARM = 8,
  CLOCK_BOOTTIME_ALARM = 9;
const TFD_TIMER_ABSTIME = 1,
  TFD_TIMER_CANCEL_ON_SET = 2;
const EPOLL_CTL_ADD = 1,
  EPOLL_CTL_DEL = 2,
  EPOLL_CTL_MOD = 3;
/** INT_MAX / sizeof(struct epoll_event). */
const EP_MAX_EVENTS = Math.floor(0x7fffffff / 12);
const NS = 1_000_000_000n;

function install(t: Task, f: OpenFile, flags: number): number {
  return t.proc.fds.install(f, (flags & O_CLOEXEC) !== 0);
}

export function eventfd2(t: Task, a: SyscallArgs): SysResult {
  const flags = a.int(1);
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE)) !== 0) return -EINVAL;
  return install(t, new EventFd(BigInt(a.u32(0)), flags & (O_NONBLOCK | 2), (flags & EFD_SEMAPHORE) !== 0), flags);
}

export function eventfd(t: Task, a: SyscallArgs): SysResult {
  return eventfd2(t, Args.of(a.u32(0), 0));
}

// ---- timerfd -----------------------------------------------------------------

/** The kernel-clock offset of a timerfd's clock: realtime clocks count from the epoch. */
function clockBase(t: Task, clock: number): bigint {
  const k = t.proc.kernel;
  return clock === CLOCK_REALTIME || clock === CLOCK_REALTIME_ALARM
    ? k.realtimeNs() - k.clockNs()
    : k.monotonicNs() - k.clockNs();
}

export function timerfd_create(t: Task, a: SyscallArgs): SysResult {
  const clock = a.int(0),
    flags = a.int(1);
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK)) !== 0) return -EINVAL;
  if (![CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM].includes(clock)) {
    return -EINVAL;
  }
  return install(t, new TimerFd(t.proc.kernel, clock, flags & O_NONBLOCK), flags);
}

function timerOf(t: Task, fd: number): TimerFd {
  const f = fileOf(t, fd);
  return f instanceof TimerFd ? f : fail(EINVAL);
}

/** struct itimerspec {it_interval, it_value} of a timer now. */
function itimerspec(t: Task, f: TimerFd): Uint8Array {
  f.update();
  const v = new DataView(new ArrayBuffer(32));
  const left = f.deadline === null ? 0n : f.deadline - t.proc.kernel.clockNs();
  const put = (o: number, ns: bigint): void => {
    v.setBigInt64(o, ns / NS, true);
    v.setBigInt64(o + 8, ns % NS, true);
  };
  put(0, f.interval);
  put(16, left > 0n ? left : f.deadline === null ? 0n : 1n);
  return new Uint8Array(v.buffer);
}

export function timerfd_settime(t: Task, a: SyscallArgs): SysResult {
  const flags = a.int(1),
    newp = a.ptr(2),
    oldp = a.ptr(3);
  const interval = readTimespecNs(t, newp),
    value = readTimespecNs(t, newp + 16);
  if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) !== 0) return -EINVAL;
  const f = timerOf(t, a.int(0));
  if (oldp !== 0) copyOut(t, oldp, itimerspec(t, f));
  const k = t.proc.kernel;
  if (value === 0n) f.arm(null, 0n);
  else if ((flags & TFD_TIMER_ABSTIME) !== 0) f.arm(value - clockBase(t, f.clock), interval);
  else f.arm(k.clockNs() + value, interval);
  return 0;
}

export function timerfd_gettime(t: Task, a: SyscallArgs): SysResult {
  const f = timerOf(t, a.int(0));
  copyOut(t, a.ptr(1), itimerspec(t, f));
  return 0;
}

// ---- signalfd ----------------------------------------------------------------

export function signalfd4(t: Task, a: SyscallArgs): SysResult {
  const fd = a.int(0),
    flags = a.int(3);
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK)) !== 0) return -EINVAL;
  if (a.size(2) !== 8) return -EINVAL;
  const mask = BigInt.asUintN(64, BigInt(getU64(t, a.ptr(1)))) & ~UNBLOCKABLE;
  if (fd === -1) return install(t, new SignalFd(mask, flags & O_NONBLOCK, t), flags);
  const f = fileOf(t, fd);
  if (!(f instanceof SignalFd)) return -EINVAL;
  f.mask = mask;
  return fd;
}

export function signalfd(t: Task, a: SyscallArgs): SysResult {
  return signalfd4(t, Args.of(a.int(0), a.ptr(1), a.size(2), 0));
}

// ---- epoll -------------------------------------------------------------------

export function epoll_create1(t: Task, a: SyscallArgs): SysResult {
  const flags = a.int(0);
  if ((flags & ~O_CLOEXEC) !== 0) return -EINVAL;
  return install(t, new EpollFile(0), flags);
}

export function epoll_create(t: Task, a: SyscallArgs): SysResult {
  if (a.int(0) <= 0) return -EINVAL;
  return epoll_create1(t, Args.of(0));
}

function epollOf(t: Task, fd: number): EpollFile {
  const f = fileOf(t, fd);
  return f instanceof EpollFile ? f : fail(EINVAL);
}

/** Whether `inner` reaches `outer` through nested epoll instances (ep_loop_check). */
function reaches(inner: EpollFile, outer: EpollFile, depth = 0): boolean {
  if (inner === outer) return true;
  if (depth > 4) return true;
  return inner.items.some((i) => i.file instanceof EpollFile && reaches(i.file, outer, depth + 1));
}

export function epoll_ctl(t: Task, a: SyscallArgs): SysResult {
  const epfd = a.int(0),
    op = a.int(1),
    fd = a.int(2),
    evp = a.ptr(3);
  let events = 0,
    data = 0n;
  if (op !== EPOLL_CTL_DEL) {
    const raw = copyIn(t, evp, 12);
    const v = new DataView(raw.buffer, raw.byteOffset, 12);
    events = v.getUint32(0, true) | 0;
    data = v.getBigUint64(4, true);
  }
  const ep = fileOf(t, epfd),
    tf = fileOf(t, fd);
  if (isPlainFile(tf)) return -EPERM;
  if (op === EPOLL_CTL_ADD && (events & EPOLLWAKEUP) !== 0) events &= ~EPOLLWAKEUP;
  if (ep === tf || !(ep instanceof EpollFile)) return -EINVAL;
  if (op !== EPOLL_CTL_DEL && (events & EPOLLEXCLUSIVE) !== 0) {
    if (op === EPOLL_CTL_MOD) return -EINVAL;
    if (
      op === EPOLL_CTL_ADD &&
      (tf instanceof EpollFile ||
        (events & ~(EPOLLEXCLUSIVE | EPOLLET | 0x1 | 0x4 | 0x8 | 0x10 | 0x40 | 0x100 | 0x2000 | EPOLLWAKEUP)) !== 0)
    ) {
      return -EINVAL;
    }
  }
  const item = ep.find(tf, fd);
  switch (op) {
    case EPOLL_CTL_ADD:
      if (item !== undefined) return -EEXIST;
      if (tf instanceof EpollFile && reaches(tf, ep)) return -ELOOP;
      ep.add(tf, fd, events, data);
      return 0;
    case EPOLL_CTL_DEL:
      if (item === undefined) return -ENOENT;
      ep.remove(item);
      return 0;
    case EPOLL_CTL_MOD:
      if (item === undefined) return -ENOENT;
      if ((item.events & EPOLLEXCLUSIVE) !== 0) return -EINVAL;
      ep.modify(item, events, data);
      return 0;
    default:
      return -EINVAL;
  }
}

/** Regular files and directories do not support poll: epoll refuses them (EPERM). */
function isPlainFile(f: OpenFile): boolean {
  return f.poll === undefined || (f instanceof HostFile && f.streamFd === null && f.pos !== null);
}

function sendEvents(t: Task, ep: EpollFile, addr: number, max: number): number {
  const got = ep.take(max);
  if (got.length === 0) return 0;
  const buf = new Uint8Array(12 * got.length);
  const v = new DataView(buf.buffer);
  got.forEach((e, i) => {
    v.setUint32(12 * i, e.events >>> 0, true);
    v.setBigUint64(12 * i + 4, e.data, true);
  });
  copyOut(t, addr, buf);
  return got.length;
}

/** do_epoll_wait: checks, then events now or a wait until some, the timeout or a signal. */
function epollWait(t: Task, a: SyscallArgs, ns: bigint | null, restore: () => void): SysResult {
  const evs = a.ptr(1),
    max = a.int(2);
  if (max <= 0 || max > EP_MAX_EVENTS) return -EINVAL;
  if (evs + 12 * max > 2 ** 47) return -EFAULT;
  const ep = epollOf(t, a.int(0));
  const n = sendEvents(t, ep, evs, max);
  if (n > 0 || ns === 0n) {
    restore();
    return n;
  }
  if ((t.pending.next(t.sigMask) || t.proc.sharedPending.next(t.sigMask)) !== 0) return -EINTR;
  const k = t.proc.kernel;
  return block({
    poll: () => {
      const r = tryAccess(() => sendEvents(t, ep, evs, max), -EFAULT);
      if (r === 0) return null;
      restore();
      return r;
    },
    deadline: ns === null ? null : k.clockNs() + ns,
    host: ep.hostWait,
    restart: "nohand",
    timeout: () => {
      restore();
      return 0;
    },
  });
}

export function epoll_wait(t: Task, a: SyscallArgs): SysResult {
  const ms = a.int(3);
  return epollWait(t, a, ms < 0 ? null : BigInt(ms) * 1_000_000n, () => {});
}

/** A temporary signal mask for epoll_pwait/epoll_pwait2 (set_user_sigmask); returns its restore. */
function tempMask(t: Task, ptr: number, size: number): () => void {
  if (ptr === 0) return () => {};
  if (size !== 8) fail(EINVAL);
  const set = BigInt.asUintN(64, BigInt(getU64(t, ptr))) & ~UNBLOCKABLE;
  t.savedMask = t.sigMask;
  t.sigMask = set;
  return () => {
    if (t.savedMask !== null) {
      t.sigMask = t.savedMask;
      t.savedMask = null;
    }
  };
}

function withMask(t: Task, ptr: number, size: number, run: (restore: () => void) => SysResult): SysResult {
  const restore = tempMask(t, ptr, size);
  try {
    const r = run(restore);
    if (typeof r === "number" && r < 0 && r !== -EINTR) restore();
    return r;
  } catch (e) {
    restore();
    throw e;
  }
}

export function epoll_pwait(t: Task, a: SyscallArgs): SysResult {
  const ms = a.int(3);
  return withMask(t, a.ptr(4), a.size(5), (restore) =>
    epollWait(t, a, ms < 0 ? null : BigInt(ms) * 1_000_000n, restore),
  );
}

export function epoll_pwait2(t: Task, a: SyscallArgs): SysResult {
  const ns = a.ptr(3) === 0 ? null : readTimespecNs(t, a.ptr(3));
  return withMask(t, a.ptr(4), a.size(5), (restore) => epollWait(t, a, ns, restore));
}

export { EBADF, EPOLLONESHOT };
