// SPDX-License-Identifier: MIT
// CPU probes the kernel can switch on (docs/lwp.md "Exact counters"):
// exact event totals for `lwp stat` and a shadow call stack for `lwp record --call-graph`.
// They are woven into translated blocks, so with probes off the run loop pays nothing.
import type { Insn } from "./decode.js";
import type { Op } from "./translate/types.js";
import type { Cpu } from "./cpu.js";
import { insnCost } from "../lwp/cost-table.js";
import { loadAddresses } from "../lwp/loads.js";
import { CacheModel, FAM15H_CACHES, LEVEL } from "../lwp/cache-model.js";
import { LWP_RELOAD, LWP_TRAP } from "../lwp/unit.js";
import { branchClassOf } from "../lwp/events.js";

const TWO32 = 4294967296;
/** iced FlowControl.Return. */
const FLOW_RETURN = 4;
/** Instructions that may end their block by throwing after they retired (LWP_TRAP, LWP_RELOAD). */
const TRAPPING_INSNS = new Set(["LLWPCB", "SLWPCB", "LWPINS", "LWPVAL", "XRSTOR", "XRSTOR64"]);
const REP_STRING = /^(MOVS|STOS|LODS|CMPS|SCAS|INS|OUTS)[BWDQ]?$/;

function rsp(c: Cpu): number {
  return c.r32[9]! * TWO32 + (c.r32[8]! >>> 0);
}

function rcx(c: Cpu, addr32: boolean): number {
  return addr32 ? c.r32[2]! >>> 0 : c.r32[3]! * TWO32 + (c.r32[2]! >>> 0);
}

function isRepString(i: Insn): boolean {
  return (i.rep || i.repe || i.repne) && REP_STRING.test(i.name);
}

/** Whether the instruction is a branch LWP event 3 counts (the branch class of src/hw/lwp/events.ts). */
function isBranch(i: Insn): boolean {
  return branchClassOf(i) !== 0;
}

/**
 * A thread's shadow call stack: return addresses pushed by CALL and popped by RET.
 * Each entry remembers the stack slot of its return address, so a RET (or a CALL)
 * that finds the stack pointer above an entry drops it: longjmp, exceptions and
 * stack switches resynchronise at the next RET/CALL instead of growing the stack.
 */
export class ShadowStack {
  static readonly MAX = 4096;
  readonly ret = new Float64Array(ShadowStack.MAX);
  readonly slot = new Float64Array(ShadowStack.MAX);
  readonly site = new Float64Array(ShadowStack.MAX);
  depth = 0;
  /** The last entry a RET popped and the RET's address (for samples taken on that RET). */
  poppedRet = 0;
  poppedAt = -1;

  call(ret: number, slot: number, site: number): void {
    let d = this.depth;
    while (d > 0 && this.slot[d - 1]! <= slot) d--;
    if (d === ShadowStack.MAX) {
      this.ret.copyWithin(0, 1);
      this.slot.copyWithin(0, 1);
      this.site.copyWithin(0, 1);
      d--;
    }
    this.ret[d] = ret;
    this.slot[d] = slot;
    this.site[d] = site;
    this.depth = d + 1;
  }

  /** A RET read its return address from `slot`, at instruction `at`. */
  return(slot: number, at: number): void {
    let d = this.depth;
    while (d > 0 && this.slot[d - 1]! < slot) d--;
    if (d > 0 && this.slot[d - 1] === slot) {
      d--;
      this.poppedRet = this.ret[d]!;
      this.poppedAt = at;
    } else this.poppedAt = -1;
    this.depth = d;
  }

  /**
   * Return addresses, innermost first, for a sample at `ip` taken right after that
   * instruction retired: a CALL at `ip` has already pushed (dropped here), a RET at
   * `ip` has already popped (put back).
   */
  callchain(ip: number): number[] {
    const out: number[] = [];
    let d = this.depth;
    if (d > 0 && this.site[d - 1] === ip) d--;
    if (this.poppedAt === ip) out.push(this.poppedRet);
    while (d > 0) out.push(this.ret[--d]!);
    return out;
  }

  clear(): void {
    this.depth = 0;
    this.poppedAt = -1;
  }
}

/**
 * What tier 3 runs of a probed block (src/hw/jit): the ops without the probes the
 * compiled code does itself (it counts branches, charges each block's cycles and
 * reports the CALLs and RETs it compiles to the shadow stack), and which
 * instructions it must leave to their closure (a REP string instruction whose
 * iterations are counted).
 */
export interface Tier3Ops {
  readonly ops: readonly Op[];
  readonly helped: readonly boolean[];
}

/** Which probes to weave into blocks. */
export interface ProbeOptions {
  readonly callStack?: boolean;
  readonly branches?: boolean;
  readonly cycles?: boolean;
  readonly dcache?: boolean;
  readonly repIterations?: boolean;
}

/** Exact totals since the probes were attached (shared by every CPU they are attached to). */
class ProbeCounts {
  branches = 0;
  cycles = 0;
  dcacheMisses = 0;
  /** REP-prefixed string instructions executed, and their executions as valgrind counts them (see repProbe). */
  repIterations = 0;
  repInstructions = 0;
}

export class CpuProbes {
  readonly counts = new ProbeCounts();
  /** The running thread's shadow stack (the kernel swaps it on every task switch). */
  stack: ShadowStack | null = null;
  private cacheModel: CacheModel | null = null;

  /** Whether blocks may run in tier 3 with these probes: the D-cache model sees every load, which compiled code does not report. */
  readonly tier3: boolean;

  constructor(readonly opts: ProbeOptions) {
    this.tier3 = opts.dcache !== true;
  }

  /** The ops tier 3 runs for a block (before `instrument` wraps `ops`), or null when blocks stay in tiers 1–2. */
  forTier3(insns: readonly Insn[], ops: readonly Op[]): Tier3Ops | null {
    if (!this.tier3) return null;
    const out = ops.slice(),
      helped = insns.map(() => false);
    const o = this.opts;
    insns.forEach((i, k) => {
      if (o.repIterations === true && isRepString(i)) {
        out[k] = this.repProbe(i, ops[k]!);
        helped[k] = true;
      }
      // For a CALL or RET the compiler leaves to its closure (the compiled ones report themselves).
      if (o.callStack === true && i.name === "CALL") out[k] = this.callProbe(i, out[k]!);
      if (o.callStack === true && i.flow === FLOW_RETURN) out[k] = this.retProbe(i, out[k]!);
    });
    return { ops: out, helped };
  }

  /**
   * What a compiled region run retired, from its counts: `branches` event-3 branches
   * and `cycles` charged by its blocks, less the cost of the last `adj` instructions
   * of the exit block (counted with their block, they did not retire: a fault).
   */
  chargeTier3(branches: number, cycles: number, exitBlock: { costTable(): Int32Array }, adj: number): void {
    const n = this.counts;
    if (this.opts.branches === true) n.branches += branches;
    if (this.opts.cycles !== true) return;
    if (adj > 0) {
      const costs = exitBlock.costTable(); // only at a fault: the block keeps its costs, not its records
      for (let k = costs.length - adj; k < costs.length; k++) cycles -= costs[k]!;
    }
    n.cycles += cycles;
  }

  get cache(): CacheModel {
    return (this.cacheModel ??= new CacheModel(FAM15H_CACHES));
  }

  /** Replaces ops of a freshly translated block by probed versions (called by translateBlock). */
  instrument(insns: readonly Insn[], ops: Op[]): void {
    for (let k = 0; k < insns.length; k++) ops[k] = this.wrap(insns[k]!, ops[k]!);
  }

  private wrap(i: Insn, op: Op): Op {
    const o = this.opts;
    let w = op;
    if (o.repIterations === true && isRepString(i)) w = this.repProbe(i, w);
    if (o.dcache === true) w = this.dcacheProbe(i, w);
    if (o.cycles === true) w = this.cycleProbe(i, w);
    if (o.callStack === true && i.name === "CALL") w = this.callProbe(i, w);
    if (o.callStack === true && i.flow === FLOW_RETURN) w = this.retProbe(i, w);
    if (o.branches === true && isBranch(i)) {
      const n = this.counts,
        inner = w;
      w = (c) => {
        inner(c);
        n.branches++;
      };
    }
    return w;
  }

  /** Charges the instruction's cost once it retired (LWP instructions that end their block retire too). */
  private cycleProbe(i: Insn, op: Op): Op {
    const cost = insnCost(i),
      n = this.counts;
    if (!TRAPPING_INSNS.has(i.name)) {
      return (c) => {
        op(c);
        n.cycles += cost;
      };
    }
    return (c) => {
      try {
        op(c);
      } catch (e) {
        if (e === LWP_TRAP || e === LWP_RELOAD) n.cycles += cost;
        throw e;
      }
      n.cycles += cost;
    };
  }

  private callProbe(i: Insn, op: Op): Op {
    const ret = i.next,
      site = i.ip;
    return (c) => {
      op(c);
      this.stack?.call(ret, rsp(c), site);
    };
  }

  private retProbe(i: Insn, op: Op): Op {
    const at = i.ip;
    return (c) => {
      const slot = rsp(c);
      op(c);
      this.stack?.return(slot, at);
    };
  }

  /**
   * Counts a REP string instruction as valgrind's Ir does (VEX re-enters the
   * instruction once per iteration and once more for the check that ends it): REP
   * gives iterations + 1; REPE/REPNE CMPS/SCAS give iterations + 1 when the count ran
   * out with the condition still holding, else iterations (and 1 when RCX was 0).
   */
  private repProbe(i: Insn, op: Op): Op {
    const k = i.bytes.indexOf(0x67);
    const addr32 = k >= 0 && k < i.bytes.length - 1;
    const conditional = /^(CMPS|SCAS)/.test(i.name);
    const whileZero = i.repne; // REPNE continues while ZF = 0, REPE while ZF = 1
    const n = this.counts;
    return (c) => {
      const before = rcx(c, addr32);
      op(c);
      const after = rcx(c, addr32);
      const it = before - after;
      n.repInstructions++;
      n.repIterations += it === 0 || !conditional ? it + 1 : after === 0 && c.f.zf() !== whileZero ? it + 1 : it;
    };
  }

  private dcacheProbe(i: Insn, op: Op): Op {
    const eas = loadAddresses(i);
    if (eas.length === 0) return op;
    const n = this.counts;
    const addrs = new Float64Array(eas.length);
    return (c) => {
      for (let k = 0; k < eas.length; k++) addrs[k] = eas[k]!(c);
      op(c);
      const cache = this.cache;
      for (let k = 0; k < addrs.length; k++) if (cache.load(addrs[k]!) !== LEVEL.L1) n.dcacheMisses++;
    };
  }
}
