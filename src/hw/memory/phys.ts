// SPDX-License-Identifier: MIT
// Physical memory: every guest page of every process lives in 4 KiB frames of one
// WebAssembly.Memory, so translated code (src/hw/jit) and the JavaScript tiers
// address it as one flat, monomorphic store. Frames are reference-counted:
// copy-on-write after fork and shared mappings hold the same frame in several
// address spaces. The CPU's register file and the software TLBs live here too.

export const FRAME_SIZE = 4096;
const WASM_PAGE = 65536;
const FRAMES_PER_WASM_PAGE = WASM_PAGE / FRAME_SIZE;
/**
 * Byte offsets stay below 2^31 so that JavaScript handles them as small integers
 * (int32 arithmetic, Int32Array TLBs); 2 GiB of resident guest memory per machine.
 */
export const MAX_FRAMES = 2 ** 31 / FRAME_SIZE - FRAMES_PER_WASM_PAGE;
/** Frame 0 is never handed out (offset 0 means "none"); frame 1 is the shared zero page. */
export const ZERO_FRAME = 1;
const FIRST_FREE = 2;

/** Raised when the guest needs a frame beyond the machine's limit (the kernel's OOM killer takes over). */
export class OutOfMemory {
  constructor(readonly frames: number) {}
}

/** Something that must learn when a frame holding translated code is written (see markCode). */
export interface CodeOwner {
  /** The owner's one weak reference (lists of owners hold it, so they never keep an owner alive). */
  readonly codeRef: WeakRef<CodeOwner>;
  codeFrameWritten(frame: number): void;
  /** Drops any write-TLB entry for the frame at byte offset `off`. */
  evictWriteFrame(off: number): void;
  /** Drops every TLB entry. */
  flushTlb(): void;
}

export class PhysMem {
  readonly memory: WebAssembly.Memory;
  /**
   * Views over the whole memory. It never grows (growing would detach every view
   * the interpreter and the register file hold): the whole size is reserved at
   * once, and the host commits pages only as they are touched.
   */
  readonly u8: Uint8Array;
  readonly dv: DataView;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  /** Frames the memory holds. */
  readonly capacity: number;
  /** Whether the memory is a shared one (see `reserve`): modules that import it must say so. */
  readonly isShared: boolean;
  private readonly refs: Int32Array;
  /** Bit 0: translated code was made from this frame. */
  private readonly flags: Uint8Array;
  private readonly freeList: number[] = [];
  private next = FIRST_FREE;
  private inUse = 0;
  private readonly codeOwners = new Map<number, WeakRef<CodeOwner>[]>();
  /** Told when a frame that held code is written or freed (the machine's shared translations, src/hw/cpu/translate/shared.ts). */
  onCodeFrameDropped: ((f: number) => void) | null = null;
  /** Every live address space: a frame that becomes code leaves all their write TLBs. */
  private readonly owners = new Set<WeakRef<CodeOwner>>();
  /** Runs of frames given back by allocRun's users, by length. */
  private readonly freeRuns = new Map<number, number[]>();

  /** `limitFrames` caps the frames in use (the `--memory-limit` of the whole machine). */
  constructor(private readonly limitFrames = MAX_FRAMES) {
    this.memory = reserve(Math.ceil(Math.min(limitFrames + 256, MAX_FRAMES) / FRAMES_PER_WASM_PAGE));
    const buf = this.memory.buffer as ArrayBuffer;
    this.isShared = !(buf instanceof ArrayBuffer);
    this.capacity = buf.byteLength / FRAME_SIZE;
    this.u8 = new Uint8Array(buf);
    this.dv = new DataView(buf);
    this.i32 = new Int32Array(buf);
    this.f64 = new Float64Array(buf);
    this.refs = new Int32Array(this.capacity);
    this.flags = new Uint8Array(this.capacity);
    this.refs[ZERO_FRAME] = 1;
  }

  /** Frames in use (referenced by some address space or runtime structure). */
  get framesInUse(): number {
    return this.inUse;
  }

  /** A zero-filled frame with one reference. */
  alloc(): number {
    if (this.inUse >= this.limitFrames) throw new OutOfMemory(this.inUse);
    let f = this.freeList.pop();
    if (f === undefined) {
      if (this.next >= this.capacity) throw new OutOfMemory(this.inUse);
      f = this.next++;
    } else this.u8.fill(0, f * FRAME_SIZE, (f + 1) * FRAME_SIZE);
    this.refs[f] = 1;
    this.inUse++;
    return f;
  }

  /** `n` contiguous frames for runtime structures (TLBs, register files), zeroed unless `zero` is false. */
  allocRun(n: number, zero = true): number {
    let f = this.freeRuns.get(n)?.pop();
    if (f === undefined) {
      if (this.next + n > this.capacity) throw new OutOfMemory(this.inUse);
      f = this.next;
      this.next += n;
    } else if (zero) this.u8.fill(0, f * FRAME_SIZE, (f + n) * FRAME_SIZE);
    for (let k = 0; k < n; k++) this.refs[f + k] = 1;
    this.inUse += n;
    return f;
  }

  /**
   * `n` frames of a run from allocRun stay with their user but stop counting as in use
   * (`--memory-limit`): a destroyed address space's TLB area, kept for the next space.
   */
  park(n: number): void {
    this.inUse -= n;
  }

  /** Parked frames are in use again. */
  unpark(n: number): void {
    this.inUse += n;
  }

  /** Gives back a run from allocRun. */
  freeRun(f: number, n: number): void {
    let list = this.freeRuns.get(n);
    if (list === undefined) this.freeRuns.set(n, (list = []));
    list.push(f);
    this.inUse -= n;
  }

  /** Registers an address space (weakly); the returned function unregisters it. */
  addOwner(o: CodeOwner): () => void {
    const ref = o.codeRef;
    this.owners.add(ref);
    return () => this.owners.delete(ref);
  }

  /** Empties every address space's TLBs (shared pages were written back: their next store must fault and be seen). */
  flushAllTlbs(): void {
    for (const o of this.owners) o.deref()?.flushTlb();
  }

  /** A new frame holding a copy of frame `f` (copy-on-write, private file pages). */
  copy(f: number): number {
    const g = this.alloc();
    this.u8.copyWithin(g * FRAME_SIZE, f * FRAME_SIZE, (f + 1) * FRAME_SIZE);
    return g;
  }

  retain(f: number): void {
    this.refs[f]!++;
  }

  release(f: number): void {
    if (f === ZERO_FRAME) return;
    const r = --this.refs[f]!;
    if (r > 0) return;
    if ((this.flags[f]! & 1) !== 0) {
      this.flags[f] = 0;
      this.codeOwners.delete(f);
      this.onCodeFrameDropped?.(f);
    }
    this.inUse--;
    this.freeList.push(f);
  }

  /** Whether more than one mapping holds frame `f` (or it is the zero page): writes must copy. */
  shared(f: number): boolean {
    return f === ZERO_FRAME || this.refs[f]! > 1;
  }

  /** Records that `owner` translated code from frame `f`. */
  markCode(f: number, owner: CodeOwner): void {
    const list = this.codeOwners.get(f),
      ref = owner.codeRef;
    if (list === undefined) this.codeOwners.set(f, [ref]);
    else if (!list.includes(ref)) list.push(ref);
    if ((this.flags[f]! & 1) !== 0) return;
    this.flags[f]! |= 1;
    if (this.refs[f]! > 1) for (const o of this.owners) o.deref()?.evictWriteFrame(f * FRAME_SIZE);
    else owner.evictWriteFrame(f * FRAME_SIZE);
  }

  /** `owner` no longer has code made from frame `f` (it dropped the page or was destroyed). */
  unmarkCode(f: number, owner: CodeOwner): void {
    const list = this.codeOwners.get(f);
    const k = list === undefined ? -1 : list.indexOf(owner.codeRef);
    if (k >= 0) list!.splice(k, 1);
  }

  /** Frame `f` is about to be written other than through an address space (write(2) into a mapped file). */
  stored(f: number): void {
    if ((this.flags[f]! & 1) !== 0) this.codeWritten(f);
  }

  isCode(f: number): boolean {
    return (this.flags[f]! & 1) !== 0;
  }

  /** Frame `f` is about to be written: every owner of code made from it drops that code. */
  codeWritten(f: number): void {
    const list = this.codeOwners.get(f);
    this.flags[f] = 0;
    this.codeOwners.delete(f);
    this.onCodeFrameDropped?.(f);
    if (list !== undefined) for (const o of list) o.deref()?.codeFrameWritten(f);
  }
}

/**
 * Reserves `pages` WebAssembly pages, halving on failure down to 256 MiB (small hosts
 * refuse big reservations). The memory is a shared one where the host allows it: V8
 * counts a non-shared memory's whole size as the isolate's external memory, and 2 GiB
 * of it starts a full, memory-reducing garbage collection at once (10 ms of a 0.2 s
 * start-up); a shared memory is not counted. Nothing else differs for one thread: the views, and the modules that
 * import it (declared shared, src/hw/wasm/encoder.ts), work alike. A host without
 * shared memory (a page that is not cross-origin isolated) gets the plain one.
 */
function reserve(pages: number): WebAssembly.Memory {
  for (let n = pages; ; n = Math.floor(n / 2)) {
    try {
      return sharedOrPlain(n);
    } catch (e) {
      if (n <= 4096) throw e;
    }
  }
}

function sharedOrPlain(n: number): WebAssembly.Memory {
  try {
    return new WebAssembly.Memory({ initial: n, maximum: n, shared: true });
  } catch {
    return new WebAssembly.Memory({ initial: n, maximum: n });
  }
}

let machineDefault: PhysMem | null = null;

/** The physical memory address spaces use when none is given (one per Node process by default). */
export function defaultPhysMem(): PhysMem {
  return (machineDefault ??= new PhysMem());
}
