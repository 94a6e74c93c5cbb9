// SPDX-License-Identifier: MIT
// Text exports read by other tools (docs/tools.md "Text exports"): folded stacks
// (flamegraph.pl, inferno) and perf-script text (speedscope, Firefox Profiler).
import { isUnresolved, type Frame, type Sample, type Session } from "../session/session.js";

/** ';' separates frames in folded stacks, so it may not appear inside one. */
const foldName = (f: Frame): string => f.symbol.replaceAll(";", ":");

/**
 * Folded stacks of one event: `comm;outer;…;leaf count` (stackcollapse-perf.pl's
 * shape, comm first), counts in samples, lines sorted.
 */
export function formatFolded(s: Session, eventId: number): string {
  const counts = new Map<string, number>();
  for (const smp of s.samples) {
    if (smp.event.eventId !== eventId) continue;
    const line = [smp.comm, ...[...smp.callchain].reverse().map(foldName)].join(";");
    counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, n]) => `${k} ${n}\n`)
    .join("");
}

/** Virtual seconds with nanosecond digits (the session's sample time, docs/formats/lwpdata.md). */
export function sampleSeconds(_s: Session, smp: Sample): string {
  const ns = Math.max(0, Math.round(smp.time));
  return `${Math.floor(ns / 1e9)}.${String(ns % 1e9).padStart(9, "0")}`;
}

const hex = (n: number): string => n.toString(16);

/**
 * `addr sym+0xoff (dso)`; unresolved frames keep their dso+0xoffset name (never
 * [unknown]); an inlined function is `addr sym+0xoff (inlined)`, its offset from the
 * start of the function it is inlined in, as perf script prints it.
 */
export function frameLine(f: Frame): string {
  const sym = isUnresolved(f) ? f.symbol : `${f.symbol}+0x${hex(f.offset)}`;
  return `\t${hex(f.addr).padStart(16)} ${sym} (${f.inlined === true ? "inlined" : f.dso.replaceAll(" ", "\\x20")})`;
}

/**
 * perf-script text: `comm pid/tid time: period event:` then one indented frame per
 * line, blank line between samples (the shape speedscope's importer parses).
 */
export function formatPerfScript(s: Session, events?: ReadonlySet<number>): string {
  const out: string[] = [];
  for (const smp of s.samples) {
    if (events !== undefined && !events.has(smp.event.eventId)) continue;
    const cpu = String(smp.event.coreId).padStart(3, "0");
    out.push(
      `${smp.comm.replaceAll(" ", "_")} ${String(smp.pid).padStart(6)}/${smp.tid} [${cpu}] ${sampleSeconds(s, smp)}: ${String(smp.weight).padStart(10)} ${smp.event.event.name}:`,
    );
    for (const f of smp.callchain) out.push(frameLine(f));
    out.push("");
  }
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}
