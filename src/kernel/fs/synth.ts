// SPDX-License-Identifier: MIT
// File trees the kernel synthesises (procfs, the sysfs files it owns): directory,
// file and symbolic-link nodes looked up by name for the calling task, and the
// open file descriptions of their files and directories (fs/proc/generic.c,
// fs/seq_file.c, fs/kernfs). Contents are generated at the first read, as a
// seq_file does, and kept for the life of the open file.
import { EINVAL, EISDIR } from "../errno.js";
import type { HostDirent, HostStat } from "../host.js";
import type { Task } from "../task.js";
import { type OpenFile, S_IFDIR, S_IFLNK, S_IFREG } from "./files.js";

/** Ownership and mode of a node (procfs: the process's euid/egid for /proc/PID entries). */
export interface NodeMeta {
  readonly mode: number;
  readonly ino: number;
  readonly uid?: number;
  readonly gid?: number;
  /** st_dev: procfs and sysfs have their own (anonymous) device numbers. */
  readonly dev: number;
  /** st_size (sysfs files say 4096, procfs files 0). */
  readonly size?: number;
}

export interface SynthFileNode extends NodeMeta {
  readonly kind: "file";
  /** Opens the file for `t` (contents, position, writes); -errno to refuse. */
  open(t: Task, flags: number, path: string): OpenFile | number;
}

export interface SynthDirNode extends NodeMeta {
  readonly kind: "dir";
  /** Names with their DT_* type, in the order getdents returns them (without . and ..). */
  entries(t: Task): [string, number][];
  lookup(t: Task, name: string): SynthNode | undefined;
}

/**
 * Where a symbolic link leads: its text (readlink), and for a "magic" link
 * (/proc/PID/fd/N, cwd, exe, root) the object it stands for instead of the
 * text: an open file, or a guest path that is walked as if absolute.
 */
export type LinkTarget =
  | { readonly text: string }
  | { readonly text: string; readonly jump: string }
  | { readonly text: string; readonly file: OpenFile };

export interface SynthLinkNode extends NodeMeta {
  readonly kind: "link";
  target(t: Task): LinkTarget | number;
}

export type SynthNode = SynthFileNode | SynthDirNode | SynthLinkNode;

export const DT_DIR = 4,
  DT_REG = 8,
  DT_LNK = 10;

/** The stat of a synthetic node at virtual time `nowNs`. */
export function synthStat(n: SynthNode, nowNs: bigint): HostStat {
  const type = n.kind === "dir" ? S_IFDIR : n.kind === "link" ? S_IFLNK : S_IFREG;
  return {
    dev: n.dev,
    ino: n.ino,
    mode: type | n.mode,
    nlink: n.kind === "dir" ? 2 : 1,
    uid: n.uid ?? 0,
    gid: n.gid ?? 0,
    rdev: 0,
    size: n.size ?? 0,
    blksize: 1024,
    blocks: 0,
    atimeNs: nowNs,
    mtimeNs: nowNs,
    ctimeNs: nowNs,
  };
}

/** A stable inode number for a synthetic path (FNV-1a), so `ls -i` and `find` see the same numbers on every run. */
export function inodeOf(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193) >>> 0;
  return h | 0x1000;
}

/** An open file whose bytes are made at the first read (seq_file); SEEK_END is EINVAL as seq_lseek says. */
export class GeneratedFile implements OpenFile {
  refs = 1;
  private bytes: Uint8Array | null = null;
  private pos = 0;
  constructor(
    readonly path: string,
    public flags: number,
    private readonly make: () => Uint8Array,
    /** Handles a write (e.g. /proc/PID/comm); absent: EINVAL as for a procfs file without a write method. */
    private readonly onWrite: ((buf: Uint8Array) => number) | null = null,
    readonly node: SynthNode | null = null,
  ) {}

  read(buf: Uint8Array, at: number | null): number {
    if ((this.flags & 3) === 1) return -9; // EBADF: opened write-only
    this.bytes ??= this.make();
    const from = at ?? this.pos;
    const n = Math.max(0, Math.min(buf.length, this.bytes.length - from));
    buf.set(this.bytes.subarray(from, from + n));
    if (at === null) this.pos += n;
    return n;
  }

  write(buf: Uint8Array): number {
    if ((this.flags & 3) === 0) return -9;
    return this.onWrite === null ? -EINVAL : this.onWrite(buf);
  }

  seek(offset: number, whence: number): number {
    const pos = whence === 0 ? offset : whence === 1 ? this.pos + offset : -1;
    if (pos < 0) return -EINVAL;
    this.pos = pos;
    return pos;
  }

  close(): void {}
}

/** An open synthetic directory: getdents lists `.`, `..` and the node's entries. */
export class SynthDirFile implements OpenFile {
  refs = 1;
  dirEntries: HostDirent[] | null = null;
  pos = 0;
  constructor(
    readonly path: string,
    public flags: number,
    readonly node: SynthDirNode,
    private readonly task: Task,
  ) {}

  entries(): HostDirent[] {
    return (this.dirEntries ??= [
      { name: ".", ino: this.node.ino, type: DT_DIR },
      { name: "..", ino: inodeOf(this.path.slice(0, this.path.lastIndexOf("/")) || "/"), type: DT_DIR },
      ...this.node.entries(this.task).map(([name, type]) => ({ name, ino: inodeOf(`${this.path}/${name}`), type })),
    ]);
  }

  read(): number {
    return -EISDIR;
  }

  write(): number {
    return -9;
  }

  seek(offset: number, whence: number): number {
    if (whence !== 0 && whence !== 1) return -EINVAL;
    const pos = whence === 0 ? offset : this.pos + offset;
    if (pos < 0) return -EINVAL;
    this.pos = pos;
    if (pos === 0) this.dirEntries = null; // rewinddir sees the directory as it is now
    return pos;
  }

  close(): void {}
}

const enc = new TextEncoder();

/** A read-only file node with text contents (most of procfs). */
export function textFile(meta: NodeMeta, text: (t: Task) => string): SynthFileNode {
  return bytesFile(meta, (t) => enc.encode(text(t)));
}

export function bytesFile(
  meta: NodeMeta,
  bytes: (t: Task) => Uint8Array,
  write?: (t: Task, buf: Uint8Array) => number,
): SynthFileNode {
  const node: SynthFileNode = {
    ...meta,
    kind: "file",
    open: (t, flags, path) =>
      new GeneratedFile(path, flags, () => bytes(t), write === undefined ? null : (b) => write(t, b), node),
  };
  return node;
}

/** A directory node over a fixed table of children. */
export function tableDir(meta: NodeMeta, children: (t: Task) => ReadonlyMap<string, SynthNode>): SynthDirNode {
  return {
    ...meta,
    kind: "dir",
    entries: (t) =>
      [...children(t)].map(([name, n]) => [name, n.kind === "dir" ? DT_DIR : n.kind === "link" ? DT_LNK : DT_REG]),
    lookup: (t, name) => children(t).get(name),
  };
}
