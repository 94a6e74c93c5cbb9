// SPDX-License-Identifier: MIT
// Inlined frames from DWARF (DWARF 5 §3.3.8): the DW_TAG_inlined_subroutine DIEs
// whose ranges hold an address, innermost first, each with the function it inlines
// (DW_AT_abstract_origin → DW_AT_linkage_name or DW_AT_name) and where it was
// inlined (DW_AT_call_file/DW_AT_call_line), as `addr2line -i` reports them. Units
// are found by .debug_aranges (else their own ranges) and parsed on first use.
import type { ElfFile } from "../../common/elf/elf.js";
import { Cursor, type Inflate } from "./dwarf-cursor.js";
import { AT, DebugInfo, type Die, TAG, type Unit } from "./dwarf-info.js";
import { lineProgramFiles } from "./dwarf-line.js";

/** One inlined call at an address: the inlined function, and the call's position in its caller. */
export interface InlinedCall {
  /** The inlined function's linkage (mangled) name when it has one, else its DW_AT_name. */
  readonly name: string;
  readonly callFile?: string;
  readonly callLine?: number;
}

/** An inlined_subroutine scope inside one concrete function. */
interface Scope {
  readonly ranges: readonly [number, number][];
  readonly parent: number;
  readonly depth: number;
  readonly origin: number;
  readonly callFile: number;
  readonly callLine: number;
}

/** A concrete (out-of-line) function with its inlined scopes. */
interface Fn {
  readonly scopes: Scope[];
}

interface UnitIndex {
  readonly unit: Unit;
  /** [start, end, index into fns], sorted by start. */
  readonly ranges: [number, number, number][];
  readonly fns: Fn[];
  readonly maxLength: number;
  files?: readonly string[];
  readonly stmtList: number | undefined;
}

/** Finds the last entry whose start is ≤ addr in a list sorted by start. */
function lastAtOrBelow(list: readonly (readonly [number, number, number])[], addr: number): number {
  let lo = 0;
  let hi = list.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]![0] <= addr) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

const contains = (ranges: readonly [number, number][], addr: number): boolean =>
  ranges.some(([a, b]) => addr >= a && addr < b);

export class InlineTable {
  private readonly info: DebugInfo;
  private unitRanges: [number, number, number][] | undefined;
  private readonly indexes = new Map<number, UnitIndex>();
  private readonly names = new Map<number, string>();

  constructor(elf: ElfFile, inflate?: Inflate) {
    this.info = new DebugInfo(elf, inflate);
  }

  /** Whether the file has any .debug_info to read. */
  get empty(): boolean {
    return this.info.info.length === 0;
  }

  /** The inlined calls whose code holds `addr` (a file vaddr), innermost first; [] when none. */
  lookup(addr: number): InlinedCall[] {
    if (this.empty) return [];
    const units = this.unitsByAddress();
    const at = lastAtOrBelow(units, addr);
    // Unit ranges may overlap (a unit's hull and another's ranges): try every holder, nearest first.
    for (let i = at; i >= 0; i--) {
      const [start, end, offset] = units[i]!;
      if (addr < start || addr >= end) continue;
      const calls = this.lookupInUnit(this.unitIndex(offset), addr);
      if (calls !== undefined) return calls;
    }
    return [];
  }

  /** [start, end, unit offset] from .debug_aranges, else from each unit DIE's own ranges. */
  private unitsByAddress(): [number, number, number][] {
    if (this.unitRanges !== undefined) return this.unitRanges;
    const out = this.info.aranges.length > 0 ? readAranges(this.info.aranges) : [];
    if (out.length === 0) {
      for (const u of this.info.units()) {
        const d = this.info.readDie(new Cursor(this.info.info, u.dieStart, ".debug_info"), u);
        if (d !== undefined) for (const [a, b] of this.info.ranges(u, d)) out.push([a, b, u.offset]);
      }
    }
    out.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    this.unitRanges = out;
    return out;
  }

  private lookupInUnit(ix: UnitIndex | undefined, addr: number): InlinedCall[] | undefined {
    if (ix === undefined) return undefined;
    for (let i = lastAtOrBelow(ix.ranges, addr); i >= 0; i--) {
      const [start, end, fi] = ix.ranges[i]!;
      if (start + ix.maxLength <= addr) break;
      if (addr >= end) continue;
      return this.chain(ix, ix.fns[fi]!, addr);
    }
    return undefined;
  }

  private chain(ix: UnitIndex, fn: Fn, addr: number): InlinedCall[] {
    let best = -1;
    fn.scopes.forEach((s, i) => {
      if ((best < 0 || s.depth > fn.scopes[best]!.depth) && contains(s.ranges, addr)) best = i;
    });
    const out: InlinedCall[] = [];
    const files = this.files(ix);
    for (let i = best; i >= 0; i = fn.scopes[i]!.parent) {
      const s = fn.scopes[i]!;
      const file = files[s.callFile];
      out.push({
        name: this.originName(s.origin),
        ...(file === undefined || s.callLine === 0 ? {} : { callFile: file, callLine: s.callLine }),
      });
    }
    return out;
  }

  private files(ix: UnitIndex): readonly string[] {
    if (ix.files === undefined) {
      try {
        ix.files = ix.stmtList === undefined ? [] : lineProgramFiles(this.info.line, ix.stmtList, this.info.strings);
      } catch {
        ix.files = [];
      }
    }
    return ix.files;
  }

  /** The name of the function a DIE stands for: its linkage name, else its name, through specification/origin links. */
  private originName(offset: number, hops = 0): string {
    const cached = this.names.get(offset);
    if (cached !== undefined) return cached;
    let name = "??";
    const hit = hops > 8 ? undefined : this.info.dieAt(offset);
    if (hit !== undefined) {
      const { die, unit } = hit;
      const s =
        this.info.string(unit, die.attrs.get(AT.linkageName) ?? die.attrs.get(AT.mipsLinkageName)) ??
        this.info.string(unit, die.attrs.get(AT.name));
      const link = die.attrs.get(AT.specification) ?? die.attrs.get(AT.abstractOrigin);
      name = s ?? (link?.k === "ref" ? this.originName(link.v, hops + 1) : "??");
    }
    this.names.set(offset, name);
    return name;
  }

  private unitIndex(offset: number): UnitIndex | undefined {
    let ix = this.indexes.get(offset);
    if (ix === undefined) {
      const u = this.info.unitAt(offset);
      if (u === undefined) return undefined;
      ix = indexUnit(this.info, u);
      this.indexes.set(offset, ix);
    }
    return ix;
  }
}

/** .debug_aranges (DWARF 5 §6.1.2): sets of (address, length) per unit. */
function readAranges(bytes: Uint8Array): [number, number, number][] {
  const out: [number, number, number][] = [];
  const c = new Cursor(bytes, 0, ".debug_aranges");
  while (c.pos < bytes.length) {
    const setStart = c.pos;
    let length = c.u32();
    let offsetSize = 4;
    if (length === 0xffff_ffff) {
      length = c.u64();
      offsetSize = 8;
    }
    const end = c.pos + length;
    c.u16(); // version
    const unit = c.uint(offsetSize);
    const addressSize = c.u8();
    c.u8(); // segment selector size
    const tuple = 2 * addressSize;
    c.pos = setStart + Math.ceil((c.pos - setStart) / tuple) * tuple;
    while (c.pos + tuple <= end) {
      const a = c.uintOrUndefined(addressSize);
      const n = c.uintOrUndefined(addressSize);
      if (a === 0 && n === 0) break;
      if (a !== undefined && n !== undefined && n > 0) out.push([a, a + n, unit]);
    }
    c.pos = end;
  }
  return out;
}

interface WalkContext {
  readonly fn: Fn | undefined;
  readonly scope: number;
  readonly depth: number;
}

/** Walks one unit's DIE tree: concrete functions and their inlined_subroutine scopes. */
function indexUnit(info: DebugInfo, u: Unit): UnitIndex {
  const c = new Cursor(info.info, u.dieStart, ".debug_info");
  const fns: Fn[] = [];
  const ranges: [number, number, number][] = [];
  const stack: WalkContext[] = [];
  let ctx: WalkContext = { fn: undefined, scope: -1, depth: 0 };
  let stmtList: number | undefined;
  while (c.pos < u.end) {
    const die = info.readDie(c, u);
    if (die === undefined) {
      const up = stack.pop();
      if (up === undefined) break;
      ctx = up;
      continue;
    }
    const inner = visit(info, u, die, ctx, fns, ranges);
    if (die.tag === TAG.compileUnit || die.tag === TAG.partialUnit) {
      const s = die.attrs.get(AT.stmtList);
      if (s?.k === "num") stmtList = s.v;
    }
    if (die.hasChildren) {
      stack.push(ctx);
      ctx = inner;
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const maxLength = ranges.reduce((m, [a, b]) => Math.max(m, b - a), 0);
  return { unit: u, ranges, fns, maxLength, stmtList };
}

/** Records a DIE that matters and returns the context its children are read in. */
function visit(
  info: DebugInfo,
  u: Unit,
  die: Die,
  ctx: WalkContext,
  fns: Fn[],
  ranges: [number, number, number][],
): WalkContext {
  if (die.tag === TAG.subprogram) {
    const r = info.ranges(u, die);
    if (r.length === 0) return { fn: undefined, scope: -1, depth: 0 };
    const fn: Fn = { scopes: [] };
    fns.push(fn);
    for (const [a, b] of r) ranges.push([a, b, fns.length - 1]);
    return { fn, scope: -1, depth: 0 };
  }
  if (die.tag === TAG.inlinedSubroutine && ctx.fn !== undefined) {
    const origin = die.attrs.get(AT.abstractOrigin);
    const file = die.attrs.get(AT.callFile);
    const line = die.attrs.get(AT.callLine);
    const r = info.ranges(u, die);
    if (r.length === 0 || origin?.k !== "ref") return ctx;
    ctx.fn.scopes.push({
      ranges: r,
      parent: ctx.scope,
      depth: ctx.depth + 1,
      origin: origin.v,
      callFile: file?.k === "num" ? file.v : -1,
      callLine: line?.k === "num" ? line.v : 0,
    });
    return { fn: ctx.fn, scope: ctx.fn.scopes.length - 1, depth: ctx.depth + 1 };
  }
  return ctx;
}
