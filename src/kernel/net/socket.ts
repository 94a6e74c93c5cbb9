// SPDX-License-Identifier: MIT
// Sockets (net/socket.c, net/unix/af_unix.c, net/ipv4 as the host gives it):
// AF_UNIX stream, seqpacket and datagram sockets between guest processes in
// the kernel, and AF_INET/AF_INET6 TCP and UDP. A guest that connects to a
// guest listener (or sends to a guest's bound datagram socket) is joined in
// the kernel, deterministically; everything else goes through the host's
// network stack, so host clients reach guest servers and the reverse.
import {
  EADDRINUSE,
  EAGAIN,
  ECONNREFUSED,
  EDESTADDRREQ,
  EINPROGRESS,
  EINVAL,
  EISCONN,
  EMSGSIZE,
  ENOTCONN,
  EPERM,
  ENOTSUP as EOPNOTSUPP,
  EPIPE,
} from "../errno.js";
import type { OpenFile } from "../fs/files.js";
import {
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLOUT,
  POLLRDHUP,
  POLLRDNORM,
  POLLWRNORM,
  nextGeneration,
} from "../fs/poll-events.js";
import type { HostAddr, HostDatagram, HostListener } from "../host.js";
import type { Kernel } from "../kernel.js";
import { AF_INET, AF_INET6, AF_UNIX, type SockAddr, addrKey } from "./addr.js";
import { type Conn, HostConn, LocalConn, type Received, releaseFile } from "./conn.js";

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_SEQPACKET = 5;
/** Default socket buffer (net.core.wmem_default) and unix datagram queue length (max_dgram_qlen). */
export const SOCK_BUF = 212992;
const MAX_DGRAM_QLEN = 10;

type State = "unconnected" | "listening" | "connecting" | "connected";

interface Datagram {
  data: Uint8Array;
  from: SockAddr | null;
  files: OpenFile[] | null;
}

export class Socket implements OpenFile {
  refs = 1;
  state: State = "unconnected";
  local: SockAddr | null = null;
  peer: SockAddr | null = null;
  conn: Conn | null = null;
  /** Pending connections of a listener: made in the kernel, or taken from the host listener. */
  readonly backlog: Socket[] = [];
  backlogMax = 0;
  hostListener: HostListener | null = null;
  hostDgram: HostDatagram | null = null;
  /** Received datagrams of an in-kernel datagram socket. */
  readonly dgrams: Datagram[] = [];
  /** The socket a connected unix datagram socket sends to. */
  dgramPeer: Socket | null = null;
  shutRead = false;
  shutWrite = false;
  /** SO_ERROR: a failed non-blocking connect. */
  soError = 0;
  readonly options = new Map<string, number>();
  private gen = 0;

  constructor(
    readonly k: Kernel,
    readonly family: number,
    readonly type: number,
    readonly protocol: number,
    public flags: number,
  ) {}

  get path(): string {
    return `socket:[${this.family}]`;
  }

  get records(): boolean {
    return this.type === SOCK_SEQPACKET;
  }

  get hostWait(): boolean {
    return this.conn?.host === true || this.hostListener !== null || this.hostDgram !== null || this.pending !== null;
  }

  /** A host connection still being made (non-blocking connect). */
  pending: HostConn | null = null;

  // ---- naming ------------------------------------------------------------------

  /** Registers a bound address so guest sockets find each other; EADDRINUSE if taken. */
  register(a: SockAddr): number {
    const key = this.regKey(a);
    if (this.k.sockets.has(key)) return -EADDRINUSE;
    this.k.sockets.set(key, this);
    this.local = a;
    return 0;
  }

  private regKey(a: SockAddr): string {
    return `${this.type === SOCK_DGRAM ? "udp" : "tcp"}/${addrKey(a)}`;
  }

  /** The guest socket bound to `a` (wildcard addresses included), if any. */
  lookup(a: SockAddr): Socket | undefined {
    const kind = this.type === SOCK_DGRAM ? "udp" : "tcp";
    if (a.family === AF_UNIX) return this.k.sockets.get(`${kind}/${addrKey(a)}`);
    const port = a.port;
    const keys = [
      addrKey(a),
      addrKey({ family: AF_INET, host: "0.0.0.0", port }),
      addrKey({ family: AF_INET6, host: "::", port }),
    ];
    for (const key of keys) {
      const s = this.k.sockets.get(`${kind}/${key}`);
      if (s !== undefined) return s;
    }
    return undefined;
  }

  unregister(): void {
    if (this.local !== null && this.k.sockets.get(this.regKey(this.local)) === this) {
      this.k.sockets.delete(this.regKey(this.local));
    }
  }

  // ---- connections -------------------------------------------------------------

  /** A guest's connect to this listener: the server end joins the backlog (ECONNREFUSED when full). */
  acceptLocal(client: Socket): number {
    if (this.state !== "listening") return -ECONNREFUSED;
    if (this.backlog.length > this.backlogMax) return -EAGAIN;
    const [a, b] = LocalConn.pair(SOCK_BUF);
    const server = new Socket(this.k, this.family, this.type, this.protocol, 2);
    server.state = "connected";
    server.conn = b;
    server.local = this.local;
    server.peer = client.local;
    client.conn = a;
    client.state = "connected";
    client.peer = this.local;
    this.backlog.push(server);
    this.gen = nextGeneration();
    return 0;
  }

  /** The next pending connection (kernel-made first), or null. */
  takeConnection(): Socket | null {
    const s = this.backlog.shift();
    if (s !== undefined) return s;
    const h = this.hostListener?.accept() ?? null;
    if (h === null) return null;
    const server = new Socket(this.k, this.family, this.type, this.protocol, 2);
    server.state = "connected";
    server.conn = new HostConn(h);
    server.local = fromHost(h.local()) ?? this.local;
    server.peer = fromHost(h.remote());
    return server;
  }

  /** Completes a host connect: 0 when connected, -EAGAIN while in progress, -errno when it failed. */
  finishConnect(): number {
    const p = this.pending;
    if (p === null) return this.state === "connected" ? 0 : -ENOTCONN;
    const st = p.s.state;
    if (st === -EINPROGRESS) return -EAGAIN;
    this.pending = null;
    if (st < 0) {
      this.state = "unconnected";
      return st;
    }
    this.conn = p;
    this.state = "connected";
    this.local = fromHost(p.s.local()) ?? this.local;
    this.gen = nextGeneration();
    return 0;
  }

  // ---- data --------------------------------------------------------------------

  /** recvmsg's core: -EAGAIN when nothing waits, else what was received and from whom. */
  receive(buf: Uint8Array, peek: boolean): (Received & { from: SockAddr | null }) | number {
    if (this.type === SOCK_DGRAM) return this.receiveDgram(buf, peek);
    if (this.state === "connecting") {
      const r = this.finishConnect();
      if (r < 0) return r === -EAGAIN ? -EAGAIN : r;
    }
    const c = this.conn;
    if (c === null) return this.records || this.state !== "connected" ? -ENOTCONN : 0;
    if (this.shutRead && c.available() === 0) return 0;
    const r = c.recv(buf, peek, this.records);
    return typeof r === "number" ? r : { ...r, from: this.peer };
  }

  private receiveDgram(buf: Uint8Array, peek: boolean): (Received & { from: SockAddr | null }) | number {
    const d = this.dgrams[0];
    if (d !== undefined) {
      const n = Math.min(buf.length, d.data.length);
      buf.set(d.data.subarray(0, n));
      if (!peek) {
        this.dgrams.shift();
        this.gen = nextGeneration();
      }
      return { n, size: d.data.length, files: peek ? null : d.files, from: d.from };
    }
    const h = this.hostDgram?.recv(buf, peek);
    if (h !== undefined && typeof h !== "number") return { n: h.n, size: h.size, files: null, from: fromHost(h.from) };
    if (this.shutRead) return 0;
    return -EAGAIN;
  }

  /** sendmsg's core: bytes taken, -EAGAIN when there is no room, or -errno. */
  send(data: Uint8Array, to: SockAddr | null, files: OpenFile[] | null): number {
    if (this.shutWrite) return -EPIPE;
    if (this.type === SOCK_DGRAM) return this.sendDgram(data, to, files);
    if (this.state === "connecting") {
      const r = this.finishConnect();
      if (r < 0) return r;
    }
    if (to !== null && this.family !== AF_UNIX && this.state !== "connected") return -EPIPE;
    if (to !== null && this.family === AF_UNIX) return this.state === "connected" ? -EISCONN : -EOPNOTSUPP;
    const c = this.conn;
    if (c === null) return this.family === AF_UNIX ? -ENOTCONN : -EPIPE;
    if (c.peerGone) return -EPIPE;
    return c.send(data, files, this.records);
  }

  private sendDgram(data: Uint8Array, to: SockAddr | null, files: OpenFile[] | null): number {
    if (data.length > 65507 && this.family !== AF_UNIX) return -EMSGSIZE;
    if (this.family === AF_UNIX && data.length > SOCK_BUF - 32) return -EMSGSIZE;
    const target = to === null ? this.dgramPeer : this.lookup(to);
    if (to === null && this.peer === null) return -EDESTADDRREQ;
    if (target !== undefined && target !== null) {
      if (target.refs <= 0) return this.family === AF_UNIX ? -ECONNREFUSED : data.length;
      if (this.family === AF_UNIX && target.dgramPeer !== null && target.dgramPeer !== this) return -EPERM;
      if (target.dgrams.length >= MAX_DGRAM_QLEN && this.family === AF_UNIX) return -EAGAIN;
      target.dgrams.push({ data: data.slice(), from: this.local, files });
      target.gen = nextGeneration();
      return data.length;
    }
    if (this.family === AF_UNIX) return -ECONNREFUSED;
    const dest = to ?? this.peer!;
    const h = this.hostDgramFor();
    if (h.state < 0) return h.state === -EINPROGRESS ? -EAGAIN : h.state;
    return h.send(data, toHost(dest));
  }

  /** The host UDP socket, bound on first use (autobind to any port). */
  hostDgramFor(): HostDatagram {
    if (this.hostDgram === null) {
      this.hostDgram = this.k.host.datagram(
        toHost(
          this.local ?? { family: this.family as 2 | 10, host: this.family === AF_INET ? "0.0.0.0" : "::", port: 0 },
        ),
      );
    }
    return this.hostDgram;
  }

  // ---- the file ----------------------------------------------------------------

  read(buf: Uint8Array): number {
    const r = this.receive(buf, false);
    if (typeof r === "number") return r;
    for (const f of r.files ?? []) releaseFile(f);
    return r.n;
  }

  write(buf: Uint8Array): number {
    return this.send(buf, null, null);
  }

  readable(): number {
    if (this.type === SOCK_DGRAM) return this.dgrams[0]?.data.length ?? Math.max(0, this.hostDgram?.pending() ?? 0);
    return this.conn?.available() ?? 0;
  }

  /** sock_poll: unix_poll/tcp_poll/datagram_poll's events. */
  poll(): number {
    if (this.state === "listening") {
      return this.backlog.length > 0 || (this.hostListener?.pending() ?? 0) > 0 ? POLLIN | POLLRDNORM : 0;
    }
    if (this.state === "connecting") {
      const r = this.finishConnect();
      if (r === -EAGAIN) return 0;
      if (r < 0) {
        this.soError = -r;
        return POLLOUT | POLLWRNORM | POLLERR | POLLHUP;
      }
    }
    let m = 0;
    if (this.type === SOCK_DGRAM) {
      if (this.dgrams.length > 0 || (this.hostDgram?.pending() ?? -1) >= 0) m |= POLLIN | POLLRDNORM;
      if (this.shutRead) m |= POLLIN | POLLRDNORM | POLLRDHUP;
      return m | POLLOUT | POLLWRNORM;
    }
    const c = this.conn;
    if (c === null) return this.family === AF_UNIX ? POLLOUT | POLLWRNORM | POLLHUP : POLLOUT | POLLHUP;
    if (c.available() > 0 || c.peerDone || this.shutRead) m |= POLLIN | POLLRDNORM;
    if (c.peerDone || this.shutRead) m |= POLLRDHUP;
    if ((c.peerDone && (this.shutWrite || c.peerGone)) || (this.shutRead && this.shutWrite)) m |= POLLHUP;
    if (!this.shutWrite && c.canSend()) m |= POLLOUT | POLLWRNORM;
    if (c.peerGone && !this.shutWrite) m |= POLLOUT | POLLWRNORM;
    return m;
  }

  get generation(): number {
    return (
      Math.max(this.gen, this.conn?.inGen ?? 0) +
      (this.hostListener?.pending() ?? 0) +
      Math.max(0, this.hostDgram?.pending() ?? 0)
    );
  }

  get outGeneration(): number {
    return Math.max(this.gen, this.conn?.outGen ?? 0);
  }

  stat(): { mode: number; dev: number; ino: number } {
    return { mode: 0o140777, dev: 8, ino: 1 };
  }

  close(): void {
    this.unregister();
    this.conn?.close();
    this.pending?.close();
    this.hostListener?.close();
    this.hostDgram?.close();
    for (const s of this.backlog) s.close();
    for (const d of this.dgrams) for (const f of d.files ?? []) releaseFile(f);
    this.backlog.length = 0;
  }
}

export function toHost(a: SockAddr): HostAddr {
  return a.family === AF_UNIX ? { family: 1, path: a.path } : { family: a.family, host: a.host, port: a.port };
}

export function fromHost(a: HostAddr | null): SockAddr | null {
  if (a === null) return null;
  if (a.family === 1) return { family: AF_UNIX, path: a.path };
  return { family: a.family, host: a.host, port: a.port };
}

export { EINVAL };
