// SPDX-License-Identifier: MIT
// perf_event_open(2) for the "lwp" PMU (kernel/events/core.c shape; the waitable ring
// buffer of design.md "LWP as an OS feature") and poll/ppoll (fs/select.c), which a
// consumer uses to wait for a task's LWP samples. attr.config = LWP EventId (2–6),
// attr.sample_period = events per sample; pid = the task (0 = the caller), cpu = -1.
import { EBADF, EBUSY, EINVAL, ENOENT, ESRCH } from "../errno.js";
import { HostFile, PipeEnd } from "../fs/files.js";
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import { LwpProfiler } from "../lwp/profiler.js";
import { ProfileError, profileRequest } from "../lwp/options.js";
import { PERF_TYPE_LWP, PerfEventFile, SAMPLE_SUPPORTED } from "../lwp/perf-event.js";
import { BLOCK, type SyscallRow, sys } from "./types.js";
import { guarded } from "./util.js";

const PERF_FLAG_FD_CLOEXEC = 8;
const ATTR_DISABLED = 1, ATTR_INHERIT = 2, ATTR_FREQ = 1 << 10;
const POLLIN = 1, POLLOUT = 4, POLLNVAL = 0x20;

function u64(p: Process, a: number): number {
  return (p.mem.read32(a + 4) >>> 0) * 4294967296 + (p.mem.read32(a) >>> 0);
}

function perfEventOpen(k: Kernel, p: Process, a: readonly number[]): number {
  return guarded(() => {
    const [attr, pid, cpu, group, flags] = [a[0]!, a[1]! | 0, a[2]! | 0, a[3]! | 0, a[4]! >>> 0];
    const type = p.mem.read32(attr) >>> 0;
    if (type !== PERF_TYPE_LWP) return -ENOENT;
    const config = u64(p, attr + 8), period = u64(p, attr + 16), sampleType = u64(p, attr + 24);
    const bits = p.mem.read32(attr + 40) >>> 0;
    if (cpu !== -1 || group !== -1 || (flags & ~PERF_FLAG_FD_CLOEXEC) !== 0) return -EINVAL;
    if ((bits & (ATTR_DISABLED | ATTR_FREQ)) !== 0 || (sampleType & ~SAMPLE_SUPPORTED) !== 0 || u64(p, attr + 32) !== 0) return -EINVAL;
    const target = pid === 0 ? p.current : k.findTask(pid);
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
  });
}

/** Ready events of one fd for poll. */
function ready(p: Process, fd: number, want: number): number {
  const f = p.fds.get(fd);
  if (f === undefined) return POLLNVAL;
  if (f instanceof PerfEventFile) return f.pollEvents() & (want | 0x18);
  if (f instanceof PipeEnd) {
    if (f.writable) return POLLOUT & want;
    return (f.pipe.chunks.length > 0 ? POLLIN : 0) | (f.pipe.writers === 0 ? 0x10 : 0);
  }
  if (f instanceof HostFile) return (POLLIN | POLLOUT) & want;
  return 0;
}

/** Fills revents; returns the number of ready fds. */
function scan(p: Process, fds: number, n: number): number {
  let count = 0;
  for (let i = 0; i < n; i++) {
    const at = fds + 8 * i, fd = p.mem.read32(at) | 0;
    const want = p.mem.read16(at + 4);
    const rev = fd < 0 ? 0 : ready(p, fd, want);
    p.mem.write16(at + 6, rev);
    if (rev !== 0) count++;
  }
  return count;
}

function doPoll(k: Kernel, p: Process, fds: number, n: number, timeoutNs: bigint | null): number {
  if (n < 0 || n > 1024) return -EINVAL;
  return guarded(() => {
    const r = scan(p, fds, n);
    if (r !== 0 || timeoutNs === 0n) return r;
    const deadline = timeoutNs === null ? null : k.clockNs() + timeoutNs;
    p.current.blocker = {
      poll: () => { const c = guarded(() => scan(p, fds, n)); return c === 0 ? null : c; },
      deadline, timeout: () => 0, restart: "nohand",
    };
    return BLOCK;
  });
}

function poll(k: Kernel, p: Process, a: readonly number[]): number {
  const ms = a[2]! | 0;
  return doPoll(k, p, a[0]!, a[1]! | 0, ms < 0 ? null : BigInt(ms) * 1_000_000n);
}

function ppoll(k: Kernel, p: Process, a: readonly number[]): number {
  if (a[2]! === 0) return doPoll(k, p, a[0]!, a[1]! | 0, null);
  return guarded(() => {
    const sec = BigInt(u64(p, a[2]!)), nsec = BigInt(u64(p, a[2]! + 8));
    return doPoll(k, p, a[0]!, a[1]! | 0, sec * 1_000_000_000n + nsec);
  });
}

/** mmap of an fd that maps itself (perf ring buffers); null when `fd` is not one. */
export function mmapSpecial(p: Process, fd: number, start: number, len: number): number | null {
  const f = p.fds.get(fd);
  if (f === undefined) return -EBADF;
  return f instanceof PerfEventFile ? f.mmapInto(p, start, len) : null;
}

export const PERF_SYSCALLS: readonly SyscallRow[] = [
  sys(298, "perf_event_open", ["ptr", "int", "int", "fd", "hex"], perfEventOpen),
  sys(7, "poll", ["ptr", "int", "int"], poll),
  sys(271, "ppoll", ["ptr", "int", "ptr", "ptr", "size"], ppoll),
];
