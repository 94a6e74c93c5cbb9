// SPDX-License-Identifier: MIT
// The region compiler: one WebAssembly function `run(entry, limit) → retired`
// for a region of blocks (several regions' functions may share a module: batch.ts).
// Blocks are cases of a dispatch loop (a br_table on the block index in `pc`), so
// branches inside the region never leave the function. Guest registers and the lazy flags live in locals, loaded in the
// prologue; registers are written through to the state frame, the flags' record
// is stored around calls to helpers (interpreter closures for instructions the
// compiler does not emit) and passed to the exit by the one epilogue. Every
// block starts with the limit test the interpreter makes (`n < limit`), so
// slices end on the same instruction in every tier.
import { Bytes, type FnBody, I32, ModuleBuilder, OP } from "../wasm/encoder.js";
import type { Block } from "../cpu/translate/block.js";
import { udOp } from "../cpu/translate/block.js";
import { FlowControl, type Insn } from "../cpu/decode.js";
import type { Op } from "../cpu/translate/types.js";
import { Emitter, EXIT_BRANCH, EXIT_CPU_RIP, EXIT_DYNAMIC, type Imports } from "./emitter.js";
import { RegionExits } from "./exits.js";
import { RUN_PARAMS } from "./gateway.js";
import { PARAM_BR, PARAM_ENTRY, PARAM_LIMIT, PARAM_N, PARAM_PREDICT, PARAM_WINDOW } from "./emitter.js";
import { regionImports } from "./imports.js";
import { DYN, FlagsEmitter } from "./flags-emit.js";
import { jitEmitter } from "./ops/table.js";
import { deadFlags } from "./dead-flags.js";
import { STATE_CYCLES, STATE_PREDICT_SINK } from "./layout.js";
import { returnSites } from "./region.js";

/** An instruction the compiled code runs through its interpreter closure. */
export interface HelperSite {
  readonly op: Op;
  readonly block: Block;
  /** Index in the block. */
  readonly k: number;
  readonly next: number;
  /** The closure reads or writes the arithmetic flags (the record is passed through memory). */
  readonly flags: boolean;
}

/** One region of a module: its blocks in layout order (region.ts `layout`) and its table slot. */
export interface RegionSpec {
  readonly blocks: readonly Block[];
  /** The region's slot in the shared function table. */
  readonly slot: number;
  /** Predicted targets of blocks' indirect branches (region.ts `predictedTarget`), by block start. */
  readonly predicted: ReadonlyMap<number, number>;
  /** Byte offset of the region's work counter (f64, work.ts): the instructions retired in it. */
  readonly work: number;
}

/** What a region's function needs reported back (its module exports it as `run<k>`). */
export interface CompiledRegion {
  readonly exits: RegionExits;
  readonly helpers: readonly HelperSite[];
  /** Instructions emitted natively / through helpers (statistics). */
  readonly native: number;
  readonly helped: number;
  /** Bytes of its function's code (what an optimizing compile costs in proportion to). */
  readonly codeBytes: number;
}

const ARITH_FLAGS = 0x3f; // iced RflagsBits OF SF ZF AF CF PF

/** Where the memory import's size comes from (the module declares it as its minimum). */
export interface Target {
  readonly state: number;
  readonly tlb: number;
  readonly memoryPages: number;
  /** Whether that memory is shared (PhysMem.isShared): the import must say so. */
  readonly memoryShared: boolean;
  /** Byte offset of the chain cache (layout.ts). */
  readonly chainCache: number;
  /** Blocks add their cycles (the cost table's) to STATE_CYCLES: the `lwp stat` probes count cycles. */
  readonly cycles: boolean;
  /** CALL and RET report to the shadow call stack (`lwp record -g`). */
  readonly callStack: boolean;
  /**
   * Blocks honour LWP's windows and count and predict branches (the quick loop and the
   * `lwp stat` probes, `Jit.counting`); without, a region runs plain code: the slice test
   * alone at a block's start, nothing at a branch.
   */
  readonly counting: boolean;
}

/**
 * One module for one region or several, each its own function `run<k>` (k its place
 * in `regions`), sharing the module's imports, thunks and exit function (batch.ts).
 */
export function compileRegions(
  regions: readonly RegionSpec[],
  t: Target,
): { readonly bytes: Uint8Array; readonly regions: readonly CompiledRegion[] } {
  const m = new ModuleBuilder();
  const { imports, chain } = regionImports(m);
  m.importMemory("js", "mem", t.memoryPages, t.memoryShared);
  const out = regions.map((r, k) => {
    const fn = m.func(RUN_PARAMS, [I32]);
    m.exportFunc(`run${k}`, fn.index);
    return compileRun(fn.body, imports, chain, r, t);
  });
  return { bytes: m.encode(), regions: out };
}

/** Emits one region's `run` into `f`. */
function compileRun(f: FnBody, imports: Imports, chain: number, r: RegionSpec, t: Target): CompiledRegion {
  const e = new Emitter(f, imports, t.state, t.tlb, {
    slot: r.slot,
    cache: t.chainCache,
    chain,
    work: r.work,
  });
  e.flags = new FlagsEmitter(f, t.state, imports.flagBits);
  e.callStack = t.callStack;
  const c = new RegionCompiler(e, r.blocks, t.cycles, t.counting, r.predicted);
  c.body();
  // The prologue needs the registers the body uses: write it now, then the body after it.
  const body = f.code;
  f.code = new Bytes();
  e.reload();
  e.flags.load();
  f.get(PARAM_ENTRY).set(e.pc).get(PARAM_N).set(e.n).get(PARAM_N).set(e.n0).get(PARAM_BR).set(e.br);
  f.code.vec(body);
  return {
    exits: new RegionExits(r.blocks, e.exits, c.exitBlocks),
    helpers: c.helpers,
    native: c.native,
    helped: c.helpers.length,
    codeBytes: f.code.len,
  };
}

/** The closure tier 3 runs for instruction k of a block (without the probes the compiled code does itself). */
function opOf(b: Block, k: number): Op {
  return b.tier3 !== null ? b.tier3.ops[k]! : b.opAt(k);
}

class RegionCompiler {
  readonly helpers: HelperSite[] = [];
  native = 0;
  private readonly index = new Map<number, number>();
  private readonly returns: number[];
  private block!: Block;
  /** Position of the block being emitted. */
  private at = 0;

  constructor(
    private readonly e: Emitter,
    private readonly blocks: readonly Block[],
    private readonly cycles: boolean,
    private readonly counting: boolean,
    private readonly predicted: ReadonlyMap<number, number>,
  ) {
    blocks.forEach((b, k) => this.index.set(b.start, k));
    this.returns = [...returnSites(blocks)].filter((r) => this.index.has(r)).slice(0, 8);
    // (blocks arrive in layout order: region.ts `layout`)
    e.goto = (target) => this.goto(target);
    e.gotoDynamic = (target, ip) => this.gotoDynamic(target, ip);
    e.helperHere = () => this.helper(this.block, e.insnIndex, e.insn!, opOf(this.block, e.insnIndex));
  }

  /** The dispatch loop with one case per block. */
  body(): void {
    const f = this.e.f,
      n = this.blocks.length;
    f.block(I32); // every exit branches out of this one with its site's index (Emitter.exit)
    f.block(I32); // every chain exit likewise, to the chain tail (Emitter.chainExit)
    f.loop(); // dispatch: every block ends by branching back here, chaining or leaving
    for (let k = 0; k <= n; k++) f.block();
    f.get(this.e.pc).brTable(
      [...Array(n).keys()].map((k) => k + 1),
      0,
    );
    f.end();
    f.op(OP.unreachable); // no such block
    for (let k = 0; k < n; k++) {
      f.end();
      this.e.dispatchDepth = n - 1 - k;
      this.e.depth = 0;
      this.at = k;
      this.emitBlock(this.blocks[k]!);
    }
    f.end();
    f.op(OP.unreachable);
    f.end();
    this.e.chainTail();
    f.end();
    this.e.epilogue();
  }

  /** The index (in the region) of the block each exit site the emitter recorded is in. */
  readonly exitBlocks: number[] = [];

  private emitBlock(b: Block): void {
    const e = this.e,
      f = e.f,
      n = b.length;
    this.block = b;
    e.flags.kind = DYN;
    e.blockLen = n;
    const exitsBefore = e.exits.length;
    // The interpreter's slice test (a block starts only while n < limit), and in counting
    // code the LWP windows: the block must retire entirely before a counter can reach zero.
    // Each test branches on its own: both V8 compilers turn a comparison that an `if`
    // reads into a compare and jump, where ORing the three made each a SETcc
    // (a block entry in a bare loop: 1.20 → 0.97 ns under Liftoff, 0.56 → 0.36 under TurboFan).
    f.get(e.n).get(PARAM_LIMIT).op(OP.i32_ge_u);
    this.exitIf(b);
    if (this.counting) {
      f.get(e.n).i32(n).op(OP.i32_add).get(PARAM_WINDOW).op(OP.i32_gt_u);
      this.exitIf(b);
      // Event 3's window: the branch count starts at minus the branches allowed, so a
      // block ending in a branch may start only while it is still negative.
      if (b.lwpWeight === 1) {
        f.get(e.br).i32(0).op(OP.i32_ge_s);
        this.exitIf(b);
      }
    }
    f.get(e.n).i32(n).op(OP.i32_add).set(e.n);
    if (this.cycles) this.chargeCycles(b);
    const t3 = b.tier3;
    // Each instruction's emitter, or undefined for a helper call (a (packed) instruction's
    // op is made only if it becomes a helper call: Block.opAt).
    const emitters = b.insns.map((i, k) =>
      (t3 !== null ? t3.ops[k] : b.steps[k]) === udOp || t3?.helped[k] === true ? undefined : jitEmitter(i.name),
    );
    const dead = deadFlags(b.insns, (k) => emitters[k] !== undefined);
    for (let k = 0; k < n; k++) {
      const i = b.insns[k]!;
      e.insn = i;
      e.insnIndex = k;
      e.slowStore = false;
      e.flagsDead = dead[k]!;
      const emit = emitters[k];
      if (emit !== undefined && emit(e, i)) this.native++;
      else this.helper(b, k, i, opOf(b, k));
      if (i.flow === FlowControl.Next && e.slowStore) this.abortCheck(i);
      e.releaseTemps();
    }
    const last = b.insns[n - 1]!;
    if (last.flow === FlowControl.Next) {
      e.slowStore = false;
      this.goto(b.end);
    }
    for (let k = exitsBefore; k < e.exits.length; k++) this.exitBlocks[k] = this.at;
  }

  /** Leaves the region before block `b` when the i32 on the stack is non-zero. */
  private exitIf(b: Block): void {
    this.e.open("if");
    this.e.exit(EXIT_BRANCH, b.start, 0);
    this.e.close();
  }

  /** Adds the block's cycles to the probes' total (an exit before the end takes back the rest: Jit.enter). */
  private chargeCycles(b: Block): void {
    let cost = 0;
    for (const v of b.costTable()) cost += v;
    const f = this.e.f,
      at = this.e.state + STATE_CYCLES;
    f.i32(0).i32(0).mem(OP.f64_load, at, 3);
    f.op(OP.f64_const).code.f64(cost);
    f.op(OP.f64_add).mem(OP.f64_store, at, 3);
  }

  /** After a store that went through the runtime: leave if it wrote translated code. */
  private abortCheck(i: Insn): void {
    const e = this.e;
    e.f.get(e.abort);
    e.open("if");
    e.exitAfter(i.next);
    e.close();
  }

  /** Runs instruction k of the block through its interpreter closure. */
  private helper(b: Block, k: number, i: Insn, op: Op): void {
    const e = this.e,
      f = e.f;
    const flags = ((i.flagsRead | i.flagsModified | i.flagsUndefined) & ARITH_FLAGS) !== 0;
    const writes = ((i.flagsModified | i.flagsUndefined) & ARITH_FLAGS) !== 0;
    this.helpers.push({ op, block: b, k, next: i.next, flags });
    if (flags) e.flags.store();
    const st = e.tmp(I32);
    f.i32(e.chaining.slot)
      .i32(this.helpers.length - 1)
      .get(e.n)
      .call(e.imports.helper)
      .set(st);
    e.reloadAll();
    if (writes) e.flags.load();
    const control = i.flow !== FlowControl.Next;
    f.get(st);
    e.open("if");
    f.get(st).i32(1).op(OP.i32_eq);
    e.open("if");
    e.exitFault();
    e.close();
    if (!control) e.exitAfter(i.next);
    e.close();
    if (control) e.exit(EXIT_CPU_RIP, 0, 0);
  }

  /** The block's branch retired to `target` (a constant, or the i64 local −target−1): LWP event 3's count and predictor. */
  private retireBranch(target: number): void {
    const e = this.e,
      f = e.f,
      b = this.block;
    if (b.lwpWeight !== 1 || !this.counting) return;
    f.get(e.br).i32(1).op(OP.i32_add).set(e.br);
    // The predictor's history when `predict` is on, else a sink: no `if` (STATE_PREDICT_SINK).
    f.i32(b.lwpHistory)
      .i32(e.state + STATE_PREDICT_SINK)
      .get(PARAM_PREDICT)
      .op(OP.select);
    if (target >= 0) f.op(OP.f64_const).code.f64(target);
    else f.get(-target - 1).op(OP.f64_convert_i64_s);
    f.mem(OP.f64_store, 0, 3);
  }

  /** Continues at a static target: the dispatch loop inside the region, else an exit. */
  private goto(target: number): void {
    const e = this.e,
      f = e.f;
    this.retireBranch(target);
    if (e.slowStore) {
      f.get(e.abort);
      e.open("if");
      e.exit(EXIT_BRANCH, target, 0);
      e.close();
    }
    const j = this.index.get(target);
    if (j === undefined) {
      e.chainExit(EXIT_BRANCH, target, false, target);
      return;
    }
    e.flags.materialize();
    this.jumpTo(j);
  }

  /**
   * Transfers to block j of the region. Block j's code starts where the label
   * closed after it ends, so a later block is a direct branch (the next one at
   * depth 0 a fall-through); an earlier one goes through the dispatch loop.
   */
  private jumpTo(j: number): void {
    const e = this.e,
      f = e.f,
      k = this.at;
    if (j > k) {
      if (j > k + 1 || e.depth > 0) f.br(e.depth + j - k - 1);
      return;
    }
    f.i32(j).set(e.pc);
    e.brDispatch();
  }

  /** Continues at the target in i64 local `t` (RET, indirect branch at `ip`). */
  private gotoDynamic(t: number, ip: number): void {
    const e = this.e,
      f = e.f;
    this.retireBranch(-t - 1);
    f.get(t).set(e.tgt);
    if (e.slowStore) {
      f.get(e.abort);
      e.open("if");
      e.exit(EXIT_DYNAMIC, ip, 0);
      e.close();
    }
    // The block's predicted target first (a PLT stub's), then the region's return sites.
    const p = this.predicted.get(this.block.start);
    const inRegion =
      p !== undefined && this.index.has(p) && !this.returns.includes(p) ? [p, ...this.returns] : this.returns;
    for (const r of inRegion) {
      f.get(t);
      e.constNum(r);
      f.op(OP.i64_eq);
      e.open("if");
      e.flags.materialize();
      this.jumpTo(this.index.get(r)!);
      e.close();
    }
    e.chainExit(EXIT_DYNAMIC, t, true, ip);
  }
}
