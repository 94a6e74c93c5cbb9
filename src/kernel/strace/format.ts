// SPDX-License-Identifier: MIT
// --strace lines in strace(1)'s shape, driven by the table's argument kinds:
// `openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3`, the result at
// column 40, errors as `-1 ENOENT (No such file or directory)`.
import { ERRNO_NAMES, ERRNO_TEXT } from "../errno.js";
import type { SysResult } from "../syscalls/abi.js";
import { type ArgKind, CLONE_FLAGS, FUTEX_ARGC, FUTEX_OP } from "./kinds.js";
import { formatStruct } from "./structs.js";
import { type CallView, formatEnum, formatFlags, formatSigset, hex, ptr, signalName } from "./text.js";

const AT_FDCWD = -100;

function formatArg(v: CallView, kind: ArgKind, i: number): string {
  if (typeof kind === "object") {
    return kind.kind === "flags" ? formatFlags(kind, v.a.u32(i)) : formatEnum(kind, v.a.int(i));
  }
  const a = v.a;
  switch (kind) {
    case "int":
    case "fd":
      return String(a.int(i));
    case "uint":
      return String(a.u32(i));
    case "long":
      return String(a.long(i));
    case "size":
      return String(a.u64(i));
    case "hex":
      return hex(a.u64(i));
    case "ptr":
      return ptr(a.u64(i));
    case "dirfd":
      return a.int(i) === AT_FDCWD ? "AT_FDCWD" : String(a.int(i));
    case "mode":
    case "openmode":
      return "0" + (a.u32(i) & 0o7777).toString(8).padStart(3, "0");
    case "signal":
      return a.int(i) === 0 ? "0" : signalName(a.int(i));
    case "sigframe":
      return `{mask=${formatSigset(v.t.sigMask)}}`;
    default:
      return formatStruct(v, kind, i);
  }
}

/** The arguments from..to of a call, comma-separated; open's mode only with O_CREAT/O_TMPFILE. */
export function formatArgs(v: CallView, kinds: readonly ArgKind[], from: number, to: number): string {
  if (kinds[0] === CLONE_FLAGS) return from === 0 ? formatClone(v) : "";
  const args: string[] = [];
  if (kinds[1] === FUTEX_OP) to = Math.min(to, FUTEX_ARGC[v.a.int(1) & 0x7f] ?? to);
  for (let i = from; i < to; i++) {
    const kind = kinds[i]!;
    if (kind === "openmode" && (v.a.u32(i - 1) & 0o20100100) === 0) continue;
    args.push(formatArg(v, kind, i));
  }
  return args.join(", ");
}

const CLONE_PARENT_SETTID = 0x100000,
  CLONE_CHILD_SETTID = 0x1000000,
  CLONE_CHILD_CLEARTID = 0x200000,
  CLONE_SETTLS = 0x80000;

/** clone as strace names its arguments: the stack, the flags (exit signal last), then the pointers the flags use. */
function formatClone(v: CallView): string {
  const f = v.a.u32(0);
  const flags = formatFlags({ kind: "flags", bits: CLONE_FLAGS.bits, zero: "0" }, f & ~0xff);
  const exit = f & 0xff;
  const out = [
    `child_stack=${ptr(v.a.u64(1))}`,
    `flags=${exit === 0 ? flags : flags === "0" ? signalName(exit) : `${flags}|${signalName(exit)}`}`,
  ];
  if ((f & CLONE_PARENT_SETTID) !== 0) out.push(`parent_tid=${ptr(v.a.u64(2))}`);
  if ((f & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) !== 0) out.push(`child_tidptr=${ptr(v.a.u64(3))}`);
  if ((f & CLONE_SETTLS) !== 0) out.push(`tls=${ptr(v.a.u64(4))}`);
  return out.join(", ");
}

/** The text after ` = `: a value, `?` for a call that does not return, or the errno. */
export function formatResult(r: SysResult, ret: "int" | "hex" = "int"): string {
  if (typeof r !== "number") return "?";
  if (r < 0 && r >= -4095) return `-1 ${ERRNO_NAMES[-r] ?? "E" + -r} (${ERRNO_TEXT[-r] ?? "Unknown error " + -r})`;
  return ret === "hex" ? hex(r) : String(r);
}

/** A full line: the call padded to column 40, as strace aligns results. */
export function straceLine(call: string, result: string): string {
  return `${call.padEnd(39)} = ${result}`;
}
