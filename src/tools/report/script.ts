// SPDX-License-Identifier: MIT
// `lwp script`: one line per LWP event record, perf-script style, with the data
// fields of each event decoded (LWP notes §4.1; our Flags layouts in decode/events.ts).
import { sampleSeconds } from "../export/text-formats.js";
import { isUnresolved, type Frame, type Sample, type Session } from "../session/session.js";

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

function symOff(f: Frame): string {
  const sym = isUnresolved(f) ? f.symbol : `${f.symbol}+${hex(f.offset)}`;
  const line = f.file !== undefined && f.line !== undefined ? ` ${f.file.slice(f.file.lastIndexOf("/") + 1)}:${f.line}` : "";
  return `${sym} (${f.dso})${line}`;
}

/** The decoded Data1/Data2/Flags of one record. */
function dataFields(s: Session, smp: Sample): string {
  const e = smp.event;
  const d = e.detail;
  switch (d.kind) {
    case "branch": {
      const bits = [d.taken ? "taken" : "not-taken"];
      if (d.predictionValid) bits.push(d.predicted ? "predicted" : "mispredicted");
      if (d.branchClass !== "") bits.push(d.branchClass);
      return ` => ${d.target.toString(16)} ${symOff(s.resolve(smp.pid, d.target))} ${bits.join(" ")}`;
    }
    case "dcache": {
      const addr = d.address === undefined ? "addr=?" : `addr=${hex(d.address)}`;
      return ` latency=${d.latency} level=${d.level} ${addr}`;
    }
    case "value":
    case "marker":
      return ` flags=${hex(d.flags)} data1=${hex(d.data1)} data2=${hex(d.data2)}`;
    default:
      return e.flags !== 0 || e.data1 !== 0 || e.data2 !== 0n ? ` flags=${hex(e.flags)} data1=${hex(e.data1)} data2=${hex(e.data2)}` : "";
  }
}

/** One line per record, in file order. */
export function formatScript(s: Session, events?: ReadonlySet<number>): string {
  const out: string[] = [];
  for (const smp of s.samples) {
    if (events !== undefined && !events.has(smp.event.eventId)) continue;
    const leaf = smp.stack[0]!;
    const core = String(smp.event.coreId).padStart(3, "0");
    out.push(`${smp.comm.padStart(16)} ${String(smp.pid).padStart(6)}/${String(smp.tid).padEnd(6)} [${core}] ${sampleSeconds(s, smp)}: ${smp.event.event.name.padEnd(13)} ${leaf.addr.toString(16).padStart(12)} ${symOff(leaf)}${dataFields(s, smp)}`);
  }
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}
