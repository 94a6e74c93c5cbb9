// SPDX-License-Identifier: MIT
// Pipe system calls (fs/pipe.c): pipe and pipe2, writes that wait for room in a
// full pipe (or fail with EAGAIN when O_NONBLOCK), and fcntl's
// F_GETPIPE_SZ/F_SETPIPE_SZ. The buffers are src/kernel/fs/pipe.ts.
import { EAGAIN, EBADF, EFAULT, EINVAL, EPERM, EPIPE } from "../errno.js";
import type { OpenFile } from "../fs/files.js";
import { O_CLOEXEC } from "../fs/open-host.js";
import { PIPE_MAX_SIZE, PIPE_PAGE, PipeBuffer, PipeEnd } from "../fs/pipe.js";
import { sendToTask } from "../signal/deliver.js";
import { SI_USER } from "../signal/queue.js";
import { SIGPIPE } from "../signals.js";
import type { Task } from "../task.js";
import { MAX_RW_COUNT, putU32, readablePrefix } from "../usercopy.js";
import { PAGE_SIZE, USER_LIMIT } from "../../hw/memory/address-space.js";
import { type SyscallArgs, type SysResult, SyscallArgs as Args, block, fail } from "./abi.js";
import { concatBytes } from "../../common/bytes.js";

const O_NONBLOCK = 0o4000;
const O_DIRECT = 0o40000;
export const F_SETPIPE_SZ = 1031,
  F_GETPIPE_SZ = 1032;
/** Bytes one write copies in at most (a short count, which every caller handles). */
const MAX_IO = 1 << 24;

export function pipe2(t: Task, a: SyscallArgs): SysResult {
  const fds = t.proc.fds,
    flags = a.int(1);
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) !== 0) return -EINVAL;
  t.proc.mem.probeWrite(a.ptr(0), 8);
  const buf = new PipeBuffer(t.proc.kernel.allocIno());
  const r = fds.install(new PipeEnd(buf, false, flags), (flags & O_CLOEXEC) !== 0);
  if (r < 0) return r;
  const w = fds.install(new PipeEnd(buf, true, flags | 1), (flags & O_CLOEXEC) !== 0);
  if (w < 0) {
    fds.close(r);
    return w;
  }
  putU32(t, a.ptr(0), r);
  putU32(t, a.ptr(0) + 4, w);
  return 0;
}

export function pipe(t: Task, a: SyscallArgs): SysResult {
  return pipe2(t, Args.of(a.ptr(0), 0));
}

/**
 * The bytes of a write(2)/writev(2) to a pipe, copied from the caller's buffers in
 * order: whole pages of a buffer that faults part way (copy_page_from_iter), EFAULT
 * when nothing at all can be read.
 */
export function gatherPipeWrite(t: Task, iov: readonly { base: number; len: number }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const { base, len } of iov) {
    const want = Math.min(len, MAX_RW_COUNT - total, MAX_IO - total);
    if (want <= 0) break;
    if (base + len > USER_LIMIT) break; // access_ok
    const ok = readablePrefix(t.proc.mem, base, want);
    const n = ok >= want ? want : ok - (ok % PAGE_SIZE);
    if (n > 0) parts.push(t.proc.mem.readBytes(base, n));
    total += n;
    if (n < len) break;
  }
  if (total === 0 && iov.some((v) => v.len > 0)) fail(EFAULT);
  return concatBytes(parts);
}

/**
 * pipe_write: what fits goes in now; a blocking writer then waits for room until
 * every byte is in (a write of at most PIPE_BUF bytes goes in whole). A signal
 * after some bytes went in ends the call with their count. No reader: SIGPIPE,
 * and EPIPE unless some bytes went in.
 */
export function writePipe(t: Task, f: PipeEnd, bytes: Uint8Array): SysResult {
  if (bytes.length === 0) return 0;
  let done = 0;
  const attempt = (): number | null => {
    const r = f.write(bytes.subarray(done));
    if (r === -EPIPE) {
      sendToTask(t.proc.kernel, t, { signo: SIGPIPE, code: SI_USER, pid: t.proc.pid, uid: t.cred.uid });
      return done > 0 ? done : -EPIPE;
    }
    if (r > 0) done += r;
    if (done === bytes.length) return done;
    if ((f.flags & O_NONBLOCK) !== 0) return done > 0 ? done : -EAGAIN;
    return null;
  };
  const now = attempt();
  if (now !== null) return now;
  return block({
    poll: attempt,
    deadline: null,
    timeout: () => 0,
    restart: "sys",
    partial: () => (done > 0 ? done : null),
  });
}

/** F_GETPIPE_SZ and F_SETPIPE_SZ (pipe_fcntl): the size in bytes; EBADF on anything but a pipe. */
export function pipeFcntl(f: OpenFile, cmd: number, arg: number): number {
  if (!(f instanceof PipeEnd)) return -EBADF;
  const p = f.pipe;
  if (cmd === F_GETPIPE_SZ) return p.slots * PIPE_PAGE;
  const size = roundPipeSize(arg >>> 0);
  if (size === 0) return -EINVAL;
  if (size > PIPE_MAX_SIZE && size > p.slots * PIPE_PAGE) return -EPERM; // docs/quirks.md Q-PIPE-MAX-SIZE
  const r = p.resize(size / PIPE_PAGE);
  return r < 0 ? r : size;
}

/** round_pipe_size: a power of two number of pages, at least one; 0 past 2^31 bytes. */
function roundPipeSize(size: number): number {
  if (size > 2 ** 31) return 0;
  if (size <= PIPE_PAGE) return PIPE_PAGE;
  return 2 ** Math.ceil(Math.log2(size));
}
