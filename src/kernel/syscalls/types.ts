// SPDX-License-Identifier: MIT
// The shape of a system call row (Blink's SYSCALL(...) rows, perf's commands[]).
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";

/** How --strace prints an argument. */
export type ArgKind = "int" | "fd" | "hex" | "ptr" | "path" | "buf" | "size" | "oct";

/** Handler: arguments as Numbers (signed 64-bit view, exact below 2^53); returns the value or -errno. */
export type SyscallFn = (k: Kernel, p: Process, a: readonly number[]) => number;

export interface SyscallRow {
  readonly nr: number;
  readonly name: string;
  readonly args: readonly ArgKind[];
  readonly fn: SyscallFn;
}

export function sys(nr: number, name: string, args: readonly ArgKind[], fn: SyscallFn): SyscallRow {
  return { nr, name, args, fn };
}

/** Sentinel returned by exit/exit_group: the process has ended, no return value is written. */
export const NO_RETURN = Number.NaN;

/** Sentinel returned by a call that blocked: the task's blocker finishes it (RAX is written on wake). */
export const BLOCK = Number.NEGATIVE_INFINITY;
