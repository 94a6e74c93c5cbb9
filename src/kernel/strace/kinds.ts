// SPDX-License-Identifier: MIT
// Argument kinds of the system call table: how --strace prints each argument,
// as strace(1) does (flags by name, strings, structs). Flag and value names
// are the Linux UAPI ones.

/**
 * Scalar and pointer kinds. Pointers to data the call reads are printed before
 * the result is known; pointers the call fills (`o` prefix) only when it
 * succeeded (else as an address, as strace does).
 */
export type SimpleKind =
  | "int"
  | "uint"
  | "long"
  | "size"
  | "hex"
  | "ptr"
  | "fd"
  | "dirfd"
  | "mode"
  | "openmode"
  | "path"
  | "str"
  | "ibuf"
  | "obuf"
  | "iov"
  | "oiov"
  | "argv"
  | "envp"
  | "signal"
  | "sigset"
  | "osigset"
  | "sigaction"
  | "osigaction"
  | "ts"
  | "ots"
  | "otv"
  | "stat"
  | "statx"
  | "pipefds"
  | "wstatus"
  | "utsname"
  | "rlimit"
  | "orlimit"
  | "ocstr"
  | "ogroups"
  | "orandom"
  | "sigframe";

/** A bit set printed as NAME|NAME (|0x.. for unknown bits); `mask` bits form a value field. */
export interface FlagKind {
  readonly kind: "flags";
  readonly bits: readonly (readonly [number, string])[];
  readonly zero: string;
  /** A value field inside the flags (O_ACCMODE, clone's exit signal): mask and its names. */
  readonly field?: { readonly mask: number; readonly names: Readonly<Record<number, string>> };
}

/** One value of a set of named constants (SEEK_SET, CLOCK_MONOTONIC, F_GETFD). */
export interface EnumKind {
  readonly kind: "enum";
  readonly names: Readonly<Record<number, string>>;
  /** Bits OR-ed onto the value and printed as |NAME (FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME). */
  readonly mods?: readonly (readonly [number, string])[];
}

export type ArgKind = SimpleKind | FlagKind | EnumKind;

export function flags(bits: Readonly<Record<string, number>>, zero = "0", field?: FlagKind["field"]): FlagKind {
  return {
    kind: "flags",
    bits: Object.entries(bits).map(([n, v]) => [v, n] as const),
    zero,
    ...(field ? { field } : {}),
  };
}

export function values(names: Readonly<Record<string, number>>, mods?: Readonly<Record<string, number>>): EnumKind {
  const byValue: Record<number, string> = {};
  for (const [n, v] of Object.entries(names)) byValue[v] ??= n;
  return {
    kind: "enum",
    names: byValue,
    ...(mods ? { mods: Object.entries(mods).map(([n, v]) => [v, n] as const) } : {}),
  };
}

export const OPEN_FLAGS = flags(
  {
    O_CREAT: 0o100,
    O_EXCL: 0o200,
    O_NOCTTY: 0o400,
    O_TRUNC: 0o1000,
    O_APPEND: 0o2000,
    O_NONBLOCK: 0o4000,
    O_DSYNC: 0o10000,
    O_ASYNC: 0o20000,
    O_DIRECT: 0o40000,
    O_LARGEFILE: 0o100000,
    O_DIRECTORY: 0o200000,
    O_NOFOLLOW: 0o400000,
    O_NOATIME: 0o1000000,
    O_CLOEXEC: 0o2000000,
    O_PATH: 0o10000000,
  },
  "O_RDONLY",
  { mask: 3, names: { 0: "O_RDONLY", 1: "O_WRONLY", 2: "O_RDWR" } },
);

export const AT_FLAGS = flags({
  AT_SYMLINK_NOFOLLOW: 0x100,
  AT_REMOVEDIR: 0x200,
  AT_SYMLINK_FOLLOW: 0x400,
  AT_NO_AUTOMOUNT: 0x800,
  AT_EMPTY_PATH: 0x1000,
  AT_STATX_FORCE_SYNC: 0x2000,
  AT_STATX_DONT_SYNC: 0x4000,
});

export const ACCESS_MODE = flags({ R_OK: 4, W_OK: 2, X_OK: 1 }, "F_OK");
export const PROT = flags({ PROT_READ: 1, PROT_WRITE: 2, PROT_EXEC: 4 }, "PROT_NONE");
export const MAP_FLAGS = flags(
  {
    MAP_FIXED: 0x10,
    MAP_ANONYMOUS: 0x20,
    MAP_GROWSDOWN: 0x100,
    MAP_DENYWRITE: 0x800,
    MAP_EXECUTABLE: 0x1000,
    MAP_LOCKED: 0x2000,
    MAP_NORESERVE: 0x4000,
    MAP_POPULATE: 0x8000,
    MAP_NONBLOCK: 0x10000,
    MAP_STACK: 0x20000,
    MAP_HUGETLB: 0x40000,
    MAP_FIXED_NOREPLACE: 0x100000,
  },
  "0",
  { mask: 3, names: { 1: "MAP_SHARED", 2: "MAP_PRIVATE", 3: "MAP_SHARED_VALIDATE" } },
);
export const MREMAP_FLAGS = flags({ MREMAP_MAYMOVE: 1, MREMAP_FIXED: 2, MREMAP_DONTUNMAP: 4 });
export const MSYNC_FLAGS = flags({ MS_ASYNC: 1, MS_INVALIDATE: 2, MS_SYNC: 4 });
export const MFD_FLAGS = flags({
  MFD_CLOEXEC: 1,
  MFD_ALLOW_SEALING: 2,
  MFD_HUGETLB: 4,
  MFD_NOEXEC_SEAL: 8,
  MFD_EXEC: 0x10,
});

export const SIGNAL_NAMES: Readonly<Record<number, string>> = {
  1: "SIGHUP",
  2: "SIGINT",
  3: "SIGQUIT",
  4: "SIGILL",
  5: "SIGTRAP",
  6: "SIGABRT",
  7: "SIGBUS",
  8: "SIGFPE",
  9: "SIGKILL",
  10: "SIGUSR1",
  11: "SIGSEGV",
  12: "SIGUSR2",
  13: "SIGPIPE",
  14: "SIGALRM",
  15: "SIGTERM",
  16: "SIGSTKFLT",
  17: "SIGCHLD",
  18: "SIGCONT",
  19: "SIGSTOP",
  20: "SIGTSTP",
  21: "SIGTTIN",
  22: "SIGTTOU",
  23: "SIGURG",
  24: "SIGXCPU",
  25: "SIGXFSZ",
  26: "SIGVTALRM",
  27: "SIGPROF",
  28: "SIGWINCH",
  29: "SIGIO",
  30: "SIGPWR",
  31: "SIGSYS",
};

/** clone flags; the low byte is the exit signal. */
export const CLONE_FLAGS = flags(
  {
    CLONE_VM: 0x100,
    CLONE_FS: 0x200,
    CLONE_FILES: 0x400,
    CLONE_SIGHAND: 0x800,
    CLONE_PIDFD: 0x1000,
    CLONE_PTRACE: 0x2000,
    CLONE_VFORK: 0x4000,
    CLONE_PARENT: 0x8000,
    CLONE_THREAD: 0x10000,
    CLONE_NEWNS: 0x20000,
    CLONE_SYSVSEM: 0x40000,
    CLONE_SETTLS: 0x80000,
    CLONE_PARENT_SETTID: 0x100000,
    CLONE_CHILD_CLEARTID: 0x200000,
    CLONE_DETACHED: 0x400000,
    CLONE_UNTRACED: 0x800000,
    CLONE_CHILD_SETTID: 0x1000000,
  },
  "0",
  { mask: 0xff, names: SIGNAL_NAMES },
);

/** In strace's order (its sigact_flags table), which is the order it prints them in. */
export const SA_FLAGS = flags({
  SA_RESTORER: 0x04000000,
  SA_ONSTACK: 0x08000000,
  SA_RESTART: 0x10000000,
  SA_NODEFER: 0x40000000,
  SA_RESETHAND: 0x80000000,
  SA_SIGINFO: 4,
  SA_NOCLDSTOP: 1,
  SA_NOCLDWAIT: 2,
});

export const WAIT_OPTIONS = flags({
  WNOHANG: 1,
  WUNTRACED: 2,
  WEXITED: 4,
  WCONTINUED: 8,
  WNOWAIT: 0x01000000,
  __WNOTHREAD: 0x20000000,
  __WALL: 0x40000000,
  __WCLONE: 0x80000000,
});

export const SEEK_WHENCE = values({ SEEK_SET: 0, SEEK_CUR: 1, SEEK_END: 2, SEEK_DATA: 3, SEEK_HOLE: 4 });
export const SIGPROCMASK_HOW = values({ SIG_BLOCK: 0, SIG_UNBLOCK: 1, SIG_SETMASK: 2 });
export const CLOCK_ID = values({
  CLOCK_REALTIME: 0,
  CLOCK_MONOTONIC: 1,
  CLOCK_PROCESS_CPUTIME_ID: 2,
  CLOCK_THREAD_CPUTIME_ID: 3,
  CLOCK_MONOTONIC_RAW: 4,
  CLOCK_REALTIME_COARSE: 5,
  CLOCK_MONOTONIC_COARSE: 6,
  CLOCK_BOOTTIME: 7,
});
export const TIMER_FLAGS = flags({ TIMER_ABSTIME: 1 });
export const ITIMER_WHICH = values({ ITIMER_REAL: 0, ITIMER_VIRTUAL: 1, ITIMER_PROF: 2 });
export const FCNTL_CMD = values({
  F_DUPFD: 0,
  F_GETFD: 1,
  F_SETFD: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  F_GETLK: 5,
  F_SETLK: 6,
  F_SETLKW: 7,
  F_SETOWN: 8,
  F_GETOWN: 9,
  F_DUPFD_CLOEXEC: 1030,
  F_SETPIPE_SZ: 1031,
  F_GETPIPE_SZ: 1032,
});
export const ARCH_PRCTL_CODE = values({
  ARCH_SET_GS: 0x1001,
  ARCH_SET_FS: 0x1002,
  ARCH_GET_FS: 0x1003,
  ARCH_GET_GS: 0x1004,
  ARCH_GET_CPUID: 0x1011,
  ARCH_SET_CPUID: 0x1012,
  ARCH_CET_STATUS: 0x3001,
});
/** futex ops; strace names a private op FUTEX_X_PRIVATE and prints only the arguments it uses. */
export const FUTEX_OP = values(
  {
    FUTEX_WAIT: 0,
    FUTEX_WAKE: 1,
    FUTEX_FD: 2,
    FUTEX_REQUEUE: 3,
    FUTEX_CMP_REQUEUE: 4,
    FUTEX_WAKE_OP: 5,
    FUTEX_LOCK_PI: 6,
    FUTEX_UNLOCK_PI: 7,
    FUTEX_TRYLOCK_PI: 8,
    FUTEX_WAIT_BITSET: 9,
    FUTEX_WAKE_BITSET: 10,
  },
  { _PRIVATE: 128, FUTEX_CLOCK_REALTIME: 256 },
);
/** Arguments strace shows for each futex op (uaddr, op, val, then timeout/uaddr2/val3 as used). */
export const FUTEX_ARGC: Readonly<Record<number, number>> = { 0: 4, 1: 3, 3: 5, 4: 6, 5: 6, 9: 6, 10: 6 };
export const STATX_AT_FLAGS = flags(
  {
    AT_SYMLINK_NOFOLLOW: 0x100,
    AT_NO_AUTOMOUNT: 0x800,
    AT_EMPTY_PATH: 0x1000,
  },
  "AT_STATX_SYNC_AS_STAT",
  { mask: 0x6000, names: { 0: "AT_STATX_SYNC_AS_STAT", 0x2000: "AT_STATX_FORCE_SYNC", 0x4000: "AT_STATX_DONT_SYNC" } },
);
export const RLIMIT_RESOURCE = values({
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
});
export const RUSAGE_WHO = values({ RUSAGE_SELF: 0, RUSAGE_CHILDREN: -1, RUSAGE_THREAD: 1 });
export const MADVICE = values({
  MADV_NORMAL: 0,
  MADV_RANDOM: 1,
  MADV_SEQUENTIAL: 2,
  MADV_WILLNEED: 3,
  MADV_DONTNEED: 4,
  MADV_FREE: 8,
  MADV_REMOVE: 9,
  MADV_DONTFORK: 10,
  MADV_DOFORK: 11,
  MADV_MERGEABLE: 12,
  MADV_HUGEPAGE: 14,
  MADV_NOHUGEPAGE: 15,
  MADV_DONTDUMP: 16,
  MADV_DODUMP: 17,
});
export const FADVICE = values({
  POSIX_FADV_NORMAL: 0,
  POSIX_FADV_RANDOM: 1,
  POSIX_FADV_SEQUENTIAL: 2,
  POSIX_FADV_WILLNEED: 3,
  POSIX_FADV_DONTNEED: 4,
  POSIX_FADV_NOREUSE: 5,
});
export const IOCTL_REQUEST = values({
  TCGETS: 0x5401,
  TCSETS: 0x5402,
  TCSETSW: 0x5403,
  TCSETSF: 0x5404,
  TIOCGPGRP: 0x540f,
  TIOCSPGRP: 0x5410,
  TIOCGWINSZ: 0x5413,
  TIOCSWINSZ: 0x5414,
  FIONREAD: 0x541b,
  FIONBIO: 0x5421,
});
export const PRCTL_OPTION = values({
  PR_SET_PDEATHSIG: 1,
  PR_GET_PDEATHSIG: 2,
  PR_GET_DUMPABLE: 3,
  PR_SET_DUMPABLE: 4,
  PR_GET_KEEPCAPS: 7,
  PR_SET_KEEPCAPS: 8,
  PR_SET_NAME: 15,
  PR_GET_NAME: 16,
  PR_CAPBSET_READ: 23,
  PR_SET_NO_NEW_PRIVS: 38,
  PR_GET_NO_NEW_PRIVS: 39,
  PR_LWP_DISABLE: 0x4c575001,
  PR_LWP_GET: 0x4c575002,
  PR_LWP_SET_SIGNAL: 0x4c575003,
  PR_LWP_GET_SIGNAL: 0x4c575004,
});
export const WAITID_TYPE = values({ P_ALL: 0, P_PID: 1, P_PGID: 2, P_PIDFD: 3 });
export const GRND_FLAGS = flags({ GRND_NONBLOCK: 1, GRND_RANDOM: 2, GRND_INSECURE: 4 });
export const PIPE_FLAGS = flags({ O_NONBLOCK: 0o4000, O_DIRECT: 0o40000, O_CLOEXEC: 0o2000000 });
export const FD_FLAGS = flags({ O_CLOEXEC: 0o2000000 });
export const RENAME_FLAGS = flags({ RENAME_NOREPLACE: 1, RENAME_EXCHANGE: 2, RENAME_WHITEOUT: 4 });
export const XATTR_FLAGS = flags({ XATTR_CREATE: 1, XATTR_REPLACE: 2 });
export const STATX_MASK = flags({
  STATX_BASIC_STATS: 0x7ff,
  STATX_TYPE: 1,
  STATX_MODE: 2,
  STATX_NLINK: 4,
  STATX_UID: 8,
  STATX_GID: 0x10,
  STATX_ATIME: 0x20,
  STATX_MTIME: 0x40,
  STATX_CTIME: 0x80,
  STATX_INO: 0x100,
  STATX_SIZE: 0x200,
  STATX_BLOCKS: 0x400,
  STATX_BTIME: 0x800,
  STATX_MNT_ID: 0x1000,
  STATX_DIOALIGN: 0x2000,
});
export const PERF_FLAGS = flags({
  PERF_FLAG_FD_NO_GROUP: 1,
  PERF_FLAG_FD_OUTPUT: 2,
  PERF_FLAG_PID_CGROUP: 4,
  PERF_FLAG_FD_CLOEXEC: 8,
});
