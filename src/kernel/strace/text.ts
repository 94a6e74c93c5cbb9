// SPDX-License-Identifier: MIT
// The pieces of strace's notation: quoted strings, hex, NULL, flag sets and
// named values.
import type { SyscallArgs, SysResult } from "../syscalls/abi.js";
import type { Task } from "../task.js";
import type { EnumKind, FlagKind } from "./kinds.js";
import { SIGNAL_NAMES } from "./kinds.js";

/** strace's default -s 32: strings and buffers longer than this end in `...`. */
export const STRSIZE = 32;

/** A C string literal of `bytes` as strace writes it (octal escapes, \n \t \" \\). */
export function quote(bytes: Uint8Array, max = STRSIZE, more = false): string {
  let s = '"';
  const shown = bytes.subarray(0, max);
  shown.forEach((b, i) => {
    if (b === 0x0a) s += "\\n";
    else if (b === 0x09) s += "\\t";
    else if (b === 0x0d) s += "\\r";
    else if (b === 0x0c) s += "\\f";
    else if (b === 0x0b) s += "\\v";
    else if (b === 0x22 || b === 0x5c) s += "\\" + String.fromCharCode(b);
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else {
      const next = shown[i + 1];
      // A short octal escape followed by a digit would read as a longer one.
      s += "\\" + (next !== undefined && next >= 0x30 && next <= 0x37 ? b.toString(8).padStart(3, "0") : b.toString(8));
    }
  });
  return s + '"' + (bytes.length > max || more ? "..." : "");
}

export function hex(v: number | bigint): string {
  if (v === 0 || v === 0n) return "0";
  const u = typeof v === "bigint" ? BigInt.asUintN(64, v) : v < 0 ? BigInt.asUintN(64, BigInt(v)) : v;
  return "0x" + u.toString(16);
}

/** Every byte as \xNN (strace's QUOTE_FORCE_HEX, used for getrandom's bytes). */
export function quoteHex(bytes: Uint8Array, max = STRSIZE): string {
  const shown = [...bytes.subarray(0, max)].map((b) => "\\x" + b.toString(16).padStart(2, "0")).join("");
  return `"${shown}"${bytes.length > max ? "..." : ""}`;
}

export function ptr(v: number): string {
  return v === 0 ? "NULL" : hex(v);
}

/** Reads guest memory for printing; an unreadable pointer prints as its address. */
export function safe(fn: () => string, fallback: string): string {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

export function formatFlags(k: FlagKind, v: number): string {
  const parts: string[] = [];
  let rest = v >>> 0;
  if (k.field !== undefined) {
    const f = rest & k.field.mask;
    const name = k.field.names[f];
    if (name !== undefined) parts.push(name);
    else if (f !== 0) parts.push(hex(f));
    rest &= ~k.field.mask;
    rest >>>= 0;
  }
  for (const [bits, name] of k.bits) {
    if (bits !== 0 && (rest & bits) >>> 0 === bits) {
      parts.push(name);
      rest = (rest & ~bits) >>> 0;
    }
  }
  if (rest !== 0) parts.push(hex(rest));
  return parts.length === 0 ? k.zero : parts.join("|");
}

export function formatEnum(k: EnumKind, v: number): string {
  let base = v;
  const mods: string[] = [];
  let suffix = "";
  for (const [bit, name] of k.mods ?? []) {
    if ((base & bit) !== 0) {
      if (name.startsWith("_")) suffix = name;
      else mods.push(name);
      base &= ~bit;
    }
  }
  const name = k.names[base];
  if (name === undefined) return [hex(v >>> 0) + " /* ??? */"].join("|");
  return [name + suffix, ...mods].join("|");
}

export function signalName(sig: number): string {
  if (sig === 32) return "SIGRTMIN";
  return SIGNAL_NAMES[sig] ?? (sig > 32 && sig <= 64 ? `SIGRT_${sig - 32}` : String(sig));
}

export interface CallView {
  readonly t: Task;
  readonly a: SyscallArgs;
  /** The call's result, or null while it has not returned (a blocked call's arguments). */
  readonly r: SysResult | null;
}

/** A signal set as strace writes it: [INT TERM], or ~[...] listing what is missing when most are in. */
export function formatSigset(set: bigint): string {
  const names = (inSet: boolean): string[] => {
    const out: string[] = [];
    for (let s = 1; s <= 64; s++) {
      if ((((set >> BigInt(s - 1)) & 1n) === 1n) === inSet) out.push(signalName(s).replace(/^SIG/, ""));
    }
    return out;
  };
  const present = names(true);
  return present.length > 32 ? `~[${names(false).join(" ")}]` : `[${present.join(" ")}]`;
}
