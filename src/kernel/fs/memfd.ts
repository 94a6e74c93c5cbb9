// SPDX-License-Identifier: MIT
// memfd_create files (mm/memfd.c on shmem): an anonymous regular file whose
// bytes live in a shared memory object, so that MAP_SHARED mappings of it and
// read/write through the descriptor see the same pages. Seals (F_ADD_SEALS).
import { EFBIG, EPERM } from "../errno.js";
import { MemObject } from "../../hw/memory/mem-object.js";
import type { PhysMem } from "../../hw/memory/phys.js";
import type { OpenFile } from "./files.js";

export const F_SEAL_SEAL = 1;
const F_SEAL_SHRINK = 2;
const F_SEAL_GROW = 4;
const F_SEAL_WRITE = 8;
const F_SEAL_FUTURE_WRITE = 16;

/** MAX_LFS_FILESIZE. */
const MAX_SIZE = 2 ** 63;

let nextIno = 1;

/** The shmem inode behind a memfd: its pages, size, seals and identity. */
export class MemfdInode {
  readonly obj: MemObject;
  seals: number;
  readonly ino = nextIno++;
  mode = 0o100777;

  constructor(phys: PhysMem, readonly name: string, sealable: boolean) {
    this.obj = new MemObject(phys, 0);
    this.seals = sealable ? 0 : F_SEAL_SEAL;
  }

  get size(): number {
    return this.obj.size;
  }

  /** Sets the size (ftruncate): new bytes read as zeros; seals may forbid it. */
  truncate(len: number): number {
    if (len > this.size && (this.seals & F_SEAL_GROW) !== 0) return -EPERM;
    if (len < this.size && (this.seals & F_SEAL_SHRINK) !== 0) return -EPERM;
    if (len < this.size) this.obj.write(len, new Uint8Array(Math.min(this.size, pageUp(len)) - len));
    this.obj.size = len;
    return 0;
  }
}

function pageUp(n: number): number {
  return Math.ceil(n / 4096) * 4096;
}

/** An open memfd: a seekable regular file over a MemfdInode. */
export class MemfdFile implements OpenFile {
  refs = 1;
  pos = 0;
  constructor(readonly inode: MemfdInode, public flags: number) {}

  get path(): string {
    return `/memfd:${this.inode.name} (deleted)`;
  }

  read(buf: Uint8Array, at: number | null): number {
    const pos = at ?? this.pos;
    const n = Math.max(0, Math.min(buf.length, this.inode.size - pos));
    if (n > 0) this.inode.obj.read(pos, buf.subarray(0, n));
    if (at === null) this.pos += n;
    return n;
  }

  write(buf: Uint8Array, at: number | null): number {
    const ino = this.inode;
    if ((ino.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) !== 0) return -EPERM;
    const pos = (this.flags & 0o2000) !== 0 ? ino.size : at ?? this.pos;
    if (pos + buf.length > MAX_SIZE) return -EFBIG;
    const end = pos + buf.length;
    if (end > ino.size) {
      if ((ino.seals & F_SEAL_GROW) !== 0) return -EPERM;
      ino.obj.size = end;
    }
    ino.obj.write(pos, buf);
    if (at === null) this.pos = end;
    return buf.length;
  }

  stat(): { mode: number; dev: number; ino: number; size: number; blocks: number } {
    const ino = this.inode;
    return { mode: ino.mode, dev: 1, ino: ino.ino, size: ino.size, blocks: Math.ceil(ino.size / 512 / 8) * 8 };
  }

  close(): void {}
}

/** memfd_create's name rule: at most 249 bytes (NAME_MAX − "memfd:"). */
export function memfdNameOk(name: string): boolean {
  return new TextEncoder().encode(name).length <= 249;
}

