// SPDX-License-Identifier: MIT
// Further syscall groups register here (threads, signals, processes, LWP).
import type { SyscallRow } from "./types.js";

export const EXTRA_SYSCALLS: readonly SyscallRow[] = [];
