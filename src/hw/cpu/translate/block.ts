// SPDX-License-Identifier: MIT
// Basic-block translation: fetch, decode with iced-x86 once, and turn each
// instruction into a closure through its row in the instruction table.
import type { Cpu } from "../cpu.js";
import { ACCESS_EXEC, MemoryFault, PAGE_SIZE } from "../../memory/address-space.js";
import { decodeRun, endsBlock, type Insn, redecode } from "../decode.js";
import { CpuException, VEC_UD } from "../exits.js";
import { lookupRow } from "../isa/table.js";
import type { Op } from "./types.js";
import { type BlockFn, COMPILE_THRESHOLD, compileBlock } from "./compile.js";
import { LWP_STATE_BLOCK, branchClassOf } from "../../lwp/events.js";
import { type BranchHistory, NO_BRANCH_HISTORY } from "../../lwp/predictor.js";
import type { RegionEntry } from "../../jit/jit.js";
import type { Tier3Ops } from "../probes.js";
import { insnCost } from "../../lwp/cost-table.js";
import { packBlock, P_CLOSURE, P_WORDS } from "./packed.js";
import { runPacked, runPackedAt } from "./interp.js";

/**
 * Instructions that read or replace the LWP state (counters included). Each gets a
 * block of its own, so every instruction before it is already accounted when it
 * runs, and a new configuration applies from the next block (docs/lwp.md, 23).
 */
const LWP_STATE_INSNS = new Set([
  "LLWPCB",
  "SLWPCB",
  "XSAVE",
  "XSAVE64",
  "XSAVEOPT",
  "XSAVEOPT64",
  "XRSTOR",
  "XRSTOR64",
]);

/** Longest block we translate (instructions). */
const MAX_BLOCK = 64;
/** Bytes fetched for decoding one block (64 instructions of average length fit). */
const FETCH = 512;

/**
 * A translated basic block. It keeps what running it needs (the ops, the addresses
 * of its instructions, a few facts about its last one) and its bytes, but not the
 * decoded records: those cost about 0.8 KB of heap per instruction (most of a big
 * program's peak RSS: cc1 translates half a million instructions) and only rare
 * readers need them (tier 3's region compiler, fault reports, the LWP cost and load
 * tables, single-step alignment checks), which get them decoded again (`insns`).
 */
export class Block {
  constructor(
    readonly start: number,
    /** Address after the last instruction (the fall-through RIP). */
    readonly end: number,
    /**
     * What `exec` runs: every instruction's op, or in a packed block (`packed`) the ops of
     * the instructions that did not pack and PACKED_OP in the others' places (`ops` makes
     * theirs when a stepping path asks for them).
     */
    readonly steps: Op[],
    /**
     * Where each instruction starts, as its offset from `start`, one character each (`ipAt`):
     * a string of a few bytes instead of an array of doubles (addresses past 2^31 are not
     * small integers), 0.06 KB less per block.
     */
    private readonly offsets: string,
    /**
     * The block's bytes, one character per byte (a string costs far less heap than a
     * typed array), or the records themselves for a block of one invalid instruction
     * (decoding it again from its bytes alone might not give the same record).
     */
    private readonly code: string | readonly Insn[],
    /** See `lwpKind` below. */
    lwpKind: number,
    /**
     * The LWP cycle cost of each instruction (lwp/cost-table.ts), one character each:
     * LWP counting reads them for every block it charges, too often to decode again.
     */
    private readonly costs: string,
  ) {
    this.lwpKind = lwpKind;
    this.lwpWeight = this.lwpKind === LWP_STATE_BLOCK ? 0x7fffffff : this.lwpKind !== 0 ? 1 : 0;
    this.length = steps.length;
    this.quickLength = this.lwpKind === LWP_STATE_BLOCK ? 2 ** 52 : this.length;
  }

  /** The LWP cycle cost of each instruction (src/hw/lwp/counting.ts). */
  costTable(): Int32Array {
    const c = this.costs,
      out = new Int32Array(c.length);
    for (let k = 0; k < c.length; k++) out[k] = c.charCodeAt(k);
    return out;
  }

  /**
   * The decoded instructions (decoded again from the block's bytes; see the class comment).
   * A tail's are the rest of its block's: the decoded-block cache holds blocks by their
   * start, so decoding a tail from its own bytes would take iced (and instantiating iced's
   * WebAssembly, 15–20 ms) in a run whose blocks all came from the cache.
   */
  get insns(): readonly Insn[] {
    const code = this.code;
    if (typeof code !== "string") return code;
    const from = TAILS.get(this);
    return from === undefined ? decodedOf(this, code) : from.block.insns.slice(from.k);
  }

  /**
   * For the LWP unit (src/hw/lwp/counting.ts): the event-3 branch class of the last
   * instruction (0 = not a branch), or LWP_STATE_BLOCK.
   */
  readonly lwpKind: number;
  /**
   * The quick loop's event-3 weight (Cpu.runQuick): 1 for a block ending in a branch,
   * for an LWP-state block more than any counter holds (it leaves the loop), else 0.
   */
  readonly lwpWeight: number;
  /** Number of instructions (`ops.length`, read once per block by the run loops). */
  readonly length: number;
  /** `length` for the quick loop's window test; more than any window for an LWP-state block. */
  readonly quickLength: number;
  /** Address of instruction k. */
  ipAt(k: number): number {
    return this.start + this.offsets.charCodeAt(k);
  }

  /** Address of the last instruction (the branch that ends the block, if any). */
  get lastIp(): number {
    return this.offsets.length === 0 ? this.start : this.ipAt(this.offsets.length - 1);
  }

  /** Page numbers the block's bytes occupy (worked out when asked: translation and invalidation ask). */
  get pages(): number[] {
    return pagesOf(this.start, this.end);
  }
  /** The page of its first byte and of its last (the same, or the next: a block is shorter than a page). */
  get firstPage(): number {
    return Math.floor(this.start / PAGE_SIZE);
  }
  get lastPage(): number {
    return Math.floor((this.end - 1) / PAGE_SIZE);
  }
  /** The LWP branch predictor's entry for the ending branch (set by the CPU at translation). */
  lwpHistory: BranchHistory = NO_BRANCH_HISTORY;

  /** Executions left before the block is compiled (`compileBlock`), then the compiled block. */
  countdown = COMPILE_THRESHOLD;
  compiled: BlockFn | null = null;
  /** False once the block's bytes were written (self-modifying code) or translations flushed. */
  valid = true;
  /** The compiled region that runs this block (tier 3), or null. */
  jit: RegionEntry | null = null;
  /** With probes attached, what tier 3 runs instead of `ops` (null: `ops` themselves, or no tier 3). */
  tier3: Tier3Ops | null = null;
  /**
   * The common instructions packed for the interpreter (packed.ts, interp.ts), which runs
   * the block instead of calling its ops one by one; null: the ops run (no instruction
   * packs, probes are attached, the CPU was still starting up: PACK_START, or LWP_PACKED=0).
   * The stepping paths always run the ops.
   */
  packed: Int32Array | null = null;
  /** Every instruction's op, made when first asked for in a packed block (`ops`). */
  private full: Op[] | null = null;
  /** Executions left before the region this block heads is compiled (set by the CPU). */
  heat = 0;
  /** The `heat` at which the CPU next looks whether the block is hot (TierUp.heatUp, cpu/tier-up.ts). */
  heatCheck = 0;
  /** The CPU's retired count at the last such look (or translation); -1 once its region was asked for (TierUp.heatUp, cpu/tier-up.ts). */
  heatSince = 0;
  /** The translation cache's epoch when the run loop last entered the block (translate/cache.ts). */
  used = 0;
  // Block chaining: the blocks that followed this one (fall-through and branch
  // target), so the run loop skips the translation-cache lookup. A link is known by
  // its block's start: an address field of its own would be one more heap number per
  // link (addresses past 2^31 are doubles), and one more load of cold memory per block
  // the run loop enters.
  next1: Block | null = null;
  next2: Block | null = null;

  /**
   * Every instruction's op (the stepping paths, tier 2, a region's helper calls). A packed
   * block makes those of its packed instructions the first time (from its records decoded
   * again), as translation would have.
   */
  get ops(): Op[] {
    if (this.packed === null) return this.steps;
    if (this.full === null) {
      const insns = this.insns;
      this.full = this.steps.map((op, k) => (op !== PACKED_OP ? op : translateInsn(insns[k]!)));
    }
    return this.full;
  }

  /** Instruction `k`'s op, without making the others' (a region's helper call). */
  opAt(k: number): Op {
    const op = this.steps[k]!;
    return op !== PACKED_OP ? op : (this.full?.[k] ?? translateInsn(this.insns[k]!));
  }

  /**
   * Runs instruction `k` alone (LWP's stepping, which sets `c.ci`): a packed one as the
   * interpreter does, without making the block's ops.
   */
  runAt(c: Cpu, k: number): void {
    const p = this.packed;
    if (p === null) this.steps[k]!(c);
    else runPackedAt(c, p, this.steps[k]!, k, this.end);
  }

  /**
   * Runs instructions [from, to) in order (LWP's quiet runs, which need no event between
   * them; RIP already at `end`): in the interpreter's own loop, one call for the run.
   * `c.ci` is the index of the instruction running, so of the one that threw.
   */
  runRange(c: Cpu, from: number, to: number): void {
    const p = this.packed;
    if (p !== null) {
      runPacked(c, p, this.steps, this.end, from, to);
      return;
    }
    const ops = this.steps;
    for (let i = from; i < to; i++) {
      c.ci = i;
      ops[i]!(c);
    }
  }

  /** Runs every op in order (RIP already at `end`): the compiled function once hot, else the ops loop. */
  exec(c: Cpu): void {
    const f = this.compiled;
    if (f !== null) {
      f(c);
      return;
    }
    if (--this.countdown === 0) this.compiled = compileBlock(this.start, this.ops);
    const p = this.packed;
    if (p !== null) {
      runPacked(c, p, this.steps, this.end, 0, this.steps.length);
      return;
    }
    const ops = this.steps;
    for (let i = 0; i < ops.length; i++) {
      c.ci = i;
      ops[i]!(c);
    }
  }

  /** A copy for another CPU (fork): the ops and the tier-2 function are shared, the run-time state is fresh. */
  copy(): Block {
    const b = new Block(this.start, this.end, this.steps, this.offsets, this.code, this.lwpKind, this.costs);
    b.countdown = this.countdown;
    b.compiled = this.compiled;
    b.tier3 = this.tier3;
    b.packed = this.packed;
    b.full = this.full;
    return b;
  }

  /** The chained successor for `rip`, or null when unknown or invalidated. */
  successor(rip: number): Block | null {
    const a = this.next1;
    if (a !== null && a.start === rip) return a.valid ? a : null;
    const b = this.next2;
    return b !== null && b.start === rip && b.valid ? b : null;
  }

  /** Links `b` as a successor: in the first slot unless that holds a valid block. */
  link(b: Block): void {
    if (this.next1 === null || !this.next1.valid) this.next1 = b;
    else this.next2 = b;
  }

  /**
   * The block's instructions from the one at `rip` on, as a block of their own ending
   * where this one ends, or null when `rip` is not one of its instructions past the
   * first (or a probe's instrumentation, kept per instruction list, is attached). The
   * run loop asks for it when execution resumes inside this block (after an LWP
   * threshold interrupt, which leaves a stepped block in its middle): a translation from
   * `rip` would run on past this block's end, and the blocks after it would start at
   * other places than this one's successors, duplicating the code after it in a second
   * set of blocks (sha256sum's unrolled rounds: 12,000 instructions decoded again over
   * ten interrupts).
   */
  tail(rip: number): Block | null {
    if (rip <= this.start || rip >= this.end || this.tier3 !== null || typeof this.code !== "string") return null;
    const k = this.offsets.indexOf(String.fromCharCode(rip - this.start));
    if (k <= 0) return null;
    const d = rip - this.start;
    let offsets = "";
    for (let j = k; j < this.offsets.length; j++) offsets += String.fromCharCode(this.offsets.charCodeAt(j) - d);
    const t = new Block(
      rip,
      this.end,
      this.steps.slice(k),
      offsets,
      this.code.slice(d),
      this.lwpKind,
      this.costs.slice(k),
    );
    // The packed words count from the block's end, which the tail shares.
    t.packed = this.packed?.subarray(k * P_WORDS) ?? null;
    TAILS.set(t, { block: this, k });
    return t;
  }

  insnBytes(at: number): Uint8Array {
    return this.insns.find((i) => i.ip === at)?.bytes ?? new Uint8Array();
  }
}

/** The block each tail was cut from, and the index in it the tail starts at (`Block.tail`). */
const TAILS = new WeakMap<Block, { readonly block: Block; readonly k: number }>();

/**
 * Blocks decoded again lately, least recently asked first: the region compiler asks for
 * a region's records several times while it forms, lays out and compiles it (up to 64
 * blocks, and the candidates it turned down), and `lwp stat` in tier 3 asks for the
 * block a region left from at every exit.
 */
const DECODED = new Map<Block, readonly Insn[]>();
const DECODED_MAX = 1024;

function decodedOf(b: Block, code: string): readonly Insn[] {
  let insns = DECODED.get(b);
  if (insns !== undefined) {
    DECODED.delete(b);
  } else {
    const bytes = new Uint8Array(code.length);
    for (let k = 0; k < code.length; k++) bytes[k] = code.charCodeAt(k);
    insns = redecode(bytes, b.start, b.length);
    if (DECODED.size >= DECODED_MAX) DECODED.delete(DECODED.keys().next().value!);
  }
  DECODED.set(b, insns);
  return insns;
}

/** What a packed block keeps in `steps` for an instruction the interpreter runs (never called). */
const PACKED_OP: Op = () => {
  throw new Error("a packed instruction was run as an op");
};

/** The closure of an instruction that raises #UD (the block compiler leaves these to it). */
export const udOp: Op = () => {
  throw new CpuException(VEC_UD);
};

/**
 * Where a builder's exception is reported (`lwp run --debug-translate`); null
 * keeps it a plain #UD. Whoever adds an instruction needs the message.
 */
export const buildErrors: { report: ((i: Insn, e: unknown) => void) | null } = { report: null };

/**
 * Builds the closure for one instruction, #UD when no row accepts it. A builder
 * that throws (an operand kind it does not handle) also yields #UD, as a last
 * resort: translation must never crash the emulator.
 */
export function translateInsn(i: Insn): Op {
  if (i.invalid) return udOp;
  const r = lookupRow(i.mnemonic, i.form);
  if (r === undefined) return udOp;
  if (i.lock && (r.lock !== true || i.mem === null)) return udOp;
  try {
    return r.build(i) ?? udOp;
  } catch (e) {
    buildErrors.report?.(i, e);
    return udOp;
  }
}

function stopAt(start: number): (i: Insn) => boolean {
  let n = 0;
  return (i) => ++n >= MAX_BLOCK || endsBlock(i) || i.next - start > FETCH - 16;
}

export function translateBlock(c: Cpu, rip: number): Block {
  const bytes = c.mem.fetchCode(rip, FETCH);
  if (bytes.length === 0) c.mem.translate(rip, ACCESS_EXEC); // throws the right fault
  let insns = decodeRun(bytes, rip, stopAt(rip));
  const k = insns.findIndex((i) => LWP_STATE_INSNS.has(i.name));
  if (k >= 0) insns = insns.slice(0, Math.max(k, 1));
  const last = insns[insns.length - 1];
  if (last !== undefined && last.invalid && last.len === 0) {
    // Ran out of fetchable bytes inside an instruction.
    if (insns.length === 1) throw new MemoryFault(rip + bytes.length, ACCESS_EXEC, false, false);
    insns = insns.slice(0, -1);
  } else if (last !== undefined && last.invalid && insns.length > 1) {
    insns = insns.slice(0, -1); // end before it; it #UDs when reached
  }
  const end = insns.length > 0 ? insns[insns.length - 1]!.next : rip;
  // Probes are woven into the ops: a block translated with them attached runs its ops.
  const packed = c.probes === null && c.icount >= c.packFrom ? packBlock(insns, end) : null;
  const ops = insns.map((i, k) =>
    packed !== null && packed[k * P_WORDS] !== P_CLOSURE ? PACKED_OP : translateInsn(i),
  );
  const tier3 = c.probes?.forTier3(insns, ops) ?? null;
  if (c.probes !== null) c.probes.instrument(insns, ops);
  const final = insns[insns.length - 1];
  // apply, not a spread: a spread walks the bytes with an iterator, an object per byte in unoptimized code.
  const code = final?.invalid === true ? insns : String.fromCharCode.apply(null, bytes.subarray(0, end - rip) as never);
  const b = new Block(
    rip,
    end,
    ops,
    offsetsOf(insns),
    code,
    lwpKindOf(final),
    String.fromCharCode(...insns.map(insnCost)),
  );
  b.tier3 = tier3;
  b.packed = packed;
  return b;
}

/** `Block.offsets` for a block of these instructions (the first one at its start). */
function offsetsOf(insns: readonly Insn[]): string {
  const start = insns[0]?.ip ?? 0;
  return String.fromCharCode(...insns.map((i) => i.ip - start));
}

/**
 * Page numbers of a block's bytes [start, end): one, or two when it crosses a page (a
 * literal: an array grown by push keeps room for 17 numbers, 0.15 KB a block).
 */
function pagesOf(start: number, end: number): number[] {
  const first = Math.floor(start / PAGE_SIZE),
    last = Math.floor((end - 1) / PAGE_SIZE);
  return last > first ? [first, last] : [first];
}

/** The LWP kind of a block ending in `last` (Block.lwpKind). */
export function lwpKindOf(last: Insn | undefined): number {
  return last === undefined ? 0 : LWP_STATE_INSNS.has(last.name) ? LWP_STATE_BLOCK : branchClassOf(last);
}
