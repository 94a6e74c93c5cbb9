// SPDX-License-Identifier: MIT
// Resource limits (include/uapi/asm-generic/resource.h, kernel/sys.c
// do_prlimit): a process's soft and hard limit per resource, inherited by fork
// and kept across execve. Values are exact unsigned 64-bit numbers (bigint);
// RLIM_INFINITY is 2^64 - 1.

export const RLIMIT_CPU = 0,
  RLIMIT_FSIZE = 1,
  RLIMIT_DATA = 2,
  RLIMIT_STACK = 3,
  RLIMIT_CORE = 4,
  RLIMIT_RSS = 5;
export const RLIMIT_NPROC = 6,
  RLIMIT_NOFILE = 7,
  RLIMIT_MEMLOCK = 8,
  RLIMIT_AS = 9,
  RLIMIT_LOCKS = 10;
export const RLIMIT_SIGPENDING = 11,
  RLIMIT_MSGQUEUE = 12,
  RLIMIT_NICE = 13,
  RLIMIT_RTPRIO = 14,
  RLIMIT_RTTIME = 15;
export const RLIM_NLIMITS = 16;
export const RLIM_INFINITY = (1n << 64n) - 1n;
/** fs.nr_open: the highest RLIMIT_NOFILE hard limit (EPERM above it). */
export const NR_OPEN = 1048576n;

const INF = RLIM_INFINITY;
/** The emulated machine's task limit (RLIMIT_NPROC, RLIMIT_SIGPENDING): what Linux derives from 4 GiB of RAM. */
const MAX_THREADS = 63704n;

/** Defaults of a process started from a login shell on Linux 6.1 (init_task's rlimits, a systemd session's NOFILE). */
const DEFAULTS: readonly (readonly [bigint, bigint])[] = [
  [INF, INF], // CPU
  [INF, INF], // FSIZE
  [INF, INF], // DATA
  [8n << 20n, INF], // STACK (_STK_LIM)
  [0n, INF], // CORE
  [INF, INF], // RSS
  [MAX_THREADS, MAX_THREADS], // NPROC
  [1024n, NR_OPEN], // NOFILE
  [8n << 20n, 8n << 20n], // MEMLOCK (MLOCK_LIMIT)
  [INF, INF], // AS
  [INF, INF], // LOCKS
  [MAX_THREADS, MAX_THREADS], // SIGPENDING
  [819200n, 819200n], // MSGQUEUE (MQ_BYTES_MAX)
  [0n, 0n], // NICE
  [0n, 0n], // RTPRIO
  [INF, INF], // RTTIME
];

/** What /proc/PID/limits calls each resource, and its unit. */
export const LIMIT_NAMES: readonly (readonly [string, string])[] = [
  ["Max cpu time", "seconds"],
  ["Max file size", "bytes"],
  ["Max data size", "bytes"],
  ["Max stack size", "bytes"],
  ["Max core file size", "bytes"],
  ["Max resident set", "bytes"],
  ["Max processes", "processes"],
  ["Max open files", "files"],
  ["Max locked memory", "bytes"],
  ["Max address space", "bytes"],
  ["Max file locks", "locks"],
  ["Max pending signals", "signals"],
  ["Max msgqueue size", "bytes"],
  ["Max nice priority", ""],
  ["Max realtime priority", ""],
  ["Max realtime timeout", "us"],
];

export class Rlimits {
  private readonly soft: bigint[];
  private readonly hard: bigint[];

  constructor(from?: Rlimits) {
    this.soft = from?.soft.slice() ?? DEFAULTS.map((d) => d[0]);
    this.hard = from?.hard.slice() ?? DEFAULTS.map((d) => d[1]);
  }

  get(res: number): { soft: bigint; hard: bigint } {
    return { soft: this.soft[res]!, hard: this.hard[res]! };
  }

  /** The soft limit as a Number (Infinity for RLIM_INFINITY and anything above 2^53). */
  cur(res: number): number {
    const v = this.soft[res]!;
    return v >= 1n << 53n ? Infinity : Number(v);
  }

  set(res: number, soft: bigint, hard: bigint): void {
    this.soft[res] = soft;
    this.hard[res] = hard;
  }
}
