// SPDX-License-Identifier: MIT
// /proc/PID and /proc/PID/task/TID (fs/proc/base.c tgid_base_stuff,
// tid_base_stuff): the process as the kernel knows it, never the host. Files
// that expose memory, the environment or open files need ptrace access to the
// process (EACCES otherwise), as on Linux.
import { EACCES, EINVAL, ENOENT } from "../errno.js";
import type { Process } from "../process.js";
import type { Task } from "../task.js";
import { HostFile, type OpenFile } from "./files.js";
import { PipeEnd } from "./pipe.js";
import { auxvBytes, cmdlineBytes, environBytes, ProcMemFile, ptraceMayAccess } from "./proc-mem.js";
import { limitsText, mapsText, statmText, statText, statusText } from "./proc-text.js";
import {
  bytesFile,
  DT_DIR,
  DT_LNK,
  GeneratedFile,
  inodeOf,
  type LinkTarget,
  type NodeMeta,
  type SynthDirNode,
  type SynthFileNode,
  type SynthLinkNode,
  type SynthNode,
  textFile,
} from "./synth.js";

/** st_dev of procfs (an anonymous device, 0:20). */
export const PROC_DEV = 20;
const TASK_COMM_LEN = 16;

function meta(p: Process, path: string, mode: number): NodeMeta {
  const c = p.leader.cred;
  return { mode, ino: inodeOf(path), dev: PROC_DEV, uid: c.euid, gid: c.egid };
}

/** A file only a reader with ptrace access to `p` may open. */
function guardedFile(
  p: Process,
  path: string,
  mode: number,
  open: (t: Task, flags: number, path: string) => OpenFile,
): SynthFileNode {
  return {
    ...meta(p, path, mode),
    kind: "file",
    open: (t, flags, at) => (ptraceMayAccess(t, p) ? open(t, flags, at) : -EACCES),
  };
}

function link(p: Process, path: string, target: (t: Task) => LinkTarget | number, guarded = true): SynthLinkNode {
  return {
    ...meta(p, path, 0o777),
    kind: "link",
    target: (t) => (guarded && !ptraceMayAccess(t, p) ? -EACCES : target(t)),
  };
}

/** What readlink says of an open file (d_path, or the anon inode's name). */
function fdLinkText(p: Process, f: OpenFile): string {
  if (f instanceof PipeEnd) return f.path;
  if (f instanceof HostFile && f.borrowed) {
    const k = p.kernel,
      at = k.host.fdPath(f.hostFd),
      root = k.opts.root;
    if (typeof at === "number") return f.path;
    return root !== "" && at.startsWith(root + "/") ? at.slice(root.length) : at === root && root !== "" ? "/" : at;
  }
  return f.path;
}

function fdDir(p: Process, path: string): SynthDirNode {
  return {
    ...meta(p, path, 0o500),
    kind: "dir",
    entries: (t) => (ptraceMayAccess(t, p) ? p.fds.entries().map(([fd]) => [`${fd}`, DT_LNK]) : []),
    lookup: (t, name) => {
      if (!/^(0|[1-9]\d*)$/.test(name) || !ptraceMayAccess(t, p)) return undefined;
      const f = p.fds.get(Number(name));
      if (f === undefined) return undefined;
      const mode = ((f.flags & 3) !== 1 ? 0o500 : 0) | ((f.flags & 3) !== 0 ? 0o300 : 0);
      return { ...link(p, `${path}/${name}`, () => ({ text: fdLinkText(p, f), file: f })), mode };
    },
  };
}

function commFile(p: Process, tk: Task, path: string): SynthFileNode {
  return bytesFile(
    meta(p, path, 0o644),
    () => new TextEncoder().encode(new TextDecoder().decode(tk.comm) + "\n"),
    (t, buf) => {
      if (t.proc !== p) return -EINVAL;
      const b = buf.subarray(0, TASK_COMM_LEN - 1);
      const z = b.indexOf(0);
      tk.comm = b.slice(0, z < 0 ? b.length : z);
      return buf.length;
    },
  );
}

/** The entries of a process (tk = its leader) or thread directory. */
function children(p: Process, tk: Task, path: string, withTasks: boolean): Map<string, SynthNode> {
  const at = (n: string): string => `${path}/${n}`;
  const m = new Map<string, SynthNode>();
  if (withTasks) m.set("task", taskDir(p, at("task")));
  m.set("fd", fdDir(p, at("fd")));
  m.set(
    "environ",
    guardedFile(p, at("environ"), 0o400, (_t, fl, pa) => new GeneratedFile(pa, fl, () => environBytes(p))),
  );
  m.set(
    "auxv",
    guardedFile(p, at("auxv"), 0o400, (_t, fl, pa) => new GeneratedFile(pa, fl, () => auxvBytes(p))),
  );
  m.set(
    "status",
    textFile(meta(p, at("status"), 0o444), (t) => statusText(p, tk, t)),
  );
  m.set(
    "limits",
    textFile(meta(p, at("limits"), 0o444), () => limitsText(p)),
  );
  m.set("comm", commFile(p, tk, at("comm")));
  m.set(
    "cmdline",
    bytesFile(meta(p, at("cmdline"), 0o444), () => cmdlineBytes(p)),
  );
  m.set(
    "stat",
    textFile(meta(p, at("stat"), 0o444), (t) => statText(p, tk, t, ptraceMayAccess(t, p))),
  );
  m.set(
    "statm",
    textFile(meta(p, at("statm"), 0o444), () => statmText(p)),
  );
  m.set(
    "maps",
    guardedFile(
      p,
      at("maps"),
      0o444,
      (_t, fl, pa) => new GeneratedFile(pa, fl, () => new TextEncoder().encode(p.live ? mapsText(p) : "")),
    ),
  );
  m.set(
    "mem",
    guardedFile(p, at("mem"), 0o600, (_t, fl, pa) => new ProcMemFile(pa, fl, p, p.mm)),
  );
  m.set(
    "cwd",
    link(p, at("cwd"), () => ({ text: p.cwd, jump: p.cwd })),
  );
  m.set(
    "root",
    link(p, at("root"), () => ({ text: "/", jump: "/" })),
  );
  m.set(
    "exe",
    link(p, at("exe"), () => (p.live && p.exePath !== "" ? { text: p.exePath, jump: p.exePath } : -ENOENT)),
  );
  return m;
}

function taskDir(p: Process, path: string): SynthDirNode {
  return {
    ...meta(p, path, 0o555),
    kind: "dir",
    entries: () => p.liveTasks().map((x) => [`${x.tid}`, DT_DIR]),
    lookup: (_t, name) => {
      const tk = p.liveTasks().find((x) => `${x.tid}` === name);
      return tk === undefined ? undefined : procDir(p, tk, `${path}/${name}`, false);
    },
  };
}

/** /proc/PID (tk = the leader, with task/) or /proc/PID/task/TID (without). */
export function procDir(p: Process, tk: Task, path: string, withTasks = true): SynthDirNode {
  let table: Map<string, SynthNode> | null = null;
  const get = (): Map<string, SynthNode> => (table ??= children(p, tk, path, withTasks));
  return {
    ...meta(p, path, 0o555),
    kind: "dir",
    entries: () => [...get()].map(([n, node]) => [n, node.kind === "dir" ? DT_DIR : node.kind === "link" ? DT_LNK : 8]),
    lookup: (_t, name) => get().get(name),
  };
}
