// SPDX-License-Identifier: MIT
// Path lookup (fs/namei.c link_path_walk): every component of a guest path is
// resolved here, never by the host. Symbolic links are read and followed by
// the kernel (at most 40 per lookup, then ELOOP), absolute targets restart at
// the guest's root, `..` at the root stays there, and the synthetic trees
// (/proc, the kernel's sysfs files) are entered like mounts. The host only ever
// sees a path whose directories were each checked to be directories, and a last
// component that is not a symbolic link unless the call does not follow one.
import { EISDIR, ELOOP, ENOENT, ENOTDIR } from "../errno.js";
import type { HostStat } from "../host.js";
import type { Task } from "../task.js";
import { fail } from "../syscalls/abi.js";
import { type OpenFile, S_IFDIR, S_IFLNK, S_IFMT } from "./files.js";
import { mountAt } from "./mounts.js";
import type { SynthDirNode, SynthLinkNode, SynthNode } from "./synth.js";

/** MAXSYMLINKS: symbolic links one lookup follows before ELOOP. */
const MAX_LINKS = 40;

interface Common {
  /** The guest path of what was found, without symbolic links, `.` or `..`. */
  readonly guest: string;
  /** The path ended with `/` (the result must be a directory). */
  readonly trailing: boolean;
  /** The last component as written: `.` and `..` forbid rmdir, rename and friends. */
  readonly lastName: string;
}

/** A host file, or the place where one would be created: `st` is its lstat, or -errno. */
export interface HostLookup extends Common {
  readonly kind: "host";
  readonly host: string;
  readonly st: HostStat | number;
}

interface SynthLookup extends Common {
  readonly kind: "synth";
  readonly node: SynthNode;
}

/** A magic link (/proc/PID/fd/N) followed at the end of the path: the open file it stands for. */
interface FileLookup extends Common {
  readonly kind: "file";
  readonly file: OpenFile;
  readonly link: SynthLinkNode;
}

export type Lookup = HostLookup | SynthLookup | FileLookup;

const split = (p: string): string[] => p.split("/").filter((s) => s !== "");

/** The host path of a guest path made of checked components under --root. */
function hostJoin(root: string, parts: readonly string[]): string {
  return parts.length === 0 ? root || "/" : `${root}/${parts.join("/")}`;
}

/**
 * How the last component is treated: "follow" follows a symbolic link there,
 * "nofollow" does not (unless a trailing slash asks for a directory), and
 * "parent" only resolves the directories before it and reports the last one
 * as it is (the calls that create, remove or rename a name: LOOKUP_PARENT).
 * "create" is open(2) with O_CREAT: it follows, and a trailing slash on the
 * component it ends at (one a link's text ends with too) is EISDIR, whatever is
 * there (open_last_lookups).
 */
export type LastMode = "follow" | "nofollow" | "parent" | "create";

/**
 * Resolves `path` (absolute, or relative to the guest directory `base`) for
 * `t`; `follow` (a boolean for follow/nofollow, or a LastMode) says what
 * happens to the last component. Errors of the walk (ENOENT in a directory
 * part, ENOTDIR, ELOOP, EACCES) fail the call; a missing last component is
 * returned with `st` = -ENOENT for the call to create or refuse.
 */
export function walk(t: Task, base: string, path: string, follow: boolean | LastMode): Lookup {
  const mode: LastMode = follow === true ? "follow" : follow === false ? "nofollow" : follow;
  const k = t.proc.kernel,
    root = k.opts.root;
  let todo = split(path);
  if (!path.startsWith("/")) todo = [...split(base), ...todo];
  const stack: string[] = [];
  /** The synthetic directory each stacked component is, or null for a host directory. */
  const nodes: (SynthDirNode | null)[] = [];
  let trailing = path.endsWith("/");
  /** Whether the last component is followed or checked (not for "parent" lookups). */
  const judge = (): boolean => mode === "follow" || mode === "create" || (mode === "nofollow" && trailing);
  /** ENOTDIR for a non-directory where a directory is needed. */
  const checkDir = (isDir: boolean, last: boolean): void => {
    if (!isDir && (!last || (trailing && mode !== "parent"))) fail(ENOTDIR);
  };
  let links = 0;
  let lastName = "/";
  let i = 0;
  const guest = (): string => "/" + stack.join("/");
  while (i < todo.length) {
    const name = todo[i++]!;
    const last = i === todo.length;
    lastName = name;
    if (name === ".") continue;
    if (name === "..") {
      stack.pop();
      nodes.pop();
      continue;
    }
    // O_CREAT and a trailing slash on the last component: EISDIR before it is looked up,
    // whatever is there, a link to nowhere included (open_last_lookups).
    if (last && trailing && mode === "create") fail(EISDIR);
    const parent = nodes.length === 0 ? null : nodes[nodes.length - 1]!;
    const mounted = parent === null ? mountAt(stack, name) : parent.lookup(t, name);
    const inSynth = parent !== null || mounted !== undefined;
    if (inSynth) {
      if (mounted === undefined) fail(ENOENT);
      if (mounted.kind === "link" && (!last || judge())) {
        if (++links > MAX_LINKS) fail(ELOOP);
        const tg = mounted.target(t);
        if (typeof tg === "number") fail(-tg);
        if ("file" in tg) {
          if (last) return { kind: "file", file: tg.file, link: mounted, guest: tg.text, trailing, lastName };
          todo = [...split(tg.file.path), ...todo.slice(i)];
          stack.length = nodes.length = i = 0;
          continue;
        }
        const to = "jump" in tg ? tg.jump : tg.text;
        if (to.startsWith("/")) stack.length = nodes.length = 0;
        if (last && to.endsWith("/")) trailing = true;
        todo = [...split(to), ...todo.slice(i)];
        i = 0;
        continue;
      }
      checkDir(mounted.kind === "dir", last);
      stack.push(name);
      if (last) return { kind: "synth", node: mounted, guest: guest(), trailing, lastName };
      nodes.push(mounted as SynthDirNode);
      continue;
    }
    const hp = hostJoin(root, [...stack, name]);
    const st = k.host.stat(hp, false);
    if (typeof st === "number") {
      if (last) return { kind: "host", host: hp, st, guest: "/" + [...stack, name].join("/"), trailing, lastName };
      fail(-st);
    }
    const type = st.mode & S_IFMT;
    if (type === S_IFLNK && (!last || judge())) {
      if (++links > MAX_LINKS) fail(ELOOP);
      const to = k.host.readlink(hp);
      if (typeof to === "number") fail(-to);
      if (to === "") fail(ENOENT);
      if (to.startsWith("/")) stack.length = nodes.length = 0;
      if (last && to.endsWith("/")) trailing = true;
      todo = [...split(to), ...todo.slice(i)];
      i = 0;
      continue;
    }
    checkDir(type === S_IFDIR, last);
    stack.push(name);
    nodes.push(null);
    if (last) return { kind: "host", host: hostJoin(root, stack), st, guest: guest(), trailing, lastName };
  }
  return current(t, root, stack, nodes, trailing, lastName);
}

/** The result when the path ends at a directory already on the stack ("/", ".", "..", "a/."). */
function current(
  t: Task,
  root: string,
  stack: string[],
  nodes: (SynthDirNode | null)[],
  trailing: boolean,
  lastName: string,
): Lookup {
  const guest = "/" + stack.join("/");
  const top = nodes.length === 0 ? null : nodes[nodes.length - 1]!;
  if (top !== null) return { kind: "synth", node: top, guest, trailing, lastName };
  const hp = hostJoin(root, stack);
  return { kind: "host", host: hp, st: t.proc.kernel.host.stat(hp, false), guest, trailing, lastName };
}
