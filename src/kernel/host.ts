// SPDX-License-Identifier: MIT
// What the kernel needs from the machine it runs on. The CLI passes a Node
// implementation; a browser could pass another. Every call but `wait` is
// synchronous and returns a negative errno instead of throwing; reads and
// writes on a non-blocking descriptor return -EAGAIN instead of waiting.

export interface HostStat {
  dev: number;
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  size: number;
  blksize: number;
  blocks: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

export interface HostDirent {
  name: string;
  ino: number;
  /** DT_* type. */
  type: number;
}

/** statfs(2) figures of a host file system. */
export interface HostStatfs {
  type: number;
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

/** A socket address on the host: a UNIX path, or an IP address and port. */
export type HostAddr =
  | { readonly family: 1; readonly path: string }
  | { readonly family: 2 | 10; readonly host: string; readonly port: number };

/**
 * A connected byte stream through the host's network stack (a TCP connection,
 * a UNIX stream socket). Nothing blocks: -EAGAIN means "not now", and the host
 * wakes the kernel's wait (Host.wait) when something changes.
 */
export interface HostStream {
  /** -EINPROGRESS while connecting, 0 once connected, -errno when the connection failed or broke. */
  readonly state: number;
  /** Bytes received: -EAGAIN when none yet, 0 once the peer finished sending. */
  read(buf: Uint8Array, peek: boolean): number;
  available(): number;
  /** Bytes taken for sending: -EAGAIN while the send queue is full, -EPIPE after shutdown. */
  write(buf: Uint8Array): number;
  writable(): boolean;
  /** The peer finished sending (end of stream) or the connection is gone. */
  readonly ended: boolean;
  shutdown(write: boolean): void;
  close(): void;
  local(): HostAddr | null;
  remote(): HostAddr | null;
}

/** A listening socket on the host: connections from host processes. */
export interface HostListener {
  /** -EINPROGRESS until listening, 0, or -errno (EADDRINUSE, EACCES). */
  readonly state: number;
  accept(): HostStream | null;
  pending(): number;
  local(): HostAddr | null;
  close(): void;
}

/** A UDP socket on the host. */
export interface HostDatagram {
  /** -EINPROGRESS until bound, 0, or -errno. */
  readonly state: number;
  send(buf: Uint8Array, to: HostAddr): number;
  /** The next datagram (truncated to buf), or -EAGAIN. */
  recv(buf: Uint8Array, peek: boolean): { n: number; size: number; from: HostAddr } | number;
  pending(): number;
  local(): HostAddr | null;
  close(): void;
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
  /** Starts listening on `addr` (port 0: any); the result's state says when it is ready. */
  listen(addr: HostAddr, backlog: number): HostListener;
  /** Starts connecting to `addr`, from `local` when given. */
  connect(addr: HostAddr, local: HostAddr | null): HostStream;
  /** A UDP socket bound to `addr` (port 0: any). */
  datagram(addr: HostAddr): HostDatagram;
  cwd(): string;
}
