// SPDX-License-Identifier: MIT
// The system call table (gVisor's linux64.go, Linux's syscall_64.tbl): one row
// per call in number order — number, name, handler, argument kinds for
// --strace, and how completely it is implemented (a partial row names its
// docs/quirks.md entry). Handlers live in the topical files beside this one.
import {
  ACCESS_MODE, ARCH_PRCTL_CODE, AT_FLAGS, CLOCK_ID, CLONE_FLAGS, FADVICE, FCNTL_CMD, FD_FLAGS, FUTEX_OP, GRND_FLAGS,
  IOCTL_REQUEST, ITIMER_WHICH, MADVICE, MAP_FLAGS, MFD_FLAGS, MREMAP_FLAGS, MSYNC_FLAGS, OPEN_FLAGS, PERF_FLAGS, PIPE_FLAGS, PRCTL_OPTION, PROT,
  RENAME_FLAGS, RLIMIT_RESOURCE, RUSAGE_WHO, SEEK_WHENCE, SIGPROCMASK_HOW, STATX_AT_FLAGS, STATX_MASK, TIMER_FLAGS, WAITID_TYPE,
  WAIT_OPTIONS, XATTR_FLAGS, type ArgKind,
} from "../strace/kinds.js";
import { FULL, type Support, type SyscallFn, type SyscallRow, partial } from "./abi.js";
import * as ev from "./events.js";
import * as fs from "./fs.js";
import * as meta from "./fs-meta.js";
import * as futex from "./futex.js";
import * as id from "./identity.js";
import * as io from "./io.js";
import * as itimer from "./itimer.js";
import * as locks from "./locks.js";
import * as memfd from "./memfd.js";
import * as misc from "./misc.js";
import * as mm from "./mm.js";
import * as net from "./net.js";
import * as perf from "./perf.js";
import * as pipes from "./pipe.js";
import * as poll from "./poll.js";
import * as prctl from "./prctl.js";
import * as proc from "./proc.js";
import * as sig from "./signal.js";
import * as thread from "./thread.js";
import * as time from "./time.js";
import * as xattr from "./xattr.js";

function row(nr: number, name: string, fn: SyscallFn, args: readonly ArgKind[], support: Support = FULL, ret: "int" | "hex" = "int"): SyscallRow {
  return { nr, name, fn, args, support, ret };
}

const RUSAGE = partial("Q-WAIT-RUSAGE");

export const SYSCALLS: readonly SyscallRow[] = [
  row(0, "read", io.read, ["fd", "obuf", "size"]),
  row(1, "write", io.write, ["fd", "ibuf", "size"]),
  row(2, "open", io.open, ["path", OPEN_FLAGS, "openmode"]),
  row(3, "close", io.close, ["fd"]),
  row(4, "stat", fs.stat, ["path", "stat"]),
  row(5, "fstat", fs.fstat, ["fd", "stat"]),
  row(6, "lstat", fs.lstat, ["path", "stat"]),
  row(7, "poll", poll.poll, ["ptr", "uint", "int"]),
  row(8, "lseek", io.lseek, ["fd", "long", SEEK_WHENCE]),
  row(9, "mmap", mm.mmap, ["ptr", "size", PROT, MAP_FLAGS, "fd", "hex"], partial("Q-PAGE-CACHE"), "hex"),
  row(10, "mprotect", mm.mprotect, ["ptr", "size", PROT]),
  row(11, "munmap", mm.munmap, ["ptr", "size"]),
  row(12, "brk", mm.brk, ["ptr"], FULL, "hex"),
  row(13, "rt_sigaction", sig.rt_sigaction, ["signal", "sigaction", "osigaction", "size"]),
  row(14, "rt_sigprocmask", sig.rt_sigprocmask, [SIGPROCMASK_HOW, "sigset", "osigset", "size"]),
  row(15, "rt_sigreturn", sig.rt_sigreturn, ["sigframe"], partial("Q-SIGCTX-SEG")),
  row(16, "ioctl", io.ioctl, ["fd", IOCTL_REQUEST, "ptr"], partial("Q-IOCTL")),
  row(17, "pread64", io.pread64, ["fd", "obuf", "size", "long"]),
  row(18, "pwrite64", io.pwrite64, ["fd", "ibuf", "size", "long"]),
  row(19, "readv", io.readv, ["fd", "oiov", "int"]),
  row(20, "writev", io.writev, ["fd", "iov", "int"]),
  row(21, "access", fs.access, ["path", ACCESS_MODE]),
  row(22, "pipe", pipes.pipe, ["pipefds"]),
  row(23, "select", poll.select, ["int", "ptr", "ptr", "ptr", "ptr"]),
  row(24, "sched_yield", thread.sched_yield, []),
  row(25, "mremap", mm.mremap, ["ptr", "size", "size", MREMAP_FLAGS, "ptr"], FULL, "hex"),
  row(26, "msync", mm.msync, ["ptr", "size", MSYNC_FLAGS]),
  row(27, "mincore", mm.mincore, ["ptr", "size", "ptr"], partial("Q-MINCORE")),
  row(28, "madvise", mm.madvise, ["ptr", "size", MADVICE], partial("Q-MADVISE")),
  row(32, "dup", io.dup, ["fd"]),
  row(33, "dup2", io.dup2, ["fd", "fd"]),
  row(34, "pause", sig.pause, []),
  row(35, "nanosleep", time.nanosleep, ["ts", "ots"]),
  row(36, "getitimer", itimer.getitimer, [ITIMER_WHICH, "ptr"], partial("Q-ITIMER-VIRT")),
  row(37, "alarm", itimer.alarm, ["uint"]),
  row(38, "setitimer", itimer.setitimer, [ITIMER_WHICH, "ptr", "ptr"], partial("Q-ITIMER-VIRT")),
  row(39, "getpid", thread.getpid, []),
  row(41, "socket", net.socket, ["int", "hex", "int"], partial("Q-SOCKET")),
  row(42, "connect", net.connect, ["fd", "ptr", "int"], partial("Q-SOCKET")),
  row(43, "accept", net.accept, ["fd", "ptr", "ptr"]),
  row(44, "sendto", net.sendto, ["fd", "ibuf", "size", "hex", "ptr", "int"]),
  row(45, "recvfrom", net.recvfrom, ["fd", "obuf", "size", "hex", "ptr", "ptr"]),
  row(46, "sendmsg", net.sendmsg, ["fd", "ptr", "hex"]),
  row(47, "recvmsg", net.recvmsg, ["fd", "ptr", "hex"]),
  row(48, "shutdown", net.shutdown, ["fd", "int"]),
  row(49, "bind", net.bind, ["fd", "ptr", "int"], partial("Q-SOCKET")),
  row(50, "listen", net.listen, ["fd", "int"]),
  row(51, "getsockname", net.getsockname, ["fd", "ptr", "ptr"]),
  row(52, "getpeername", net.getpeername, ["fd", "ptr", "ptr"]),
  row(53, "socketpair", net.socketpair, ["int", "hex", "int", "ptr"]),
  row(54, "setsockopt", net.setsockopt, ["fd", "int", "int", "ptr", "int"], partial("Q-SOCKET")),
  row(55, "getsockopt", net.getsockopt, ["fd", "int", "int", "ptr", "ptr"], partial("Q-SOCKET")),
  row(56, "clone", thread.clone, [CLONE_FLAGS, "ptr", "ptr", "ptr", "ptr"]),
  row(57, "fork", thread.fork, []),
  row(58, "vfork", thread.vfork, []),
  row(59, "execve", proc.execve, ["path", "argv", "envp"]),
  row(60, "exit", thread.exit, ["int"]),
  row(61, "wait4", proc.wait4, ["int", "wstatus", WAIT_OPTIONS, "ptr"], RUSAGE),
  row(62, "kill", sig.kill, ["int", "signal"], partial("Q-SIG-STOP")),
  row(63, "uname", misc.uname, ["utsname"]),
  row(72, "fcntl", io.fcntl, ["fd", FCNTL_CMD, "hex"], partial("Q-FLOCK")),
  row(73, "flock", locks.flock, ["fd", "int"], partial("Q-FLOCK")),
  row(74, "fsync", io.fsync, ["fd"]),
  row(75, "fdatasync", io.fsync, ["fd"]),
  row(77, "ftruncate", io.ftruncate, ["fd", "long"]),
  row(79, "getcwd", fs.getcwd, ["ocstr", "size"], partial("Q-CWD-PATH")),
  row(80, "chdir", fs.chdir, ["path"]),
  row(81, "fchdir", fs.fchdir, ["fd"]),
  row(82, "rename", fs.rename, ["path", "path"]),
  row(83, "mkdir", fs.mkdir, ["path", "mode"]),
  row(84, "rmdir", fs.rmdir, ["path"]),
  row(85, "creat", io.creat, ["path", "mode"]),
  row(86, "link", meta.link, ["path", "path"]),
  row(87, "unlink", fs.unlink, ["path"]),
  row(88, "symlink", meta.symlink, ["path", "path"]),
  row(89, "readlink", fs.readlink, ["path", "obuf", "size"]),
  row(90, "chmod", meta.chmod, ["path", "mode"], partial("Q-CRED-HOST")),
  row(91, "fchmod", meta.fchmod, ["fd", "mode"], partial("Q-CRED-HOST")),
  row(92, "chown", meta.chown, ["path", "int", "int"], partial("Q-CRED-HOST")),
  row(93, "fchown", meta.fchown, ["fd", "int", "int"], partial("Q-CRED-HOST")),
  row(94, "lchown", meta.lchown, ["path", "int", "int"], partial("Q-CRED-HOST")),
  row(95, "umask", misc.umask, ["mode"], partial("Q-UMASK")),
  row(96, "gettimeofday", time.gettimeofday, ["otv", "ptr"]),
  row(97, "getrlimit", misc.getrlimit, [RLIMIT_RESOURCE, "orlimit"]),
  row(98, "getrusage", misc.getrusage, [RUSAGE_WHO, "ptr"], RUSAGE),
  row(99, "sysinfo", misc.sysinfo, ["ptr"], partial("Q-SYSINFO")),
  row(100, "times", misc.times, ["ptr"], RUSAGE),
  row(102, "getuid", id.getuid, []),
  row(104, "getgid", id.getgid, []),
  row(105, "setuid", id.setuid, ["uint"]),
  row(106, "setgid", id.setgid, ["uint"]),
  row(107, "geteuid", id.geteuid, []),
  row(108, "getegid", id.getegid, []),
  row(109, "setpgid", proc.setpgid, ["int", "int"]),
  row(110, "getppid", proc.getppid, [], partial("Q-ORPHANS")),
  row(111, "getpgrp", proc.getpgrp, []),
  row(112, "setsid", proc.setsid, []),
  row(113, "setreuid", id.setreuid, ["int", "int"]),
  row(114, "setregid", id.setregid, ["int", "int"]),
  row(115, "getgroups", id.getgroups, ["int", "ogroups"]),
  row(116, "setgroups", id.setgroups, ["int", "ptr"]),
  row(117, "setresuid", id.setresuid, ["int", "int", "int"]),
  row(118, "getresuid", id.getresuid, ["ptr", "ptr", "ptr"]),
  row(119, "setresgid", id.setresgid, ["int", "int", "int"]),
  row(120, "getresgid", id.getresgid, ["ptr", "ptr", "ptr"]),
  row(121, "getpgid", proc.getpgid, ["int"]),
  row(122, "setfsuid", id.setfsuid, ["uint"]),
  row(123, "setfsgid", id.setfsgid, ["uint"]),
  row(124, "getsid", proc.getsid, ["int"]),
  row(125, "capget", id.capget, ["ptr", "ptr"]),
  row(126, "capset", id.capset, ["ptr", "ptr"]),
  row(127, "rt_sigpending", sig.rt_sigpending, ["osigset", "size"]),
  row(128, "rt_sigtimedwait", sig.rt_sigtimedwait, ["sigset", "ptr", "ts", "size"]),
  row(129, "rt_sigqueueinfo", sig.rt_sigqueueinfo, ["int", "signal", "ptr"]),
  row(130, "rt_sigsuspend", sig.rt_sigsuspend, ["sigset", "size"]),
  row(131, "sigaltstack", sig.sigaltstack, ["ptr", "ptr"]),
  row(132, "utime", meta.utime, ["path", "ptr"]),
  row(133, "mknod", fs.mknod, ["path", "mode", "hex"], partial("Q-MKNOD")),
  row(137, "statfs", meta.statfs, ["path", "ptr"]),
  row(138, "fstatfs", meta.fstatfs, ["fd", "ptr"]),
  row(157, "prctl", prctl.prctl, [PRCTL_OPTION, "hex", "hex", "hex", "hex"]),
  row(158, "arch_prctl", misc.arch_prctl, [ARCH_PRCTL_CODE, "ptr"]),
  row(160, "setrlimit", misc.setrlimit, [RLIMIT_RESOURCE, "rlimit"], partial("Q-RLIMIT")),
  row(186, "gettid", thread.gettid, []),
  row(188, "setxattr", xattr.setxattr, ["path", "str", "ibuf", "size", XATTR_FLAGS], partial("Q-XATTR")),
  row(189, "lsetxattr", xattr.lsetxattr, ["path", "str", "ibuf", "size", XATTR_FLAGS], partial("Q-XATTR")),
  row(190, "fsetxattr", xattr.fsetxattr, ["fd", "str", "ibuf", "size", XATTR_FLAGS], partial("Q-XATTR")),
  row(191, "getxattr", xattr.getxattr, ["path", "str", "ptr", "size"], partial("Q-XATTR")),
  row(192, "lgetxattr", xattr.lgetxattr, ["path", "str", "ptr", "size"], partial("Q-XATTR")),
  row(193, "fgetxattr", xattr.fgetxattr, ["fd", "str", "ptr", "size"], partial("Q-XATTR")),
  row(194, "listxattr", xattr.listxattr, ["path", "ptr", "size"], partial("Q-XATTR")),
  row(195, "llistxattr", xattr.llistxattr, ["path", "ptr", "size"], partial("Q-XATTR")),
  row(196, "flistxattr", xattr.flistxattr, ["fd", "ptr", "size"], partial("Q-XATTR")),
  row(197, "removexattr", xattr.removexattr, ["path", "str"], partial("Q-XATTR")),
  row(198, "lremovexattr", xattr.lremovexattr, ["path", "str"], partial("Q-XATTR")),
  row(199, "fremovexattr", xattr.fremovexattr, ["fd", "str"], partial("Q-XATTR")),
  row(200, "tkill", sig.tkill, ["int", "signal"]),
  row(201, "time", time.time, ["ptr"]),
  row(202, "futex", futex.futex, ["ptr", FUTEX_OP, "int", "ptr", "ptr", "hex"]),
  row(204, "sched_getaffinity", misc.sched_getaffinity, ["int", "uint", "ptr"]),
  row(213, "epoll_create", ev.epoll_create, ["int"]),
  row(217, "getdents64", fs.getdents64, ["fd", "ptr", "size"]),
  row(218, "set_tid_address", thread.set_tid_address, ["ptr"]),
  row(221, "fadvise64", misc.fadvise64, ["fd", "long", "long", FADVICE]),
  row(228, "clock_gettime", time.clock_gettime, [CLOCK_ID, "ots"]),
  row(229, "clock_getres", time.clock_getres, [CLOCK_ID, "ots"]),
  row(230, "clock_nanosleep", time.clock_nanosleep, [CLOCK_ID, TIMER_FLAGS, "ts", "ots"]),
  row(231, "exit_group", thread.exit_group, ["int"]),
  row(232, "epoll_wait", ev.epoll_wait, ["fd", "ptr", "int", "int"]),
  row(233, "epoll_ctl", ev.epoll_ctl, ["fd", "int", "fd", "ptr"]),
  row(234, "tgkill", sig.tgkill, ["int", "int", "signal"]),
  row(235, "utimes", meta.utimes, ["path", "ptr"]),
  row(247, "waitid", proc.waitid, [WAITID_TYPE, "int", "ptr", WAIT_OPTIONS, "ptr"], RUSAGE),
  row(257, "openat", io.openat, ["dirfd", "path", OPEN_FLAGS, "openmode"]),
  row(258, "mkdirat", fs.mkdirat, ["dirfd", "path", "mode"]),
  row(259, "mknodat", fs.mknodat, ["dirfd", "path", "mode", "hex"], partial("Q-MKNOD")),
  row(260, "fchownat", meta.fchownat, ["dirfd", "path", "int", "int", AT_FLAGS], partial("Q-CRED-HOST")),
  row(261, "futimesat", meta.futimesat, ["dirfd", "path", "ptr"]),
  row(262, "newfstatat", fs.newfstatat, ["dirfd", "path", "stat", AT_FLAGS]),
  row(263, "unlinkat", fs.unlinkat, ["dirfd", "path", AT_FLAGS]),
  row(264, "renameat", fs.renameat, ["dirfd", "path", "dirfd", "path"]),
  row(265, "linkat", meta.linkat, ["dirfd", "path", "dirfd", "path", AT_FLAGS]),
  row(266, "symlinkat", meta.symlinkat, ["path", "dirfd", "path"]),
  row(267, "readlinkat", fs.readlinkat, ["dirfd", "path", "obuf", "size"]),
  row(268, "fchmodat", meta.fchmodat, ["dirfd", "path", "mode"], partial("Q-CRED-HOST")),
  row(269, "faccessat", fs.faccessat, ["dirfd", "path", ACCESS_MODE]),
  row(270, "pselect6", poll.pselect6, ["int", "ptr", "ptr", "ptr", "ts", "ptr"]),
  row(271, "ppoll", poll.ppoll, ["ptr", "uint", "ts", "sigset", "size"]),
  row(273, "set_robust_list", thread.set_robust_list, ["ptr", "size"]),
  row(274, "get_robust_list", thread.get_robust_list, ["int", "ptr", "ptr"]),
  row(280, "utimensat", meta.utimensat, ["dirfd", "path", "ptr", AT_FLAGS]),
  row(281, "epoll_pwait", ev.epoll_pwait, ["fd", "ptr", "int", "int", "sigset", "size"]),
  row(282, "signalfd", ev.signalfd, ["fd", "sigset", "size"]),
  row(283, "timerfd_create", ev.timerfd_create, [CLOCK_ID, "hex"]),
  row(284, "eventfd", ev.eventfd, ["uint"]),
  row(286, "timerfd_settime", ev.timerfd_settime, ["fd", "hex", "ptr", "ptr"]),
  row(287, "timerfd_gettime", ev.timerfd_gettime, ["fd", "ptr"]),
  row(288, "accept4", net.accept4, ["fd", "ptr", "ptr", "hex"]),
  row(289, "signalfd4", ev.signalfd4, ["fd", "sigset", "size", "hex"]),
  row(290, "eventfd2", ev.eventfd2, ["uint", "hex"]),
  row(291, "epoll_create1", ev.epoll_create1, ["hex"]),
  row(292, "dup3", io.dup3, ["fd", "fd", FD_FLAGS]),
  row(293, "pipe2", pipes.pipe2, ["pipefds", PIPE_FLAGS]),
  row(298, "perf_event_open", perf.perf_event_open, ["ptr", "int", "int", "int", PERF_FLAGS]),
  row(302, "prlimit64", misc.prlimit64, ["int", RLIMIT_RESOURCE, "rlimit", "orlimit"], partial("Q-RLIMIT")),
  row(316, "renameat2", fs.renameat2, ["dirfd", "path", "dirfd", "path", RENAME_FLAGS]),
  row(318, "getrandom", misc.getrandom, ["orandom", "size", GRND_FLAGS]),
  row(319, "memfd_create", memfd.memfd_create, ["str", MFD_FLAGS]),
  row(332, "statx", fs.statx, ["dirfd", "path", STATX_AT_FLAGS, STATX_MASK, "statx"]),
  row(334, "rseq", misc.rseq, ["ptr", "hex", "hex", "hex"]),
  row(435, "clone3", thread.clone3, ["ptr", "size"], partial("Q-CLONE3")),
  row(439, "faccessat2", fs.faccessat2, ["dirfd", "path", ACCESS_MODE, AT_FLAGS]),
  row(441, "epoll_pwait2", ev.epoll_pwait2, ["fd", "ptr", "int", "ts", "sigset", "size"]),
];

const BY_NR: readonly (SyscallRow | undefined)[] = (() => {
  const out: (SyscallRow | undefined)[] = [];
  let last = -1;
  for (const r of SYSCALLS) {
    if (r.nr <= last) throw new Error(`syscall table: ${r.name} (${r.nr}) is out of number order`);
    out[r.nr] = r;
    last = r.nr;
  }
  return out;
})();

export function syscallRow(nr: number): SyscallRow | undefined {
  return BY_NR[nr];
}
