// SPDX-License-Identifier: MIT
// The page cache (mm/filemap.c, mm/shmem.c) as far as mappings need one: one
// memory object per host file while any process maps it, so MAP_SHARED stores
// reach the file (write-back on msync, munmap, exit, and before any read(2) of
// it, so the guest always reads what it stored), write(2) and truncate are seen
// through the mappings, and a page past the end of the file is SIGBUS; plus the
// anonymous objects of MAP_SHARED|MAP_ANONYMOUS mappings and of memfds. Objects
// are dropped (their frames freed) as soon as nothing maps or holds them.
import { FRAME_SIZE } from "../../hw/memory/phys.js";
import { type Backing, MemObject } from "../../hw/memory/mem-object.js";
import type { AddressSpace } from "../../hw/memory/address-space.js";
import { HostFile, type OpenFile } from "../fs/files.js";
import type { Kernel } from "../kernel.js";

interface FileEntry {
  readonly obj: MemObject;
  /** The open files that mapped it: held (one reference each) while the object lives, for reading and writing back. */
  readonly files: HostFile[];
}

/** Something that keeps an anonymous object alive besides the mappings (an open memfd). */
export interface ObjectHolder extends OpenFile {
  readonly obj: MemObject;
}

const O_APPEND = 0o2000;

export class PageCache {
  private readonly byFile = new Map<string, FileEntry>();
  private readonly anon = new Set<MemObject>();
  /** Anonymous objects kept by something besides mappings and descriptor tables (an open memfd, also while in flight in SCM_RIGHTS). */
  private readonly pins = new Map<MemObject, () => boolean>();
  /** Each open file's dev:ino (null for what is not a regular file), asked once. */
  private readonly keys = new WeakMap<HostFile, string | null>();

  get empty(): boolean {
    return this.byFile.size === 0 && this.anon.size === 0;
  }

  private keyOf(k: Kernel, f: HostFile): string | null {
    let key = this.keys.get(f);
    if (key === undefined) {
      const st = k.host.fstat(f.hostFd);
      key = typeof st === "number" || (st.mode & 0o170000) !== 0o100000 ? null : `${st.dev}:${st.ino}`;
      this.keys.set(f, key);
    }
    return key;
  }

  /** The object caching the regular file `f` is open on, made for a mapping if there is none. */
  forMapping(k: Kernel, f: HostFile): MemObject {
    const key = this.keyOf(k, f) ?? `fd:${f.hostFd}`;
    let e = this.byFile.get(key);
    if (e === undefined) {
      const st = k.host.fstat(f.hostFd);
      const size = typeof st === "number" ? 0 : st.size;
      const files: HostFile[] = [];
      e = { obj: new MemObject(k.phys, size, hostBacking(k, files)), files };
      this.byFile.set(key, e);
    }
    if (!e.files.includes(f)) {
      f.refs++;
      e.files.push(f);
    }
    return e.obj;
  }

  /**
   * The object for an executable's segments (execve maps them private from the page
   * cache, not copied): its pages are read when first touched, from the file itself
   * when `hostPath` opens the same version of it, else from `bytes`, the file as exec
   * read it (a file replaced in between). `key` names the file's version (device,
   * inode, size and modification time): processes running the same file share its
   * pages, and with them its translations. A running file cannot be opened for writing
   * (`running`: ETXTBSY); one changed on the host gets a new object at its next exec.
   * Reading pages from the file instead of keeping its bytes spares a run the whole
   * file: 32 MB of cc1's peak RSS.
   */
  forExec(k: Kernel, key: string | null, bytes: Uint8Array, hostPath: string | null = null): MemObject {
    const name = key ?? `anonymous-${this.unkeyed++}`;
    let obj = this.execs.get(name);
    if (obj === undefined) {
      const backing = (key !== null && hostPath !== null && fileBacking(k, hostPath, key)) || bytesBacking(bytes);
      obj = new MemObject(k.phys, bytes.length, backing);
      this.execs.set(name, obj);
    }
    return obj;
  }

  /** Whether a process runs the file dev:ino (deny_write_access: opening it for writing is ETXTBSY). */
  running(dev: number, ino: number): boolean {
    const prefix = `${dev}:${ino}:`;
    for (const key of this.execs.keys()) if (key.startsWith(prefix)) return true;
    return false;
  }

  /** The executables' objects (forExec), apart: read(2) and write(2) never look at them. */
  private readonly execs = new Map<string, MemObject>();
  private unkeyed = 0;

  /** The object of the file `f` is open on, if something maps that file. */
  existing(k: Kernel, f: OpenFile): MemObject | undefined {
    if (this.byFile.size === 0 || !(f instanceof HostFile) || f.isDir) return undefined;
    const key = this.keyOf(k, f);
    return key === null ? undefined : this.byFile.get(key)?.obj;
  }

  /** A new anonymous object (MAP_SHARED|MAP_ANONYMOUS, a memfd); `bounded` objects fault past their size (SIGBUS). */
  anonymous(k: Kernel, size: number, bounded: boolean): MemObject {
    const obj = new MemObject(k.phys, size, bounded ? ZEROS : null);
    this.anon.add(obj);
    return obj;
  }

  /** Keeps `obj` alive while `held()` says so (an open memfd inode). */
  pin(obj: MemObject, held: () => boolean): void {
    this.pins.set(obj, held);
  }

  /** Writes back an object's pages stored through mappings, and makes the next store visible again (page_mkclean). */
  sync(k: Kernel, obj: MemObject): void {
    if (obj.dirtyPages === 0 || obj.backing === ZEROS) return;
    obj.sync();
    k.phys.flushAllTlbs();
  }

  /** read(2) of a mapped file reads what was stored through its mappings. */
  beforeRead(k: Kernel, f: OpenFile): void {
    const obj = this.existing(k, f);
    if (obj !== undefined) this.sync(k, obj);
  }

  /** write(2) of `n` bytes at `at` (null: the file position) went to the host: the cached pages see them too. */
  afterWrite(k: Kernel, f: OpenFile, at: number | null, data: Uint8Array): void {
    const obj = this.existing(k, f);
    if (obj === undefined || data.length === 0 || !(f instanceof HostFile)) return;
    let pos: number;
    if ((f.flags & O_APPEND) !== 0) {
      const st = k.host.fstat(f.hostFd);
      pos = (typeof st === "number" ? obj.size : st.size) - data.length;
    } else pos = at ?? (f.pos ?? data.length) - data.length;
    for (let done = 0; done < data.length;) {
      const off = pos + done,
        pg = Math.floor(off / FRAME_SIZE),
        o = off % FRAME_SIZE;
      const n = Math.min(data.length - done, FRAME_SIZE - o);
      const frame = obj.cachedFrame(pg);
      if (frame !== undefined) {
        obj.phys.stored(frame);
        obj.phys.u8.set(data.subarray(done, done + n), frame * FRAME_SIZE + o);
      }
      done += n;
    }
    obj.size = Math.max(obj.size, pos + data.length);
  }

  /** The file (or memfd object) now has `size` bytes: pages past it leave every mapping and fault with SIGBUS. */
  resized(k: Kernel, obj: MemObject, size: number): void {
    obj.resize(size);
    const first = Math.ceil(size / FRAME_SIZE);
    for (const mem of liveSpaces(k)) {
      for (const v of [...mem.areas()]) {
        if (v.obj !== obj) continue;
        const from = Math.max(v.start, v.start + (first - v.pgoff) * FRAME_SIZE);
        if (from < v.end) mem.discard(from, v.end - from);
      }
      mem.flushTlb();
    }
  }

  /**
   * Writes back and drops every object no mapping and no open file holds any more
   * (munmap, exit, execve); `also` is an address space to count as live besides the
   * live processes' (execve's new image, whose process may not be registered yet).
   */
  collect(k: Kernel, also: AddressSpace | null = null): void {
    if (this.empty && this.execs.size === 0) return;
    const live = new Set<MemObject>();
    const spaces = liveSpaces(k);
    if (also !== null) spaces.add(also);
    for (const mem of spaces) for (const v of mem.areas()) if (v.obj !== null) live.add(v.obj);
    for (const p of k.procs.values()) for (const [, f] of p.fds.entries()) if (isHolder(f)) live.add(f.obj);
    for (const [obj, held] of this.pins) {
      if (held()) live.add(obj);
      else this.pins.delete(obj);
    }
    for (const [key, e] of this.byFile) {
      if (live.has(e.obj)) continue;
      e.obj.sync();
      e.obj.destroy();
      this.byFile.delete(key);
      for (const f of e.files) if (--f.refs === 0) f.close();
    }
    for (const obj of this.anon) {
      if (live.has(obj)) continue;
      obj.destroy();
      this.anon.delete(obj);
    }
    for (const [key, obj] of this.execs) {
      if (live.has(obj)) continue;
      obj.destroy();
      this.execs.delete(key);
    }
  }

  /** Writes back every dirty page (the end of the run). */
  syncAll(): void {
    for (const e of this.byFile.values()) e.obj.sync();
  }
}

function isHolder(f: OpenFile): f is ObjectHolder {
  return "obj" in f && (f as ObjectHolder).obj instanceof MemObject;
}

/** The address spaces of the live processes, once each. */
function liveSpaces(k: Kernel): Set<AddressSpace> {
  return new Set([...k.procs.values()].filter((p) => p.live).map((p) => p.mem));
}

/** The backing of an anonymous object with a size (memfd): zeros in, nothing out. */
const ZEROS: Backing = { read: () => 0, write: () => {} };

/** An executable's backing: its bytes as exec read them (its mappings are private: nothing is written back). */
function bytesBacking(bytes: Uint8Array): Backing {
  return {
    read(offset, into) {
      const n = Math.max(0, Math.min(into.length, bytes.length - offset));
      into.set(bytes.subarray(offset, offset + n));
      return n;
    },
    write: () => {},
  };
}

/**
 * An executable's backing read from the host file at `path` when it is still the
 * version `key` names (device:inode:size:mtime, as readExecutable made it), else null.
 * Its mappings are private: nothing is written back. The descriptor is closed with the object.
 */
function fileBacking(k: Kernel, path: string, key: string): Backing | null {
  const fd = k.host.open(path, 0, 0);
  if (fd < 0) return null;
  const st = k.host.fstat(fd);
  if (typeof st === "number" || `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}` !== key) {
    k.host.close(fd);
    return null;
  }
  return {
    read: (offset, into) => readAt(k, fd, offset, into),
    write: () => {},
    close: () => void k.host.close(fd),
  };
}

/** Reads host descriptor `fd` at `offset` into `into` until it is full or the file ends; returns the count. */
function readAt(k: Kernel, fd: number, offset: number, into: Uint8Array): number {
  let n = 0;
  while (n < into.length) {
    const r = k.host.read(fd, into.subarray(n), offset + n);
    if (r <= 0) break;
    n += r;
  }
  return n;
}

/** Reads and writes a host file through the open files that mapped it (a readable one, a writable one). */
function hostBacking(k: Kernel, files: HostFile[]): Backing {
  return {
    read(offset, into) {
      const f = files[0];
      return f === undefined ? 0 : readAt(k, f.hostFd, offset, into);
    },
    write(offset, from) {
      const f = files.find((x) => (x.flags & 3) !== 0);
      if (f !== undefined) k.host.write(f.hostFd, from, offset);
    },
  };
}
