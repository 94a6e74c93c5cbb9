// SPDX-License-Identifier: MIT
// Per-block event counting for LWP events 2–6 (LWP spec §7.2, docs/lwp.md
// "Speed"): a block whose counters cannot cross zero runs at full speed and is
// charged afterwards; otherwise it is stepped one instruction at a time so the
// record names the exact instruction (precise IP, no skid).
import type { Cpu } from "../cpu/cpu.js";
import type { Exit } from "../cpu/exits.js";
import type { Block } from "../cpu/translate/block.js";
import type { Ea } from "../cpu/translate/operands.js";
import { MemoryFault } from "../memory/address-space.js";
import { REF_DEN, REF_NUM } from "./cost-table.js";
import { BR_CLASS, BR_FLAG, DC_FLAG, EV } from "./events.js";
import { FILTER } from "./lwpcb.js";
import { loadAddresses } from "./loads.js";
import { LEVEL } from "./cache-model.js";
import { LWP_RELOAD, LWP_TRAP, STORED_THRESHOLD, type LwpUnit } from "./unit.js";

interface BlockInfo {
  readonly costs: Int32Array;
  readonly total: number;
  loads: Ea[][] | null;
}

const infos = new WeakMap<Block, BlockInfo>();

function infoOf(b: Block): BlockInfo {
  let i = infos.get(b);
  if (i === undefined) {
    const costs = b.costTable();
    i = { costs, total: costs.reduce((s, v) => s + v, 0), loads: null };
    infos.set(b, i);
  }
  return i;
}

function loadsOf(info: BlockInfo, b: Block): Ea[][] {
  return (info.loads ??= b.insns.map(loadAddresses));
}

/** Branch class of the block's last instruction (0 = not a branch). */
function branchClass(b: Block): number {
  return b.lwpKind & 3;
}

const loadAddr = new Float64Array(16);

/**
 * Whether the block can run at full speed on the CPU's own loop: nothing pending,
 * no D-cache model, the IP filter uniform over the block, and no counter crossing
 * zero inside it. Sets `u.blockCounted` for `afterFastBlock`.
 */
export function fastPathOk(u: LwpUnit, b: Block): boolean {
  if (u.hasPending || u.ev4) return false;
  const n = b.length;
  let counted = true;
  if (u.ipMode !== 0) {
    const lo = b.start,
      hi = b.ipAt(n - 1);
    const allIn = lo >= u.baseIp && hi <= u.limitIp;
    if (!allIn && !(hi < u.baseIp || lo > u.limitIp)) return false;
    counted = allIn === (u.ipMode === 1);
  }
  u.blockCounted = counted;
  return !counted || !mustStep(u, b, n);
}

/** Charges a block that ran at full speed and handles its branch (event 3). */
export function afterFastBlock(u: LwpUnit, c: Cpu, b: Block): Exit | null {
  const n = b.length;
  if (u.blockCounted) chargeBlock(u, b, n);
  if (!u.ev3 || branchClass(b) === 0) return null;
  return branchEvent(u, c, b, n, u.blockCounted);
}

/** Charges the instructions that retired before a fault in a full-speed block. */
export function chargePartial(u: LwpUnit, b: Block, retired: number): void {
  if (!u.blockCounted) return;
  if (u.ev2) u.counters[EV.INSTRUCTIONS] = u.counters[EV.INSTRUCTIONS]! - retired;
  if (u.ev5 || u.ev6) {
    const costs = infoOf(b).costs;
    let s = 0;
    for (let i = 0; i < retired; i++) s += costs[i]!;
    chargeCycles(u, s);
  }
}

/** Executes a block that cannot run at full speed: retry a pending record, then step it. */
export function runBlock(u: LwpUnit, c: Cpu, b: Block): Exit | null {
  if (u.hasPending) {
    try {
      if (u.flushPending(c) === STORED_THRESHOLD) return u.interruptExit();
    } catch (e) {
      if (e instanceof MemoryFault) return c.faultExit(e);
      throw e;
    }
  }
  return stepBlock(u, c, b, b.length);
}

/** Whether a counter crosses zero inside this block (then it must be stepped). */
function mustStep(u: LwpUnit, b: Block, n: number): boolean {
  if (u.ev2 && u.counters[EV.INSTRUCTIONS]! < n) return true;
  if (u.ev5 || u.ev6) {
    const total = infoOf(b).total;
    if (u.ev5 && u.counters[EV.CYCLES]! < total) return true;
    if (u.ev6 && u.counters[EV.REF_CYCLES]! < Math.floor((u.refUnits + total * REF_NUM) / REF_DEN)) return true;
  }
  return false;
}

/** Charges a whole block that crossed nothing (events 2, 5, 6). */
function chargeBlock(u: LwpUnit, b: Block, n: number): void {
  if (u.ev2) u.counters[EV.INSTRUCTIONS] = u.counters[EV.INSTRUCTIONS]! - n;
  if (u.ev5 || u.ev6) chargeCycles(u, infoOf(b).total);
}

function chargeCycles(u: LwpUnit, cycles: number): void {
  if (u.ev5) u.counters[EV.CYCLES] = u.counters[EV.CYCLES]! - cycles;
  if (u.ev6) {
    u.refUnits += cycles * REF_NUM;
    const d = Math.floor(u.refUnits / REF_DEN);
    u.refUnits -= d * REF_DEN;
    u.counters[EV.REF_CYCLES] = u.counters[EV.REF_CYCLES]! - d;
  }
}

/** Returns an instruction's own exit first (SYSCALL, LWPINS interrupt) and keeps the LWP one for the next run. */
export function finish(c: Cpu, x: Exit | null): Exit | null {
  const p = c.pendingExit;
  if (p === null) return x;
  c.pendingExit = x;
  return p;
}

function inRange(u: LwpUnit, ip: number): boolean {
  return u.ipMode === 0 || (ip >= u.baseIp && ip <= u.limitIp) === (u.ipMode === 1);
}

/**
 * Steps a block instruction by instruction, accounting each retired instruction exactly.
 * With events 2 and 3 only and no IP filter, the instructions before the one where the
 * instruction counter crosses zero, and those after it but the last (event 3 counts only
 * a block's last), cannot fire: they run as a quiet run, charged together.
 */
function stepBlock(u: LwpUnit, c: Cpu, b: Block, n: number): Exit | null {
  c.rip = b.end;
  const info = u.ev4 || u.ev5 || u.ev6 ? infoOf(b) : null;
  const loads = u.ev4 ? loadsOf(info!, b) : null;
  const quiet = info === null && u.ipMode === 0;
  for (let i = 0; i < n; i++) {
    let trap: unknown = null;
    if (quiet) {
      const end = u.ev2 ? Math.min(n - 1, i + u.counters[EV.INSTRUCTIONS]!) : n - 1;
      if (end > i) {
        const j = runQuiet(u, c, b, i, end);
        if (j === end) {
          i = end - 1;
          continue;
        }
        // Instruction j threw: an LWP trap is retired below; anything else is its fault.
        const e = quietThrown;
        quietThrown = null;
        if (e !== LWP_TRAP && e !== LWP_RELOAD) return faultIn(c, b, j, e);
        i = j;
        trap = e;
      }
    }
    const nl = loads === null ? 0 : prepareLoads(c, loads[i]!);
    if (trap === null) {
      c.ci = i;
      try {
        b.runAt(c, i);
      } catch (e) {
        if (e !== LWP_TRAP && e !== LWP_RELOAD) return faultIn(c, b, i, e);
        trap = e;
      }
    }
    c.ci = i + 1;
    // An instruction that replaced the configuration is counted by neither (docs/lwp.md, 23).
    const x = trap === LWP_RELOAD ? null : retire(u, c, b, i, n, info, nl);
    if (x !== null || trap !== null || i === n - 1) {
      c.icount += i + 1;
      c.ci = 0;
      if (i < n - 1) c.rip = b.ipAt(i + 1);
      return finish(c, x);
    }
  }
  return null;
}

/** What the instruction that ended a quiet run threw. */
let quietThrown: unknown = null;

/**
 * Runs instructions [i, end) of a block, none of which can fire an event, and charges event 2
 * for those that retired. Returns `end`, or the index of the one that threw (kept
 * in `quietThrown`; the ones before it retired).
 */
function runQuiet(u: LwpUnit, c: Cpu, b: Block, i: number, end: number): number {
  let j = end;
  try {
    b.runRange(c, i, end);
  } catch (e) {
    j = c.ci;
    quietThrown = e;
  }
  if (u.ev2) u.counters[EV.INSTRUCTIONS] = u.counters[EV.INSTRUCTIONS]! - (j - i);
  return j;
}

/** The instruction at index `i` of a stepped block raised `e`: those before it retired. */
function faultIn(c: Cpu, b: Block, i: number, e: unknown): Exit {
  c.icount += i;
  c.ci = 0;
  return c.exceptionAt(e, b.ipAt(i));
}

function prepareLoads(c: Cpu, eas: Ea[]): number {
  const k = Math.min(eas.length, loadAddr.length);
  for (let j = 0; j < k; j++) loadAddr[j] = eas[j]!(c);
  return k;
}

/** Accounts one retired instruction for every enabled event; the first exit wins. */
function retire(u: LwpUnit, c: Cpu, b: Block, i: number, n: number, info: BlockInfo | null, nl: number): Exit | null {
  const ip = b.ipAt(i);
  const counted = inRange(u, ip);
  let x: Exit | null = null;
  for (let j = 0; j < nl; j++) x = dcacheEvent(u, c, ip, loadAddr[j]!, counted) ?? x;
  if (counted && u.ev2) {
    const v = u.counters[EV.INSTRUCTIONS]! - 1;
    u.counters[EV.INSTRUCTIONS] = v;
    if (v < 0) x = u.fire(c, EV.INSTRUCTIONS, ip, 0, 0, 0, 0) ?? x;
  }
  if (u.ev3 && i === n - 1) x = branchEvent(u, c, b, n, counted) ?? x;
  if (counted && info !== null && (u.ev5 || u.ev6)) x = cycleEvents(u, c, ip, info.costs[i]!) ?? x;
  return x;
}

function cycleEvents(u: LwpUnit, c: Cpu, ip: number, cost: number): Exit | null {
  chargeCycles(u, cost);
  let x: Exit | null = null;
  if (u.ev5 && u.counters[EV.CYCLES]! < 0) x = u.fire(c, EV.CYCLES, ip, 0, 0, 0, 0);
  if (u.ev6 && u.counters[EV.REF_CYCLES]! < 0) x = u.fire(c, EV.REF_CYCLES, ip, 0, 0, 0, 0) ?? x;
  return x;
}

/** Event 3 for the block's last instruction, after it executed (taken = RIP left the fall-through). */
function branchEvent(u: LwpUnit, c: Cpu, b: Block, n: number, counted: boolean): Exit | null {
  const cls = branchClass(b);
  if (cls === 0) return null;
  const ip = b.ipAt(n - 1);
  const next = c.rip;
  const taken = cls !== BR_CLASS.CONDITIONAL || next !== b.end;
  let flags = taken ? BR_FLAG.TAKEN : 0;
  if (u.geo.branchPrediction) {
    const ok = u.predictor.predict(c.historyOf(b), next);
    flags |= BR_FLAG.PREDICTION_VALID | (ok ? BR_FLAG.PREDICTED : 0);
    if ((u.filters & (ok ? FILTER.NO_PREDICTED : FILTER.NO_MISPREDICTED)) !== 0) return null;
  }
  if (!counted || u.skipClass[cls] === 1) return null;
  const v = u.counters[EV.BRANCHES]! - 1;
  u.counters[EV.BRANCHES] = v;
  if (v >= 0) return null;
  flags |= cls << BR_FLAG.CLASS_SHIFT;
  return u.fire(c, EV.BRANCHES, ip, flags, 0, (next % 4294967296) | 0, Math.floor(next / 4294967296) | 0);
}

/** Event 4: one load through the cache model; an L1 miss that passes the filters counts. */
function dcacheEvent(u: LwpUnit, c: Cpu, ip: number, addr: number, counted: boolean): Exit | null {
  const level = u.cache.load(addr);
  if (level === LEVEL.L1 || !counted) return null;
  const g = u.geo,
    f = u.filters;
  const lat = u.cache.latency;
  if (g.cacheLatency && lat < (f & FILTER.MIN_LATENCY_MASK)) return null;
  if (g.cacheLevels) {
    const skip = level === LEVEL.L2 ? FILTER.NO_L2 : level === LEVEL.L3 ? FILTER.NO_L3 : FILTER.NO_DRAM;
    if ((f & skip) !== 0) return null;
  }
  const v = u.counters[EV.DCACHE]! - 1;
  u.counters[EV.DCACHE] = v;
  if (v >= 0) return null;
  const maxLat = g.latencyBits === 0 ? 0 : 2 ** g.latencyBits - 1;
  const flags = level | (g.dataAddress ? DC_FLAG.ADDRESS_VALID : 0);
  const d2 = g.dataAddress ? addr : 0;
  return u.fire(c, EV.DCACHE, ip, flags, Math.min(lat, maxLat), (d2 % 4294967296) | 0, Math.floor(d2 / 4294967296) | 0);
}
