// SPDX-License-Identifier: MIT
// User and group identity (kernel/sys.c, kernel/groups.c, kernel/capability.c):
// the get/set families of real, effective, saved and file-system ids,
// supplementary groups and capabilities, with Linux's permission rules: without
// CAP_SETUID (CAP_SETGID) a process may only move among its current ids.
import { CAP_FULL, CAP_SETGID, CAP_SETPCAP, CAP_SETUID, type Cred } from "../cred.js";
import { EINVAL, EPERM, ESRCH } from "../errno.js";
import type { Task } from "../task.js";
import { copyIn, copyOut, getU32, putU32 } from "../usercopy.js";
import { type SyscallArgs, type SysResult } from "./abi.js";

/** (uid_t)-1: "leave unchanged" in setre*id and setres*id, never a valid id. */
const NO_ID = 0xffffffff;
const NGROUPS_MAX = 65536;
const CAP_V1 = 0x19980330,
  CAP_V2 = 0x20071026,
  CAP_V3 = 0x20080522;

type Ids = "uid" | "gid";
const FIELDS = {
  uid: { r: "uid", e: "euid", s: "suid", fs: "fsuid", cap: CAP_SETUID },
  gid: { r: "gid", e: "egid", s: "sgid", fs: "fsgid", cap: CAP_SETGID },
} as const;

/** Installs new credentials on the task, with the capability fix-ups of a uid change. */
function commit(t: Task, next: Cred, kind: Ids): number {
  const old = t.cred;
  if (kind === "uid") next.fixSetuid(old);
  t.cred = next;
  return 0;
}

function setId(t: Task, a: SyscallArgs, kind: Ids): SysResult {
  const f = FIELDS[kind],
    id = a.u32(0),
    old = t.cred,
    next = old.clone();
  if (id === NO_ID) return -EINVAL;
  if (old.capable(f.cap)) next[f.r] = next[f.s] = id;
  else if (id !== old[f.r] && id !== old[f.s]) return -EPERM;
  next[f.e] = next[f.fs] = id;
  return commit(t, next, kind);
}

function setReId(t: Task, a: SyscallArgs, kind: Ids): SysResult {
  const f = FIELDS[kind],
    r = a.u32(0),
    e = a.u32(1),
    old = t.cred,
    next = old.clone();
  const cap = old.capable(f.cap);
  if (r !== NO_ID) {
    if (r !== old[f.r] && r !== old[f.e] && !cap) return -EPERM;
    next[f.r] = r;
  }
  if (e !== NO_ID) {
    if (e !== old[f.r] && e !== old[f.e] && e !== old[f.s] && !cap) return -EPERM;
    next[f.e] = e;
  }
  if (r !== NO_ID || (e !== NO_ID && e !== old[f.r])) next[f.s] = next[f.e];
  next[f.fs] = next[f.e];
  return commit(t, next, kind);
}

function setResId(t: Task, a: SyscallArgs, kind: Ids): SysResult {
  const f = FIELDS[kind],
    ids = [a.u32(0), a.u32(1), a.u32(2)],
    old = t.cred,
    next = old.clone();
  if (!old.capable(f.cap)) {
    const allowed = [old[f.r], old[f.e], old[f.s]];
    if (ids.some((id) => id !== NO_ID && !allowed.includes(id))) return -EPERM;
  }
  const [r, e, s] = ids as [number, number, number];
  if (r !== NO_ID) next[f.r] = r;
  if (e !== NO_ID) next[f.e] = e;
  if (s !== NO_ID) next[f.s] = s;
  next[f.fs] = next[f.e];
  return commit(t, next, kind);
}

function getResId(t: Task, a: SyscallArgs, kind: Ids): SysResult {
  const f = FIELDS[kind],
    c = t.cred;
  putU32(t, a.ptr(0), c[f.r]);
  putU32(t, a.ptr(1), c[f.e]);
  putU32(t, a.ptr(2), c[f.s]);
  return 0;
}

/** setfsuid/setfsgid: always the old value; the change happens only when permitted. */
function setFsId(t: Task, a: SyscallArgs, kind: Ids): SysResult {
  const f = FIELDS[kind],
    id = a.u32(0),
    old = t.cred,
    was = old[f.fs];
  if (id === NO_ID) return was;
  if ([old[f.r], old[f.e], old[f.s], old[f.fs]].includes(id) || old.capable(f.cap)) {
    if (id !== was) {
      const next = old.clone();
      next[f.fs] = id;
      if (kind === "uid") next.fixSetfsuid(was);
      t.cred = next;
    }
  }
  return was;
}

export const getuid = (t: Task): SysResult => t.cred.uid;
export const geteuid = (t: Task): SysResult => t.cred.euid;
export const getgid = (t: Task): SysResult => t.cred.gid;
export const getegid = (t: Task): SysResult => t.cred.egid;
export const setuid = (t: Task, a: SyscallArgs): SysResult => setId(t, a, "uid");
export const setgid = (t: Task, a: SyscallArgs): SysResult => setId(t, a, "gid");
export const setreuid = (t: Task, a: SyscallArgs): SysResult => setReId(t, a, "uid");
export const setregid = (t: Task, a: SyscallArgs): SysResult => setReId(t, a, "gid");
export const setresuid = (t: Task, a: SyscallArgs): SysResult => setResId(t, a, "uid");
export const setresgid = (t: Task, a: SyscallArgs): SysResult => setResId(t, a, "gid");
export const getresuid = (t: Task, a: SyscallArgs): SysResult => getResId(t, a, "uid");
export const getresgid = (t: Task, a: SyscallArgs): SysResult => getResId(t, a, "gid");
export const setfsuid = (t: Task, a: SyscallArgs): SysResult => setFsId(t, a, "uid");
export const setfsgid = (t: Task, a: SyscallArgs): SysResult => setFsId(t, a, "gid");

export function getgroups(t: Task, a: SyscallArgs): SysResult {
  const size = a.int(0),
    groups = t.cred.groups;
  if (size < 0) return -EINVAL;
  if (size === 0) return groups.length;
  if (size < groups.length) return -EINVAL;
  const buf = new DataView(new ArrayBuffer(4 * groups.length));
  groups.forEach((g, i) => buf.setUint32(4 * i, g, true));
  copyOut(t, a.ptr(1), new Uint8Array(buf.buffer));
  return groups.length;
}

/** setgroups: CAP_SETGID only; the list is kept sorted, as groups_sort does. */
export function setgroups(t: Task, a: SyscallArgs): SysResult {
  const size = a.int(0);
  if (!t.cred.capable(CAP_SETGID)) return -EPERM;
  if (size < 0 || size > NGROUPS_MAX) return -EINVAL;
  const v = new DataView(copyIn(t, a.ptr(1), 4 * size).buffer);
  const groups: number[] = [];
  for (let i = 0; i < size; i++) groups.push(v.getUint32(4 * i, true));
  const next = t.cred.clone();
  next.groups = groups.sort((x, y) => x - y);
  t.cred = next;
  return 0;
}

/** The number of 32-bit words per set for a header version, or null (then the header says v3). */
function capWords(t: Task, hdr: number): number | null {
  const v = getU32(t, hdr);
  if (v === CAP_V1) return 1;
  if (v === CAP_V2 || v === CAP_V3) return 2;
  putU32(t, hdr, CAP_V3);
  return null;
}

/** The task a capget/capset header names (pid 0 = the caller). */
function capTarget(t: Task, hdr: number): Task | null | "bad" {
  const pid = t.proc.mem.read32(hdr + 4);
  if (pid < 0) return "bad";
  if (pid === 0 || pid === t.tid) return t;
  return t.proc.kernel.findTask(pid) ?? null;
}

export function capget(t: Task, a: SyscallArgs): SysResult {
  const hdr = a.ptr(0),
    data = a.ptr(1);
  const words = capWords(t, hdr);
  if (words === null) return data === 0 ? 0 : -EINVAL;
  if (data === 0) return 0;
  const who = capTarget(t, hdr);
  if (who === "bad") return -EINVAL;
  if (who === null) return -ESRCH;
  const c = who.cred;
  const v = new DataView(new ArrayBuffer(12 * words));
  for (let w = 0; w < words; w++) {
    const part = (x: bigint): number => Number((x >> BigInt(32 * w)) & 0xffffffffn);
    v.setUint32(12 * w, part(c.capEffective), true);
    v.setUint32(12 * w + 4, part(c.capPermitted), true);
    v.setUint32(12 * w + 8, part(c.capInheritable), true);
  }
  copyOut(t, data, new Uint8Array(v.buffer));
  return 0;
}

/** capset: only the caller's own sets; inheritable within permitted (or CAP_SETPCAP) and bounding. */
export function capset(t: Task, a: SyscallArgs): SysResult {
  const hdr = a.ptr(0);
  const words = capWords(t, hdr);
  if (words === null) return -EINVAL;
  const who = capTarget(t, hdr);
  if (who !== t) return -EPERM;
  const v = new DataView(copyIn(t, a.ptr(1), 12 * words).buffer);
  const set = (o: number): bigint => {
    let x = 0n;
    for (let w = 0; w < words; w++) x |= BigInt(v.getUint32(12 * w + o, true)) << BigInt(32 * w);
    return x & CAP_FULL;
  };
  const eff = set(0),
    perm = set(4),
    inh = set(8),
    old = t.cred;
  const within = (x: bigint, y: bigint): boolean => (x & ~y) === 0n;
  if (!within(inh, old.capInheritable | old.capPermitted) && !old.capable(CAP_SETPCAP)) return -EPERM;
  if (!within(inh, old.capInheritable | old.capBounding)) return -EPERM;
  if (!within(perm, old.capPermitted) || !within(eff, perm)) return -EPERM;
  const next = old.clone();
  next.capEffective = eff;
  next.capPermitted = perm;
  next.capInheritable = inh;
  t.cred = next;
  return 0;
}
