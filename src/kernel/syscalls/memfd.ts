// SPDX-License-Identifier: MIT
// memfd_create and file seals (mm/memfd.c): an anonymous shared-memory file
// (src/kernel/fs/memfd.ts) and fcntl's F_ADD_SEALS/F_GET_SEALS on it.
import { EBUSY, EINVAL, EPERM } from "../errno.js";
import { F_SEAL_FUTURE_WRITE, F_SEAL_GROW, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_WRITE, MemFdFile } from "../fs/memfd.js";
import type { Task } from "../task.js";
import { copyInCString } from "../usercopy.js";
import type { SyscallArgs, SysResult } from "./abi.js";
import { fileOf } from "./util.js";

const MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2, MFD_HUGETLB = 4;
/** NAME_MAX less "memfd:". */
const MFD_NAME_MAX_LEN = 249;
const O_RDWR = 2, O_LARGEFILE = 0o100000;
const F_ALL_SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;

export function memfd_create(t: Task, a: SyscallArgs): SysResult {
  const flags = a.u32(1), k = t.proc.kernel;
  const hugeBits = (flags & MFD_HUGETLB) !== 0 ? 0x3f << 26 : 0;
  if ((flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | hugeBits)) !== 0) return -EINVAL;
  const name = copyInCString(t, a.ptr(0), MFD_NAME_MAX_LEN);
  if (name === null) return -EINVAL;
  const obj = k.pageCache.anonymous(k, 0, true);
  const seals = (flags & MFD_ALLOW_SEALING) !== 0 ? 0 : F_SEAL_SEAL;
  const f = new MemFdFile(new TextDecoder().decode(name), O_RDWR | O_LARGEFILE, obj, k.allocIno(), seals, (flags & MFD_HUGETLB) !== 0);
  const fd = t.proc.fds.install(f, (flags & MFD_CLOEXEC) !== 0);
  if (fd < 0) k.pageCache.collect(k);
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

/** F_ADD_SEALS: only on a memfd opened for writing, never after F_SEAL_SEAL, F_SEAL_WRITE not while mapped shared. */
export function addSeals(t: Task, fd: number, seals: number): SysResult {
  const f = fileOf(t, fd);
  if (!(f instanceof MemFdFile)) return -EINVAL;
  if ((f.flags & 3) === 0) return -EPERM;
  if ((seals & ~F_ALL_SEALS) !== 0) return -EINVAL;
  if ((f.seals & F_SEAL_SEAL) !== 0) return -EPERM;
  if ((seals & F_SEAL_WRITE) !== 0 && sharedMapped(t, f)) return -EBUSY;
  f.seals |= seals;
  return 0;
}

export function getSeals(t: Task, fd: number): SysResult {
  const f = fileOf(t, fd);
  return f instanceof MemFdFile ? f.seals : -EINVAL;
}
