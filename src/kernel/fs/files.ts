// SPDX-License-Identifier: MIT
// Open file descriptions and the per-process descriptor table (Linux
// fs/file.c shape): host-backed files with our own offsets (in-guest pipes: pipe.ts).
import type { Host, HostDirent } from "../host.js";
import { EBADF, EMFILE } from "../errno.js";

export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
export const S_IFBLK = 0o060000;
export const S_IFLNK = 0o120000;

export interface OpenFile {
  /** Reads into buf; returns bytes read or -errno. */
  read(buf: Uint8Array, pos: number | null): number;
  write(buf: Uint8Array, pos: number | null): number;
  /** Absolute path for host files (openat dirfd resolution, /proc/self/fd). */
  readonly path: string;
  flags: number;
  refs: number;
  close(): void;
  /** lseek for files that are not host files (procfs): the new position or -errno; absent: ESPIPE. */
  seek?(offset: number, whence: number): number;
}

/** A file on the host. `pos` is ours for seekable files, null for streams. */
export class HostFile implements OpenFile {
  refs = 1;
  dirEntries: HostDirent[] | null = null;
  constructor(
    readonly host: Host,
    readonly hostFd: number,
    readonly path: string,
    public flags: number,
    public pos: number | null,
    readonly isDir: boolean,
    /** Standard streams are the host's own descriptors: never closed by the guest. */
    readonly borrowed = false,
  ) {}

  read(buf: Uint8Array, at: number | null): number {
    const pos = at ?? this.pos;
    const n = this.host.read(this.hostFd, buf, pos);
    if (n > 0 && at === null && this.pos !== null) this.pos += n;
    return n;
  }

  write(buf: Uint8Array, at: number | null): number {
    const append = (this.flags & 0o2000) !== 0;
    const pos = append ? null : at ?? this.pos;
    const n = this.host.write(this.hostFd, buf, pos);
    if (n > 0 && at === null && this.pos !== null) this.pos = append ? this.pos + n : this.pos + n;
    return n;
  }

  seekable(): boolean {
    return this.pos !== null;
  }

  close(): void {
    if (!this.borrowed) this.host.close(this.hostFd);
  }
}

interface Slot { file: OpenFile; cloexec: boolean }

export class FdTable {
  private readonly slots: (Slot | undefined)[] = [];
  /** RLIMIT_NOFILE's soft limit of the process that uses the table (descriptors are below it). */
  max = 1024;

  get(fd: number): OpenFile | undefined {
    return fd >= 0 ? this.slots[fd]?.file : undefined;
  }

  cloexec(fd: number): boolean {
    return this.slots[fd]?.cloexec ?? false;
  }

  setCloexec(fd: number, on: boolean): void {
    const s = this.slots[fd];
    if (s !== undefined) s.cloexec = on;
  }

  /** Installs at the lowest free descriptor ≥ min; returns it or -EMFILE. */
  install(file: OpenFile, cloexec: boolean, min = 0): number {
    for (let fd = min; fd < this.max; fd++) {
      if (this.slots[fd] === undefined) {
        this.slots[fd] = { file, cloexec };
        return fd;
      }
    }
    return -EMFILE;
  }

  /** dup2 semantics: closes what was at `fd`. */
  installAt(fd: number, file: OpenFile, cloexec: boolean): void {
    this.close(fd);
    this.slots[fd] = { file, cloexec };
  }

  close(fd: number): number {
    const s = fd >= 0 ? this.slots[fd] : undefined;
    if (s === undefined) return -EBADF;
    this.slots[fd] = undefined;
    if (--s.file.refs === 0) s.file.close();
    return 0;
  }

  closeAll(): void {
    for (let fd = 0; fd < this.slots.length; fd++) if (this.slots[fd] !== undefined) this.close(fd);
  }

  /** A copy for fork: same open file descriptions, one more reference each. */
  fork(): FdTable {
    const t = new FdTable();
    t.max = this.max;
    this.slots.forEach((s, fd) => {
      if (s === undefined) return;
      s.file.refs++;
      t.slots[fd] = { file: s.file, cloexec: s.cloexec };
    });
    return t;
  }

  entries(): [number, OpenFile][] {
    const out: [number, OpenFile][] = [];
    this.slots.forEach((s, fd) => { if (s !== undefined) out.push([fd, s.file]); });
    return out;
  }
}
