// SPDX-License-Identifier: MIT
// The data path of a connected stream socket: either a pair of in-kernel
// queues (two guest sockets: AF_UNIX, or loopback TCP between guest
// processes; deterministic) or a connection through the host's network stack.
import { EAGAIN, ECONNRESET, EPIPE } from "../errno.js";
import type { OpenFile } from "../fs/files.js";
import { nextGeneration } from "../fs/poll-events.js";
import type { HostStream } from "../host.js";

/** One send: its bytes, message boundary (SOCK_SEQPACKET) and passed descriptions (SCM_RIGHTS). */
interface Chunk {
  data: Uint8Array;
  files: OpenFile[] | null;
}

/** A received piece: bytes copied, whether the message was cut (MSG_TRUNC), descriptions passed. */
export interface Received {
  n: number;
  /** Full length of the message (datagram and seqpacket sockets). */
  size: number;
  files: OpenFile[] | null;
}

export interface Conn {
  /** -EAGAIN when nothing is queued yet, a Received, or 0 at end of stream. */
  recv(buf: Uint8Array, peek: boolean, records: boolean): Received | number;
  send(data: Uint8Array, files: OpenFile[] | null, records: boolean): number;
  available(): number;
  canSend(): boolean;
  /** The peer will send no more (end of stream reached once queued data is read). */
  readonly peerDone: boolean;
  /** The peer is gone entirely (sends fail with EPIPE). */
  readonly peerGone: boolean;
  shutdown(write: boolean): void;
  close(): void;
  readonly host: boolean;
  /** Change stamps of the receive side and the send side (epoll). */
  readonly inGen: number;
  readonly outGen: number;
}

/** One direction of an in-kernel connection. */
class Queue {
  readonly chunks: Chunk[] = [];
  bytes = 0;
  /** The writer shut down or closed. */
  done = false;
  /** The reader closed. */
  gone = false;
  gen = 0;
  constructor(readonly capacity: number) {}
}

/** An end of an in-kernel connection: reads `rx`, writes `tx`. */
export class LocalConn implements Conn {
  readonly host = false;
  private constructor(
    private readonly rx: Queue,
    private readonly tx: Queue,
  ) {}

  /** A connected pair (socketpair, or accept of a guest's connect). */
  static pair(capacity: number): [LocalConn, LocalConn] {
    const ab = new Queue(capacity),
      ba = new Queue(capacity);
    return [new LocalConn(ba, ab), new LocalConn(ab, ba)];
  }

  recv(buf: Uint8Array, peek: boolean, records: boolean): Received | number {
    const q = this.rx;
    if (q.chunks.length === 0) return q.done ? 0 : -EAGAIN;
    if (records) {
      const c = q.chunks[0]!;
      const n = Math.min(buf.length, c.data.length);
      buf.set(c.data.subarray(0, n));
      if (!peek) {
        q.chunks.shift();
        q.bytes -= c.data.length;
        q.gen = nextGeneration();
      }
      return { n, size: c.data.length, files: peek ? null : c.files };
    }
    let n = 0;
    let files: OpenFile[] | null = null;
    for (let i = 0; i < q.chunks.length && n < buf.length; i++) {
      const c = q.chunks[i]!;
      const k = Math.min(c.data.length, buf.length - n);
      buf.set(c.data.subarray(0, k), n);
      n += k;
      if (c.files !== null) {
        files = c.files;
        break;
      } // a message with descriptors ends the read (unix_stream_read_generic)
    }
    if (!peek) this.consume(n, files !== null);
    return { n, size: n, files: peek ? null : files };
  }

  private consume(n: number, dropFiles: boolean): void {
    const q = this.rx;
    q.bytes -= n;
    while (n > 0 || q.chunks[0]?.data.length === 0) {
      const c = q.chunks[0]!;
      if (dropFiles) c.files = null;
      if (c.data.length <= n) {
        q.chunks.shift();
        n -= c.data.length;
      } else {
        c.data = c.data.subarray(n);
        n = 0;
      }
    }
    q.gen = nextGeneration();
  }

  send(data: Uint8Array, files: OpenFile[] | null, records: boolean): number {
    const q = this.tx;
    if (q.gone) return -EPIPE;
    if (q.done) return -EPIPE;
    const room = q.capacity - q.bytes;
    if (records ? room < data.length && q.bytes > 0 : room <= 0) return -EAGAIN;
    const n = records ? data.length : Math.min(room, data.length);
    q.chunks.push({ data: data.slice(0, n), files });
    q.bytes += n;
    q.gen = nextGeneration();
    return n;
  }

  available(): number {
    return this.rx.bytes;
  }

  canSend(): boolean {
    return this.tx.gone || this.tx.done || this.tx.bytes < this.tx.capacity;
  }

  get peerDone(): boolean {
    return this.rx.done;
  }

  get peerGone(): boolean {
    return this.tx.gone;
  }

  shutdown(write: boolean): void {
    if (write) {
      this.tx.done = true;
      this.tx.gen = nextGeneration();
    } else {
      this.rx.gone = true;
      this.rx.gen = nextGeneration();
    }
  }

  close(): void {
    this.tx.done = true;
    this.rx.gone = true;
    this.tx.gen = nextGeneration();
    this.rx.gen = nextGeneration();
    for (const c of this.rx.chunks) for (const f of c.files ?? []) releaseFile(f);
  }

  get inGen(): number {
    return this.rx.gen;
  }

  get outGen(): number {
    return this.tx.gen;
  }
}

/** Drops a description that was in flight (SCM_RIGHTS never received). */
export function releaseFile(f: OpenFile): void {
  if (--f.refs === 0) f.close();
}

/** A connection through the host: the HostStream's bytes. */
export class HostConn implements Conn {
  readonly host = true;
  private gen = 0;
  constructor(readonly s: HostStream) {}

  recv(buf: Uint8Array, peek: boolean): Received | number {
    const n = this.s.read(buf, peek);
    if (n > 0) this.gen = nextGeneration();
    return n > 0 ? { n, size: n, files: null } : n;
  }

  send(data: Uint8Array): number {
    const n = this.s.write(data);
    if (n === -EAGAIN && this.s.ended && this.s.state < 0) return this.s.state === -ECONNRESET ? -ECONNRESET : -EPIPE;
    return n;
  }

  available(): number {
    return this.s.available();
  }

  canSend(): boolean {
    return this.s.writable() || this.s.state < 0;
  }

  get peerDone(): boolean {
    return this.s.ended && this.s.available() === 0;
  }

  get peerGone(): boolean {
    return this.s.state < 0 && this.s.state !== -115;
  }

  shutdown(write: boolean): void {
    if (write) this.s.shutdown(true);
  }

  close(): void {
    this.s.close();
  }

  get inGen(): number {
    return this.gen + this.s.available();
  }

  get outGen(): number {
    return this.gen;
  }
}
