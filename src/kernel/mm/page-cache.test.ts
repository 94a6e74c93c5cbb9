// SPDX-License-Identifier: MIT
// The page cache's write-back points (docs/quirks.md Q-PAGE-CACHE): a store
// through a MAP_SHARED mapping reaches the host file at sync (msync, munmap,
// fsync, before the guest reads the file) or when the object is dropped (exit),
// not at once as a page cache shared with every host process would show it; an
// executable's pages are read from the file when first touched.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AddressSpace, PROT_READ, PROT_WRITE } from "../../hw/memory/address-space.js";
import { HostFile } from "../fs/files.js";
import type { Host, HostStat } from "../host.js";
import { DEFAULT_OPTIONS, Kernel } from "../kernel.js";

/** A host with one regular file (fd 3) in memory. */
function oneFileHost(bytes: Uint8Array): { host: Host; file: Uint8Array; closed: number[] } {
  const state = { file: bytes, closed: [] as number[] };
  const st = (): HostStat => ({
    dev: 1,
    ino: 7,
    mode: 0o100644,
    nlink: 1,
    uid: 0,
    gid: 0,
    rdev: 0,
    size: state.file.length,
    blksize: 4096,
    blocks: 0,
    atimeNs: 0n,
    mtimeNs: 0n,
    ctimeNs: 0n,
  });
  const host = {
    fstat: () => st(),
    read: (_fd: number, buf: Uint8Array, pos: number | null) => {
      const at = pos ?? 0,
        n = Math.max(0, Math.min(buf.length, state.file.length - at));
      buf.set(state.file.subarray(at, at + n));
      return n;
    },
    write: (_fd: number, buf: Uint8Array, pos: number | null) => {
      const at = pos ?? 0;
      if (at + buf.length > state.file.length) {
        const grown = new Uint8Array(at + buf.length);
        grown.set(state.file);
        state.file = grown;
      }
      state.file.set(buf, at);
      return buf.length;
    },
    close: (fd: number) => {
      state.closed.push(fd);
      return 0;
    },
  } as unknown as Host;
  return {
    host,
    get file() {
      return state.file;
    },
    closed: state.closed,
  };
}

test("MAP_SHARED stores reach the host file at sync and when the object is dropped, not before", () => {
  const h = oneFileHost(new TextEncoder().encode("aaaa"));
  const k = new Kernel(h.host, { ...DEFAULT_OPTIONS, memoryLimit: 1 << 24 });
  const f = new HostFile(h.host, 3, "/f", 2, 0, false);
  const obj = k.pageCache.forMapping(k, f);
  assert.equal(f.refs, 2, "the mapping holds the open file");
  const mem = new AddressSpace(k.phys);
  mem.map(0x10000, 4096, PROT_READ | PROT_WRITE, obj);
  assert.equal(mem.read8(0x10000), 0x61);
  mem.write8(0x10000, 0x62);
  assert.equal(h.file[0], 0x61, "not yet written back (Q-PAGE-CACHE)");
  k.pageCache.sync(k, obj);
  assert.equal(h.file[0], 0x62);
  assert.equal(h.file.length, 4, "write-back stops at the end of the file");
  mem.write8(0x10001, 0x63);
  mem.destroy();
  k.pageCache.collect(k);
  assert.equal(h.file[1], 0x63, "dropped with its last mapping: written back");
  assert.equal(f.refs, 1, "and the open file let go");
  assert.equal(k.pageCache.empty, true);
});

test("an executable's pages are read from its file when first touched, and the file is closed with its object", () => {
  const h = oneFileHost(new Uint8Array(8192).fill(0x61));
  const opened: string[] = [];
  Object.assign(h.host, {
    open: (path: string) => (opened.push(path), 5),
  });
  const k = new Kernel(h.host, { ...DEFAULT_OPTIONS, memoryLimit: 1 << 24 });
  const asRead = h.file.slice(); // the bytes exec read
  const obj = k.pageCache.forExec(k, "1:7:8192:0", asRead, "/bin/prog");
  assert.deepEqual(opened, ["/bin/prog"]);
  const mem = new AddressSpace(k.phys);
  mem.map(0x10000, 8192, PROT_READ, obj, 0, true);
  assert.equal(mem.read8(0x10000), 0x61);
  // A host process changes the file in place: a page already read keeps its bytes, one
  // not yet read shows the change (Q-PAGE-CACHE; Linux refuses such writes, ETXTBSY).
  h.file.fill(0x62);
  assert.equal(mem.read8(0x10001), 0x61);
  assert.equal(mem.read8(0x11000), 0x62);
  mem.destroy();
  k.pageCache.collect(k);
  assert.deepEqual(h.closed, [5], "the object's descriptor is closed with it");
});

test("an executable replaced since exec read it is served from the bytes exec read", () => {
  const h = oneFileHost(new Uint8Array(4096).fill(0x61));
  Object.assign(h.host, { open: () => 5 });
  const k = new Kernel(h.host, { ...DEFAULT_OPTIONS, memoryLimit: 1 << 24 });
  // The version exec saw had another mtime: the file at the path is not it.
  const obj = k.pageCache.forExec(k, "1:7:4096:99", new Uint8Array(4096).fill(0x63), "/bin/prog");
  assert.deepEqual(h.closed, [5], "the other file is not kept open");
  const mem = new AddressSpace(k.phys);
  mem.map(0x10000, 4096, PROT_READ, obj, 0, true);
  assert.equal(mem.read8(0x10000), 0x63);
});
