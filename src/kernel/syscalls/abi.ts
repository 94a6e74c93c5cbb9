// SPDX-License-Identifier: MIT
// The system call ABI seen by handlers (gVisor's SyscallFn shape): the calling
// task, typed argument accessors, and an explicit result. One place for the
// truncation rules of each C argument type and for what a result can be.
import type { Blocker, Task } from "../task.js";
import type { ArgKind } from "../strace/kinds.js";

/**
 * The six argument registers (RDI, RSI, RDX, R10, R8, R9) as 32-bit halves,
 * read through the C type the call declares, as the kernel's SYSCALL_DEFINE
 * casts do: `int` takes the low 32 bits, `size_t`/pointers the whole register.
 */
export class SyscallArgs {
  constructor(private readonly halves: Int32Array) {}

  /** `int`, `pid_t`, `uid_t`-as-int, fds, flags: the low 32 bits, signed. */
  int(i: number): number {
    return this.halves[2 * i]!;
  }

  /** `unsigned int` (flags compared bitwise, uid_t, mode_t): the low 32 bits, unsigned. */
  u32(i: number): number {
    return this.halves[2 * i]! >>> 0;
  }

  /** `long`, `off_t`, `loff_t`: the whole register, signed (exact in [-2^53, 2^53]). */
  long(i: number): number {
    return this.halves[2 * i + 1]! * 4294967296 + (this.halves[2 * i]! >>> 0);
  }

  /** `unsigned long`: the whole register, unsigned (exact below 2^53). */
  u64(i: number): number {
    return (this.halves[2 * i + 1]! >>> 0) * 4294967296 + (this.halves[2 * i]! >>> 0);
  }

  /** `unsigned long` exactly, as a bigint (file offsets compared and divided without rounding). */
  u64n(i: number): bigint {
    return (BigInt(this.halves[2 * i + 1]! >>> 0) << 32n) | BigInt(this.halves[2 * i]! >>> 0);
  }

  /** `size_t`: as u64 (a "negative" size is huge, as in C). */
  size(i: number): number {
    return this.u64(i);
  }

  /** A user pointer (`void __user *`): as u64; a non-canonical one faults on use (EFAULT). */
  ptr(i: number): number {
    return this.u64(i);
  }

  /** Arguments given as Numbers (a call implemented through another, e.g. creat -> openat). */
  static of(...v: number[]): SyscallArgs {
    const h = new Int32Array(12);
    v.forEach((x, i) => {
      const b = BigInt.asUintN(64, BigInt(x));
      h[2 * i] = Number(b & 0xffffffffn) | 0;
      h[2 * i + 1] = Number(b >> 32n) | 0;
    });
    return new SyscallArgs(h);
  }
}

/** The call has put the task to sleep; `blocker` finishes it (RAX is written on wake). */
export interface Block {
  readonly kind: "block";
  readonly blocker: Blocker;
}

/** The call does not return to its caller: exit, exit_group, execve, rt_sigreturn. */
interface NoReturn {
  readonly kind: "noReturn";
}

/**
 * What a handler returns: a number is the value RAX gets (Linux's `long`:
 * -4095..-1 is -errno), or one of the two controls.
 */
export type SysResult = number | Block | NoReturn;

export function block(blocker: Blocker): Block {
  return { kind: "block", blocker };
}

export const NO_RETURN: NoReturn = Object.freeze({ kind: "noReturn" });

/**
 * A failed call deep inside a helper: thrown, and turned into the call's -errno by
 * the dispatcher (as a MemoryFault becomes EFAULT). Not an Error: no stack is captured.
 */
export class SyscallError {
  constructor(readonly errno: number) {}
}

export function fail(e: number): never {
  throw new SyscallError(e);
}

/** Unwraps a host result that is a value or -errno, failing the call on -errno. */
export function check<T>(r: T | number): T {
  if (typeof r === "number" && r < 0) fail(-r);
  return r as T;
}

export type SyscallFn = (t: Task, a: SyscallArgs) => SysResult;

/** How completely a call implements Linux's; `partial` names its docs/quirks.md entry. */
export type Support = { readonly level: "full" } | { readonly level: "partial"; readonly quirk: string };

export interface SyscallRow {
  readonly nr: number;
  readonly name: string;
  readonly fn: SyscallFn;
  readonly args: readonly ArgKind[];
  readonly support: Support;
  /** How --strace prints the result: a number, or an address (mmap, brk). */
  readonly ret: "int" | "hex";
}

export const FULL: Support = { level: "full" };

export function partial(quirk: string): Support {
  return { level: "partial", quirk };
}
