// SPDX-License-Identifier: MIT
// The third tier's run-time side, one per CPU: compiles regions of hot blocks
// into WebAssembly, enters them from the run loop, and serves their calls back
// into JavaScript: TLB misses (`xlate`, `commit`) and helpers (interpreter
// closures for instructions the compiler does not emit). A region reports why
// it stopped through an exit site; faults stay precise (RIP, registers and the
// retired count at the faulting instruction).
import type { Cpu } from "../cpu/cpu.js";
import type { Exit } from "../cpu/exits.js";
import type { Block } from "../cpu/translate/block.js";
import type { CpuProbes } from "../cpu/probes.js";
import { ACCESS_READ, ACCESS_WRITE, MemoryFault, PAGE_MASK, PAGE_SIZE } from "../memory/address-space.js";
import { type CompiledRegion, compileRegions, type HelperSite, type RegionSpec } from "./compile.js";
import type { RegionExits } from "./exits.js";
import { EXIT_AFTER, EXIT_BRANCH, EXIT_CPU_RIP, EXIT_DYNAMIC, EXIT_FAULT } from "./emitter.js";
import { formRegion, layout, type PointerAt } from "./region.js";
import { readU64LE } from "../../common/bytes.js";
import { runtimeExports } from "./runtime-module.js";
import { compileModule, OPT_REGIONS, optWork } from "./optimize.js";
import { WorkCounters } from "./work.js";
import { gateway, type GatewayExports } from "./gateway.js";
import { FL_OTHER } from "../cpu/flags.js";
import {
  STATE_ABORT,
  STATE_BRANCHES,
  STATE_EXIT,
  STATE_FLAGS,
  STATE_FS,
  STATE_GS,
  STATE_REGION,
  STATE_SCRATCH,
  STATE_CYCLES,
  STATE_TARGET,
} from "./layout.js";
import { CHAIN_BYTES, CHAIN_ENTRIES, chainSet } from "./layout.js";
import type { PhysMem } from "../memory/phys.js";

const TWO32 = 4294967296;

/** Gives a Jit's chain cache back when the Jit is collected. */
const chainFrames = new FinalizationRegistry<{ phys: PhysMem; frame: number; count: number }>((h) =>
  h.phys.freeRun(h.frame, h.count),
);

/** No LWP window: the region runs until its slice limit or an exit. */
export const NO_WINDOW = 0x7fffffff;
/** No event-3 window: more branches than a slice can retire. */
const NO_BRANCH_WINDOW = 0x40000000;

/** A compiled region (its function sits in the table slot `slot`) and what it needs to report back. */
export class Region {
  valid = true;
  constructor(
    readonly blocks: readonly Block[],
    /** The spec's predicted targets (compiling the region again needs them). */
    readonly predicted: ReadonlyMap<number, number>,
    readonly exits: RegionExits,
    /** The instructions it runs through their closures (the `helper` calls' ids). */
    readonly helpers: readonly HelperSite[],
    /** The region's slot in the function table. */
    readonly slot: number,
    /** Removes the region from the chain cache and the function table. */
    private readonly release: () => void,
    /**
     * Byte offset of its work counter (work.ts): the instructions retired in the region,
     * counting up from −(the work at which it is compiled again to be optimized) to 0
     * (optimize.ts); −Infinity once it was, or never will be.
     */
    readonly work: number,
    /** What the counter started from, negated (the work at which it is optimized; Infinity: never). */
    readonly budget: number,
  ) {
    this.pages = new Set(blocks.flatMap((b) => b.pages));
  }

  /** Pages the region has code on. */
  readonly pages: ReadonlySet<number>;

  /** Unlinks the region from its blocks and the chain cache (code written, unmapped, flushed). */
  invalidate(): void {
    if (!this.valid) return;
    this.valid = false;
    for (const b of this.blocks) if (b.jit?.region === this) b.jit = null;
    this.release();
  }
}

/** A block's place in a region: the region and the block's index (its entry). */
export interface RegionEntry {
  readonly region: Region;
  readonly index: number;
}

/** A region to compile: its head, and the blocks that may join it (`formRegion`). */
export interface RegionRequest {
  readonly head: Block;
  readonly lookup: (rip: number) => Block | undefined;
}

/**
 * A batch's regions, those that take in more of the others' heads first: a block that
 * reached the threshold while its loop's head waited (batch.ts) then runs in the head's
 * region instead of heading a copy of part of it.
 */
function coverFirst<T extends { readonly head: Block; readonly formed: { readonly blocks: readonly Block[] } }>(
  rs: readonly T[],
): T[] {
  const heads = new Set(rs.map((r) => r.head));
  const covers = new Map(rs.map((r) => [r, r.formed.blocks.filter((b) => b !== r.head && heads.has(b)).length]));
  return [...rs].sort((a, b) => covers.get(b)! - covers.get(a)!);
}

/** Compile statistics (LWP_STATS=1 prints them). */
interface JitStats {
  regions: number;
  /** Runs of regions from the run loop, and the instructions they retired. */
  entries: number;
  retired: number;
  /** Regions compiled again for the host's optimizing compiler (optimize.ts). */
  optimized: number;
  /** WebAssembly modules (each holds one region or several). */
  modules: number;
  blocks: number;
  native: number;
  helped: number;
  /** Calls of helpers at run time (instructions the regions ran through their closures). */
  helperCalls: number;
  bytes: number;
  compileMs: number;
}

/**
 * Regions alive in the process at most (all CPUs). V8 gives every WebAssembly module code
 * space of its own, two memory mappings and 26–29 KB: a forced tier 3 on python3 made
 * 38,000 regions, reached Linux's limit of 65,530 mappings per process
 * (vm.max_map_count) at 1.7 GB of RSS, and V8 aborted. Past the limit, hot blocks stay
 * in the interpreter tiers until regions are invalidated; cc1 uses 1,083.
 */
let maxLiveRegions = 8192;
let liveRegions = 0;
/** Regions compiled again to be optimized in the process (optimize.ts OPT_REGIONS). */
let optimizedRegions = 0;

/** Sets the limit on live regions (tests); returns the previous one. */
export function setMaxLiveRegions(n: number): number {
  const was = maxLiveRegions;
  maxLiveRegions = n;
  return was;
}

/** Regions alive in the process now (tests). */
export function liveRegionCount(): number {
  return liveRegions;
}

/** A collected CPU's regions no longer count (one dropped without its translations flushed). */
const liveOf = new FinalizationRegistry<{ n: number }>((held) => {
  liveRegions -= held.n;
});

/** Totals over every CPU of the process (LWP_STATS=1 prints them at exit). */
export const JIT_TOTALS: JitStats = noStats();

function noStats(): JitStats {
  return {
    regions: 0,
    entries: 0,
    retired: 0,
    optimized: 0,
    modules: 0,
    blocks: 0,
    native: 0,
    helped: 0,
    helperCalls: 0,
    bytes: 0,
    compileMs: 0,
  };
}

export class Jit {
  readonly stats: JitStats = noStats();
  private fault: unknown = null;
  private crossAt = -1;
  private crossLen = 0;
  /** Retired count of the CPU when the running region was entered. */
  private base = 0;
  /** Branches (blocks of LWP event-3 weight 1) the last region run retired (counted only by `counting` regions). */
  branches = 0;
  /**
   * Whether the regions compiled from now on honour LWP's windows and count and predict
   * branches (compile.ts `Target.counting`). Plain code until the CPU first counts: LWP
   * on (the quick loop) or the `lwp stat` probes; it never goes back. The bookkeeping was
   * 4–13 % of the host instructions of the benchmark's loops in baseline code
   * (docs/architecture.md "Plain regions").
   */
  private counting = false;
  private readonly m: Int32Array;
  private readonly s: number;
  /** The regions' `run` functions by slot (compiled code tail-calls through it) and the regions. */
  private readonly table = new WebAssembly.Table({ element: "anyfunc", initial: 64 });
  private readonly regions: (Region | null)[] = [];
  private readonly freeSlots: number[] = [];
  /** Slots of invalidated regions, free once no region runs (at the next compile). */
  private readonly retiredSlots: number[] = [];
  /** Byte offset of the chain cache in physical memory (layout.ts CHAIN_*). */
  private readonly chain: number;
  /** This CPU's live regions (`liveRegions` forgets them if the CPU is collected first). */
  private readonly live = { n: 0 };
  /** The regions' work counters, by table slot. */
  private readonly work: WorkCounters;

  constructor(private readonly cpu: Cpu) {
    const phys = cpu.mem.phys;
    this.m = phys.i32;
    this.work = new WorkCounters(phys);
    this.s = cpu.state;
    const frames = CHAIN_BYTES / PAGE_SIZE,
      frame = phys.allocRun(frames);
    this.chain = frame * PAGE_SIZE;
    phys.u8.fill(0xff, this.chain, this.chain + CHAIN_BYTES); // no RIP is all ones
    chainFrames.register(this, { phys, frame, count: frames });
    liveOf.register(this, this.live);
    this.gw = gateway({
      table: this.table,
      xlate: this.xlate,
      commit: this.commit,
      helper: this.helper,
      shadow: this.shadow,
    });
  }

  /** The gateway the regions import their table and JavaScript calls through (gateway.ts). */
  private readonly gw: GatewayExports;

  private allocSlot(): number {
    for (const r of this.retiredSlots) {
      this.regions[r] = null;
      this.freeSlots.push(r);
    }
    this.retiredSlots.length = 0;
    const s = this.freeSlots.pop() ?? this.regions.length;
    if (s === this.regions.length) this.regions.push(null);
    if (s >= this.table.length) this.table.grow(this.table.length);
    return s;
  }

  /**
   * Points the chain cache at block `index` of the region in `slot` for `rip`: in the
   * first entry of its set, the one there (unless it is `rip`'s) moving to the second.
   */
  private link(rip: number, slot: number, index: number): void {
    const m = this.m,
      lo = rip | 0,
      hi = Math.floor(rip / TWO32) | 0,
      k = (this.chain >> 2) + 8 * chainSet(rip >>> 0);
    if (m[k] !== lo || m[k + 1] !== hi) for (let j = 0; j < 4; j++) m[k + 4 + j] = m[k + j]!;
    m[k] = lo;
    m[k + 1] = hi;
    m[k + 2] = slot;
    m[k + 3] = index;
  }

  /**
   * Forgets the region in `slot`: every chain cache entry that leads into it (an
   * entry may outlive its block's ownership moving to another region), and its
   * table element. The region may be running (its own code was written): it still
   * reports its exit through `regions`, so the slot is reused only from the next compile.
   */
  private release(slot: number): void {
    const m = this.m,
      base = this.chain >> 2;
    for (let k = base; k < base + 4 * CHAIN_ENTRIES; k += 4) {
      if (m[k + 2] === slot) {
        m[k] = -1;
        m[k + 1] = -1;
        m[k + 2] = -1;
      }
    }
    this.table.set(slot, null);
    this.retiredSlots.push(slot);
    liveRegions--;
    this.live.n--;
  }

  /**
   * Compiles the regions headed by the requests' heads into one module and links their
   * blocks. A head another region of the batch takes in runs there (as if that region
   * had compiled first); regions that take in more of the other heads form first.
   */
  compile(requests: readonly RegionRequest[]): void {
    const pointerAt: PointerAt = (a) => {
      const b = this.cpu.mem.peek(a, 8);
      return b.length === 8 ? readU64LE(b, 0) : undefined;
    };
    const formed = coverFirst(requests.map((r) => ({ head: r.head, formed: formRegion(r.head, r.lookup, pointerAt) })));
    const specs: RegionSpec[] = [],
      heads: Block[] = [],
      taken = new Set<Block>();
    for (const { head, formed: f } of formed) {
      if (liveRegions + specs.length >= maxLiveRegions) break;
      if (taken.has(head)) continue;
      for (const b of f.blocks) taken.add(b);
      const slot = this.allocSlot();
      specs.push({ blocks: layout(f.blocks), slot, predicted: f.predicted, work: this.work.cell(slot) });
      heads.push(head);
    }
    if (specs.length === 0) return;
    const run = this.instantiate(specs, false);
    specs.forEach((spec, k) => this.install(spec, run.regions[k]!, heads[k]!, run.fns[k]!));
  }

  /** Compiles and instantiates the regions of `specs` as one module, its time and size in the statistics. */
  private instantiate(
    specs: readonly RegionSpec[],
    optimizable: boolean,
  ): { regions: readonly CompiledRegion[]; fns: WebAssembly.ImportValue[] } {
    const t0 = performance.now();
    const c = this.cpu,
      phys = c.mem.phys;
    const counting = (this.counting ||= c.lwpCounting || c.probes !== null);
    // Counting code trains each branch's predictor history in place: every history must exist.
    if (counting) for (const s of specs) for (const b of s.blocks) c.historyOf(b);
    const target = {
      state: c.state,
      tlb: c.mem.tlbBase,
      memoryPages: phys.u8.length / 65536,
      memoryShared: phys.isShared,
      chainCache: this.chain,
      cycles: c.probes?.opts.cycles === true,
      callStack: c.probes?.opts.callStack === true,
      counting,
    };
    const r = compileRegions(specs, target);
    const rt = runtimeExports(phys.memory, phys.u8.length / 65536, phys.isShared);
    const inst = new WebAssembly.Instance(compileModule(r.bytes, optimizable), {
      js: { mem: phys.memory },
      gw: this.gw as unknown as Record<string, WebAssembly.ImportValue>,
      rt: rt as unknown as Record<string, WebAssembly.ImportValue>,
    });
    const ms = performance.now() - t0;
    for (const st of [this.stats, JIT_TOTALS]) {
      st.modules++;
      st.bytes += r.bytes.length;
      st.compileMs += ms;
    }
    return { regions: r.regions, fns: specs.map((_, k) => inst.exports[`run${k}`] as WebAssembly.ImportValue) };
  }

  /**
   * Compiles `region` again, alone in a module the host may optimize (optimize.ts), and
   * runs it from the same slot: its blocks keep their indices, so the chain cache and
   * the regions that chain into it stay right.
   */
  private optimize(region: Region): void {
    this.work.set(region.work, -Infinity);
    if (!region.valid || optimizedRegions >= OPT_REGIONS) return;
    optimizedRegions++;
    const spec = { blocks: region.blocks, slot: region.slot, predicted: region.predicted, work: region.work };
    const run = this.instantiate([spec], true);
    region.valid = false;
    this.install(spec, run.regions[0]!, null, run.fns[0]!, region);
    for (const st of [this.stats, JIT_TOTALS]) st.optimized++;
  }

  /**
   * What each of this CPU's live regions with a budget left (not optimized, nor ever to be)
   * ran since it was compiled: the instructions charged to its work counter.
   */
  chargedWork(): number[] {
    const out: number[] = [];
    for (const r of this.regions) {
      if (r !== null && r.valid && Number.isFinite(r.budget)) out.push(this.work.get(r.work) + r.budget);
    }
    return out;
  }

  /** Regions this CPU compiled so far (batch.ts BIG_PROGRAM). */
  get compiled(): number {
    return this.stats.regions;
  }

  /**
   * Puts a compiled region's function in its table slot and points its blocks at it (the
   * blocks another region runs stay there, but for the head); `replaces` is the region it
   * takes the place of, whose blocks it takes over.
   */
  private install(
    spec: RegionSpec,
    r: CompiledRegion,
    head: Block | null,
    run: WebAssembly.ImportValue,
    replaces: Region | null = null,
  ): void {
    const { blocks, slot } = spec;
    const optAt = replaces !== null ? Infinity : optWork(r.codeBytes, this.cpu.tiers.opt);
    const region = new Region(
      blocks,
      spec.predicted,
      r.exits,
      r.helpers,
      slot,
      () => this.release(slot),
      spec.work,
      optAt,
    );
    this.work.set(spec.work, -optAt);
    this.table.set(slot, run);
    this.regions[slot] = region;
    blocks.forEach((b, k) => {
      if (b.jit !== null && b !== head && b.jit.region !== replaces) return;
      b.jit = { region, index: k };
    });
    if (replaces !== null) return;
    liveRegions++;
    this.live.n++;
    for (const st of [this.stats, JIT_TOTALS]) {
      st.regions++;
      st.blocks += blocks.length;
      st.native += r.native;
      st.helped += r.helped;
    }
  }

  /**
   * Runs the region `b` belongs to from `b`: blocks start while fewer than `limit`
   * instructions retired (the interpreter's slice test) and only if they end within
   * `window` instructions and, if they end in a branch, while fewer than
   * `branchWindow` branches retired (the LWP quick loop's windows: no counter can
   * reach zero inside). `predict` trains the LWP branch predictor. Returns the exit
   * to hand to the kernel, or null to go on at the CPU's RIP; `branches` holds the
   * branches retired.
   */
  enter(b: Block, limit: number, window = NO_WINDOW, predict = false, branchWindow = NO_BRANCH_WINDOW): Exit | null {
    const c = this.cpu,
      m = this.m,
      s = this.s;
    const entry = b.jit!;
    // Entered from the run loop: the block is a target worth chaining to from now on.
    this.link(b.start, entry.region.slot, entry.index);
    c.f.save(m, (s + STATE_FLAGS) >> 2);
    this.putBase(STATE_FS, c.fsBase);
    this.putBase(STATE_GS, c.gsBase);
    this.base = c.icount;
    // The region counts branches up from −branchWindow (compile.ts, emitBlock).
    const n = this.gw.enter(entry.index, limit, window, predict ? 1 : 0, 0, -branchWindow, entry.region.slot);
    c.f.loadArith(m, (s + STATE_FLAGS) >> 2);
    // Regions chain into each other: the one that left reports.
    const left = this.regions[m[(s + STATE_REGION) >> 2]!]!,
      x = left.exits,
      site = m[(s + STATE_EXIT) >> 2]!,
      kind = x.kind(site);
    const retired = n - x.adj(site);
    c.icount = this.base + retired;
    this.stats.entries++;
    this.stats.retired += retired;
    JIT_TOTALS.entries++;
    JIT_TOTALS.retired += retired;
    // Each region the run went through charged its own instructions (Emitter.chargeWork);
    // one that reached its budget leaves instead of chaining on, so it is this one.
    if (this.work.get(left.work) >= 0) this.optimize(left);
    c.ci = 0;
    this.branches = (m[(s + STATE_BRANCHES) >> 2]! + branchWindow) | 0;
    if (c.probes !== null) this.chargeProbes(c.probes, x, site);
    switch (kind) {
      case EXIT_BRANCH:
        c.rip = x.rip(site);
        return null;
      case EXIT_DYNAMIC: {
        const k = (s + STATE_TARGET) >> 2;
        c.rip = m[k + 1]! * TWO32 + (m[k]! >>> 0);
        return null;
      }
      case EXIT_FAULT: {
        c.block = x.block(site);
        const e = this.fault;
        this.fault = null;
        return c.exceptionAt(e, x.rip(site));
      }
      case EXIT_AFTER:
        c.rip = x.rip(site);
        return c.takePendingExitOrNull();
      case EXIT_CPU_RIP: {
        // A branch run by a helper: counted and trained here, as the compiled ones are.
        const b = x.block(site);
        if (b.lwpWeight === 1) {
          this.branches++;
          if (predict) c.lwp.predictor.train(c.historyOf(b), c.rip);
        }
        return c.takePendingExitOrNull();
      }
      default:
        throw new Error(`region exit kind ${kind}`);
    }
  }

  /** Gives the `lwp stat` probes what the run retired: branches, and cycles (less the exit block's unretired tail). */
  private chargeProbes(p: CpuProbes, x: RegionExits, site: number): void {
    const k = (this.s + STATE_CYCLES) >> 3,
      f64 = this.cpu.mem.phys.f64,
      b = x.block(site);
    // A helper's branch (EXIT_CPU_RIP) is in `branches` already (enter counts it below).
    const helperBranch = x.kind(site) === EXIT_CPU_RIP && b.lwpWeight === 1 ? 1 : 0;
    p.chargeTier3(this.branches + helperBranch, f64[k]!, b, x.adj(site));
    f64[k] = 0;
  }

  private putBase(at: number, v: number): void {
    const k = (this.s + at) >> 2,
      hi = Math.floor(v / TWO32);
    this.m[k] = (v - hi * TWO32) | 0;
    this.m[k + 1] = hi | 0;
  }

  /** The TLB miss: the physical offset of an access, the scratch area for a page-crossing one, −1 on a fault. */
  private readonly xlate = (addr: number, access: number, bytes: number): number => {
    const mem = this.cpu.mem;
    try {
      if ((addr & PAGE_MASK) + bytes <= PAGE_SIZE) return mem.translate(addr, access as 0 | 1 | 2) + (addr & PAGE_MASK);
      const scratch = this.s + STATE_SCRATCH;
      if (access === ACCESS_READ) {
        mem.phys.u8.set(mem.readBytes(addr, bytes), scratch);
      } else {
        mem.probeRange(addr, bytes, ACCESS_WRITE);
        this.crossAt = addr;
        this.crossLen = bytes;
      }
      return scratch;
    } catch (e) {
      if (!(e instanceof MemoryFault)) throw e;
      this.fault = e;
      return -1;
    }
  };

  /** After a slow-path store: writes a page-crossing store out; returns (and clears) the abort flag. */
  private readonly commit = (): number => {
    if (this.crossAt >= 0) {
      const mem = this.cpu.mem,
        scratch = this.s + STATE_SCRATCH;
      mem.writeBytes(this.crossAt, mem.phys.u8.slice(scratch, scratch + this.crossLen));
      this.crossAt = -1;
    }
    return this.takeAbort();
  };

  private takeAbort(): number {
    const k = (this.s + STATE_ABORT) >> 2,
      a = this.m[k]!;
    this.m[k] = 0;
    return a;
  }

  /** The shadow call stack's CALL (kind 0: return address, slot, site) and RET (kind 1: slot, site) from compiled code. */
  private readonly shadow = (kind: number, a: number, b: number, site: number): number => {
    const s = this.cpu.probes?.stack;
    if (s === null || s === undefined) return 0;
    if (kind === 0) s.call(a, b, site);
    else s.return(a, b);
    return 0;
  };

  /** The helper call of the region in `slot`: runs its closure `id` with the CPU as the interpreter would have it. */
  private readonly helper = (slot: number, id: number, n: number): number => {
    this.stats.helperCalls++;
    JIT_TOTALS.helperCalls++;
    const h = this.regions[slot]!.helpers[id]!,
      c = this.cpu,
      m = this.m,
      k = (this.s + STATE_FLAGS) >> 2;
    if (h.flags) c.f.loadArith(m, k);
    c.rip = h.next;
    c.block = h.block;
    c.icount = this.base + n - h.block.length;
    c.ci = h.k;
    let faulted = false;
    try {
      h.op(c);
    } catch (e) {
      this.fault = e;
      faulted = true;
    } finally {
      c.icount = this.base;
      c.ci = 0;
    }
    // Also after a fault: a REP string instruction keeps the flags of its last whole
    // iteration, as the interpreter does (the others fault before they set any).
    if (h.flags) c.f.save(m, k);
    else m[k + FL_OTHER] = c.f.other; // DF, for the compiled string moves
    if (faulted) return 1;
    this.putBase(STATE_FS, c.fsBase);
    this.putBase(STATE_GS, c.gsBase);
    return c.pendingExit !== null || this.takeAbort() !== 0 ? 2 : 0;
  };

  /**
   * Invalidates every region with code on page `pn` (a region keeps copies of blocks
   * that other regions own, so ownership alone would miss some); true if any was.
   */
  invalidatePage(pn: number): boolean {
    let any = false;
    for (const r of this.regions) {
      if (r === null || !r.valid || !r.pages.has(pn)) continue;
      r.invalidate();
      any = true;
    }
    return any;
  }

  /**
   * Makes the regions compiled from now on count (`counting`); true when regions were
   * compiled plain before, which the caller must then drop, since they would run past
   * LWP's windows uncounted (Cpu.runQuick).
   */
  startCounting(): boolean {
    if (this.counting) return false;
    this.counting = true;
    return this.stats.regions > 0;
  }

  /** Invalidates every region (execve, munmap of code, probes changed). */
  invalidateAll(): void {
    for (const r of this.regions) r?.invalidate();
  }

  /** Tells a running region to stop after its current instruction (its code was written or unmapped). */
  abort(): void {
    this.m[(this.s + STATE_ABORT) >> 2] = 1;
  }
}

export { EXIT_BRANCH, ACCESS_WRITE };
