// SPDX-License-Identifier: MIT
// What the kernel needs from the machine it runs on. The CLI passes a Node
// implementation; a browser could pass another. Every call but `wait` is
// synchronous and returns a negative errno instead of throwing; reads and
// writes on a non-blocking descriptor return -EAGAIN instead of waiting.

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
  open(path: string, flags: number, mode: number): number;
  close(fd: number): number;
  /** Reads at `pos`, or at the host's own file position when `pos` is null (pipes, ttys). */
  read(fd: number, buf: Uint8Array, pos: number | null): number;
  write(fd: number, buf: Uint8Array, pos: number | null): number;
  fstat(fd: number): HostStat | number;
  stat(path: string, follow: boolean): HostStat | number;
  readdir(path: string): HostDirent[] | number;
  readlink(path: string): string | number;
  mkdir(path: string, mode: number): number;
  /** mknod(2) of a FIFO or regular file (mode holds the type); other types fail with -EPERM. */
  mknod(path: string, mode: number): number;
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
  /**
   * A second, non-blocking descriptor reading what `fd` reads (a pipe, FIFO or
   * terminal opened anew), so that a read can answer -EAGAIN; -errno when `fd`
   * is not such a stream or cannot be reopened.
   */
  openStream(fd: number): number;
  /** Lets the host's event loop run for up to `ms` milliseconds (less when a host event arrives). */
  wait(ms: number): Promise<void>;
  cwd(): string;
}
