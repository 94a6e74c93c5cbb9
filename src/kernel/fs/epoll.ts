// SPDX-License-Identifier: MIT
// An epoll instance (fs/eventpoll.c): interest items keyed by (file, fd), a
// ready list in the order items became ready, level-triggered items re-queued
// at its tail after each report, EPOLLET items reported once per change
// (their file's generation), EPOLLONESHOT items disarmed after one report.
import { EINVAL } from "../errno.js";
import { type OpenFile, pollFile } from "./files.js";
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLPRI, POLLRDHUP, POLLRDNORM, POLLWRNORM } from "./poll-events.js";

export const EPOLLET = 1 << 31;
export const EPOLLONESHOT = 1 << 30;
export const EPOLLWAKEUP = 1 << 29;
export const EPOLLEXCLUSIVE = 1 << 28;
/** Events that are always reported, asked for or not. */
const ALWAYS = POLLERR | POLLHUP;
/** The flag bits of epoll_event.events that are not poll events. */
const EP_PRIVATE = EPOLLET | EPOLLONESHOT | EPOLLWAKEUP | EPOLLEXCLUSIVE;

interface EpollItem {
  readonly file: OpenFile;
  readonly fd: number;
  events: number;
  data: bigint;
  /** The file's generation when it last entered the ready list (edge detection). */
  seen: number | undefined;
  /** Disarmed after a one-shot report, until EPOLL_CTL_MOD. */
  armed: boolean;
}

/** The latest change stamp of the sides of the file an item watches (undefined: the file keeps none). */
function stampOf(i: EpollItem): number | undefined {
  const f = i.file;
  if (f.generation === undefined) return undefined;
  const wantIn = (i.events & (POLLIN | POLLRDNORM | POLLPRI | POLLRDHUP)) !== 0;
  const wantOut = (i.events & (POLLOUT | POLLWRNORM)) !== 0;
  const inG = f.generation,
    outG = f.outGeneration ?? f.generation;
  if (wantIn && wantOut) return Math.max(inG, outG);
  return wantOut ? outG : inG;
}

export class EpollFile implements OpenFile {
  refs = 1;
  flags: number;
  readonly path = "anon_inode:[eventpoll]";
  readonly items: EpollItem[] = [];
  private ready: EpollItem[] = [];

  constructor(flags: number) {
    this.flags = flags;
  }

  read(): number {
    return -EINVAL;
  }

  write(): number {
    return -EINVAL;
  }

  find(file: OpenFile, fd: number): EpollItem | undefined {
    return this.items.find((i) => i.file === file && i.fd === fd);
  }

  add(file: OpenFile, fd: number, events: number, data: bigint): void {
    this.items.push({ file, fd, events, data, seen: undefined, armed: true });
  }

  remove(item: EpollItem): void {
    this.items.splice(this.items.indexOf(item), 1);
    this.ready = this.ready.filter((i) => i !== item);
  }

  modify(item: EpollItem, events: number, data: bigint): void {
    item.events = events;
    item.data = data;
    item.armed = true;
    item.seen = undefined;
    this.ready = this.ready.filter((i) => i !== item);
  }

  /** Whether any item waits on the host (the wait then needs real time). */
  get hostWait(): boolean {
    return this.items.some((i) => i.file.hostWait === true);
  }

  /** Items whose file was closed (no descriptor holds it) leave the set, as on Linux. */
  private prune(): void {
    for (const i of [...this.items]) if (i.file.refs <= 0) this.remove(i);
  }

  private eventsOf(i: EpollItem): number {
    return pollFile(i.file) & ((i.events & ~EP_PRIVATE) | ALWAYS);
  }

  /** ep_poll_callback: items that became ready (or changed, for EPOLLET) join the ready list. */
  private collect(): void {
    this.prune();
    const fresh: EpollItem[] = [];
    for (const i of this.items) {
      if (!i.armed || this.ready.includes(i)) continue;
      const ev = this.eventsOf(i);
      const gen = stampOf(i) ?? ev;
      if (ev === 0) {
        if ((i.events & EPOLLET) !== 0) i.seen = gen;
        continue;
      }
      if ((i.events & EPOLLET) !== 0 && i.seen === gen) continue;
      i.seen = gen;
      fresh.push(i);
    }
    fresh.sort((x, y) => (stampOf(x) ?? 0) - (stampOf(y) ?? 0));
    this.ready.push(...fresh);
  }

  /** ep_send_events: up to `max` (events, data) pairs; level-triggered items go back to the tail. */
  take(max: number): { events: number; data: bigint }[] {
    this.collect();
    const out: { events: number; data: bigint }[] = [];
    const list = this.ready;
    this.ready = [];
    const requeue: EpollItem[] = [];
    let k = 0;
    for (; k < list.length && out.length < max; k++) {
      const i = list[k]!;
      const ev = this.eventsOf(i);
      if (ev === 0) continue;
      out.push({ events: ev, data: i.data });
      if ((i.events & EPOLLONESHOT) !== 0) i.armed = false;
      else if ((i.events & EPOLLET) === 0) requeue.push(i);
    }
    this.ready = [...list.slice(k), ...requeue];
    return out;
  }

  /** An epoll file is readable when some item is ready. */
  poll(): number {
    this.collect();
    return this.ready.some((i) => this.eventsOf(i) !== 0) ? POLLIN | POLLRDNORM : 0;
  }

  stat(): { mode: number; dev: number; ino: number } {
    return { mode: 0o600, dev: 14, ino: 1 };
  }

  close(): void {
    this.items.length = 0;
    this.ready = [];
  }
}
