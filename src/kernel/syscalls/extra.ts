// SPDX-License-Identifier: MIT
// Further syscall groups register here (threads, signals, processes, LWP).
import type { SyscallRow } from "./types.js";
import { SIGNAL_SYSCALLS } from "./signal.js";
import { THREAD_SYSCALLS } from "./thread.js";
import { FUTEX_SYSCALLS } from "./futex.js";
import { PROC_SYSCALLS } from "./proc.js";
import { PRCTL_SYSCALLS } from "./prctl.js";
import { PERF_SYSCALLS } from "./perf.js";

export const EXTRA_SYSCALLS: readonly SyscallRow[] = [...SIGNAL_SYSCALLS, ...THREAD_SYSCALLS, ...FUTEX_SYSCALLS, ...PROC_SYSCALLS, ...PRCTL_SYSCALLS, ...PERF_SYSCALLS];
