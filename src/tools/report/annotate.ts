// SPDX-License-Identifier: MIT
// `lwp annotate SYMBOL`: the symbol's bytes from its ELF, disassembled with iced-x86,
// with per-instruction sample shares per event and DWARF source lines interleaved
// (perf annotate --stdio, docs/tools.md "Annotate").
import iced from "iced-x86";
import { ElfFile } from "../../common/elf/elf.js";
import { SymbolTable, type FunctionSymbol } from "../../common/elf/symbols.js";
import { LineTable, type Inflate } from "../symbols/dwarf-line.js";
import { demangle } from "../symbols/demangle.js";
import type { Session } from "../session/session.js";

const { Decoder, DecoderOptions, Formatter, FormatterSyntax } = iced;

export class AnnotateError extends Error {}

export interface AnnotateOptions {
  readonly syntax: "att" | "intel";
  readonly events?: ReadonlySet<number>;
  readonly inflate?: Inflate;
}

interface Target {
  readonly path: string;
  readonly elf: ElfFile;
  readonly fn: FunctionSymbol;
  readonly name: string;
}

const matches = (want: string, raw: string): boolean => {
  const d = demangle(raw);
  return raw === want || d === want || d.slice(0, d.indexOf("(") >>> 0) === want;
};

/** Finds SYMBOL in the mapped files, in MAPS order (raw, demangled, or demangled without parameters). */
function findTarget(s: Session, want: string): Target {
  for (const path of [...new Set(s.maps.map((m) => m.path))]) {
    const bytes = s.fileBytes(path);
    if (bytes === undefined) continue;
    let elf: ElfFile;
    try {
      elf = ElfFile.parse(bytes);
    } catch {
      continue;
    }
    const fn = SymbolTable.fromElf(elf).functions.find((f) => matches(want, f.name));
    if (fn !== undefined) return { path, elf, fn, name: demangle(fn.name) };
  }
  throw new AnnotateError(`Symbol not found in any mapped file with symbols: ${want}`);
}

function codeBytes(elf: ElfFile, start: number, end: number): Uint8Array {
  for (const ph of elf.programHeaders) {
    if (ph.pType === 1 && start >= ph.pVaddr && end <= ph.pVaddr + ph.pFilesz) {
      const off = ph.pOffset + (start - ph.pVaddr);
      return elf.bytes.subarray(off, off + (end - start));
    }
  }
  throw new AnnotateError(`Bytes of ${start.toString(16)}..${end.toString(16)} are not in the file`);
}

/** Sample counts per event per file vaddr, for samples whose IP falls in the target. */
function countSamples(s: Session, t: Target, events: readonly number[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const smp of s.samples) {
    const col = events.indexOf(smp.event.eventId);
    if (col < 0) continue;
    const m = s.maps.find(
      (x) => x.pid === smp.pid && x.path === t.path && smp.event.ip >= x.start && smp.event.ip < x.end,
    );
    if (m === undefined) continue;
    const vaddr = t.elf.fileOffsetToVaddr(smp.event.ip - m.start + m.pgoff);
    if (vaddr === undefined || vaddr < t.fn.start || vaddr >= t.fn.end) continue;
    const row = out.get(vaddr) ?? events.map(() => 0);
    row[col]!++;
    out.set(vaddr, row);
  }
  return out;
}

function sourceText(s: Session, file: string, line: number): string {
  const b = s.fileBytes(file);
  if (b === undefined) return "";
  return (new TextDecoder().decode(b).split("\n")[line - 1] ?? "").trimEnd();
}

function disassemble(code: Uint8Array, ip: number, syntax: AnnotateOptions["syntax"]): { ip: number; text: string }[] {
  const d = new Decoder(64, code, DecoderOptions.None);
  d.ip = BigInt(ip);
  const f = new Formatter(syntax === "intel" ? FormatterSyntax.Intel : FormatterSyntax.Gas);
  // objdump-like numbers in both syntaxes: 0x-prefixed lowercase hex, no padding.
  f.hexPrefix = "0x";
  f.hexSuffix = "";
  f.uppercaseHex = false;
  f.branchLeadingZeros = false;
  f.showBranchSize = false;
  f.firstOperandCharIndex = 7;
  const out: { ip: number; text: string }[] = [];
  try {
    while (d.canDecode) {
      const ins = d.decode();
      out.push({ ip: Number(ins.ip), text: f.format(ins) });
      ins.free();
    }
  } finally {
    f.free();
    d.free();
  }
  return out;
}

/** The annotated listing. */
export function formatAnnotate(s: Session, symbol: string, o: AnnotateOptions): string {
  const t = findTarget(s, symbol);
  const events = s.events.filter((e) => o.events === undefined || o.events.has(e.event.id)).map((e) => e.event.id);
  const counts = countSamples(s, t, events);
  const totals = events.map((_, i) => [...counts.values()].reduce((a, r) => a + (r[i] ?? 0), 0));
  const shown = events
    .map((id, i) => ({ id, i, name: s.events.find((e) => e.event.id === id)!.event.name }))
    .filter((e) => totals[e.i]! > 0 || events.length === 1);
  let lines: LineTable | undefined;
  try {
    lines = LineTable.fromElf(t.elf, o.inflate);
  } catch {
    lines = undefined;
  }
  const out = [
    ` Percent | Source code & Disassembly of ${t.path} for ${shown.map((e) => `${e.name} (${totals[e.i]} sample${totals[e.i] === 1 ? "" : "s"})`).join(", ") || "no events"}`,
    ...(shown.length > 1 ? [`${shown.map((e) => `${e.name.slice(0, 8).padStart(8)} `).join("")}:`] : []),
    "------------------------------------------------",
    `${" ".repeat(shown.length * 9)}:  ${t.fn.start.toString(16)} <${t.name}>:`,
  ];
  let lastLine = "";
  for (const ins of disassemble(codeBytes(t.elf, t.fn.start, t.fn.end), t.fn.start, o.syntax)) {
    const pos = lines?.lookup(ins.ip);
    const key = pos === undefined || pos.line === 0 ? "" : `${pos.file}:${pos.line}`;
    if (pos !== undefined && key !== "" && key !== lastLine) {
      const base = pos.file.slice(pos.file.lastIndexOf("/") + 1);
      out.push(`${" ".repeat(shown.length * 9)}:  ${base}:${pos.line}  ${sourceText(s, pos.file, pos.line)}`.trimEnd());
    }
    lastLine = key;
    const row = counts.get(ins.ip);
    const cols = shown.map((e) => {
      const n = row?.[e.i] ?? 0;
      return (n === 0 ? "" : ((100 * n) / totals[e.i]!).toFixed(2)).padStart(8);
    });
    out.push(`${cols.map((c) => `${c} `).join("")}:    ${ins.ip.toString(16)}:  ${ins.text}`);
  }
  return `${out.join("\n")}\n`;
}
