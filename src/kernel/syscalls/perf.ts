// SPDX-License-Identifier: MIT
// perf_event_open(2) for the "lwp" PMU (kernel/events/core.c shape; the waitable
// ring buffer of docs/kernel.md "LWP as an OS feature") and poll/ppoll (fs/select.c), which a
// consumer uses to wait for a task's LWP samples. attr.config = LWP EventId (2–6),
// attr.sample_period = events per sample; pid = the task (0 = the caller), cpu = -1.
import { EBADF, EBUSY, EFAULT, EINVAL, ENOENT, ESRCH } from "../errno.js";
import { readTimespecNs } from "./time.js";
import { HostFile } from "../fs/files.js";
import { PipeEnd } from "../fs/pipe.js";
import type { Task } from "../task.js";
import { getU32, getU64, tryAccess } from "../usercopy.js";
import { LwpProfiler } from "../lwp/profiler.js";
import { ProfileError, profileRequest } from "../lwp/options.js";
import { PERF_TYPE_LWP, PerfEventFile, SAMPLE_SUPPORTED } from "../lwp/perf-event.js";
import { type SyscallArgs, type SysResult, block } from "./abi.js";

const PERF_FLAG_FD_CLOEXEC = 8;
const ATTR_DISABLED = 1, ATTR_INHERIT = 2, ATTR_FREQ = 1 << 10;
const POLLIN = 1, POLLOUT = 4, POLLNVAL = 0x20;

export function perf_event_open(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc, k = p.kernel;
  const [attr, pid, cpu, group, flags] = [a.ptr(0), a.int(1), a.int(2), a.int(3), a.u32(4)];
  const type = getU32(t, attr);
  if (type !== PERF_TYPE_LWP) return -ENOENT;
  const config = getU64(t, attr + 8), period = getU64(t, attr + 16), sampleType = getU64(t, attr + 24);
  const bits = getU32(t, attr + 40);
  if (cpu !== -1 || group !== -1 || (flags & ~PERF_FLAG_FD_CLOEXEC) !== 0) return -EINVAL;
  if ((bits & (ATTR_DISABLED | ATTR_FREQ)) !== 0 || (sampleType & ~SAMPLE_SUPPORTED) !== 0 || getU64(t, attr + 32) !== 0) return -EINVAL;
  const target = pid === 0 ? t : k.findTask(pid);
  if (target === undefined) return -ESRCH;
  if (target.lwpProf !== null) return -EBUSY;
  const file = new PerfEventFile(k, target, sampleType, period, 2);
  const prof = (k.lwpProf ??= new LwpProfiler(k, null));
  try {
    const req = profileRequest(k, target.proc, { events: [{ id: config, period }], inherit: (bits & ATTR_INHERIT) !== 0, sink: file });
    prof.attach(target, req);
  } catch (e) {
    if (e instanceof ProfileError) return -EINVAL;
    throw e;
  }
  return p.fds.install(file, (flags & PERF_FLAG_FD_CLOEXEC) !== 0);
}

/** Ready events of one fd for poll. */
function ready(t: Task, fd: number, want: number): number {
  const f = t.proc.fds.get(fd);
  if (f === undefined) return POLLNVAL;
  if (f instanceof PerfEventFile) return f.pollEvents() & (want | 0x18);
  if (f instanceof PipeEnd) { // pipe_poll: POLLOUT while a slot is free, POLLERR without readers, POLLHUP without writers
    if (f.writable) return ((f.pipe.full ? 0 : POLLOUT) & want) | (f.pipe.readers === 0 ? 0x8 : 0);
    return ((f.pipe.empty ? 0 : POLLIN) & want) | (f.pipe.writers === 0 ? 0x10 : 0);
  }
  if (f instanceof HostFile) return (POLLIN | POLLOUT) & want;
  return 0;
}

/** Fills revents; returns the number of ready fds. */
function scan(t: Task, fds: number, n: number): number {
  const p = t.proc;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const at = fds + 8 * i, fd = p.mem.read32(at) | 0;
    const want = p.mem.read16(at + 4);
    const rev = fd < 0 ? 0 : ready(t, fd, want);
    p.mem.write16(at + 6, rev);
    if (rev !== 0) count++;
  }
  return count;
}

function doPoll(t: Task, fds: number, n: number, timeoutNs: bigint | null): SysResult {
  if (n < 0 || n > 1024) return -EINVAL;
  const k = t.proc.kernel;
  const r = scan(t, fds, n);
  if (r !== 0 || timeoutNs === 0n) return r;
  const deadline = timeoutNs === null ? null : k.clockNs() + timeoutNs;
  return block({
    poll: () => { const c = tryAccess(() => scan(t, fds, n), -EFAULT); return c === 0 ? null : c; },
    deadline, timeout: () => 0, restart: "nohand",
  });
}

export function poll(t: Task, a: SyscallArgs): SysResult {
  const ms = a.int(2);
  return doPoll(t, a.ptr(0), a.int(1), ms < 0 ? null : BigInt(ms) * 1_000_000n);
}

export function ppoll(t: Task, a: SyscallArgs): SysResult {
  if (a.ptr(2) === 0) return doPoll(t, a.ptr(0), a.int(1), null);
  return doPoll(t, a.ptr(0), a.int(1), readTimespecNs(t, a.ptr(2)));
}

/** mmap of an fd that maps itself (perf ring buffers); null when `fd` is not one. */
export function mmapSpecial(t: Task, fd: number, start: number, len: number): number | null {
  const f = t.proc.fds.get(fd);
  if (f === undefined) return -EBADF;
  return f instanceof PerfEventFile ? f.mmapInto(t.proc, start, len) : null;
}
