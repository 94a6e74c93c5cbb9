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
  EBADF,
  ECONNREFUSED,
  EINPROGRESS,
  EINVAL,
  EISCONN,
  ENOENT,
  ENOPROTOOPT,
  ENOTSOCK,
  ENOTSUP as EOPNOTSUPP,
  EPERM,
  EPIPE,
  EPROTONOSUPPORT,
  ESOCKTNOSUPPORT,
} from "../errno.js";
import { type OpenFile, isNonblocking } from "../fs/files.js";
import { sendToTask } from "../signal/deliver.js";
import { SI_USER } from "../signal/queue.js";
import { SIGPIPE } from "../signals.js";
import type { Task } from "../task.js";
import { copyIn, copyInIovecs, copyOut, getU32, putU32, tryAccess } from "../usercopy.js";
import { AF_INET, AF_INET6, AF_UNIX, type SockAddr, encodeSockAddr, parseSockAddr, resolvePath } from "../net/addr.js";
import { HostConn, releaseFile } from "../net/conn.js";
import { SOCK_BUF, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, Socket, fromHost, toHost } from "../net/socket.js";
import { type SyscallArgs, type SysResult, SyscallArgs as Args, block, fail } from "./abi.js";
import { fileOf, onHost } from "./util.js";
import { walk } from "../fs/namei.js";
import { LocalConn } from "../net/conn.js";

const SOCK_NONBLOCK = 0o4000,
  SOCK_CLOEXEC = 0o2000000,
  O_NONBLOCK = 0o4000;
const SOCK_RAW = 3;
const IPPROTO_TCP = 6,
  IPPROTO_UDP = 17;
const MSG_OOB = 1,
  MSG_PEEK = 2,
  MSG_TRUNC = 0x20,
  MSG_DONTWAIT = 0x40,
  MSG_WAITALL = 0x100,
  MSG_NOSIGNAL = 0x4000,
  MSG_CMSG_CLOEXEC = 0x40000000;
const SOL_SOCKET = 1,
  SCM_RIGHTS = 1;

function sockOf(t: Task, fd: number): Socket {
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
function addrArg(t: Task, s: Socket, ptr: number, len: number): SockAddr | number {
  if (len < 0 || len > 128) return -EINVAL;
  const raw = copyIn(t, ptr, len);
  if (s.family === AF_UNIX && (len < 2 || len > 110)) return -EINVAL;
  return parseSockAddr(raw, s.family);
}

/** A unix path as the registry knows it: absolute, in the guest's tree. */
function unixName(t: Task, a: SockAddr): SockAddr {
  if (a.family !== AF_UNIX || a.path === "" || a.path.startsWith("\0")) return a;
  return { family: AF_UNIX, path: resolvePath(t.proc.cwd, a.path) };
}

/**
 * The host path of a unix socket's guest path, looked up by the kernel inside
 * --root: the name a bind creates (its last component not followed), or the
 * socket a connect or send reaches (followed).
 */
function unixHostPath(t: Task, path: string, follow: boolean): string {
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

/** A wait that ends by a host event (a socket bound, connected, readable). */
function waitHost(attempt: () => number, nonblock = false): SysResult {
  const r = attempt();
  if (r !== -EAGAIN || nonblock) return r;
  return block({
    poll: () => {
      const n = tryAccess(attempt, -14);
      return n === -EAGAIN ? null : n;
    },
    deadline: null,
    timeout: () => 0,
    restart: "sys",
    host: true,
  });
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
  return block({
    poll: () => {
      const n = tryAccess(attempt, -14);
      return n === -EAGAIN ? null : n;
    },
    deadline: null,
    timeout: () => 0,
    restart: "sys",
    host: s.hostWait,
  });
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
    return block({
      poll: () => {
        const n = attempt();
        return n === -EAGAIN ? null : n;
      },
      deadline: null,
      timeout: () => 0,
      restart: "sys",
    });
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

function writeAddr(t: Task, addrp: number, lenp: number, enc: Uint8Array): void {
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

// ---- data ----------------------------------------------------------------------

interface Msg {
  to: SockAddr | null;
  iov: { base: number; len: number }[];
  files: OpenFile[] | null;
}

/** Sends a message, waiting for room unless non-blocking; SIGPIPE on EPIPE unless MSG_NOSIGNAL. */
function sendMsg(t: Task, s: Socket, m: Msg, flags: number): SysResult {
  if ((flags & MSG_OOB) !== 0 && s.family === AF_UNIX) return -EOPNOTSUPP;
  const total = m.iov.reduce((n, v) => n + v.len, 0);
  const data = new Uint8Array(total);
  let o = 0;
  for (const v of m.iov) {
    data.set(copyIn(t, v.base, v.len), o);
    o += v.len;
  }
  let done = 0;
  const attempt = (): number => {
    const r = s.send(data.subarray(done), m.to, done === 0 ? m.files : null);
    if (r === -EAGAIN) return done > 0 && (s.type === SOCK_DGRAM || s.type === SOCK_SEQPACKET) ? done : -EAGAIN;
    if (r < 0) return done > 0 ? done : pipe(t, r, flags);
    done += r;
    return done < total && s.type === SOCK_STREAM ? -EAGAIN : done;
  };
  const r = attempt();
  if (r === -ECONNREFUSED && m.to !== null && m.to.family === AF_UNIX && !m.to.path.startsWith("\0")) {
    if (t.proc.kernel.host.stat(unixHostPath(t, m.to.path, true), true) === -ENOENT) return -ENOENT;
  }
  if (r !== -EAGAIN || isNonblocking(s) || (flags & MSG_DONTWAIT) !== 0) {
    if (r === -EAGAIN && done > 0) return done;
    return r;
  }
  return block({
    poll: () => {
      const n = attempt();
      return n === -EAGAIN ? null : n;
    },
    deadline: null,
    timeout: () => 0,
    restart: "sys",
    host: s.hostWait,
    partial: () => done,
  });
}

function pipe(t: Task, r: number, flags: number): number {
  if (r === -EPIPE && (flags & MSG_NOSIGNAL) === 0) {
    sendToTask(t.proc.kernel, t, { signo: SIGPIPE, code: SI_USER, pid: t.proc.pid, uid: t.cred.uid });
  }
  return r;
}

export function sendto(t: Task, a: SyscallArgs): SysResult {
  const s = sockOf(t, a.int(0));
  const flags = a.int(3);
  let to: SockAddr | null = null;
  if (a.ptr(4) !== 0) {
    const r = addrArg(t, s, a.ptr(4), a.int(5));
    if (typeof r === "number") return r;
    to = unixName(t, r);
  }
  return sendMsg(t, s, { to, iov: [{ base: a.ptr(1), len: a.size(2) }], files: null }, flags);
}

/** struct msghdr (56 bytes): name, namelen, iov, iovlen, control, controllen, flags. */
function readMsghdr(
  t: Task,
  p: number,
): { name: number; namelen: number; iov: number; iovlen: number; control: number; controllen: number } {
  const b = copyIn(t, p, 56);
  const v = new DataView(b.buffer, b.byteOffset, 56);
  const u = (o: number): number => Number(v.getBigUint64(o, true));
  return { name: u(0), namelen: v.getInt32(8, true), iov: u(16), iovlen: u(24), control: u(32), controllen: u(40) };
}

/** SCM_RIGHTS descriptors of a control buffer (each gains a reference while in flight). */
function rightsOf(t: Task, control: number, len: number): OpenFile[] | null | number {
  if (control === 0 || len === 0) return null;
  const b = copyIn(t, control, len);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const files: OpenFile[] = [];
  for (let o = 0; o + 16 <= len;) {
    const clen = Number(v.getBigUint64(o, true)),
      level = v.getInt32(o + 8, true),
      type = v.getInt32(o + 12, true);
    if (clen < 16 || o + clen > len) return -EINVAL;
    if (level === SOL_SOCKET && type === SCM_RIGHTS) {
      for (let p = o + 16; p + 4 <= o + clen; p += 4) {
        const f = t.proc.fds.get(v.getInt32(p, true));
        if (f === undefined) {
          return -EBADF;
        }
        files.push(f);
      }
    } else if (level === SOL_SOCKET) {
      if (type !== 2) return -EINVAL; // SCM_CREDENTIALS is accepted and not passed on
    }
    o += (clen + 7) & ~7;
  }
  for (const f of files) f.refs++;
  return files.length > 0 ? files : null;
}

export function sendmsg(t: Task, a: SyscallArgs): SysResult {
  const s = sockOf(t, a.int(0));
  const h = readMsghdr(t, a.ptr(1));
  let to: SockAddr | null = null;
  if (h.name !== 0 && s.type !== SOCK_STREAM) {
    const r = addrArg(t, s, h.name, h.namelen);
    if (typeof r === "number") return r;
    to = unixName(t, r);
  }
  const iov = copyInIovecs(t, h.iov, h.iovlen);
  const files = rightsOf(t, h.control, h.controllen);
  if (typeof files === "number") return files;
  if (files !== null && s.family !== AF_UNIX) {
    for (const f of files) releaseFile(f);
    return -EINVAL;
  }
  const r = sendMsg(t, s, { to, iov, files }, a.int(2));
  if (typeof r === "number" && r < 0) for (const f of files ?? []) releaseFile(f);
  return r;
}

interface RecvOut {
  iov: { base: number; len: number }[];
  name: number;
  namelenp: number;
  /** recvmsg only: control buffer and where msg_controllen/msg_flags are written. */
  msg: { hdr: number; control: number; controllen: number } | null;
}

/** Receives one message (stream: what is there), waiting unless non-blocking. */
function recvMsg(t: Task, s: Socket, out: RecvOut, flags: number): SysResult {
  if ((flags & MSG_OOB) !== 0) return s.family === AF_UNIX ? -EOPNOTSUPP : -EINVAL;
  const total = out.iov.reduce((n, v) => n + v.len, 0);
  const peek = (flags & MSG_PEEK) !== 0;
  const waitAll = (flags & MSG_WAITALL) !== 0 && s.type === SOCK_STREAM && !peek;
  let got = 0;
  const attempt = (): number => {
    const buf = new Uint8Array(total - got);
    const r = s.receive(buf, peek);
    if (typeof r === "number") {
      return r === -EAGAIN && got > 0 && !waitAll ? got : r === 0 || (r < 0 && got > 0 && r !== -EAGAIN) ? got : r;
    }
    scatter(t, out.iov, got, buf.subarray(0, r.n));
    got += r.n;
    if (out.name !== 0 && out.namelenp !== 0) {
      const unnamed = s.family === AF_UNIX && (r.from === null || (r.from.family === AF_UNIX && r.from.path === ""));
      writeAddr(t, out.name, out.namelenp, unnamed ? new Uint8Array(0) : encodeSockAddr(r.from, s.family));
    }
    const trunc = r.size > r.n && s.type !== SOCK_STREAM;
    if (out.msg !== null) finishMsg(t, out.msg, r.files, trunc, flags);
    else for (const f of r.files ?? []) releaseFile(f);
    if (waitAll && got < total && !s.conn?.peerDone) return -EAGAIN;
    return (flags & MSG_TRUNC) !== 0 && trunc ? r.size : got;
  };
  const r = attempt();
  if (r !== -EAGAIN || isNonblocking(s) || (flags & MSG_DONTWAIT) !== 0) return r;
  return block({
    poll: () => {
      const n = tryAccess(attempt, -14);
      return n === -EAGAIN ? null : n;
    },
    deadline: null,
    timeout: () => 0,
    restart: "sys",
    host: s.hostWait,
    partial: () => got,
  });
}

function scatter(t: Task, iov: { base: number; len: number }[], at: number, data: Uint8Array): void {
  let skip = at,
    o = 0;
  for (const v of iov) {
    if (skip >= v.len) {
      skip -= v.len;
      continue;
    }
    const k = Math.min(v.len - skip, data.length - o);
    copyOut(t, v.base + skip, data.subarray(o, o + k));
    o += k;
    skip = 0;
    if (o >= data.length) break;
  }
}

/** Writes SCM_RIGHTS (installing the passed descriptors), msg_controllen and msg_flags. */
function finishMsg(
  t: Task,
  m: { hdr: number; control: number; controllen: number },
  files: OpenFile[] | null,
  trunc: boolean,
  flags: number,
): void {
  let clen = 0,
    mflags = trunc ? MSG_TRUNC : 0;
  if (files !== null) {
    const room = Math.floor((m.controllen - 16) / 4);
    const fds: number[] = [];
    files.forEach((f, i) => {
      if (i >= room) {
        releaseFile(f);
        mflags |= 8;
        return;
      } // MSG_CTRUNC
      const fd = t.proc.fds.install(f, (flags & MSG_CMSG_CLOEXEC) !== 0);
      if (fd < 0) releaseFile(f);
      else fds.push(fd);
    });
    if (fds.length > 0) {
      const b = new Uint8Array(16 + 4 * fds.length);
      const v = new DataView(b.buffer);
      v.setBigUint64(0, BigInt(b.length), true);
      v.setInt32(8, SOL_SOCKET, true);
      v.setInt32(12, SCM_RIGHTS, true);
      fds.forEach((fd, i) => v.setInt32(16 + 4 * i, fd, true));
      copyOut(t, m.control, b);
      clen = (b.length + 7) & ~7;
    }
  }
  const v = new DataView(new ArrayBuffer(8));
  v.setBigUint64(0, BigInt(clen), true);
  copyOut(t, m.hdr + 40, new Uint8Array(v.buffer));
  putU32(t, m.hdr + 48, mflags);
}

export function recvfrom(t: Task, a: SyscallArgs): SysResult {
  const s = sockOf(t, a.int(0));
  return recvMsg(
    t,
    s,
    { iov: [{ base: a.ptr(1), len: a.size(2) }], name: a.ptr(4), namelenp: a.ptr(5), msg: null },
    a.int(3),
  );
}

export function recvmsg(t: Task, a: SyscallArgs): SysResult {
  const s = sockOf(t, a.int(0));
  const h = readMsghdr(t, a.ptr(1));
  const iov = copyInIovecs(t, h.iov, h.iovlen);
  return recvMsg(
    t,
    s,
    {
      iov,
      name: h.name,
      namelenp: h.name !== 0 ? a.ptr(1) + 8 : 0,
      msg: { hdr: a.ptr(1), control: h.control, controllen: h.controllen },
    },
    a.int(2),
  );
}

export function shutdown(t: Task, a: SyscallArgs): SysResult {
  const s = sockOf(t, a.int(0));
  const how = a.int(1);
  if (how < 0 || how > 2) return -EINVAL;
  if (s.state === "connecting") s.finishConnect();
  if (s.type !== SOCK_DGRAM && s.state !== "connected" && s.family !== AF_UNIX) return -107;
  if (how !== 1) s.shutRead = true;
  if (how !== 0) {
    s.shutWrite = true;
    s.conn?.shutdown(true);
  }
  if (how !== 1) s.conn?.shutdown(false);
  return 0;
}

// ---- options -------------------------------------------------------------------

const SO_REUSEADDR = 2,
  SO_TYPE = 3,
  SO_ERROR = 4,
  SO_BROADCAST = 6,
  SO_SNDBUF = 7,
  SO_RCVBUF = 8,
  SO_KEEPALIVE = 9;
const SO_LINGER = 13,
  SO_REUSEPORT = 15,
  SO_PEERCRED = 17,
  SO_RCVTIMEO = 20,
  SO_SNDTIMEO = 21,
  SO_ACCEPTCONN = 30;
const SO_PROTOCOL = 38,
  SO_DOMAIN = 39,
  SO_PASSCRED = 16;
const IPPROTO_IP = 0,
  IPPROTO_IPV6 = 41,
  TCP_NODELAY = 1,
  IPV6_V6ONLY = 26;
/** Plain integer options kept as set (and read back). */
const INT_OPTS = new Set([
  `${SOL_SOCKET}:${SO_REUSEADDR}`,
  `${SOL_SOCKET}:${SO_BROADCAST}`,
  `${SOL_SOCKET}:${SO_KEEPALIVE}`,
  `${SOL_SOCKET}:${SO_REUSEPORT}`,
  `${SOL_SOCKET}:${SO_PASSCRED}`,
  `${IPPROTO_TCP}:${TCP_NODELAY}`,
  `${IPPROTO_IPV6}:${IPV6_V6ONLY}`,
]);

export function setsockopt(t: Task, a: SyscallArgs): SysResult {
  const s = sockOf(t, a.int(0));
  const level = a.int(1),
    name = a.int(2),
    len = a.int(4);
  const key = `${level}:${name}`;
  if (level === IPPROTO_TCP && s.type !== SOCK_STREAM) return -ENOPROTOOPT;
  if (level === IPPROTO_IPV6 && s.family !== AF_INET6) return -ENOPROTOOPT;
  if (INT_OPTS.has(key) || (level === SOL_SOCKET && (name === SO_SNDBUF || name === SO_RCVBUF))) {
    if (len < 4) return -EINVAL;
    const v = getU32(t, a.ptr(3)) | 0;
    if (name === SO_SNDBUF && level === SOL_SOCKET) s.options.set(key, Math.max(4608, Math.min(v, SOCK_BUF) * 2));
    else if (name === SO_RCVBUF && level === SOL_SOCKET) s.options.set(key, Math.max(2304, Math.min(v, SOCK_BUF) * 2));
    else s.options.set(key, v !== 0 ? 1 : 0);
    return 0;
  }
  if (level === SOL_SOCKET && (name === SO_RCVTIMEO || name === SO_SNDTIMEO || name === SO_LINGER)) {
    if (len < (name === SO_LINGER ? 8 : 16)) return -EINVAL;
    copyIn(t, a.ptr(3), len);
    return 0;
  }
  if (level === SOL_SOCKET || level === IPPROTO_TCP || level === IPPROTO_IP || level === IPPROTO_IPV6) {
    return -ENOPROTOOPT;
  }
  return s.family === AF_UNIX ? -EOPNOTSUPP : -ENOPROTOOPT;
}

function optValue(s: Socket, t: Task, level: number, name: number): number | Uint8Array | null {
  if (level === SOL_SOCKET) {
    switch (name) {
      case SO_TYPE:
        return s.type;
      case SO_DOMAIN:
        return s.family;
      case SO_PROTOCOL:
        return s.protocol;
      case SO_ACCEPTCONN:
        return s.state === "listening" ? 1 : 0;
      case SO_ERROR: {
        const e = s.soError;
        s.soError = 0;
        return e;
      }
      case SO_SNDBUF:
      case SO_RCVBUF:
        return s.options.get(`${level}:${name}`) ?? SOCK_BUF;
      case SO_PEERCRED: {
        const b = new Uint8Array(12);
        const v = new DataView(b.buffer);
        if (s.family === AF_UNIX && s.state === "connected") {
          v.setInt32(0, t.proc.pid, true);
          v.setUint32(4, t.cred.euid, true);
          v.setUint32(8, t.cred.egid, true);
        } else {
          v.setInt32(0, 0, true);
          v.setInt32(4, -1, true);
          v.setInt32(8, -1, true);
        }
        return b;
      }
    }
  }
  if (level === IPPROTO_TCP && s.type !== SOCK_STREAM) return null;
  const key = `${level}:${name}`;
  return INT_OPTS.has(key) ? (s.options.get(key) ?? 0) : null;
}

export function getsockopt(t: Task, a: SyscallArgs): SysResult {
  const s = sockOf(t, a.int(0));
  const lenp = a.ptr(4);
  const len = getU32(t, lenp) | 0;
  if (len < 0) return -EINVAL;
  const v = optValue(s, t, a.int(1), a.int(2));
  if (v === null) {
    return a.int(1) === SOL_SOCKET || a.int(1) === IPPROTO_TCP || a.int(1) === IPPROTO_IP || a.int(1) === IPPROTO_IPV6
      ? -ENOPROTOOPT
      : -EOPNOTSUPP;
  }
  const bytes = typeof v === "number" ? new Uint8Array(new Int32Array([v]).buffer) : v;
  const n = Math.min(len, bytes.length);
  copyOut(t, a.ptr(3), bytes.subarray(0, n));
  putU32(t, lenp, n);
  return 0;
}

export { AF_INET6, EAGAIN, Args, O_NONBLOCK };
