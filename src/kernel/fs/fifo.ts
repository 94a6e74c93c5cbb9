// SPDX-License-Identifier: MIT
// Opening a FIFO (fs/pipe.c fifo_open) on the host: the host descriptor is
// always opened non-blocking, so that no open, read or write freezes the other
// guest tasks, and the guest's blocking semantics are rebuilt on top: a reader
// waits for a writer, a writer for a reader (ENXIO for a non-blocking one),
// O_RDWR never waits. Guest writers are counted per inode, so that a guest
// reader sees a guest writer even before it writes anything.
import { ENXIO, EAGAIN } from "../errno.js";
import type { Kernel } from "../kernel.js";
import type { Task } from "../task.js";
import { HostFile, O_NONBLOCK } from "./files.js";
import type { HostStat } from "../host.js";
import { block, type SysResult } from "../syscalls/abi.js";

const O_ACCMODE = 3,
  O_WRONLY = 1,
  O_RDWR = 2;
const O_CLOEXEC = 0o2000000,
  O_NOFOLLOW = 0o400000;

/** A host FIFO opened by the guest: counts itself among its inode's guest writers while open for writing. */
class FifoFile extends HostFile {
  constructor(
    k: Kernel,
    hostFd: number,
    path: string,
    flags: number,
    readonly key: string,
  ) {
    super(k.host, hostFd, path, flags, null, false);
    this.streamFd = hostFd;
    if ((flags & O_ACCMODE) !== 0) k.fifoWriters.set(key, (k.fifoWriters.get(key) ?? 0) + 1);
    this.kernel = k;
  }

  private readonly kernel: Kernel;

  override close(): void {
    if ((this.flags & O_ACCMODE) !== 0) {
      const n = (this.kernel.fifoWriters.get(this.key) ?? 1) - 1;
      if (n === 0) this.kernel.fifoWriters.delete(this.key);
      else this.kernel.fifoWriters.set(this.key, n);
    }
    this.streamFd = null;
    super.close();
  }
}

/** openat of a FIFO: the new descriptor, or a wait for the other end. */
export function openFifo(t: Task, hostPath: string, guestPath: string, flags: number, st: HostStat): SysResult {
  const k = t.proc.kernel;
  const key = `${st.dev}:${st.ino}`;
  const acc = flags & O_ACCMODE;
  const nonblock = (flags & O_NONBLOCK) !== 0;
  const install = (fd: number): number => {
    const f = new FifoFile(k, fd, guestPath, flags & ~O_CLOEXEC, key);
    const r = t.proc.fds.install(f, (flags & O_CLOEXEC) !== 0);
    if (r < 0) f.close();
    return r;
  };
  // The kernel resolved the path (inside --root): the host follows no link in its last component.
  const hostFlags = (flags & ~(O_CLOEXEC | 0o100 | 0o200 | 0o1000)) | O_NONBLOCK | O_NOFOLLOW;
  if (acc === O_WRONLY) {
    const tryOpen = (): number => {
      const fd = k.host.open(hostPath, hostFlags, 0);
      return fd === -ENXIO && !nonblock ? -EAGAIN : fd < 0 ? fd : install(fd);
    };
    const r = tryOpen();
    return r === -EAGAIN ? waitHost(tryOpen) : r;
  }
  const fd = k.host.open(hostPath, hostFlags, 0);
  if (fd < 0) return fd;
  const r = install(fd);
  if (r < 0 || acc === O_RDWR || nonblock) return r;
  const f = t.proc.fds.get(r) as FifoFile;
  const ready = (): number => ((k.fifoWriters.get(key) ?? 0) > 0 || f.probeWriter() ? r : -EAGAIN);
  return ready() === r ? r : waitHost(ready);
}

/** A wait whose end comes from the host (another process may be the other end). */
function waitHost(attempt: () => number): SysResult {
  return block({
    poll: () => {
      const n = attempt();
      return n === -EAGAIN ? null : n;
    },
    deadline: null,
    timeout: () => 0,
    restart: "sys",
    host: true,
  });
}
