// SPDX-License-Identifier: MIT
// --strace printing of pointer arguments: strings, buffers, iovecs, argv, and
// the structs strace decodes (stat, timespec, sigset, sigaction, ...).
import type { ArgKind, SimpleKind } from "./kinds.js";
import { SA_FLAGS, STATX_MASK } from "./kinds.js";
import {
  type CallView,
  STRSIZE,
  formatFlags,
  formatSigset,
  hex,
  ptr,
  quote,
  quoteHex,
  safe,
  signalName,
} from "./text.js";

/** Kinds the call fills in: shown only when it succeeded. */
const OUTPUT = new Set<SimpleKind>([
  "obuf",
  "oiov",
  "osigset",
  "osigaction",
  "ots",
  "otv",
  "stat",
  "statx",
  "pipefds",
  "wstatus",
  "utsname",
  "orlimit",
  "ocstr",
  "ogroups",
  "orandom",
]);
const S_IFMT: Readonly<Record<number, string>> = {
  0o140000: "S_IFSOCK",
  0o120000: "S_IFLNK",
  0o100000: "S_IFREG",
  0o060000: "S_IFBLK",
  0o040000: "S_IFDIR",
  0o020000: "S_IFCHR",
  0o010000: "S_IFIFO",
};

/** Whether the call writes through this argument (printed after it returns). */
export function isOutput(kind: ArgKind): boolean {
  return typeof kind === "string" && OUTPUT.has(kind);
}

function succeeded(v: CallView): v is CallView & { r: number } {
  return typeof v.r === "number" && !(v.r < 0 && v.r >= -4095);
}

function u64(v: CallView, at: number): number {
  const mem = v.t.proc.mem;
  return (mem.read32(at + 4) >>> 0) * 4294967296 + (mem.read32(at) >>> 0);
}

function i64(v: CallView, at: number): bigint {
  const mem = v.t.proc.mem;
  return BigInt.asIntN(64, (BigInt(mem.read32(at + 4) >>> 0) << 32n) | BigInt(mem.read32(at) >>> 0));
}

function bytes(v: CallView, at: number, n: number): Uint8Array {
  return v.t.proc.mem.readBytes(at, n);
}

function cstr(v: CallView, at: number, max: number): string {
  const b = v.t.proc.mem.readCString(at, max + 1);
  return quote(b, max);
}

function fileMode(mode: number): string {
  const type = S_IFMT[mode & 0o170000];
  const perm = "0" + (mode & 0o7777).toString(8).padStart(3, "0");
  return type === undefined ? perm : `${type}|${perm}`;
}

function sigset(v: CallView, at: number): string {
  return formatSigset((BigInt(v.t.proc.mem.read32(at + 4) >>> 0) << 32n) | BigInt(v.t.proc.mem.read32(at) >>> 0));
}

function sigaction(v: CallView, at: number): string {
  const h = u64(v, at);
  const handler = h === 0 ? "SIG_DFL" : h === 1 ? "SIG_IGN" : hex(h);
  const flags = v.t.proc.mem.read32(at + 8) >>> 0;
  const restorer = (flags & 0x04000000) !== 0 ? `, sa_restorer=${hex(u64(v, at + 16))}` : "";
  return `{sa_handler=${handler}, sa_mask=${sigset(v, at + 24)}, sa_flags=${formatFlags(SA_FLAGS, flags)}${restorer}}`;
}

function stat(v: CallView, at: number): string {
  const mode = v.t.proc.mem.read32(at + 24) >>> 0;
  const type = mode & 0o170000;
  if (type === 0o020000 || type === 0o060000) {
    const rdev = u64(v, at + 40);
    return `{st_mode=${fileMode(mode)}, st_rdev=makedev(${hex(Math.floor(rdev / 256) & 0xfff)}, ${hex(rdev & 0xff)}), ...}`;
  }
  return `{st_mode=${fileMode(mode)}, st_size=${u64(v, at + 48)}, ...}`;
}

function statx(v: CallView, at: number): string {
  const mem = v.t.proc.mem;
  return `{stx_mask=${formatFlags(STATX_MASK, mem.read32(at) >>> 0)}, stx_attributes=0, stx_mode=${fileMode(mem.read16(at + 28))}, stx_size=${u64(v, at + 40)}, ...}`;
}

function timespec(v: CallView, at: number, frac: "tv_nsec" | "tv_usec"): string {
  return `{tv_sec=${i64(v, at)}, ${frac}=${i64(v, at + 8)}}`;
}

function iovecs(v: CallView, at: number, cnt: number, limit: number | null): string {
  const out: string[] = [];
  let left = limit ?? Infinity;
  for (let i = 0; i < Math.min(cnt, 1024); i++) {
    if (i === STRSIZE) {
      out.push("...");
      break;
    }
    const base = u64(v, at + 16 * i),
      len = u64(v, at + 16 * i + 8);
    const shown = Math.max(0, Math.min(len, left));
    left -= shown;
    const data = safe(() => quote(bytes(v, base, Math.min(shown, STRSIZE + 1)), STRSIZE, shown > STRSIZE), hex(base));
    out.push(`{iov_base=${data}, iov_len=${len}}`);
  }
  return `[${out.join(", ")}]`;
}

function strings(v: CallView, at: number, env: boolean): string {
  let n = 0;
  const shown: string[] = [];
  for (; n < 4096; n++) {
    const p = u64(v, at + 8 * n);
    if (p === 0) break;
    if (!env && n < STRSIZE) shown.push(cstr(v, p, STRSIZE));
  }
  if (env) return `${hex(at)} /* ${n} var${n === 1 ? "" : "s"} */`;
  return `[${shown.join(", ")}${n > STRSIZE ? ", ..." : ""}]`;
}

function wstatus(v: CallView, at: number): string {
  const s = v.t.proc.mem.read32(at);
  if ((s & 0x7f) === 0) return `[{WIFEXITED(s) && WEXITSTATUS(s) == ${(s >> 8) & 0xff}}]`;
  return `[{WIFSIGNALED(s) && WTERMSIG(s) == ${signalName(s & 0x7f)}${(s & 0x80) !== 0 ? " && WCOREDUMP(s)" : ""}}]`;
}

function rlimit(v: CallView, at: number): string {
  const lim = (x: bigint): string =>
    x === -1n ? "RLIM64_INFINITY" : x % 1024n === 0n && x > 0n ? `${x / 1024n}*1024` : String(x);
  return `{rlim_cur=${lim(i64(v, at))}, rlim_max=${lim(i64(v, at + 8))}}`;
}

function utsname(v: CallView, at: number): string {
  const field = (i: number): string => cstr(v, at + 65 * i, 64);
  return `{sysname=${field(0)}, nodename=${field(1)}, ...}`;
}

function int32s(v: CallView, at: number, n: number): string {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(v.t.proc.mem.read32(at + 4 * i));
  return `[${out.join(", ")}]`;
}

function decode(v: CallView, kind: SimpleKind, at: number, i: number): string {
  const a = v.a;
  const r = typeof v.r === "number" ? v.r : 0;
  switch (kind) {
    case "path":
    case "str":
      return cstr(v, at, kind === "path" ? 4096 : STRSIZE);
    case "ibuf": {
      const n = a.u64(i + 1);
      return quote(bytes(v, at, Math.min(n, STRSIZE + 1)), STRSIZE, n > STRSIZE);
    }
    case "obuf":
      return quote(bytes(v, at, Math.min(r, STRSIZE + 1)), STRSIZE, r > STRSIZE);
    case "iov":
      return iovecs(v, at, a.int(i + 1), null);
    case "oiov":
      return iovecs(v, at, a.int(i + 1), r);
    case "argv":
      return strings(v, at, false);
    case "envp":
      return strings(v, at, true);
    case "sigset":
    case "osigset":
      return sigset(v, at);
    case "sigaction":
    case "osigaction":
      return sigaction(v, at);
    case "ts":
    case "ots":
      return timespec(v, at, "tv_nsec");
    case "otv":
      return timespec(v, at, "tv_usec");
    case "stat":
      return stat(v, at);
    case "statx":
      return statx(v, at);
    case "pipefds":
      return int32s(v, at, 2);
    case "ocstr":
      return cstr(v, at, 4096);
    case "orandom":
      return quoteHex(bytes(v, at, Math.min(r, STRSIZE + 1)));
    case "ogroups":
      return int32s(v, at, Math.min(r, STRSIZE));
    case "wstatus":
      return wstatus(v, at);
    case "utsname":
      return utsname(v, at);
    case "rlimit":
    case "orlimit":
      return rlimit(v, at);
    default:
      return hex(at);
  }
}

/** A pointer argument decoded by its kind; NULL, unreadable or not-yet-filled ones as addresses. */
export function formatStruct(v: CallView, kind: SimpleKind, i: number): string {
  const at = v.a.u64(i);
  if (at === 0) return "NULL";
  if (OUTPUT.has(kind) && !succeeded(v)) return ptr(at);
  if (kind === "wstatus" && v.r === 0) return ptr(at); // WNOHANG and no child ended: nothing written
  return safe(() => decode(v, kind, at, i), hex(at));
}
