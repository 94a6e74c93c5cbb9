// SPDX-License-Identifier: MIT
// setsockopt(2) and getsockopt(2) (net/core/sock.c sock_setsockopt/sk_getsockopt,
// net/ipv4/tcp.c, net/ipv6/ipv6_sockglue.c): the options guests set and ask for, kept
// on the emulated socket and passed to the host socket where one backs it.
import { EINVAL, ENOPROTOOPT, ENOTSUP as EOPNOTSUPP } from "../errno.js";
import type { Task } from "../task.js";
import { copyIn, copyOut, getU32, putU32 } from "../usercopy.js";
import { AF_INET6, AF_UNIX } from "../net/addr.js";
import { SOCK_BUF, SOCK_STREAM, type Socket } from "../net/socket.js";
import type { SyscallArgs, SysResult } from "./abi.js";
import { IPPROTO_TCP, SOL_SOCKET, sockOf } from "./net.js";

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
