// SPDX-License-Identifier: MIT
// memfd_create files (mm/memfd.c on mm/shmem.c): an anonymous regular file whose
// bytes live in a memory object of the page cache, so every mapping of it (in
// any process holding the descriptor) shares the same pages; read/write/lseek/
// ftruncate work on the same bytes, a mapped page past the end is SIGBUS, and
// the seals of F_ADD_SEALS forbid writes, growth, shrinking or exec permission
// as Linux says. The inode (pages, size, seals, identity) is shared by every
// open file description of the memfd; it is a regular file to poll and epoll
// (always ready: DEFAULT_POLLMASK) and its own inode for file locks.
import type { MemObject } from "../../hw/memory/mem-object.js";
import { EBADF, EFBIG, EINVAL, ENXIO, EPERM } from "../errno.js";
import type { ObjectHolder } from "../mm/page-cache.js";
import type { HostStat } from "../host.js";

export const F_SEAL_SEAL = 1,
  F_SEAL_SHRINK = 2,
  F_SEAL_GROW = 4,
  F_SEAL_WRITE = 8,
  F_SEAL_FUTURE_WRITE = 16,
  F_SEAL_EXEC = 32;
/** Every seal this kernel knows (F_SEAL_SEAL..F_SEAL_EXEC). */
export const F_ALL_SEALS = 0x3f;
const O_APPEND = 0o2000;
const SEEK_DATA = 3,
  SEEK_HOLE = 4;
/** The default huge page size on x86-64. */
const HUGE_PAGE = 2 * 1024 * 1024;
/** MAX_LFS_FILESIZE. */
const MAX_SIZE = 2 ** 63;
/** memfd_create's name limit: NAME_MAX less "memfd:". */
export const MFD_NAME_MAX_LEN = 249;

/** The shmem inode behind a memfd: its pages, size, seals, mode and identity. */
export class MemfdInode {
  /** rwx for everyone, less the exec bits under MFD_NOEXEC_SEAL. */
  mode = 0o100777;
  /** Open file descriptions of this inode (the page cache keeps its pages while any is open). */
  opened = 0;

  constructor(
    readonly name: string,
    readonly obj: MemObject,
    readonly ino: number,
    /** F_SEAL_* bits; F_SEAL_SEAL alone unless MFD_ALLOW_SEALING (or MFD_NOEXEC_SEAL). */
    public seals: number,
    /** MFD_HUGETLB: a hugetlbfs file, with no huge page reserved on this machine (mmap fails with ENOMEM). */
    readonly huge: boolean,
    /** The creator's fsuid and fsgid (the inode's owner). */
    readonly uid: number,
    readonly gid: number,
  ) {}

  get size(): number {
    return this.obj.size;
  }

  /** Whether ftruncate to `size` is allowed: 0, -EPERM (a seal) or -EINVAL (not a huge page multiple under MFD_HUGETLB). */
  mayResize(size: number): number {
    if (this.huge && size % HUGE_PAGE !== 0) return -EINVAL;
    if (size < this.size && (this.seals & F_SEAL_SHRINK) !== 0) return -EPERM;
    if (size > this.size && (this.seals & F_SEAL_GROW) !== 0) return -EPERM;
    return 0;
  }
}

/** An open memfd: a seekable regular file over a MemfdInode. */
export class MemFdFile implements ObjectHolder {
  refs = 1;
  pos = 0;
  constructor(
    readonly inode: MemfdInode,
    public flags: number,
  ) {
    inode.opened++;
  }

  /** The memory object (the page cache's holder interface). */
  get obj(): MemObject {
    return this.inode.obj;
  }

  get path(): string {
    return `/memfd:${this.inode.name} (deleted)`;
  }

  read(buf: Uint8Array, at: number | null): number {
    if ((this.flags & 3) === 1) return -EBADF;
    const obj = this.inode.obj;
    const pos = at ?? this.pos;
    const n = Math.max(0, Math.min(buf.length, obj.size - pos));
    if (n > 0) obj.read(pos, buf.subarray(0, n));
    if (at === null) this.pos += n;
    return n;
  }

  write(buf: Uint8Array, at: number | null): number {
    const ino = this.inode,
      obj = ino.obj;
    if ((this.flags & 3) === 0) return -EBADF;
    if (ino.huge) return -EINVAL; // hugetlbfs files have no write()
    if ((ino.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) !== 0) return -EPERM;
    const pos = (this.flags & O_APPEND) !== 0 ? obj.size : (at ?? this.pos);
    const end = pos + buf.length;
    if (end > MAX_SIZE) return -EFBIG;
    if (end > obj.size && (ino.seals & F_SEAL_GROW) !== 0) return -EPERM;
    obj.write(pos, buf);
    obj.size = Math.max(obj.size, end);
    if (at === null) this.pos = end;
    return buf.length;
  }

  seek(offset: number, whence: number): number {
    if (whence === SEEK_DATA || whence === SEEK_HOLE) {
      // No holes are known: data from any offset inside the file, the one hole at its end (shmem_file_llseek).
      const size = this.inode.size;
      if (offset < 0 || offset >= size) return -ENXIO;
      this.pos = whence === SEEK_DATA ? offset : size;
      return this.pos;
    }
    const base = whence === 0 ? 0 : whence === 1 ? this.pos : whence === 2 ? this.inode.size : NaN;
    const pos = base + offset;
    if (!(pos >= 0)) return -EINVAL;
    this.pos = pos;
    return pos;
  }

  stat(): Partial<HostStat> {
    const ino = this.inode,
      size = ino.size;
    return {
      dev: 1,
      ino: ino.ino,
      mode: ino.mode,
      nlink: 1,
      uid: ino.uid,
      gid: ino.gid,
      rdev: 0,
      size,
      blksize: 4096,
      blocks: Math.ceil(size / 4096) * 8,
      atimeNs: 0n,
      mtimeNs: 0n,
      ctimeNs: 0n,
    };
  }

  close(): void {
    this.inode.opened--;
  }
}
