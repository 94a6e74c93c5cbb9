// SPDX-License-Identifier: MIT
// The system call table: one row per call (number, Linux name, argument
// kinds for --strace, handler); handlers live in the topical files.
import type { SyscallRow } from "./types.js";
import { FS_SYSCALLS } from "./fs.js";
import { FS_META_SYSCALLS } from "./fs-meta.js";
import { MM_SYSCALLS } from "./mm.js";
import { MISC_SYSCALLS } from "./misc.js";
import { TIME_SYSCALLS } from "./time.js";
import { EXTRA_SYSCALLS } from "./extra.js";

export const SYSCALL_ROWS: readonly SyscallRow[] = [
  ...FS_SYSCALLS, ...FS_META_SYSCALLS, ...MM_SYSCALLS, ...TIME_SYSCALLS, ...MISC_SYSCALLS, ...EXTRA_SYSCALLS,
];

const BY_NR = new Map<number, SyscallRow>();
for (const r of SYSCALL_ROWS) {
  if (BY_NR.has(r.nr)) throw new Error(`Syscall table: ${r.nr} (${r.name}) defined twice`);
  BY_NR.set(r.nr, r);
}

export function syscallRow(nr: number): SyscallRow | undefined {
  return BY_NR.get(nr);
}
