// SPDX-License-Identifier: MIT
// The kernel's host network on Node (node:net, node:dgram): connections and
// listeners whose data and events are buffered here, so the kernel reads and
// writes synchronously and learns of changes through `notify` (which ends the
// run loop's Host.wait early).
import type * as dgram from "node:dgram";
import type * as net from "node:net";
import { createRequire } from "node:module";
import { ERRNO_BY_NAME, EIO } from "../kernel/errno.js";
import type { HostAddr, HostDatagram, HostListener, HostStream } from "../kernel/host.js";

const EAGAIN = 11,
  EPIPE = 32,
  EINPROGRESS = 115,
  ECONNRESET = 104;
/** Bytes queued in either direction before the other side is held back (the socket buffer sizes). */
const HIGH_WATER = 212992;

function errnoOf(e: unknown): number {
  const code = (e as { code?: string }).code;
  return -(code !== undefined ? (ERRNO_BY_NAME[code] ?? EIO) : EIO);
}

function addrOf(
  host: string | undefined,
  port: number | undefined,
  family: string | number | undefined,
): HostAddr | null {
  if (host === undefined || port === undefined) return null;
  return { family: family === "IPv6" || family === 6 ? 10 : 2, host, port };
}

// node:net and node:dgram load the first time a guest uses the network: most runs never do.
const load = createRequire("/");
let netModule: typeof net | undefined;
let dgramModule: typeof dgram | undefined;
const netLib = (): typeof net => (netModule ??= load("node:net") as typeof net);
const dgramLib = (): typeof dgram => (dgramModule ??= load("node:dgram") as typeof dgram);

function listenOptions(a: HostAddr, backlog: number): net.ListenOptions {
  if (a.family === 1) return { path: a.path, backlog };
  return { host: a.host, port: a.port, backlog, exclusive: true, ipv6Only: a.family === 10 && a.host !== "::" };
}

/** A net.Socket seen as a HostStream. */
class NodeStream implements HostStream {
  state = -EINPROGRESS;
  ended = false;
  private readonly rx: Buffer[] = [];
  private rxBytes = 0;
  private shut = false;

  constructor(
    readonly sock: net.Socket,
    notify: () => void,
    connected: boolean,
  ) {
    if (connected) this.state = 0;
    sock.on("connect", () => {
      this.state = 0;
      notify();
    });
    sock.on("data", (d: Buffer) => {
      this.rx.push(d);
      this.rxBytes += d.length;
      if (this.rxBytes > HIGH_WATER) sock.pause();
      notify();
    });
    sock.on("end", () => {
      this.ended = true;
      notify();
    });
    sock.on("drain", notify);
    sock.on("error", (e) => {
      this.state = this.state === -EINPROGRESS || this.state === 0 ? errnoOf(e) : this.state;
      this.ended = true;
      notify();
    });
    sock.on("close", () => {
      this.ended = true;
      notify();
    });
  }

  read(buf: Uint8Array, peek: boolean): number {
    if (this.rxBytes === 0) {
      if (this.state < 0 && this.state !== -EINPROGRESS) return this.state === -ECONNRESET ? this.state : 0;
      return this.ended ? 0 : -EAGAIN;
    }
    let n = 0;
    for (let i = 0; i < this.rx.length && n < buf.length; i++) {
      const c = this.rx[i]!,
        k = Math.min(c.length, buf.length - n);
      buf.set(c.subarray(0, k), n);
      n += k;
    }
    if (!peek) this.consume(n);
    return n;
  }

  private consume(n: number): void {
    this.rxBytes -= n;
    while (n > 0) {
      const c = this.rx[0]!;
      if (c.length <= n) {
        this.rx.shift();
        n -= c.length;
      } else {
        this.rx[0] = c.subarray(n);
        n = 0;
      }
    }
    if (this.rxBytes <= HIGH_WATER && this.sock.isPaused()) this.sock.resume();
  }

  available(): number {
    return this.rxBytes;
  }

  write(buf: Uint8Array): number {
    if (this.shut || this.sock.destroyed) return -EPIPE;
    if (this.state < 0) return this.state === -EINPROGRESS ? -EAGAIN : this.state;
    const room = HIGH_WATER - this.sock.writableLength;
    if (room <= 0) return -EAGAIN;
    const n = Math.min(room, buf.length);
    this.sock.write(Buffer.from(buf.subarray(0, n)));
    return n;
  }

  writable(): boolean {
    return this.state === 0 && !this.shut && this.sock.writableLength < HIGH_WATER;
  }

  shutdown(write: boolean): void {
    if (write && !this.shut) {
      this.shut = true;
      this.sock.end();
    }
  }

  close(): void {
    this.sock.destroy();
  }

  local(): HostAddr | null {
    return addrOf(this.sock.localAddress, this.sock.localPort, this.sock.localFamily);
  }

  remote(): HostAddr | null {
    return addrOf(this.sock.remoteAddress, this.sock.remotePort, this.sock.remoteFamily);
  }
}

class NodeListener implements HostListener {
  state = -EINPROGRESS;
  private readonly queue: NodeStream[] = [];

  constructor(
    private readonly server: net.Server,
    addr: HostAddr,
    backlog: number,
    notify: () => void,
  ) {
    server.on("connection", (s) => {
      this.queue.push(new NodeStream(s, notify, true));
      notify();
    });
    server.on("error", (e) => {
      if (this.state === -EINPROGRESS) this.state = errnoOf(e);
      notify();
    });
    server.listen(listenOptions(addr, backlog), () => {
      this.state = 0;
      notify();
    });
  }

  accept(): HostStream | null {
    return this.queue.shift() ?? null;
  }

  pending(): number {
    return this.queue.length;
  }

  local(): HostAddr | null {
    const a = this.server.address();
    if (a === null) return null;
    if (typeof a === "string") return { family: 1, path: a };
    return addrOf(a.address, a.port, a.family);
  }

  close(): void {
    this.server.close();
    for (const s of this.queue) s.close();
  }
}

class NodeDatagram implements HostDatagram {
  state = -EINPROGRESS;
  private readonly queue: { data: Buffer; from: HostAddr }[] = [];

  constructor(
    private readonly sock: dgram.Socket,
    addr: HostAddr & { family: 2 | 10 },
    private readonly notify: () => void,
  ) {
    sock.on("message", (data, r) => {
      if (this.queue.length < 1024) {
        this.queue.push({ data, from: { family: r.family === "IPv6" ? 10 : 2, host: r.address, port: r.port } });
      }
      notify();
    });
    sock.on("error", (e) => {
      if (this.state === -EINPROGRESS) this.state = errnoOf(e);
      notify();
    });
    sock.bind({ address: addr.host, port: addr.port, exclusive: true }, () => {
      this.state = 0;
      notify();
    });
  }

  send(buf: Uint8Array, to: HostAddr): number {
    if (to.family === 1) return -22;
    this.sock.send(Buffer.from(buf), to.port, to.host, () => this.notify());
    return buf.length;
  }

  recv(buf: Uint8Array, peek: boolean): { n: number; size: number; from: HostAddr } | number {
    const m = peek ? this.queue[0] : this.queue.shift();
    if (m === undefined) return -EAGAIN;
    const n = Math.min(buf.length, m.data.length);
    buf.set(m.data.subarray(0, n));
    return { n, size: m.data.length, from: m.from };
  }

  pending(): number {
    return this.queue[0]?.data.length ?? -1;
  }

  local(): HostAddr | null {
    try {
      const a = this.sock.address();
      return addrOf(a.address, a.port, a.family);
    } catch {
      return null;
    }
  }

  close(): void {
    try {
      this.sock.close();
    } catch {
      /* already closed */
    }
  }
}

/** The network half of NodeHost. */
export class NodeNet {
  constructor(private readonly notify: () => void) {}

  listen(addr: HostAddr, backlog: number): HostListener {
    return new NodeListener(
      netLib().createServer({ pauseOnConnect: false, allowHalfOpen: true }),
      addr,
      backlog,
      this.notify,
    );
  }

  connect(addr: HostAddr, local: HostAddr | null): HostStream {
    const opts: net.NetConnectOpts =
      addr.family === 1
        ? { path: addr.path, allowHalfOpen: true }
        : {
            host: addr.host,
            port: addr.port,
            allowHalfOpen: true,
            ...(local !== null && local.family !== 1 ? { localAddress: local.host, localPort: local.port } : {}),
          };
    return new NodeStream(netLib().connect(opts), this.notify, false);
  }

  datagram(addr: HostAddr): HostDatagram {
    const a = addr.family === 1 ? { family: 2 as const, host: "0.0.0.0", port: 0 } : addr;
    return new NodeDatagram(
      dgramLib().createSocket({ type: a.family === 10 ? "udp6" : "udp4", reuseAddr: false }),
      a,
      this.notify,
    );
  }
}
