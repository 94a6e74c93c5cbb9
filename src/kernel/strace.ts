// SPDX-License-Identifier: MIT
// --strace output in strace(1)'s shape, driven by the syscall rows' argument kinds.
import { ERRNO_NAMES } from "./errno.js";
import type { Process } from "./process.js";
import type { ArgKind } from "./syscalls/types.js";

function quote(bytes: Uint8Array, max: number): string {
  let s = '"';
  for (const b of bytes.subarray(0, max)) {
    if (b === 0x0a) s += "\\n";
    else if (b === 0x09) s += "\\t";
    else if (b === 0x22 || b === 0x5c) s += "\\" + String.fromCharCode(b);
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += "\\" + b.toString(8);
  }
  return s + '"' + (bytes.length > max ? "..." : "");
}

function safe(fn: () => string, fallback: string): string {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

function formatArg(p: Process, kind: ArgKind, v: number, next: number): string {
  const hex = "0x" + (v < 0 ? BigInt.asUintN(64, BigInt(v)) : v).toString(16);
  switch (kind) {
    case "int": case "size": return String(v);
    case "fd": return String(v | 0);
    case "oct": return "0" + (v >>> 0).toString(8);
    case "hex": return hex;
    case "ptr": return v === 0 ? "NULL" : hex;
    case "path": return v === 0 ? "NULL" : safe(() => quote(p.mem.readCString(v, 4096), 4096), hex);
    case "buf": return safe(() => quote(p.mem.readBytes(v, Math.max(0, Math.min(next, 33))), 32), hex);
  }
}

export function formatCall(p: Process, name: string, kinds: readonly ArgKind[], a: readonly number[]): string {
  const args = kinds.map((k, i) => formatArg(p, k, a[i]!, a[i + 1] ?? 0));
  return `${name}(${args.join(", ")})`;
}

export function formatResult(r: number): string {
  if (Number.isNaN(r)) return "?";
  if (r < 0 && r >= -4095) return `-1 ${ERRNO_NAMES[-r] ?? "E" + -r} (errno ${-r})`;
  return r > 0xffff ? "0x" + r.toString(16) : String(r);
}
