// SPDX-License-Identifier: MIT
// Process calls (kernel/exit.c wait4/waitid, fs/exec.c execve, kernel/sys.c
// process groups and sessions): waiting for children, replacing the image.
import { ECHILD, EINVAL, EPERM, ESRCH } from "../errno.js";
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import { endTask, reap } from "../sched/exit.js";
import { execImage, readGuestFile, resolveScript } from "../exec.js";
import { ExecError } from "../loader/load-elf.js";
import { BLOCK, NO_RETURN, type SyscallRow, sys } from "./types.js";
import { cstring, guarded, pathAt, AT_FDCWD } from "./util.js";
import { CLD_EXITED, CLD_KILLED } from "../signal/queue.js";

const WNOHANG = 1;
const WEXITED = 4;
const WNOWAIT = 0x01000000;
const P_ALL = 0, P_PID = 1, P_PGID = 2;

/** Children matching a wait4 pid selector. */
function matching(p: Process, pid: number): Process[] {
  return p.children.filter((c) => (pid === -1 ? true : pid > 0 ? c.pid === pid : pid === 0 ? c.pgid === p.pgid : c.pgid === -pid));
}

function wait4(k: Kernel, p: Process, a: readonly number[]): number {
  const [pid, statusAddr, options] = [a[0]! | 0, a[1]!, a[2]! | 0];
  const once = (): number | null => {
    const cands = matching(p, pid);
    if (cands.length === 0) return -ECHILD;
    const z = cands.find((c) => !c.live);
    if (z === undefined) return (options & WNOHANG) !== 0 ? 0 : null;
    return guarded(() => {
      if (statusAddr !== 0) p.mem.write32(statusAddr, z.waitStatus!);
      if (a[3]! !== 0) p.mem.writeBytes(a[3]!, new Uint8Array(144));
      reap(k, z);
      return z.pid;
    });
  };
  const r = once();
  if (r !== null) return r;
  p.current.blocker = { poll: once, deadline: null, timeout: () => 0, restart: "sys" };
  return BLOCK;
}

function waitid(k: Kernel, p: Process, a: readonly number[]): number {
  const [idtype, id, info, options] = [a[0]! | 0, a[1]! | 0, a[2]!, a[3]! | 0];
  if ((options & WEXITED) === 0) return -EINVAL;
  const sel = idtype === P_ALL ? -1 : idtype === P_PID ? id : idtype === P_PGID ? -id : NaN;
  if (Number.isNaN(sel)) return -EINVAL;
  const once = (): number | null => {
    const cands = matching(p, sel);
    if (cands.length === 0) return -ECHILD;
    const z = cands.find((c) => !c.live);
    if (z === undefined) {
      if ((options & WNOHANG) === 0) return null;
      return guarded(() => { if (info !== 0) p.mem.writeBytes(info, new Uint8Array(128)); return 0; });
    }
    return guarded(() => {
      if (info !== 0) writeChildInfo(p, info, z);
      if ((options & WNOWAIT) === 0) reap(k, z);
      return 0;
    });
  };
  const r = once();
  if (r !== null) return r;
  p.current.blocker = { poll: once, deadline: null, timeout: () => 0, restart: "sys" };
  return BLOCK;
}

function writeChildInfo(p: Process, at: number, z: Process): void {
  const b = new Uint8Array(128);
  const v = new DataView(b.buffer);
  const ws = z.waitStatus!;
  v.setInt32(0, 17, true);
  v.setInt32(8, (ws & 0x7f) !== 0 ? CLD_KILLED : CLD_EXITED, true);
  v.setInt32(16, z.pid, true);
  v.setInt32(24, (ws & 0x7f) !== 0 ? ws & 0x7f : ws >> 8, true);
  p.mem.writeBytes(at, b);
}

function readStrings(p: Process, addr: number): string[] {
  const out: string[] = [];
  for (let i = 0; addr !== 0; i++) {
    const ptr = (p.mem.read32(addr + 8 * i) >>> 0) + p.mem.read32(addr + 8 * i + 4) * 4294967296;
    if (ptr === 0) break;
    out.push(cstring(p, ptr));
  }
  return out;
}

function execve(k: Kernel, p: Process, a: readonly number[]): number {
  return guarded(() => {
    const given = pathAt(p, AT_FDCWD, a[0]!);
    if (typeof given === "number") return given;
    const path = given === "/proc/self/exe" ? p.exePath : given;
    const bytes = readGuestFile(k, path);
    if (typeof bytes === "number") return bytes;
    const spec = resolveScript(k, { path, bytes, argv: readStrings(p, a[1]!), envp: readStrings(p, a[2]!) });
    if (typeof spec === "number") return spec;
    const t = p.current;
    k.lwpProf?.beforeExec(p);
    try {
      execImage(k, p, t, spec);
    } catch (e) {
      if (e instanceof ExecError) return -8; // ENOEXEC
      throw e;
    }
    for (const o of p.liveTasks()) if (o !== t) endTask(k, o);
    t.tid = p.pid; // the exec'ing thread becomes the group leader (fs/exec.c de_thread)
    k.lwpProf?.afterExec(t);
    p.vforkDone = true;
    return NO_RETURN;
  });
}

function setpgid(k: Kernel, p: Process, a: readonly number[]): number {
  const pid = a[0]! | 0, pgid = a[1]! | 0;
  if (pgid < 0) return -EINVAL;
  const q = pid === 0 ? p : k.procs.get(pid);
  if (q === undefined || (q !== p && q.parent !== p)) return -ESRCH;
  if (q.sid !== p.sid) return -EPERM;
  q.pgid = pgid === 0 ? q.pid : pgid;
  return 0;
}

function byPid(k: Kernel, p: Process, pid: number): Process | undefined {
  return pid === 0 ? p : k.procs.get(pid);
}

export const PROC_SYSCALLS: readonly SyscallRow[] = [
  sys(59, "execve", ["path", "ptr", "ptr"], execve),
  sys(61, "wait4", ["int", "ptr", "hex", "ptr"], wait4),
  sys(247, "waitid", ["int", "int", "ptr", "hex", "ptr"], waitid),
  sys(110, "getppid", [], (_k, p) => p.parent?.pid ?? 1),
  sys(109, "setpgid", ["int", "int"], setpgid),
  sys(111, "getpgrp", [], (_k, p) => p.pgid),
  sys(121, "getpgid", ["int"], (k, p, a) => byPid(k, p, a[0]! | 0)?.pgid ?? -ESRCH),
  sys(124, "getsid", ["int"], (k, p, a) => byPid(k, p, a[0]! | 0)?.sid ?? -ESRCH),
  sys(112, "setsid", [], (_k, p) => {
    if (p.pgid === p.pid) return -EPERM;
    p.sid = p.pgid = p.pid;
    return p.pid;
  }),
];


