// SPDX-License-Identifier: MIT
// The socket calls (net/socket.c): socket, socketpair, bind, listen, accept,
// connect, the send and receive families, shutdown and socket options, over
// the sockets of net/socket.ts. Blocking calls wait like reads (EAGAIN retried).
import {
  EACCES,
  EAFNOSUPPORT,
  EAGAIN,
  EPROTOTYPE,
  EALREADY,
  ECONNREFUSED,
  EINPROGRESS,
  EINVAL,
  EISCONN,
  ENOENT,
  ENOTSOCK,
  ENOTSUP as EOPNOTSUPP,
  EPERM,
  EPROTONOSUPPORT,
  ESOCKTNOSUPPORT,
} from "../errno.js";
import { isNonblocking } from "../fs/files.js";
import type { Task } from "../task.js";
import { copyIn, copyOut, getU32, putU32, tryAccess } from "../usercopy.js";
import { AF_INET, AF_INET6, AF_UNIX, type SockAddr, encodeSockAddr, parseSockAddr, resolvePath } from "../net/addr.js";
import { HostConn } from "../net/conn.js";
import { SOCK_BUF, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, Socket, fromHost, toHost } from "../net/socket.js";
import { type SyscallArgs, type SysResult, block, fail } from "./abi.js";
import { fileOf, onHost } from "./util.js";
import { walk } from "../fs/namei.js";
import { LocalConn } from "../net/conn.js";

const SOCK_NONBLOCK = 0o4000,
  SOCK_CLOEXEC = 0o2000000;
const SOCK_RAW = 3;
export const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
export const SOL_SOCKET = 1;

export function sockOf(t: Task, fd: number): Socket {
  const f = fileOf(t, fd);
  return f instanceof Socket ? f : fail(ENOTSOCK);
}

/** The type checks of __sock_create and each family's create. */
function checkCreate(domain: number, type: number, protocol: number): number {
  if (type < 0 || type > 10 || type === 0) return -EINVAL;
  if (domain === AF_UNIX) {
    if (protocol !== 0 && protocol !== AF_UNIX) return -EPROTONOSUPPORT;
    return type === SOCK_STREAM || type === SOCK_DGRAM || type === SOCK_SEQPACKET || type === SOCK_RAW
      ? 0
      : -ESOCKTNOSUPPORT;
  }
  if (domain !== AF_INET && domain !== AF_INET6) return -EAFNOSUPPORT;
  if (type === SOCK_STREAM) return protocol === 0 || protocol === IPPROTO_TCP ? 0 : -EPROTONOSUPPORT;
  if (type === SOCK_DGRAM) return protocol === 0 || protocol === IPPROTO_UDP ? 0 : -EPROTONOSUPPORT;
  if (type === SOCK_RAW) return -EPERM;
  return -ESOCKTNOSUPPORT;
}

function create(t: Task, domain: number, raw: number, protocol: number): Socket | number {
  if ((raw & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) return -EINVAL;
  const type = raw & 0xf;
  const e = checkCreate(domain, type, protocol);
  if (e < 0) return e;
  const proto = domain === AF_UNIX ? 0 : protocol !== 0 ? protocol : type === SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
  return new Socket(t.proc.kernel, domain, type === SOCK_RAW ? SOCK_DGRAM : type, proto, 2 | (raw & SOCK_NONBLOCK));
}

export function socket(t: Task, a: SyscallArgs): SysResult {
  const s = create(t, a.int(0), a.int(1), a.int(2));
  if (typeof s === "number") return s;
  const fd = t.proc.fds.install(s, (a.int(1) & SOCK_CLOEXEC) !== 0);
  if (fd < 0) s.close();
  return fd;
}

export function socketpair(t: Task, a: SyscallArgs): SysResult {
  const domain = a.int(0),
    type = a.int(1);
  const x = create(t, domain, type, a.int(2));
  if (typeof x === "number") return x;
  if (domain !== AF_UNIX) return -EOPNOTSUPP;
  const y = new Socket(x.k, x.family, x.type, x.protocol, x.flags);
  const cloexec = (type & SOCK_CLOEXEC) !== 0;
  if (x.type === SOCK_DGRAM) {
    x.dgramPeer = y;
    y.dgramPeer = x;
    x.peer = y.peer = { family: AF_UNIX, path: "" };
  } else {
    const [ca, cb] = LocalConn.pair(SOCK_BUF);
    x.conn = ca;
    y.conn = cb;
    x.state = y.state = "connected";
  }
  x.local = y.local = { family: AF_UNIX, path: "" };
  const fds = t.proc.fds;
  const f0 = fds.install(x, cloexec);
  if (f0 < 0) return f0;
  const f1 = fds.install(y, cloexec);
  if (f1 < 0) {
    fds.close(f0);
    return f1;
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setInt32(0, f0, true);
  new DataView(out.buffer).setInt32(4, f1, true);
  const ok = tryAccess(() => {
    copyOut(t, a.ptr(3), out);
    return 0;
  }, -14);
  if (ok < 0) {
    fds.close(f0);
    fds.close(f1);
  }
  return ok;
}

/** move_addr_to_kernel and the family's length checks. */
export function addrArg(t: Task, s: Socket, ptr: number, len: number): SockAddr | number {
  if (len < 0 || len > 128) return -EINVAL;
  const raw = copyIn(t, ptr, len);
  if (s.family === AF_UNIX && (len < 2 || len > 110)) return -EINVAL;
  return parseSockAddr(raw, s.family);
}

/** A unix path as the registry knows it: absolute, in the guest's tree. */
export function unixName(t: Task, a: SockAddr): SockAddr {
  if (a.family !== AF_UNIX || a.path === "" || a.path.startsWith("\0")) return a;
  return { family: AF_UNIX, path: resolvePath(t.proc.cwd, a.path) };
}

/**
 * The host path of a unix socket's guest path, looked up by the kernel inside
 * --root: the name a bind creates (its last component not followed), or the
 * socket a connect or send reaches (followed).
 */
export function unixHostPath(t: Task, path: string, follow: boolean): string {
  return onHost(t, walk(t, t.proc.cwd, path, follow ? "follow" : "parent"), EACCES).host;
}

let autobindSeq = 0;

export function bind(t: Task, a: SyscallArgs): SysResult {
  const s = sockOf(t, a.int(0));
  const addr = addrArg(t, s, a.ptr(1), a.int(2));
  if (typeof addr === "number") return addr;
  if (s.local !== null && (s.family === AF_UNIX || s.hostListener !== null || s.hostDgram !== null)) return -EINVAL;
  if (addr.family === AF_UNIX) return bindUnix(t, s, addr, a.int(2) === 2);
  return bindInet(t, s, addr);
}

function bindUnix(t: Task, s: Socket, addr: SockAddr & { family: 1 }, auto: boolean): SysResult {
  if (auto || addr.path === "") {
    return s.register({ family: AF_UNIX, path: `\0${(autobindSeq++).toString(16).padStart(5, "0")}` });
  }
  if (addr.path.startsWith("\0")) return s.register(addr);
  const name = unixName(t, addr);
  const k = t.proc.kernel;
  const hp = unixHostPath(t, (name as { path: string }).path, false);
  if (typeof k.host.stat(hp, false) !== "number") return -98; // EADDRINUSE: the path exists
  const l = k.host.listen({ family: 1, path: hp }, 128);
  return waitHost(() => {
    if (l.state === -EINPROGRESS) return -EAGAIN;
    if (l.state < 0) return l.state;
    s.hostListener = l;
    const r = s.register(name);
    if (r < 0) l.close();
    return r;
  });
}

function bindInet(t: Task, s: Socket, addr: SockAddr & { family: 2 | 10 }): SysResult {
  if (addr.family !== s.family) return -EAFNOSUPPORT;
  if (s.lookup(addr) !== undefined && addr.port !== 0) return -98;
  const k = t.proc.kernel;
  if (s.type === SOCK_DGRAM) {
    const d = k.host.datagram(toHost(addr));
    return waitHost(() => {
      if (d.state === -EINPROGRESS) return -EAGAIN;
      if (d.state < 0) return d.state;
      s.hostDgram = d;
      return s.register(fromHost(d.local()) ?? addr);
    });
  }
  const l = k.host.listen(toHost(addr), 128);
  return waitHost(() => {
    if (l.state === -EINPROGRESS) return -EAGAIN;
    if (l.state < 0) return l.state;
    s.hostListener = l;
    return s.register(fromHost(l.local()) ?? addr);
  });
}

/**
 * Blocks until `attempt` stops answering EAGAIN, retried when a peer or the host makes
 * progress (`host`: a host event can end the wait); a fault inside it is EFAULT.
 * `partial` is what a signal interrupting the wait returns when something was done.
 */
export function waitFor(attempt: () => number, host: boolean, partial?: () => number): SysResult {
  return block({
    poll: () => {
      const n = tryAccess(attempt, -14);
      return n === -EAGAIN ? null : n;
    },
    deadline: null,
    timeout: () => 0,
    restart: "sys",
    host,
    ...(partial === undefined ? {} : { partial }),
  });
}

/** A wait that ends by a host event (a socket bound, connected, readable). */
function waitHost(attempt: () => number, nonblock = false): SysResult {
  const r = attempt();
  if (r !== -EAGAIN || nonblock) return r;
  return waitFor(attempt, true);
}

export function listen(t: Task, a: SyscallArgs): SysResult {
  const s = sockOf(t, a.int(0));
  if (s.type === SOCK_DGRAM) return -EOPNOTSUPP;
  if (s.state === "connected" || s.state === "connecting") return -EINVAL;
  const backlog = Math.min(Math.max(a.int(1), 0), 4096);
  if (s.local === null) {
    if (s.family === AF_UNIX) return -EINVAL;
    const r = bindInet(t, s, { family: s.family as 2 | 10, host: s.family === AF_INET ? "0.0.0.0" : "::", port: 0 });
    if (typeof r !== "number") return r; // a wait: listen again after (rare; autobind)
    if (r < 0) return r;
  }
  s.state = "listening";
  s.backlogMax = backlog;
  return 0;
}

function acceptOn(t: Task, a: SyscallArgs, flags: number): SysResult {
  if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) return -EINVAL;
  const s = sockOf(t, a.int(0));
  if (s.type === SOCK_DGRAM) return -EOPNOTSUPP;
  if (s.state !== "listening") return -EINVAL;
  const addrp = a.ptr(1),
    lenp = a.ptr(2);
  const attempt = (): number => {
    const c = s.takeConnection();
    if (c === null) return -EAGAIN;
    c.flags = 2 | (flags & SOCK_NONBLOCK);
    if (addrp !== 0) writeAddr(t, addrp, lenp, encodeSockAddr(c.peer, s.family));
    return t.proc.fds.install(c, (flags & SOCK_CLOEXEC) !== 0);
  };
  const r = attempt();
  if (r !== -EAGAIN || isNonblocking(s)) return r;
  return waitFor(attempt, s.hostWait);
}

export function accept(t: Task, a: SyscallArgs): SysResult {
  return acceptOn(t, a, 0);
}

export function accept4(t: Task, a: SyscallArgs): SysResult {
  return acceptOn(t, a, a.int(3));
}

export function connect(t: Task, a: SyscallArgs): SysResult {
  const s = sockOf(t, a.int(0));
  const addr = addrArg(t, s, a.ptr(1), a.int(2));
  if (typeof addr === "number") return addr;
  if (s.type === SOCK_DGRAM) return connectDgram(t, s, addr);
  if (s.state === "connected") return -EISCONN;
  if (s.state === "connecting") {
    const r = s.finishConnect();
    return r === -EAGAIN ? -EALREADY : r === 0 ? -EISCONN : r;
  }
  if (s.state === "listening") return -EINVAL;
  if (addr.family !== s.family) return -EAFNOSUPPORT;
  const name = unixName(t, addr);
  const target = s.lookup(name);
  const k = t.proc.kernel;
  if (target !== undefined) {
    if (target.type !== s.type) return -ECONNREFUSED;
    if (s.local === null && s.family !== AF_UNIX) {
      s.local = {
        family: s.family as 2 | 10,
        host: s.family === AF_INET ? "127.0.0.1" : "::1",
        port: k.ephemeralPort(),
      };
    }
    const attempt = (): number => target.acceptLocal(s);
    const r = attempt();
    if (r !== -EAGAIN) return r;
    if (isNonblocking(s)) return -EAGAIN;
    return waitFor(attempt, false);
  }
  if (name.family === AF_UNIX) {
    if (name.path.startsWith("\0")) return -ECONNREFUSED;
    const hp = unixHostPath(t, name.path, true);
    const st = k.host.stat(hp, true);
    if (typeof st === "number") return st === -2 ? -ENOENT : st;
    if ((st.mode & 0o170000) !== 0o140000) return -ECONNREFUSED;
  }
  const hostTo =
    name.family === AF_UNIX ? { family: 1 as const, path: unixHostPath(t, name.path, true) } : toHost(name);
  s.pending = new HostConn(k.host.connect(hostTo, s.local !== null && s.family !== AF_UNIX ? toHost(s.local) : null));
  s.hostListener?.close();
  s.hostListener = null;
  s.state = "connecting";
  s.peer = name;
  if (isNonblocking(s)) return -EINPROGRESS;
  return waitHost(() => s.finishConnect());
}

function connectDgram(t: Task, s: Socket, addr: SockAddr): SysResult {
  if (addr.family === AF_UNIX) {
    const target = s.lookup(unixName(t, addr));
    if (target === undefined) return addr.path.startsWith("\0") ? -ECONNREFUSED : -ENOENT;
    if (target.type !== SOCK_DGRAM) return -EPROTOTYPE;
    s.dgramPeer = target;
  } else if (addr.family !== s.family && !(s.family === AF_INET && (addr as { family: number }).family === 0)) {
    return -EAFNOSUPPORT;
  }
  s.peer = unixName(t, addr);
  if (s.family !== AF_UNIX) s.hostDgramFor();
  return 0;
}

export function writeAddr(t: Task, addrp: number, lenp: number, enc: Uint8Array): void {
  const len = getU32(t, lenp) | 0;
  if (len < 0) fail(EINVAL);
  copyOut(t, addrp, enc.subarray(0, Math.min(len, enc.length)));
  putU32(t, lenp, enc.length);
}

export function getsockname(t: Task, a: SyscallArgs): SysResult {
  const s = sockOf(t, a.int(0));
  let local = s.local;
  if (local === null && s.hostDgram !== null) local = fromHost(s.hostDgram.local());
  writeAddr(t, a.ptr(1), a.ptr(2), encodeSockAddr(local, s.family));
  return 0;
}

export function getpeername(t: Task, a: SyscallArgs): SysResult {
  const s = sockOf(t, a.int(0));
  if (s.state === "connecting") s.finishConnect();
  if (s.peer === null || (s.type !== SOCK_DGRAM && s.state !== "connected")) return -107;
  writeAddr(t, a.ptr(1), a.ptr(2), encodeSockAddr(s.peer, s.family));
  return 0;
}
