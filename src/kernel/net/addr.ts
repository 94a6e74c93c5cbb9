// SPDX-License-Identifier: MIT
// Socket addresses (include/uapi/linux/in.h, in6.h, un.h): sockaddr_un,
// sockaddr_in and sockaddr_in6 to and from the form the kernel keeps.
import { EAFNOSUPPORT, EINVAL } from "../errno.js";

const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** A socket address: a UNIX path (abstract when it starts with NUL), or an IP address and port. */
export type SockAddr =
  | { readonly family: typeof AF_UNIX; readonly path: string }
  | {
      readonly family: typeof AF_INET | typeof AF_INET6;
      readonly host: string;
      readonly port: number;
      readonly flow?: number;
      readonly scope?: number;
    };

/** sizeof(struct sockaddr_un). */
const SUN_LEN = 110;

function ipv4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function ipv6(b: Uint8Array, o: number): string {
  const v = new DataView(b.buffer, b.byteOffset + o, 16);
  const parts: string[] = [];
  for (let i = 0; i < 8; i++) parts.push(v.getUint16(2 * i).toString(16));
  if (parts.slice(0, 5).every((p) => p === "0") && parts[5] === "ffff") return `::ffff:${ipv4(b, o + 12)}`;
  // The longest run of zero groups becomes "::" (RFC 5952).
  let best = -1,
    bestLen = 1;
  for (let i = 0; i < 8;) {
    if (parts[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === "0") j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return parts.join(":");
  return `${parts.slice(0, best).join(":")}::${parts.slice(best + bestLen).join(":")}`;
}

/** Parses a sockaddr of `len` bytes for a socket of `family`; -errno when Linux refuses it. */
export function parseSockAddr(b: Uint8Array, family: number): SockAddr | number {
  if (b.length < 2) return -EINVAL;
  const fam = b[0]! | (b[1]! << 8);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (family === AF_UNIX) {
    if (fam !== AF_UNIX) return -EINVAL;
    const raw = b.subarray(2, Math.min(b.length, SUN_LEN));
    if (raw.length > 0 && raw[0] === 0) return { family: AF_UNIX, path: "\0" + latin1(raw.subarray(1)) };
    const end = raw.indexOf(0);
    return { family: AF_UNIX, path: new TextDecoder().decode(end < 0 ? raw : raw.subarray(0, end)) };
  }
  if (family === AF_INET) {
    if (b.length < 16) return -EINVAL;
    if (fam !== AF_INET && fam !== AF_UNSPEC) return -EAFNOSUPPORT;
    return { family: AF_INET, host: ipv4(b, 4), port: v.getUint16(2) };
  }
  if (b.length < 24) return -EINVAL;
  if (fam !== AF_INET6) return -EAFNOSUPPORT;
  return {
    family: AF_INET6,
    host: ipv6(b, 8),
    port: v.getUint16(2),
    flow: v.getUint32(4),
    scope: b.length >= 28 ? v.getUint32(24, true) : 0,
  };
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (const c of b) s += String.fromCharCode(c);
  return s;
}

function ipv4Bytes(host: string): number[] {
  const p = host.split(".").map((x) => Number(x));
  return p.length === 4 && p.every((x) => Number.isInteger(x) && x >= 0 && x < 256) ? p : [0, 0, 0, 0];
}

function ipv6Bytes(host: string): number[] {
  if (host.startsWith("::ffff:") && host.includes(".")) {
    return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, ...ipv4Bytes(host.slice(7))];
  }
  const [head, tail] = host.includes("::") ? (host.split("::") as [string, string]) : [host, undefined];
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16) || 0;
    return [n >> 8, n & 255];
  });
}

/** Encodes an address as the kernel writes it back (getsockname, accept, recvfrom). */
export function encodeSockAddr(a: SockAddr | null, family: number): Uint8Array {
  if (family === AF_UNIX) {
    const path = a !== null && a.family === AF_UNIX ? a.path : "";
    const bytes = path.startsWith("\0")
      ? Uint8Array.from([...path].map((c) => c.charCodeAt(0)))
      : new TextEncoder().encode(path);
    const out = new Uint8Array(2 + bytes.length + (path === "" || path.startsWith("\0") ? 0 : 1));
    out[0] = AF_UNIX;
    out.set(bytes, 2);
    return out;
  }
  const inet =
    a !== null && a.family !== AF_UNIX
      ? a
      : { host: family === AF_INET ? "0.0.0.0" : "::", port: 0, flow: 0, scope: 0 };
  if (family === AF_INET) {
    const out = new Uint8Array(16);
    out[0] = AF_INET;
    new DataView(out.buffer).setUint16(2, inet.port);
    out.set(ipv4Bytes(inet.host), 4);
    return out;
  }
  const out = new Uint8Array(28);
  out[0] = AF_INET6;
  const v = new DataView(out.buffer);
  v.setUint16(2, inet.port);
  v.setUint32(4, "flow" in inet ? (inet.flow ?? 0) : 0);
  out.set(ipv6Bytes(inet.host.includes(":") ? inet.host : `::ffff:${inet.host}`), 8);
  v.setUint32(24, "scope" in inet ? (inet.scope ?? 0) : 0, true);
  return out;
}

/** The key a bound address is registered under (wildcards match any host of the family). */
export function addrKey(a: SockAddr): string {
  return a.family === AF_UNIX ? `unix:${a.path}` : `${a.family === AF_INET ? "tcp4" : "tcp6"}:${a.host}:${a.port}`;
}

/** A unix socket path joined to the directory `base` and normalised lexically (the name the kernel's socket registry knows). */
export function resolvePath(base: string, rel: string): string {
  const parts = (rel.startsWith("/") ? rel : `${base}/${rel}`).split("/");
  const out: string[] = [];
  for (const p of parts) {
    if (p === "" || p === ".") continue;
    if (p === "..") out.pop();
    else out.push(p);
  }
  return "/" + out.join("/");
}
