// SPDX-License-Identifier: MIT
// memfd_create and file seals (mm/memfd.c): an anonymous shared-memory file
// (src/kernel/fs/memfd.ts) and fcntl's F_ADD_SEALS/F_GET_SEALS on it, with
// Linux's argument checks in Linux's order.
import { EBUSY, EINVAL, EPERM } from "../errno.js";
import {
  F_ALL_SEALS,
  F_SEAL_EXEC,
  F_SEAL_FUTURE_WRITE,
  F_SEAL_GROW,
  F_SEAL_SEAL,
  F_SEAL_SHRINK,
  F_SEAL_WRITE,
  MFD_NAME_MAX_LEN,
  MemFdFile,
  MemfdInode,
} from "../fs/memfd.js";
import type { OpenFile } from "../fs/files.js";
import type { Task } from "../task.js";
import { copyInCString } from "../usercopy.js";
import type { SyscallArgs, SysResult } from "./abi.js";

const MFD_CLOEXEC = 1,
  MFD_ALLOW_SEALING = 2,
  MFD_HUGETLB = 4,
  MFD_NOEXEC_SEAL = 8,
  MFD_EXEC = 0x10;
/** MFD_HUGE_SHIFT's 6-bit page size field (only with MFD_HUGETLB). */
const MFD_HUGE_MASK = 0x3f << 26;
const O_RDWR = 2,
  O_LARGEFILE = 0o100000;

export function memfd_create(t: Task, a: SyscallArgs): SysResult {
  const flags = a.u32(1),
    k = t.proc.kernel;
  if ((flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC | MFD_HUGE_MASK)) !== 0) {
    return -EINVAL;
  }
  if ((flags & MFD_HUGETLB) === 0 && (flags & MFD_HUGE_MASK) !== 0) return -EINVAL;
  if ((flags & MFD_EXEC) !== 0 && (flags & MFD_NOEXEC_SEAL) !== 0) return -EINVAL;
  const name = copyInCString(t, a.ptr(0), MFD_NAME_MAX_LEN);
  if (name === null) return -EINVAL;
  const obj = k.pageCache.anonymous(k, 0, true);
  const sealable = (flags & (MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL)) !== 0;
  const inode = new MemfdInode(
    new TextDecoder().decode(name),
    obj,
    k.allocIno(),
    sealable ? 0 : F_SEAL_SEAL,
    (flags & MFD_HUGETLB) !== 0,
    t.cred.fsuid,
    t.cred.fsgid,
  );
  if ((flags & MFD_NOEXEC_SEAL) !== 0) {
    inode.mode &= ~0o111;
    inode.seals |= F_SEAL_EXEC;
  }
  k.pageCache.pin(obj, () => inode.opened > 0);
  const f = new MemFdFile(inode, O_RDWR | O_LARGEFILE);
  const fd = t.proc.fds.install(f, (flags & MFD_CLOEXEC) !== 0);
  if (fd < 0) {
    f.close();
    k.pageCache.collect(k);
  }
  return fd;
}

/**
 * Whether some process maps the memfd shared with the right to write, whatever its
 * protection now (i_mmap_writable counts VM_SHARED mappings with VM_MAYWRITE).
 */
function sharedMapped(t: Task, f: MemFdFile): boolean {
  for (const p of t.proc.kernel.procs.values()) {
    if (!p.live) continue;
    const maps = p.mappings;
    for (const v of p.mem.areas()) {
      if (v.obj !== f.obj || v.cow === true) continue;
      if (!maps.some((m) => m.readOnly === true && m.start <= v.start && v.start < m.end)) return true;
    }
  }
  return false;
}

/**
 * F_ADD_SEALS (memfd_add_seals): EPERM on a file not open for writing, EINVAL
 * for unknown seals or a file that is not a memfd, EPERM after F_SEAL_SEAL,
 * EBUSY for F_SEAL_WRITE while mapped shared; F_SEAL_EXEC on an executable
 * memfd implies the write seals (W^X).
 */
export function addSeals(t: Task, f: OpenFile, seals: number): SysResult {
  if ((f.flags & 3) === 0) return -EPERM;
  if ((seals & ~F_ALL_SEALS) !== 0) return -EINVAL;
  if (!(f instanceof MemFdFile)) return -EINVAL;
  const ino = f.inode;
  if ((ino.seals & F_SEAL_SEAL) !== 0) return -EPERM;
  if ((seals & F_SEAL_WRITE) !== 0 && (ino.seals & F_SEAL_WRITE) === 0 && sharedMapped(t, f)) return -EBUSY;
  if ((seals & F_SEAL_EXEC) !== 0 && (ino.mode & 0o111) !== 0) {
    seals |= F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;
  }
  ino.seals |= seals;
  return 0;
}

export function getSeals(f: OpenFile): SysResult {
  return f instanceof MemFdFile ? f.inode.seals : -EINVAL;
}
