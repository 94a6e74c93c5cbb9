// SPDX-License-Identifier: MIT
// Callgrind profile format export (valgrind docs/callgrind-format): `events:` with one
// column per LWP event, `fl=`/`fn=` blocks of `addr line cost…`, and `cfn=`/`calls=` edges.
import { isUnresolved, type Frame, type Session } from "../session/session.js";

interface FnCosts {
  readonly file: string;
  readonly dso: string;
  readonly name: string;
  /** "addr line" → cost per event column. */
  readonly self: Map<string, number[]>;
  /** "callee key\0addr line" → {callee, calls, inclusive cost}. */
  readonly calls: Map<string, { callee: FnCosts; site: string; target: string; calls: number; cost: number[] }>;
}

const hex = (n: number): string => `0x${n.toString(16)}`;
/** The position of a frame in its function's own code: past inlined calls (their call site) when DWARF says so. */
const ownPosition = (f: Frame): { file?: string; line?: number } =>
  f.site ?? { ...(f.file === undefined ? {} : { file: f.file }), ...(f.line === undefined ? {} : { line: f.line }) };
/** "addr line"; a line in another file than the function's (inlined code without inline info) is written as 0 (fi= would split the function). */
const position = (f: Frame, file: string): string => {
  const own = ownPosition(f);
  return `${hex(f.addr)} ${own.file === file ? (own.line ?? 0) : 0}`;
};

class Costs {
  readonly fns = new Map<string, FnCosts>();
  constructor(readonly columns: number) {}

  fn(f: Frame): FnCosts {
    const key = `${f.dso}\0${f.symbol}`;
    let c = this.fns.get(key);
    if (c === undefined) {
      c = { file: ownPosition(f).file ?? "???", dso: f.dso, name: f.symbol, self: new Map(), calls: new Map() };
      this.fns.set(key, c);
    }
    return c;
  }

  add(into: number[] | undefined, col: number, v: number): number[] {
    const row = into ?? new Array<number>(this.columns).fill(0);
    row[col] = (row[col] ?? 0) + v;
    return row;
  }
}

function collect(s: Session, columns: readonly number[]): Costs {
  const costs = new Costs(columns.length);
  for (const smp of s.samples) {
    const col = columns.indexOf(smp.event.eventId);
    const leaf = smp.stack[0];
    if (col < 0 || leaf === undefined) continue;
    const fn = costs.fn(leaf);
    const at = position(leaf, fn.file);
    fn.self.set(at, costs.add(fn.self.get(at), col, smp.weight));
    for (let i = 1; i < smp.stack.length; i++) {
      const callerFrame = smp.stack[i]!;
      const caller = costs.fn(callerFrame);
      const calleeFrame = smp.stack[i - 1]!;
      const callee = costs.fn(calleeFrame);
      const target = isUnresolved(calleeFrame) ? hex(calleeFrame.addr) : hex(calleeFrame.addr - calleeFrame.offset);
      const site = position(callerFrame, caller.file);
      const key = `${callee.dso}\0${callee.name}\0${site}`;
      const edge = caller.calls.get(key) ?? {
        callee,
        site,
        target: `${target} 0`,
        calls: 1,
        cost: new Array<number>(columns.length).fill(0),
      };
      edge.cost = costs.add(edge.cost, col, smp.weight);
      caller.calls.set(key, edge);
    }
  }
  return costs;
}

/**
 * Callgrind text; costs are estimated event counts (the samples' weights,
 * docs/tools.md "Event totals"). A sampling profiler does not know how often a call
 * happened: each call edge is written with `calls=1`, never a sample count. The
 * format needs a count on every `calls=` line; pprof's converter writes 0, but
 * callgrind_annotate then drops the edge from its trees and counts the call's cost
 * as the caller's self cost, so 1 is the smallest count that keeps both right
 * (docs/quirks.md Q-CALLGRIND-CALLS).
 */
export function formatCallgrind(s: Session, events?: ReadonlySet<number>): string {
  const present = s.events.filter((e) => e.samples > 0 && (events === undefined || events.has(e.event.id)));
  const columns = present.map((e) => e.event.id);
  const costs = collect(s, columns);
  const totals = new Array<number>(columns.length).fill(0);
  for (const smp of s.samples) {
    const col = columns.indexOf(smp.event.eventId);
    if (col >= 0) totals[col]! += smp.weight;
  }
  const out = [
    "# callgrind format",
    "version: 1",
    "creator: lwp",
    `cmd: ${s.meta.command.join(" ")}`,
    `desc: seed ${s.meta.seed}, cpu ${s.meta.cpuModel}, precise IP, lost samples ${s.lostTotal}`,
    "positions: instr line",
    `events: ${present.map((e) => e.event.name).join(" ")}`,
    `summary: ${totals.map(Math.round).join(" ")}`,
  ];
  const fns = [...costs.fns.values()].sort((a, b) => a.dso.localeCompare(b.dso) || a.name.localeCompare(b.name));
  for (const fn of fns) {
    out.push("", `ob=${fn.dso}`, `fl=${fn.file}`, `fn=${fn.name}`);
    for (const [pos, c] of [...fn.self].sort()) out.push(`${pos} ${c.map(Math.round).join(" ")}`);
    for (const e of [...fn.calls.values()].sort(
      (a, b) => a.site.localeCompare(b.site) || a.callee.name.localeCompare(b.callee.name),
    )) {
      // cfi= only when the callee's file differs (as valgrind writes it); calls=1: see formatCallgrind.
      out.push(`cob=${e.callee.dso}`);
      if (e.callee.file !== fn.file) out.push(`cfi=${e.callee.file}`);
      out.push(`cfn=${e.callee.name}`, `calls=${e.calls} ${e.target}`, `${e.site} ${e.cost.map(Math.round).join(" ")}`);
    }
  }
  return `${out.join("\n")}\n`;
}
