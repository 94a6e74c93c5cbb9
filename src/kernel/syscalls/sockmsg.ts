// SPDX-License-Identifier: MIT
// Data on sockets (net/socket.c __sys_sendmsg/__sys_recvmsg, net/unix/af_unix.c): send,
// sendto, sendmsg with SCM_RIGHTS, recv, recvfrom, recvmsg, shutdown.
import { EAGAIN, EBADF, ECONNREFUSED, EINVAL, ENOENT, ENOTSUP as EOPNOTSUPP, EPIPE } from "../errno.js";
import { type OpenFile, isNonblocking } from "../fs/files.js";
import { sendToTask } from "../signal/deliver.js";
import { SI_USER } from "../signal/queue.js";
import { SIGPIPE } from "../signals.js";
import type { Task } from "../task.js";
import { copyIn, copyInIovecs, copyOut, putU32 } from "../usercopy.js";
import { AF_UNIX, type SockAddr, encodeSockAddr } from "../net/addr.js";
import { releaseFile } from "../net/conn.js";
import { SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, Socket } from "../net/socket.js";
import type { SyscallArgs, SysResult } from "./abi.js";
import { SOL_SOCKET, addrArg, sockOf, unixHostPath, unixName, waitFor, writeAddr } from "./net.js";

const MSG_OOB = 1,
  MSG_PEEK = 2,
  MSG_TRUNC = 0x20,
  MSG_DONTWAIT = 0x40,
  MSG_WAITALL = 0x100,
  MSG_NOSIGNAL = 0x4000,
  MSG_CMSG_CLOEXEC = 0x40000000;
const SCM_RIGHTS = 1;

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
  return waitFor(attempt, s.hostWait, () => done);
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
  return waitFor(attempt, s.hostWait, () => got);
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
