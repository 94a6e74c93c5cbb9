// SPDX-License-Identifier: MIT
// When a CPU's blocks climb to tier 3 (docs/architecture.md, "Hot before the
// threshold" and "Not during start-up"): every block counts down its runs
// (`Block.heat`), and at each check the rules here decide whether the region it heads
// compiles now, waits to compile with others (src/hw/jit/batch.ts), or stays in the
// interpreter tiers a while longer. Only the CPU's retired count and the blocks' run
// counts decide, so a run compiles the same regions every time.
import type { Cpu, TierOptions } from "./cpu.js";
import type { Block } from "./translate/block.js";
import { Jit, type RegionRequest } from "../jit/jit.js";
import { BIG_CODE, BIG_COUNT, BIG_PROGRAM, HOT_WAIT, RegionBatch, SMALL_COUNT, THRESHOLD_WAIT } from "../jit/batch.js";
import { compilable } from "../jit/region.js";

/** `Block.heatSince` of a block whose region was asked for (compiled, refused, or waiting: src/hw/jit/batch.ts). */
const REQUESTED = -1;

/** Executions of a block before the region it heads is compiled to WebAssembly... */
export const JIT_THRESHOLD = 4096;
/** ...or sooner, once JIT_HOT of its runs came within JIT_WINDOW instructions retired (a hot loop). */
export const JIT_HOT = 256;
export const JIT_WINDOW = 1_000_000;
/**
 * Instructions a CPU retires before it compiles any region: a short command (`true`,
 * a shell's subshell) ends before a region would pay for itself, and the first one
 * costs a start-up most (the compiler's code runs cold, the JIT's modules are made).
 */
export const JIT_START = 150_000;
/** ...unless a block runs this many times `JIT_HOT` within it (a loop that will run long). */
const STARTUP_HOT = 8;

export class TierUp {
  /**
   * The WebAssembly tier, made at the first region compile: a process that never gets
   * hot (a shell's subshell) never pays for its table, gateway and chain cache.
   */
  jit: Jit | null = null;
  /** Regions that wait to be compiled together. */
  private readonly batch = new RegionBatch();
  private readonly threshold: number;
  private readonly hot: number;
  private readonly window: number;
  private readonly start: number;
  private readonly wait: number;
  private readonly bigCode: number;

  /** @param lookup the CPU's translated block at an address (without touching its cache's front) */
  constructor(
    private readonly cpu: Cpu,
    private readonly tiers: TierOptions,
    private readonly lookup: (rip: number) => Block | undefined,
  ) {
    this.threshold = tiers.forced ? 1 : (tiers.threshold ?? JIT_THRESHOLD);
    this.hot = tiers.hot ?? JIT_HOT;
    this.window = tiers.window ?? JIT_WINDOW;
    this.start = tiers.forced ? 0 : (tiers.start ?? JIT_START);
    this.wait = tiers.forced ? 0 : (tiers.wait ?? HOT_WAIT);
    this.bigCode = tiers.bigCode ?? BIG_CODE;
  }

  /** Starts the countdown of a block the CPU enters in its cache. */
  warm(b: Block): void {
    b.heat = this.threshold;
    b.heatCheck = Math.max(0, this.threshold - this.hot);
    b.heatSince = this.cpu.icount;
  }

  /** Compiles the waiting regions if their deadline passed (the run loop looks as it starts). */
  poll(): void {
    if (this.batch.due(this.cpu.icount)) this.compileBatch(null);
  }

  /**
   * A block's countdown reached a check: its region is compiled once the block has run
   * `threshold` times (fewer in a program of little code, more in a big one: `countFloor`),
   * or as soon as its last `hot` runs came within `window` retired instructions (a loop);
   * else the next check is `hot` runs on. Nothing compiles before the CPU retired `start`
   * instructions.
   */
  heatUp(b: Block): void {
    const icount = this.cpu.icount;
    if (this.batch.due(icount)) this.compileBatch(null);
    if (b.heatSince === REQUESTED) {
      // Its region waits in the batch: look again (for the batch's deadline) `hot`
      // runs on. Compiled, it runs in its region; refused, it is not asked again.
      b.heatCheck = this.batch.holds(b) ? b.heat - this.hot : 0;
      return;
    }
    if (icount < this.start && this.threshold - b.heat < STARTUP_HOT * this.hot) {
      // Start-up: only a block that ran STARTUP_HOT times as often compiles; look again
      // `hot` runs on (past the threshold too: `heat` goes below 0).
      b.heatCheck = b.heat - this.hot;
      return;
    }
    const floor = this.countFloor();
    if (b.heat > floor && icount - b.heatSince > this.window) {
      b.heatCheck = Math.max(floor, b.heat - this.hot);
      b.heatSince = icount;
      return;
    }
    this.compileRegion(b);
  }

  /** Drops the regions and what waits (the CPU's translations were flushed). */
  clear(): void {
    this.batch.clear();
    this.jit?.invalidateAll();
    this.jit?.abort();
  }

  /**
   * The `heat` at which a block's count alone compiles its region (0: after `threshold`
   * runs): in a program of little code (less than BIG_CODE instructions translated), after
   * SMALL_COUNT times the threshold; in a big one (BIG_CODE, and BIG_PROGRAM regions
   * compiled), after BIG_COUNT times (batch.ts).
   */
  private countFloor(): number {
    if (this.tiers.forced) return 0;
    if (this.cpu.translatedInsns < this.bigCode) return Math.floor(this.threshold * (1 - SMALL_COUNT));
    const jit = this.jit;
    return jit === null || jit.compiled < BIG_PROGRAM ? 0 : -this.threshold * (BIG_COUNT - 1);
  }

  /** Compiles the region `b` heads, if `b` may be compiled (else it stays cold for a while). */
  private compileRegion(b: Block): void {
    const runs = this.threshold - b.heat,
      floor = this.countFloor(),
      probes = this.cpu.probes;
    b.heat = 1 << 30;
    b.heatCheck = 0;
    // Probes tier 3 cannot honour (the D-cache model, the shadow call stack) keep blocks in
    // tiers 1 and 2, where they are woven into the closures (setProbes retranslates all).
    if ((probes !== null && !probes.tier3) || !compilable(b)) return;
    // Successors join the region when they ran at least 1/8 as often as the head
    // (or once, when tier 3 is forced): cold paths stay out and stay cheap.
    const least = this.tiers.forced ? 0 : Math.max(1, runs >> 3),
      th = this.threshold;
    const request = {
      head: b,
      lookup: (rip: number): Block | undefined => {
        const t = this.lookup(rip);
        return t !== undefined && t.valid && (th - t.heat >= least || t.jit !== null || this.batch.holds(t))
          ? t
          : undefined;
      },
    };
    // Past its first BIG_PROGRAM regions a CPU compiles them several to a module: a
    // region waits a while for others, not long if its head is hot by its rate (a loop),
    // longer if it only reached the threshold (batch.ts).
    const jit = (this.jit ??= new Jit(this.cpu));
    const wait =
      jit.compiled < BIG_PROGRAM ? 0 : runs < th - floor ? this.wait : (this.wait * THRESHOLD_WAIT) / HOT_WAIT;
    b.heatSince = REQUESTED;
    if (wait === 0) this.compileBatch(request);
    else if (this.batch.add(request, this.cpu.icount, wait)) this.compileBatch(null);
    else b.heatCheck = b.heat - this.hot;
  }

  /** Compiles the waiting regions and `request`'s, if any, in one module. */
  private compileBatch(request: RegionRequest | null): void {
    const requests = this.batch.requests();
    if (request !== null) requests.push(request);
    if (requests.length > 0) (this.jit ??= new Jit(this.cpu)).compile(requests);
    this.batch.clear();
  }
}
