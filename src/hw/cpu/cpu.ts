// SPDX-License-Identifier: MIT
// The x86-64 user-mode CPU: architectural state, a translation cache of basic
// blocks (decoded once by iced-x86, executed as pre-resolved closures), and
// the run loop that returns an Exit to whoever drives it (docs/architecture.md "The run loop").
import { AddressSpace, MemoryFault, PAGE_SIZE, ACCESS_EXEC } from "../memory/address-space.js";
import { Flags } from "./flags.js";
import { STATE_GPR, STATE_XMM } from "./state-layout.js";
import type { PhysMem } from "../memory/phys.js";
import { X87State } from "./x87/state.js";
import {
  type Exit,
  EXIT_BUDGET,
  CpuException,
  VEC_PF,
  VEC_GP,
  VEC_SS,
  VEC_UD,
  FAULT_MAPERR,
  FAULT_ACCERR,
} from "./exits.js";
import { type Block, translateBlock } from "./translate/block.js";
import { PACK_START } from "./translate/packed.js";
import { stackSegmentFault } from "./stack-fault.js";
import { type CpuModel, fullModel } from "./cpuid.js";
import { LWP_RELOAD, LWP_TRAP, LwpUnit, type LwpOptions } from "../lwp/unit.js";
import { runStepped } from "./step.js";
import { EXIT_REPICK, STEP_FLAGS } from "./step-flags.js";
import { afterFastBlock, chargePartial, fastPathOk, finish, runBlock } from "../lwp/counting.js";
import { EV, LWP_STATE_BLOCK } from "../lwp/events.js";
import { readLwpMsr, writeLwpMsr } from "../lwp/msr.js";
import "../lwp/xstate.js"; // registers XSAVE component 62
import type { CpuProbes } from "./probes.js";
import { NO_WINDOW } from "../jit/jit.js";
import { type BranchHistory, BranchPredictor, NO_BRANCH_HISTORY } from "../lwp/predictor.js";
import { TierUp } from "./tier-up.js";
import { type SharedBlocks, sharedBlocks } from "./translate/shared.js";
import { TCACHE_INSNS, TranslationCache } from "./translate/cache.js";
import { SpaceSet } from "./spaces.js";

/** Standard XCR0 bits we implement (x87 | SSE); LWP (bit 62) is XCR0_HI_LWP of src/hw/lwp/unit.ts. */
export const XCR0_X87 = 1;
export const XCR0_SSE = 2;

/**
 * Execution tiers (docs/architecture.md "Tiers"): 1 runs blocks in the interpreter only
 * (packed instructions and closures);
 * 2 also compiles a block run COMPILE_THRESHOLD times into one function of calls;
 * 3 also compiles regions of blocks run JIT_THRESHOLD times into WebAssembly.
 * A forced tier (`--tier`, LWP_TIER) compiles from the first execution.
 */
export interface TierOptions {
  readonly tier: 1 | 2 | 3;
  readonly forced: boolean;
  /** Executions of a block before its region is compiled (JIT_THRESHOLD unless tuned). */
  readonly threshold?: number;
  /** Runs within `window` instructions that make a block hot before the threshold (JIT_HOT unless tuned). */
  readonly hot?: number;
  /** See `hot` (JIT_WINDOW unless tuned). */
  readonly window?: number;
  /** Instructions of translated blocks a CPU holds before it evicts cold ones (TCACHE_INSNS unless tuned). */
  readonly tcache?: number;
  /** Instructions a CPU retires before it compiles its first region (JIT_START unless tuned). */
  readonly start?: number;
  /**
   * Instructions a region whose head is hot by its rate waits to be compiled with others
   * once the CPU has compiled BIG_PROGRAM regions, one of the threshold THRESHOLD_WAIT /
   * HOT_WAIT times as long (HOT_WAIT unless tuned; 0: each at once, in a module of its own).
   */
  readonly wait?: number;
  /**
   * Instructions retired in a region before it is compiled again for
   * the host's optimizing compiler (src/hw/jit/optimize.ts; unless tuned, OPT_WORK and
   * OPT_WORK_PER_BYTE for each byte of its code; 0: never).
   */
  readonly opt?: number;
  /**
   * Instructions a CPU's translated blocks hold, below which the program is one of little
   * code (SMALL_COUNT) and past which it may be a big one (BIG_COUNT: src/hw/jit/batch.ts;
   * BIG_CODE unless tuned).
   */
  readonly bigCode?: number;
  /** Whether tier 1 runs a block's common instructions packed (translate/packed.ts; default true, LWP_PACKED=0 turns it off). */
  readonly packed?: boolean;
  /** Instructions a CPU retires before it packs the blocks it translates (PACK_START unless tuned; 0 in a forced tier). */
  readonly packStart?: number;
}

let defaultTiers: TierOptions = { tier: 3, forced: false };

/** Sets the tiers of CPUs created from now on (the CLI's `--tier`). */
export function setDefaultTiers(t: TierOptions): void {
  defaultTiers = t;
}

/** The tiers CPUs created now get. */
export function currentDefaultTiers(): TierOptions {
  return defaultTiers;
}

/** Gives a CPU's state frame back when the CPU is collected. */
const stateFrames = new FinalizationRegistry<{ phys: PhysMem; frame: number }>((h) => h.phys.freeRun(h.frame, 1));

const EV_INSTRUCTIONS = EV.INSTRUCTIONS;
const EV_BRANCHES = EV.BRANCHES;

export class Cpu {
  /** Byte offset of this CPU's state frame in physical memory. */
  readonly state: number;
  // ---- general registers: 16 x 64-bit as lo/hi int32 pairs, with narrow views
  readonly r32: Int32Array;
  readonly r16: Uint16Array;
  readonly r8: Uint8Array;
  rip = 0;
  fsBase = 0;
  gsBase = 0;
  readonly f = new Flags();

  // ---- SSE: 16 XMM registers with typed views over one buffer, and MXCSR
  readonly x32: Int32Array;
  readonly x16: Uint16Array;
  readonly x8: Uint8Array;
  readonly xf32: Float32Array;
  readonly xf64: Float64Array;
  mxcsr = 0x1f80;
  readonly x87 = new X87State();

  /** XCR0 as two halves (bit 62 = LWP lives in the high word). */
  xcr0Lo = XCR0_X87 | XCR0_SSE;
  xcr0Hi = 0;

  // ---- scratch used by semantic functions (results of 64-bit operations, EA)
  t0 = 0;
  t1 = 0;
  ea = 0;

  // ---- execution bookkeeping
  /** Instructions retired since reset (completed blocks; see `retired()`). */
  icount = 0;
  /** The retired count from which the blocks this CPU translates are packed (`TierOptions.packStart`). */
  readonly packFrom: number;
  /** Index of the executing instruction within the current block. */
  ci = 0;
  block: Block | null = null;
  /** Set by an instruction that ends the run (syscall, hlt, LWP interrupt). */
  pendingExit: Exit | null = null;
  /**
   * The time-stamp counter: instructions retired plus `tscOffset`, which the kernel sets
   * as a task's slice starts (its virtual clock), or another source it installs.
   */
  readTsc: () => number = () => this.retired() + this.tscOffset;
  tscOffset = 0;
  /** The LWP unit (src/hw/lwp); `lwpCounting` is its per-block hook switch (events 2–6 on). */
  readonly lwp: LwpUnit;
  lwpCounting = false;
  /** Probes woven into translated blocks (exact counters, shadow call stack); see setProbes. */
  probes: CpuProbes | null = null;

  /** When blocks climb to tier 3, and the WebAssembly tier itself (tier-up.ts). */
  private readonly up: TierUp;
  /** Whether tier 3 is on. */
  private readonly tier3: boolean;
  /** This CPU's translated blocks. */
  private readonly cache: TranslationCache;
  /** The machine's translations by physical frame, shared with the other CPUs. */
  private readonly shared: SharedBlocks;

  /**
   * The address space the CPU runs in now: one of `spaces`, the one whose task the kernel
   * loaded last (SpaceSet.switchTo).
   */
  mem: AddressSpace;
  /** The address spaces whose processes run on this CPU (spaces.ts). */
  readonly spaces: SpaceSet;

  constructor(
    mem: AddressSpace,
    readonly model: CpuModel = fullModel(),
    lwpOptions: LwpOptions = {},
  ) {
    this.mem = mem;
    this.spaces = new SpaceSet(this, mem);
    this.lwp = new LwpUnit(model.lwp, lwpOptions);
    this.lwp.predictor = new BranchPredictor(mem.phys);
    this.shared = sharedBlocks(mem.phys);
    this.tiers = defaultTiers;
    const phys = mem.phys;
    this.state = phys.allocRun(1) * PAGE_SIZE;
    const buf = phys.memory.buffer as ArrayBuffer,
      g = this.state + STATE_GPR,
      x = this.state + STATE_XMM;
    this.r32 = new Int32Array(buf, g, 32);
    this.r16 = new Uint16Array(buf, g, 64);
    this.r8 = new Uint8Array(buf, g, 128);
    this.x32 = new Int32Array(buf, x, 64);
    this.x16 = new Uint16Array(buf, x, 128);
    this.x8 = new Uint8Array(buf, x, 256);
    this.xf32 = new Float32Array(buf, x, 64);
    this.xf64 = new Float64Array(buf, x, 32);
    stateFrames.register(this, { phys, frame: this.state / PAGE_SIZE });
    this.tier3 = this.tiers.tier === 3;
    this.packFrom =
      this.tiers.packed === false ? Infinity : this.tiers.forced ? 0 : (this.tiers.packStart ?? PACK_START);
    this.cache = new TranslationCache(
      this.tiers.tcache ?? TCACHE_INSNS,
      (pn) => this.spaces.markCode(pn),
      (b) => this.shared.forget(this.mem, b),
    );
    this.up = new TierUp(this, this.tiers, (rip) => this.cache.get(rip));
    this.shared.join(this);
  }

  /** Instructions of the translated blocks this CPU holds. */
  get translatedInsns(): number {
    return this.cache.heldInsns;
  }

  /** The blocks this CPU holds (the shared translations offer them to the others once sharing starts). */
  blocks(): Iterable<Block> {
    return this.cache.blocks();
  }

  /** The tiers this CPU runs (fixed at creation). */
  readonly tiers: TierOptions;

  /** Instructions retired so far, exact even in the middle of a block. */
  retired(): number {
    return this.icount + this.ci;
  }

  // ---- 64-bit register helpers (slow-path convenience; hot code uses r32) ----

  /** Register value as a Number; exact for values within ±2^53 (addresses, counts). */
  getReg(r: number): number {
    return this.r32[2 * r + 1]! * 4294967296 + (this.r32[2 * r]! >>> 0);
  }

  /** Sets a register from a Number in [-2^63, 2^64) that is exact (< 2^53 in magnitude). */
  setReg(r: number, v: number): void {
    const lo = v % 4294967296;
    this.r32[2 * r] = lo;
    this.r32[2 * r + 1] = Math.floor(v / 4294967296);
  }

  getReg64(r: number): bigint {
    return (BigInt(this.r32[2 * r + 1]! >>> 0) << 32n) | BigInt(this.r32[2 * r]! >>> 0);
  }

  setReg64(r: number, v: bigint): void {
    this.r32[2 * r] = Number(v & 0xffffffffn) | 0;
    this.r32[2 * r + 1] = Number((v >> 32n) & 0xffffffffn) | 0;
  }

  // ---- the run loop ----------------------------------------------------------

  /** Runs until an exit or until about `budget` instructions have retired (block granularity). */
  run(budget: number): Exit {
    if (this.pendingExit !== null) return this.takePendingExit();
    this.up.poll();
    const stop = this.icount + budget;
    while (this.icount < stop) {
      // LWP counting events 2/3 only (the usual profiling set-up) has a loop of its
      // own; the loops return null when the LWP configuration may have changed.
      const x =
        (this.f.other & STEP_FLAGS) !== 0 // TF and AC are not arithmetic flags: no lazy flags to materialise
          ? runStepped(this, stop)
          : this.quickMode()
            ? this.runQuick(stop)
            : this.runGeneral(stop);
      if (x !== null && x !== EXIT_REPICK) return x;
    }
    return EXIT_BUDGET;
  }

  /** The chained successor of `prev` at RIP, else the translated block there (throws on a fetch fault). */
  private nextBlock(prev: Block | null): Block {
    let b = prev === null ? null : prev.successor(this.rip);
    if (b === null) {
      b = this.blockAt(this.rip);
      if (prev !== null) prev.link(b);
    }
    b.used = this.cache.epoch;
    this.block = b;
    return b;
  }

  /**
   * No LWP counting, or LWP events 2–6 through src/hw/lwp/counting.ts: blocks where no
   * counter crosses zero run at full speed and are charged afterwards, the others
   * are stepped. The configuration changes only at LLWPCB/XRSTOR (which end their
   * block by throwing) or in the LWP code, so it is re-checked only there.
   */
  private runGeneral(stop: number): Exit | null {
    const lwpOn = this.lwpCounting,
      u = this.lwp;
    let prev: Block | null = null;
    while (this.icount < stop) {
      let b: Block;
      try {
        b = this.nextBlock(prev);
      } catch (e) {
        return this.exceptionAt(e, this.rip);
      }
      prev = b;
      if (!lwpOn && this.tier3) {
        if (b.jit === null && --b.heat <= b.heatCheck) this.up.heatUp(b);
        if (b.jit !== null) {
          const x = this.up.jit!.enter(b, stop - this.icount);
          prev = null;
          if (x !== null) return x;
          continue;
        }
      }
      if (lwpOn && !fastPathOk(u, b)) {
        const x = runBlock(u, this, b);
        if (x !== null || this.lwpChanged(lwpOn)) return x;
        continue;
      }
      this.rip = b.end;
      const n = b.length;
      try {
        b.exec(this);
      } catch (e) {
        return this.abortBlock(e, b, lwpOn);
      }
      this.ci = 0;
      this.icount += n;
      if (lwpOn) {
        const x = finish(this, afterFastBlock(u, this, b));
        if (x !== null || this.lwpChanged(lwpOn)) return x;
      } else if (this.pendingExit !== null) return this.takePendingExit();
    }
    return null;
  }

  /** LWP counts events 2/3 only, with nothing pending: `runQuick` applies. */
  private quickMode(): boolean {
    const u = this.lwp;
    return this.lwpCounting && u.quick && !u.hasPending;
  }

  /** Whether the LWP unit now wants another loop than the general one entered with `lwpOn`. */
  private lwpChanged(lwpOn: boolean): boolean {
    return this.lwpCounting !== lwpOn || this.quickMode();
  }

  /**
   * LWP counting events 2 and/or 3 only, without filters (`lwp.quick`). Event 2
   * becomes an instruction-count deadline and event 3 a local countdown of the
   * blocks' `lwpWeight`, both guarded by one compare per block (docs/lwp.md "Speed");
   * a block where a counter reaches zero, or an LWP-state block, is left to the
   * general code with the counters written back (they are exact at every block boundary).
   */
  private runQuick(stop: number): Exit | null {
    // Regions compiled while nothing counted run plain code (Jit.counting): dropped, and
    // their blocks translated again, the first time this CPU counts.
    if (this.tier3 && this.up.jit?.startCounting() === true) this.flushCode();
    const u = this.lwp,
      cnt = u.counters;
    const ev2 = u.ev2,
      ev3 = u.ev3;
    const predicting = ev3 && u.geo.branchPrediction,
      pred = u.predictor,
      tier3 = this.tier3;
    let deadline = ev2 ? this.icount + cnt[EV_INSTRUCTIONS]! : Infinity;
    let branches = ev3 ? cnt[EV_BRANCHES]! : 0x40000000;
    let prev: Block | null = null;
    let x: Exit | null = null;
    // One compare per block guards the budget and both counters: a block retires at
    // least one instruction and at most one branch, so until the instruction count
    // passes `limit` neither counter can reach zero. Past it, check exactly.
    let limit = Math.min(stop, deadline, this.icount + branches);
    for (;;) {
      let b: Block;
      try {
        b = this.nextBlock(prev);
      } catch (e) {
        x = this.exceptionAt(e, this.rip);
        break;
      }
      prev = b;
      const n = b.quickLength;
      if (this.icount + n > limit) {
        if (this.icount >= stop) break;
        if (this.icount + b.length > deadline || branches < b.lwpWeight) {
          // Stepped: a counter crosses zero in it, or it is an LWP-state block, which
          // may change the configuration (then the caller picks the loop again).
          this.syncQuick(deadline, branches);
          x = runBlock(u, this, b);
          if (x !== null || b.lwpKind === LWP_STATE_BLOCK || !this.quickMode()) return x;
          if (ev2) deadline = this.icount + cnt[EV_INSTRUCTIONS]!;
          if (ev3) branches = cnt[EV_BRANCHES]!;
          limit = Math.min(stop, deadline, this.icount + branches);
          continue;
        }
        limit = Math.min(stop, deadline, this.icount + branches);
      }
      if (tier3) {
        if (b.jit === null && --b.heat <= b.heatCheck) this.up.heatUp(b);
        if (b.jit !== null) {
          // The region runs the blocks that end within both windows; this one does (tested above).
          // The slice's end is its limit, not a window: a block may start before it and end
          // past it, as in this loop (a window would stop the region one block short, and
          // this loop would enter it again for that one block, at every slice).
          const jit = this.up.jit!;
          const window = Math.max(deadline - this.icount, b.length);
          x = jit.enter(b, stop - this.icount, Math.min(window, NO_WINDOW), predicting, branches);
          branches -= jit.branches;
          prev = null;
          if (x !== null) break;
          limit = Math.min(stop, deadline, this.icount + branches);
          continue;
        }
      }
      this.rip = b.end;
      try {
        b.exec(this);
      } catch (e) {
        x = this.abortBlock(e, b, false);
        break;
      }
      this.ci = 0;
      this.icount += n;
      branches -= b.lwpWeight;
      if (predicting) pred.train(this.historyOf(b), this.rip); // predict() without the answer
      if (this.pendingExit !== null) {
        x = this.takePendingExit();
        break;
      }
    }
    this.syncQuick(deadline, branches);
    return x;
  }

  /** Writes the quick loop's event-2/3 counters back to the unit. */
  private syncQuick(deadline: number, branches: number): void {
    const u = this.lwp;
    if (u.ev2) u.counters[EV_INSTRUCTIONS] = deadline - this.icount;
    if (u.ev3) u.counters[EV_BRANCHES] = branches;
  }

  /** The pending exit (taking it), or null. */
  takePendingExitOrNull(): Exit | null {
    return this.pendingExit === null ? null : this.takePendingExit();
  }

  private takePendingExit(): Exit {
    const x = this.pendingExit!;
    this.pendingExit = null;
    return x;
  }

  /**
   * A block stopped early: a fault (RIP = the instruction), or an LWP trap after a
   * completed instruction (RIP = the next one; the pending exit, if any, is returned).
   * LWP_RELOAD retires an instruction that no LWP configuration counts.
   */
  private abortBlock(e: unknown, b: Block, lwpOn: boolean): Exit | null {
    const ci = this.ci;
    this.ci = 0;
    const trap = e === LWP_TRAP || e === LWP_RELOAD;
    if (lwpOn) chargePartial(this.lwp, b, e === LWP_TRAP ? ci + 1 : ci);
    if (trap) {
      this.icount += ci + 1;
      if (ci < b.length - 1) this.rip = b.ipAt(ci + 1);
      return this.pendingExit === null ? null : this.takePendingExit();
    }
    this.icount += ci;
    return this.exceptionAt(e, b.ipAt(ci));
  }

  /** Converts a thrown fault into an exit, leaving RIP at the faulting instruction. */
  exceptionAt(e: unknown, at: number): Exit {
    this.rip = at;
    return this.faultExit(e);
  }

  /** Converts a thrown fault into an exit without moving RIP (traps: LWP record stores). */
  faultExit(e: unknown): Exit {
    if (e instanceof MemoryFault) {
      if (e.generalProtection) {
        return { kind: "fault", vector: this.stackSegment() ? VEC_SS : VEC_GP, errorCode: 0, address: 0, code: 0 };
      }
      const err = (e.present ? 1 : 0) | (e.access === 1 ? 2 : 0) | 4 | (e.access === ACCESS_EXEC ? 16 : 0);
      return {
        kind: "fault",
        vector: VEC_PF,
        errorCode: err,
        address: e.address,
        code: e.present ? FAULT_ACCERR : FAULT_MAPERR,
      };
    }
    if (e instanceof CpuException) {
      if (e.vector === VEC_UD) return { kind: "ud", bytes: this.block?.insnBytes(this.rip) ?? new Uint8Array() };
      return { kind: "fault", vector: e.vector, errorCode: e.errorCode, address: e.address, code: e.code };
    }
    throw e;
  }

  /** A non-canonical stack-segment access is #SS rather than #GP (cpu/stack-fault.ts; Linux sends SIGBUS). */
  private stackSegment(): boolean {
    const i = this.block?.insns.find((i) => i.ip === this.rip);
    return i !== undefined && stackSegmentFault(this, i);
  }

  // ---- MSRs (the kernel's interface; RDMSR/WRMSR from CPL 3 raise #GP) -------

  /** RDMSR as CPL 0 would see it; throws CpuException(#GP) for an MSR that is not modelled. */
  rdmsr(index: number): bigint {
    const v = readLwpMsr(this.lwp, this, index);
    if (v === null) throw new CpuException(VEC_GP);
    return v;
  }

  /** WRMSR as CPL 0; throws CpuException(#GP) where the hardware faults (LWP spec §2). */
  wrmsr(index: number, value: bigint): void {
    if (!writeLwpMsr(this.lwp, this, index, BigInt.asUintN(64, value))) throw new CpuException(VEC_GP);
  }

  blockAt(rip: number): Block {
    const cached = this.cache.find(rip);
    if (cached !== undefined) return cached;
    const copy = this.shared.find(this.mem, rip, Math.floor(rip / PAGE_SIZE), this.probes, this.tiers);
    if (copy !== undefined) return this.adopt(copy);
    // Resuming inside the block last run: its tail, which ends where it does (Block.tail).
    const b = (this.block?.valid === true ? this.block.tail(rip) : null) ?? translateBlock(this, rip);
    const t = this.tiers;
    if (t.forced && t.tier < 3) b.countdown = t.tier === 1 ? 0 : 1;
    this.adopt(b);
    this.shared.add(this.mem, b, this.probes, this.tiers);
    return b;
  }

  /** Enters a translated block in the cache. */
  private adopt(b: Block): Block {
    this.up.warm(b);
    this.cache.add(b);
    return b;
  }

  /**
   * The predictor's history of the branch that ends `b`, found on first use: only LWP's
   * event 3 predicts, and a lookup per block a process runs was 3 % of a shell script's
   * time (each forked child copies its blocks anew). NO_BRANCH_HISTORY for a block that
   * ends in no branch.
   */
  historyOf(b: Block): BranchHistory {
    const h = b.lwpHistory;
    if (h !== NO_BRANCH_HISTORY || (b.lwpKind & 3) === 0) return h;
    return (b.lwpHistory = this.lwp.predictor.historyOf(b.lastIp));
  }

  /** Runs the processes of `s` too (a fork's copy of one of the spaces: SpaceSet.add). */
  addSpace(s: AddressSpace): void {
    this.spaces.add(s, this.cache.codePageNumbers());
  }

  /** Drops every translated block that overlaps page `pn` (self-modifying code). */
  invalidatePage(pn: number): void {
    if (!this.cache.invalidatePage(pn)) return;
    // Every region with code on the page goes, whichever region owns the blocks there.
    const jit = this.up.jit;
    if (jit?.invalidatePage(pn) === true) jit.abort();
  }

  /** Attaches or detaches probes; blocks are retranslated so they take effect at the next block. */
  setProbes(p: CpuProbes | null): void {
    if (this.probes === p) return;
    this.probes = p;
    this.flushCode();
  }

  /** Drops all translations (execve, munmap of code, tests). */
  flushCode(): void {
    this.cache.clear();
    this.up.clear();
  }

  /** The page size, for code that must not import the memory module. */
  static readonly PAGE_SIZE = PAGE_SIZE;
}
