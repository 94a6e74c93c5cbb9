// SPDX-License-Identifier: MIT
// The kernel's Host interface on Node: synchronous node:fs passthrough with
// host errors mapped to Linux errno values.
import * as fs from "node:fs";
import type * as ChildProcess from "node:child_process";
import { dirname } from "node:path";
import { createRequire } from "node:module";
import type * as Tty from "node:tty";
import { EFBIG, ERRNO_BY_NAME, EIO, ENOENT } from "../kernel/errno.js";
import type {
  Host,
  HostAddr,
  HostDatagram,
  HostDirent,
  HostListener,
  HostStat,
  HostStatfs,
  HostStream,
} from "../kernel/host.js";
import { NodeNet } from "./node-net.js";

// node:tty pulls in node:net and the stream classes; most runs write to files and pipes,
// so it is loaded the first time a character device is asked about.
let ttyModule: typeof Tty | undefined;
function tty(): typeof Tty {
  return (ttyModule ??= createRequire("/")("node:tty") as typeof Tty);
}

/** The major number of Linux's memory character devices: null, zero, full, random, urandom, ... (devices.txt). */
const MEM_MAJOR = 1;

/** Linux's major(): bits 8-19 and 32-43 of a device number. */
function deviceMajor(rdev: number): number {
  return ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}

function errno(e: unknown): number {
  const code = (e as { code?: string }).code;
  return -(code !== undefined ? (ERRNO_BY_NAME[code] ?? EIO) : EIO);
}

function wrap<T>(fn: () => T): T | number {
  try {
    return fn();
  } catch (e) {
    return errno(e);
  }
}

function toStat(s: fs.BigIntStats): HostStat {
  return {
    dev: Number(s.dev),
    ino: Number(s.ino),
    mode: Number(s.mode),
    nlink: Number(s.nlink),
    uid: Number(s.uid),
    gid: Number(s.gid),
    rdev: Number(s.rdev),
    size: Number(s.size),
    blksize: Number(s.blksize),
    blocks: Number(s.blocks),
    atimeNs: s.atimeNs,
    mtimeNs: s.mtimeNs,
    ctimeNs: s.ctimeNs,
  };
}

function direntType(d: fs.Dirent): number {
  if (d.isFIFO()) return 1;
  if (d.isCharacterDevice()) return 2;
  if (d.isDirectory()) return 4;
  if (d.isBlockDevice()) return 6;
  if (d.isFile()) return 8;
  if (d.isSymbolicLink()) return 10;
  if (d.isSocket()) return 12;
  return 0;
}

const O_NONBLOCK = 0o4000;

export class NodeHost implements Host {
  /** Descriptors the kernel opened non-blocking: EAGAIN goes back to it instead of being waited out here. */
  private readonly nonblocking = new Set<number>();
  /** Ends the current wait() early (a host event arrived). */
  private wake: (() => void) | null = null;

  /** `guestCwd`: the working directory the guest starts in (null: the host's own). */
  constructor(private readonly guestCwd: string | null = null) {}

  open(path: string, flags: number, mode: number): number {
    const fd = wrap(() => fs.openSync(path, flags, mode)) as number;
    if (fd >= 0 && (flags & O_NONBLOCK) !== 0) this.nonblocking.add(fd);
    return fd;
  }
  reopen(fd: number, flags: number): number {
    const n = wrap(() => fs.openSync(`/proc/self/fd/${fd}`, flags)) as number;
    if (n >= 0 && (flags & O_NONBLOCK) !== 0) this.nonblocking.add(n);
    return n;
  }
  fdPath(fd: number): string | number {
    return wrap(() => fs.readlinkSync(`/proc/self/fd/${fd}`));
  }
  close(fd: number): number {
    this.nonblocking.delete(fd);
    return wrap(() => {
      fs.closeSync(fd);
      return 0;
    }) as number;
  }
  read(fd: number, buf: Uint8Array, pos: number | null): number {
    if (pos !== null && pos > Number.MAX_SAFE_INTEGER) return 0; // past any file Node can address: end of file
    for (;;) {
      try {
        return fs.readSync(fd, buf, 0, buf.length, pos);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === "EAGAIN" && this.nonblocking.has(fd)) return errno(e);
        if (code === "EAGAIN") continue; // a descriptor someone else made non-blocking: wait like a blocking read
        if (code === "EOF") return 0;
        return errno(e);
      }
    }
  }
  write(fd: number, buf: Uint8Array, pos: number | null): number {
    if (pos !== null && pos + buf.length > Number.MAX_SAFE_INTEGER) return -EFBIG;
    let done = 0;
    while (done < buf.length) {
      try {
        done += fs.writeSync(fd, buf, done, buf.length - done, pos === null ? null : pos + done);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === "EAGAIN" && this.nonblocking.has(fd)) return done > 0 ? done : errno(e);
        if (code === "EAGAIN") continue;
        return done > 0 ? done : errno(e);
      }
    }
    return done;
  }
  openStream(fd: number): number {
    let st: fs.Stats;
    try {
      st = fs.fstatSync(fd);
    } catch (e) {
      return errno(e);
    }
    if (!st.isFIFO() && !st.isCharacterDevice()) return -22;
    return this.open(`/proc/self/fd/${fd}`, fs.constants.O_RDONLY | O_NONBLOCK, 0);
  }
  wait(ms: number): Promise<void> {
    if (ms <= 0) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
  /** A host event the kernel may be waiting for (network data, a connection) arrived. */
  notify(): void {
    this.wake?.();
  }
  private readonly net = new NodeNet(() => this.notify());
  listen(addr: HostAddr, backlog: number): HostListener {
    return this.net.listen(addr, backlog);
  }
  connect(addr: HostAddr, local: HostAddr | null): HostStream {
    return this.net.connect(addr, local);
  }
  datagram(addr: HostAddr): HostDatagram {
    return this.net.datagram(addr);
  }
  fstat(fd: number): HostStat | number {
    return wrap(() => toStat(fs.fstatSync(fd, { bigint: true })));
  }
  stat(path: string, follow: boolean): HostStat | number {
    return wrap(() => {
      const opts = { bigint: true, throwIfNoEntry: false } as const;
      const s = follow ? fs.statSync(path, opts) : fs.lstatSync(path, opts);
      return s === undefined ? -ENOENT : toStat(s);
    });
  }
  readdir(path: string): HostDirent[] | number {
    return wrap(() => {
      const out: HostDirent[] = [];
      const ino = (p: string): number => Number(fs.lstatSync(p, { bigint: true }).ino);
      out.push({ name: ".", ino: ino(path), type: 4 }, { name: "..", ino: ino(`${path}/..`), type: 4 });
      const dir = fs.opendirSync(path);
      try {
        for (let d = dir.readSync(); d !== null; d = dir.readSync()) {
          out.push({ name: d.name, ino: wrapIno(`${path}/${d.name}`), type: direntType(d) });
        }
      } finally {
        dir.closeSync();
      }
      return out;
    });
  }
  readlink(path: string): string | number {
    return wrap(() => fs.readlinkSync(path));
  }
  mkdir(path: string, mode: number): number {
    return wrap(() => {
      fs.mkdirSync(path, { mode });
      return 0;
    }) as number;
  }
  mknod(path: string, mode: number): number {
    const type = mode & 0o170000,
      perm = mode & 0o7777 & ~process.umask();
    if (fs.existsSync(path) || wrap(() => fs.lstatSync(path)) !== -2) return -17;
    if (type === 0 || type === 0o100000) {
      return wrap(() => {
        fs.closeSync(fs.openSync(path, "wx", perm));
        return 0;
      }) as number;
    }
    if (type !== 0o010000) return -1;
    const dir = wrap(() => fs.statSync(dirname(path)));
    if (typeof dir === "number") return dir;
    if (!dir.isDirectory()) return -20;
    // Node has no mkfifo(3): coreutils' mkfifo(1) makes it, with the mode already masked.
    const r = (createRequire("/")("node:child_process") as typeof ChildProcess).spawnSync(
      "mkfifo",
      ["-m", perm.toString(8), "--", path],
      { stdio: "ignore" },
    );
    return r.status === 0 ? 0 : -13;
  }
  unlink(path: string): number {
    return wrap(() => {
      fs.unlinkSync(path);
      return 0;
    }) as number;
  }
  rmdir(path: string): number {
    return wrap(() => {
      fs.rmdirSync(path);
      return 0;
    }) as number;
  }
  rename(from: string, to: string): number {
    return wrap(() => {
      fs.renameSync(from, to);
      return 0;
    }) as number;
  }
  access(path: string, mode: number): number {
    return wrap(() => {
      fs.accessSync(path, mode);
      return 0;
    }) as number;
  }
  ftruncate(fd: number, len: number): number {
    if (len > Number.MAX_SAFE_INTEGER) return -EFBIG;
    return wrap(() => {
      fs.ftruncateSync(fd, len);
      return 0;
    }) as number;
  }
  chmod(path: string, mode: number): number {
    return wrap(() => {
      fs.chmodSync(path, mode);
      return 0;
    }) as number;
  }
  fchmod(fd: number, mode: number): number {
    return wrap(() => {
      fs.fchmodSync(fd, mode);
      return 0;
    }) as number;
  }
  chown(path: string, uid: number, gid: number, follow: boolean): number {
    return wrap(() => {
      (follow ? fs.chownSync : fs.lchownSync)(path, uid, gid);
      return 0;
    }) as number;
  }
  fchown(fd: number, uid: number, gid: number): number {
    return wrap(() => {
      fs.fchownSync(fd, uid, gid);
      return 0;
    }) as number;
  }
  utimes(path: string, atimeNs: bigint, mtimeNs: bigint, follow: boolean): number {
    return wrap(() => {
      (follow ? fs.utimesSync : fs.lutimesSync)(path, seconds(atimeNs), seconds(mtimeNs));
      return 0;
    }) as number;
  }
  futimes(fd: number, atimeNs: bigint, mtimeNs: bigint): number {
    return wrap(() => {
      fs.futimesSync(fd, seconds(atimeNs), seconds(mtimeNs));
      return 0;
    }) as number;
  }
  symlink(target: string, path: string): number {
    return wrap(() => {
      fs.symlinkSync(target, path);
      return 0;
    }) as number;
  }
  link(from: string, to: string): number {
    return wrap(() => {
      fs.linkSync(from, to);
      return 0;
    }) as number;
  }
  statfs(path: string): HostStatfs | number {
    return wrap(() => {
      const s = fs.statfsSync(path, { bigint: true });
      return {
        type: Number(s.type),
        bsize: Number(s.bsize),
        blocks: Number(s.blocks),
        bfree: Number(s.bfree),
        bavail: Number(s.bavail),
        files: Number(s.files),
        ffree: Number(s.ffree),
      };
    });
  }
  fsync(fd: number): number {
    return wrap(() => {
      fs.fsyncSync(fd);
      return 0;
    }) as number;
  }
  isatty(fd: number): boolean {
    try {
      const st = fs.fstatSync(fd);
      // A terminal is a character device, never one of the memory devices (/dev/null, common as stdout).
      if (!st.isCharacterDevice() || deviceMajor(st.rdev) === MEM_MAJOR) return false;
    } catch {
      return false;
    }
    return tty().isatty(fd);
  }
  winsize(fd: number): { rows: number; cols: number } | null {
    if (!this.isatty(fd)) return null;
    const s = fd === 2 ? process.stderr : fd === 1 ? process.stdout : null;
    if (s !== null && "columns" in s && typeof s.columns === "number") {
      return { rows: (s as Tty.WriteStream).rows, cols: s.columns };
    }
    return { rows: 24, cols: 80 };
  }
  realtimeNs(): bigint {
    return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  }
  monotonicNs(): bigint {
    return process.hrtime.bigint();
  }
  sleepNs(ns: bigint): void {
    const ms = Number(ns / 1_000_000n);
    if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  }
  cwd(): string {
    return this.guestCwd ?? process.cwd();
  }
}

/** Node takes times as seconds; whole seconds and microseconds survive exactly. */
function seconds(ns: bigint): number {
  return Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) / 1e9;
}

function wrapIno(p: string): number {
  try {
    return Number(fs.lstatSync(p, { bigint: true }).ino);
  } catch {
    return 0;
  }
}
