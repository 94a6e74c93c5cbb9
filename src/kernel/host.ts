// SPDX-License-Identifier: MIT
// What the kernel needs from the machine it runs on. The CLI passes a Node
// implementation; a browser could pass another. Every call is synchronous and
// returns a negative errno instead of throwing.

export interface HostStat {
  dev: number; ino: number; mode: number; nlink: number; uid: number; gid: number; rdev: number;
  size: number; blksize: number; blocks: number;
  atimeNs: bigint; mtimeNs: bigint; ctimeNs: bigint;
}

export interface HostDirent {
  name: string;
  ino: number;
  /** DT_* type. */
  type: number;
}

/** statfs(2) figures of a host file system. */
export interface HostStatfs {
  type: number; bsize: number; blocks: number; bfree: number; bavail: number; files: number; ffree: number;
}

export interface Host {
  /** Opens a host path (flags are Linux's O_*; the kernel adds O_NOFOLLOW for paths it resolved). */
  open(path: string, flags: number, mode: number): number;
  /** Opens the file behind an open host descriptor anew (what /proc/self/fd/N does on Linux). */
  reopen(fd: number, flags: number): number;
  /** The host's name for the file behind a descriptor (readlink of /proc/self/fd/N), or -errno. */
  fdPath(fd: number): string | number;
  close(fd: number): number;
  /** Reads at `pos`, or at the host's own file position when `pos` is null (pipes, ttys). */
  read(fd: number, buf: Uint8Array, pos: number | null): number;
  write(fd: number, buf: Uint8Array, pos: number | null): number;
  fstat(fd: number): HostStat | number;
  /** stat, or lstat without `follow`; -ENOENT is cheap (path lookup probes every component). */
  stat(path: string, follow: boolean): HostStat | number;
  readdir(path: string): HostDirent[] | number;
  /** The target of a symbolic link; -EINVAL when `path` is not one. */
  readlink(path: string): string | number;
  mkdir(path: string, mode: number): number;
  unlink(path: string): number;
  rmdir(path: string): number;
  rename(from: string, to: string): number;
  access(path: string, mode: number): number;
  ftruncate(fd: number, len: number): number;
  chmod(path: string, mode: number): number;
  fchmod(fd: number, mode: number): number;
  /** uid/gid −1 leave that id unchanged; `follow` = false changes a symlink itself. */
  chown(path: string, uid: number, gid: number, follow: boolean): number;
  fchown(fd: number, uid: number, gid: number): number;
  /** Sets access and modification times (ns since the epoch). */
  utimes(path: string, atimeNs: bigint, mtimeNs: bigint, follow: boolean): number;
  futimes(fd: number, atimeNs: bigint, mtimeNs: bigint): number;
  symlink(target: string, path: string): number;
  link(from: string, to: string): number;
  statfs(path: string): HostStatfs | number;
  fsync(fd: number): number;
  isatty(fd: number): boolean;
  /** Terminal size for TIOCGWINSZ, or null when not a terminal. */
  winsize(fd: number): { rows: number; cols: number } | null;
  realtimeNs(): bigint;
  monotonicNs(): bigint;
  /** Sleeps for real (only used with --host-time). */
  sleepNs(ns: bigint): void;
  cwd(): string;
}
