// SPDX-License-Identifier: MIT
// A shared memory object (Linux's struct address_space of a file, shmem or memfd):
// pages that every MAP_SHARED mapping of it sees, filled from its backing store on
// first touch and written back on sync. Private mappings never hold one.
import { FRAME_SIZE, type PhysMem } from "./phys.js";

/** Where an object's bytes come from and go to (a host file); null for anonymous shared memory. */
export interface Backing {
  /** Reads up to `into.length` bytes at `offset`; returns the count (short at end of file). */
  read(offset: number, into: Uint8Array): number;
  write(offset: number, from: Uint8Array): void;
  /** Lets go of what the backing holds (a host descriptor) when the object goes. */
  close?(): void;
}

const released = new FinalizationRegistry<{ phys: PhysMem; frames: Map<number, number>; backing: Backing | null }>(
  (held) => {
    for (const f of held.frames.values()) held.phys.release(f);
    held.backing?.close?.();
  },
);

export class MemObject {
  /** Page index → frame; each frame holds one reference for the object. */
  private readonly frames = new Map<number, number>();
  private readonly dirty = new Set<number>();

  constructor(
    readonly phys: PhysMem,
    /** Size in bytes: a page wholly past it raises SIGBUS when touched (file mappings). */
    public size: number,
    readonly backing: Backing | null = null,
  ) {
    released.register(this, { phys, frames: this.frames, backing }, this);
  }

  /** The frame of page `pg` if it is cached, else undefined (nothing is read). */
  cachedFrame(pg: number): number | undefined {
    return this.frames.get(pg);
  }

  /** Whether pages written through a mapping wait for sync(). */
  get dirtyPages(): number {
    return this.dirty.size;
  }

  /**
   * The object shrank or grew to `size` (truncate): cached pages wholly past the
   * end are dropped and the bytes of the last page past the end are zeroed, so a
   * later growth reads zeros there, as from the file.
   */
  resize(size: number): void {
    for (const [pg, f] of [...this.frames]) {
      const off = pg * FRAME_SIZE;
      if (off >= size) {
        this.frames.delete(pg);
        this.dirty.delete(pg);
        this.phys.release(f);
      } else if (off + FRAME_SIZE > size) {
        this.phys.stored(f);
        this.phys.u8.fill(0, f * FRAME_SIZE + (size - off), (f + 1) * FRAME_SIZE);
      }
    }
    this.size = size;
  }

  /** Releases every cached frame now (no mapping and no open file holds the object any more). */
  destroy(): void {
    for (const f of this.frames.values()) this.phys.release(f);
    this.frames.clear();
    this.dirty.clear();
    if (released.unregister(this)) this.backing?.close?.();
  }

  /** Whether page `pg` lies within the object (else an access is a bus error). */
  hasPage(pg: number): boolean {
    return pg * FRAME_SIZE < this.size || this.backing === null;
  }

  /** The frame of page `pg`, filled from the backing store on first use. */
  frameAt(pg: number): number {
    let f = this.frames.get(pg);
    if (f !== undefined) return f;
    f = this.phys.alloc();
    if (this.backing !== null) {
      const off = pg * FRAME_SIZE;
      const n = Math.min(FRAME_SIZE, Math.max(0, this.size - off));
      if (n > 0) this.backing.read(off, this.phys.u8.subarray(f * FRAME_SIZE, f * FRAME_SIZE + n));
    }
    this.frames.set(pg, f);
    return f;
  }

  /** Notes that page `pg` was (or is about to be) written through a mapping. */
  markDirty(pg: number): void {
    if (this.backing !== null) this.dirty.add(pg);
  }

  /** Writes dirty pages back (msync, munmap, exit), clamped to the object's size. */
  sync(): void {
    if (this.backing === null) return;
    for (const pg of [...this.dirty].sort((a, b) => a - b)) {
      const f = this.frames.get(pg);
      const off = pg * FRAME_SIZE;
      const n = Math.min(FRAME_SIZE, this.size - off);
      if (f !== undefined && n > 0) this.backing.write(off, this.phys.u8.slice(f * FRAME_SIZE, f * FRAME_SIZE + n));
    }
    this.dirty.clear();
  }

  /** Copies `len` bytes at byte `offset` of the object out (read(2) of a mapped file sees mapped writes). */
  read(offset: number, into: Uint8Array): void {
    this.each(offset, into.length, (f, o, k, done) => into.set(this.phys.u8.subarray(f + o, f + o + k), done));
  }

  /** Copies bytes into the object at `offset` (write(2) of a mapped file). */
  write(offset: number, from: Uint8Array): void {
    this.each(offset, from.length, (f, o, k, done) => {
      this.phys.stored(f / FRAME_SIZE);
      this.phys.u8.set(from.subarray(done, done + k), f + o);
    });
  }

  private each(offset: number, len: number, fn: (frameOff: number, o: number, k: number, done: number) => void): void {
    let done = 0;
    while (done < len) {
      const at = offset + done;
      const pg = Math.floor(at / FRAME_SIZE),
        o = at % FRAME_SIZE;
      const k = Math.min(len - done, FRAME_SIZE - o);
      fn(this.frameAt(pg) * FRAME_SIZE, o, k, done);
      done += k;
    }
  }
}
