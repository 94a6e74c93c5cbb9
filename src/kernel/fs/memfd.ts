// SPDX-License-Identifier: MIT
// memfd_create (mm/memfd.c, mm/shmem.c): an anonymous file whose bytes live in
// a memory object of the page cache, so every mapping of it (in any process
// holding the descriptor) shares the same pages; read/write/lseek/ftruncate work
// on the same bytes, a mapped page past the end is SIGBUS, and the seals of
// F_ADD_SEALS forbid writes, growth or shrinking as Linux says.
import type { MemObject } from "../../hw/memory/mem-object.js";
import { EINVAL, EPERM } from "../errno.js";
import type { ObjectHolder } from "../mm/page-cache.js";
import type { HostStat } from "../host.js";

export const F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8, F_SEAL_FUTURE_WRITE = 16;
const O_APPEND = 0o2000;
/** The default huge page size on x86-64. */
const HUGE_PAGE = 2 * 1024 * 1024;

export class MemFdFile implements ObjectHolder {
  refs = 1;
  pos = 0;
  constructor(
    readonly name: string,
    public flags: number,
    readonly obj: MemObject,
    readonly ino: number,
    /** F_SEAL_* bits; F_SEAL_SEAL alone unless MFD_ALLOW_SEALING. */
    public seals: number,
    /** MFD_HUGETLB: a hugetlbfs file, with no huge page reserved on this machine (mmap fails with ENOMEM). */
    readonly huge = false,
  ) {}

  get path(): string {
    return `/memfd:${this.name} (deleted)`;
  }

  read(buf: Uint8Array, at: number | null): number {
    if ((this.flags & 3) === 1) return -9;
    const pos = at ?? this.pos;
    const n = Math.max(0, Math.min(buf.length, this.obj.size - pos));
    if (n > 0) this.obj.read(pos, buf.subarray(0, n));
    if (at === null) this.pos += n;
    return n;
  }

  write(buf: Uint8Array, at: number | null): number {
    if ((this.flags & 3) === 0) return -9;
    if (this.huge) return -EINVAL; // hugetlbfs files have no write()
    if ((this.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) !== 0) return -EPERM;
    const pos = (this.flags & O_APPEND) !== 0 ? this.obj.size : at ?? this.pos;
    if (pos + buf.length > this.obj.size && (this.seals & F_SEAL_GROW) !== 0) return -EPERM;
    this.obj.write(pos, buf);
    this.obj.size = Math.max(this.obj.size, pos + buf.length);
    if (at === null) this.pos = pos + buf.length;
    return buf.length;
  }

  seek(offset: number, whence: number): number {
    const base = whence === 0 ? 0 : whence === 1 ? this.pos : whence === 2 ? this.obj.size : NaN;
    const pos = base + offset;
    if (!(pos >= 0)) return -EINVAL;
    this.pos = pos;
    return pos;
  }

  /** Whether ftruncate to `size` is allowed by the seals (and a huge page multiple for MFD_HUGETLB). */
  mayResize(size: number): boolean {
    if (this.huge && size % HUGE_PAGE !== 0) return false;
    if (size < this.obj.size && (this.seals & F_SEAL_SHRINK) !== 0) return false;
    return !(size > this.obj.size && (this.seals & F_SEAL_GROW) !== 0);
  }

  stat(uid: number, gid: number): HostStat {
    const size = this.obj.size;
    return {
      dev: 1, ino: this.ino, mode: 0o100777, nlink: 1, uid, gid, rdev: 0, size, blksize: 4096,
      blocks: Math.ceil(size / 4096) * 8, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
    };
  }

  close(): void {}
}
