// SPDX-License-Identifier: MIT
// perf_event_open(2) for the "lwp" PMU (kernel/events/core.c shape; the waitable
// ring buffer of docs/kernel.md "LWP as an OS feature"), which a consumer
// polls (syscalls/poll.ts) to wait for a task's LWP samples. attr.config = LWP EventId (2–6),
// attr.sample_period = events per sample; pid = the task (0 = the caller), cpu = -1.
import { EBADF, EBUSY, EINVAL, ENOENT, ESRCH } from "../errno.js";
import type { Task } from "../task.js";
import { getU32, getU64 } from "../usercopy.js";
import { LwpProfiler } from "../lwp/profiler.js";
import { ProfileError, profileRequest } from "../lwp/options.js";
import { PERF_TYPE_LWP, PerfEventFile, SAMPLE_SUPPORTED } from "../lwp/perf-event.js";
import type { SyscallArgs, SysResult } from "./abi.js";

const PERF_FLAG_FD_CLOEXEC = 8;
const ATTR_DISABLED = 1,
  ATTR_INHERIT = 2,
  ATTR_FREQ = 1 << 10;

export function perf_event_open(t: Task, a: SyscallArgs): SysResult {
  const p = t.proc,
    k = p.kernel;
  const [attr, pid, cpu, group, flags] = [a.ptr(0), a.int(1), a.int(2), a.int(3), a.u32(4)];
  const type = getU32(t, attr);
  if (type !== PERF_TYPE_LWP) return -ENOENT;
  const config = getU64(t, attr + 8),
    period = getU64(t, attr + 16),
    sampleType = getU64(t, attr + 24);
  const bits = getU32(t, attr + 40);
  if (cpu !== -1 || group !== -1 || (flags & ~PERF_FLAG_FD_CLOEXEC) !== 0) return -EINVAL;
  if (
    (bits & (ATTR_DISABLED | ATTR_FREQ)) !== 0 ||
    (sampleType & ~SAMPLE_SUPPORTED) !== 0 ||
    getU64(t, attr + 32) !== 0
  ) {
    return -EINVAL;
  }
  const target = pid === 0 ? t : k.findTask(pid);
  if (target === undefined) return -ESRCH;
  if (target.lwpProf !== null) return -EBUSY;
  const file = new PerfEventFile(k, target, sampleType, period, 2);
  const prof = (k.lwpProf ??= new LwpProfiler(k, null));
  try {
    const req = profileRequest(k, target.proc, {
      events: [{ id: config, period }],
      inherit: (bits & ATTR_INHERIT) !== 0,
      sink: file,
    });
    prof.attach(target, req);
  } catch (e) {
    if (e instanceof ProfileError) return -EINVAL;
    throw e;
  }
  return p.fds.install(file, (flags & PERF_FLAG_FD_CLOEXEC) !== 0);
}

/** mmap of an fd that maps itself (perf ring buffers); null when `fd` is not one. */
export function mmapSpecial(t: Task, fd: number, start: number, len: number): number | null {
  const f = t.proc.fds.get(fd);
  if (f === undefined) return -EBADF;
  return f instanceof PerfEventFile ? f.mmapInto(t.proc, start, len) : null;
}
