// SPDX-License-Identifier: MIT
// `lwp script`: one line per LWP event record, perf-script style, with the data
// fields of each event decoded (LWP notes §4.1; our Flags layouts in decode/events.ts).
import { frameLine, sampleSeconds } from "../export/text-formats.js";
import { isUnresolved, type Frame, type Sample, type Session } from "../session/session.js";

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

/** `sym+0xoff (dso) file:line` of a branch target. */
function symOff(f: Frame): string {
  const sym = isUnresolved(f) ? f.symbol : `${f.symbol}+${hex(f.offset)}`;
  const line =
    f.file !== undefined && f.line !== undefined ? ` ${f.file.slice(f.file.lastIndexOf("/") + 1)}:${f.line}` : "";
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
      return e.flags !== 0 || e.data1 !== 0 || e.data2 !== 0n
        ? ` flags=${hex(e.flags)} data1=${hex(e.data1)} data2=${hex(e.data2)}`
        : "";
  }
}

/** `lwp script -F` fields (perf script's names), in the order of the default line. */
export const SCRIPT_FIELDS = [
  "comm",
  "pid",
  "tid",
  "cpu",
  "time",
  "event",
  "period",
  "ip",
  "sym",
  "symoff",
  "dso",
  "srcline",
  "data",
  "callchain",
] as const;
export type ScriptField = (typeof SCRIPT_FIELDS)[number];
const DEFAULT_FIELDS: readonly ScriptField[] = [
  "comm",
  "pid",
  "tid",
  "cpu",
  "time",
  "event",
  "ip",
  "sym",
  "symoff",
  "dso",
  "srcline",
  "data",
];

/** Parses -F: "a,b,c" replaces the default fields, "+a,-b" adds to or removes from them (as perf script). */
export function parseScriptFields(spec: string): ScriptField[] {
  const items = spec
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
  const relative = items.length > 0 && items.every((x) => x.startsWith("+") || x.startsWith("-"));
  let out: ScriptField[] = relative ? [...DEFAULT_FIELDS] : [];
  for (const item of items) {
    const name = relative ? item.slice(1) : item;
    if (!(SCRIPT_FIELDS as readonly string[]).includes(name)) {
      throw new Error(`Invalid field '${name}' (known fields: ${SCRIPT_FIELDS.join(",")})`);
    }
    const f = name as ScriptField;
    if (relative && item.startsWith("-")) out = out.filter((x) => x !== f);
    else if (!out.includes(f)) out.push(f);
  }
  if (out.length === 0) throw new Error("No fields to print");
  return SCRIPT_FIELDS.filter((f) => out.includes(f));
}

function srcline(f: Frame): string {
  return f.file !== undefined && f.line !== undefined ? `${f.file.slice(f.file.lastIndexOf("/") + 1)}:${f.line}` : "";
}

function fieldLine(s: Session, smp: Sample, fields: readonly ScriptField[]): string {
  const leaf = smp.stack[0]!;
  const has = (f: ScriptField): boolean => fields.includes(f);
  const parts: string[] = [];
  if (has("comm")) parts.push(smp.comm.padStart(16));
  if (has("pid") && has("tid")) parts.push(`${String(smp.pid).padStart(6)}/${String(smp.tid).padEnd(6)}`);
  else if (has("pid") || has("tid")) parts.push(String(has("pid") ? smp.pid : smp.tid).padStart(6));
  if (has("cpu")) parts.push(`[${String(smp.event.coreId).padStart(3, "0")}]`);
  if (has("time")) parts.push(`${sampleSeconds(s, smp)}:`);
  if (has("period")) parts.push(String(smp.weight).padStart(10));
  if (has("event")) parts.push(has("ip") || has("sym") ? smp.event.event.name.padEnd(13) : `${smp.event.event.name}:`);
  if (has("ip")) parts.push(leaf.addr.toString(16).padStart(12));
  if (has("sym")) parts.push(isUnresolved(leaf) || !has("symoff") ? leaf.symbol : `${leaf.symbol}+${hex(leaf.offset)}`);
  if (has("dso")) parts.push(`(${leaf.dso})`);
  if (has("srcline") && srcline(leaf) !== "") parts.push(srcline(leaf));
  let line = parts.join(" ");
  if (has("data")) line += dataFields(s, smp);
  if (has("callchain")) for (const f of smp.callchain) if (f !== leaf) line += `\n${frameLine(f)}`;
  return line;
}

/** One line per record, in file order; `fields` as -F chose them (default: all but period and callchain). */
export function formatScript(
  s: Session,
  events?: ReadonlySet<number>,
  fields: readonly ScriptField[] = DEFAULT_FIELDS,
): string {
  const out: string[] = [];
  for (const smp of s.samples) {
    if (events !== undefined && !events.has(smp.event.eventId)) continue;
    out.push(fieldLine(s, smp, fields));
  }
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}
