// SPDX-License-Identifier: MIT
// Field-level comparison of a native and an emulated out_rec: signal (and
// si_code/si_addr for SIGSEGV), RIP, GPRs, RFLAGS (arithmetic bits, DF and the
// user-writable system bits, minus the row's `undefinedFlags`; AMD is the
// reference vendor), MXCSR, x87 control/status (minus the row's `undefinedFpu`
// condition codes)/tags/registers, XMM and the
// scratch window; and the human-readable mismatch report.
import iced from "iced-x86";
import type { Case } from "./gen.js";
import {
  CODE_ADDR,
  FX_FCW,
  FX_FSW,
  FX_FTW,
  FX_MXCSR,
  FX_ST,
  FX_XMM,
  IN_STATE,
  IN_WIN,
  OFF_FX,
  OFF_RFLAGS,
  OFF_RIP,
  OUT_REC,
  OUT_SADDR,
  OUT_SCODE,
  OUT_SIGNO,
  OUT_WIN,
  SIGBUS,
  SIGSEGV,
  WIN,
  WIN_ADDR,
} from "./state.js";

export interface Mismatch {
  readonly field: string;
  readonly initial: string;
  readonly native: string;
  readonly emu: string;
}

const GPR_NAMES = [
  "rax",
  "rcx",
  "rdx",
  "rbx",
  "rsp",
  "rbp",
  "rsi",
  "rdi",
  "r8",
  "r9",
  "r10",
  "r11",
  "r12",
  "r13",
  "r14",
  "r15",
];
const FLAG_BITS: readonly [string, number][] = [
  ["C", 0x1],
  ["P", 0x4],
  ["A", 0x10],
  ["Z", 0x40],
  ["S", 0x80],
  ["T", 0x100],
  ["D", 0x400],
  ["O", 0x800],
  ["N", 0x4000],
  ["AC", 0x40000],
  ["ID", 0x200000],
];
/** RFLAGS bits compared: OSZAPC, TF, DF, NT, AC, ID (IF/IOPL/RF are the kernel's). */
export const FLAGS_COMPARED = FLAG_BITS.reduce((m, [, b]) => m | b, 0);
const LETTER: Readonly<Record<string, number>> = { O: 0x800, S: 0x80, Z: 0x40, A: 0x10, P: 0x4, C: 0x1 };

/** RFLAGS mask for a row's undefined-flag letters ("OSZAPC" subset). */
export function undefinedMask(letters: string | undefined): number {
  let m = 0;
  for (const ch of letters ?? "") m |= LETTER[ch] ?? 0;
  return m;
}

/** FSW bit of each x87 condition code C0..C3. */
const CC_BIT = [0x100, 0x200, 0x400, 0x4000];

/** FSW mask for a row's undefined condition codes ("0123" digit subset). */
export function undefinedFpuMask(digits: string | undefined): number {
  let m = 0;
  for (const ch of digits ?? "") m |= CC_BIT[Number(ch)] ?? 0;
  return m;
}

function flagsText(v: number): string {
  return `${(v >>> 0).toString(16)}[${FLAG_BITS.filter(([, b]) => (v & b) !== 0)
    .map(([n]) => n)
    .join("")}]`;
}

function hex(b: Uint8Array, off: number, n: number): string {
  let s = "";
  for (let i = n - 1; i >= 0; i--) s += b[off + i]!.toString(16).padStart(2, "0");
  return s;
}

function u32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

function same(a: Uint8Array, ao: number, b: Uint8Array, bo: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

/** Per 32-bit word of an out_rec: the bits compared (RFLAGS gets the row's mask on top). */
const WORD_MASK = ((): Uint32Array => {
  const m = new Uint32Array(OUT_REC / 4).fill(0xffffffff);
  const clear = (from: number, to: number): void => {
    for (let b = from; b < to; b += 4) m[b / 4] = 0;
  };
  clear(OFF_RFLAGS + 4, OFF_FX); // RFLAGS high half
  clear(OFF_FX + 4, OFF_FX + FX_MXCSR); // FTW high byte... FOP, FIP, FDP (x87 last-instruction pointers)
  m[(OFF_FX + 4) / 4] = 0xff; // abridged FTW only
  clear(OFF_FX + FX_MXCSR + 4, OFF_FX + FX_ST); // MXCSR_MASK
  for (let i = 0; i < 8; i++) {
    m[(OFF_FX + FX_ST + 16 * i + 8) / 4] = 0xffff;
    clear(OFF_FX + FX_ST + 16 * i + 12, OFF_FX + FX_ST + 16 * i + 16);
  }
  clear(OFF_FX + FX_XMM + 256, OFF_FX + 512);
  return m;
})();

/** Fast check: true when the records agree on every compared bit (the usual case). */
export function agrees(c: Case, nat: Int32Array, nw: number, emu: Int32Array, ew: number): boolean {
  const flagsWord = OFF_RFLAGS / 4;
  const fm = FLAGS_COMPARED & ~undefinedMask(c.form.row.undefinedFlags);
  const swWord = (OFF_FX + FX_FCW) / 4,
    swm = ~(undefinedFpuMask(c.form.row.undefinedFpu) << 16);
  for (let i = 0; i < WORD_MASK.length; i++) {
    const m = i === flagsWord ? fm : i === swWord ? WORD_MASK[i]! & swm : WORD_MASK[i]!;
    if (((nat[nw + i]! ^ emu[ew + i]!) & m) !== 0) return false;
  }
  return true;
}

/** Compares two out_recs (at `no` in `nat`, `eo` in `emu`); `inp` is the case's in_rec for initial values. */
export function compare(c: Case, nat: Uint8Array, no: number, emu: Uint8Array, eo: number): Mismatch[] {
  const out: Mismatch[] = [];
  const inp = c.rec;
  const field = (name: string, off: number, n: number, initOff: number, initBuf: Uint8Array = inp): void => {
    if (!same(nat, no + off, emu, eo + off, n)) {
      out.push({
        field: name,
        initial: initOff < 0 ? "" : hex(initBuf, initOff, n),
        native: hex(nat, no + off, n),
        emu: hex(emu, eo + off, n),
      });
    }
  };
  const ns = u32(nat, no + OUT_SIGNO),
    es = u32(emu, eo + OUT_SIGNO);
  const sigText = (b: Uint8Array, o: number, s: number): string =>
    `${s}` + (s === SIGSEGV || s === SIGBUS ? ` code=${u32(b, o + OUT_SCODE)} addr=${hex(b, o + OUT_SADDR, 8)}` : "");
  const nt = sigText(nat, no, ns),
    et = sigText(emu, eo, es);
  if (nt !== et) out.push({ field: "signal", initial: "", native: nt, emu: et });
  field("rip", OFF_RIP, 8, -1);
  for (let r = 0; r < 16; r++) field(GPR_NAMES[r]!, 8 * r, 8, IN_STATE + 8 * r);
  const mask = FLAGS_COMPARED & ~undefinedMask(c.form.row.undefinedFlags);
  const nf = u32(nat, no + OFF_RFLAGS),
    ef = u32(emu, eo + OFF_RFLAGS);
  if (((nf ^ ef) & mask) !== 0) {
    out.push({
      field: "rflags",
      initial: flagsText(u32(inp, IN_STATE + OFF_RFLAGS)),
      native: flagsText(nf & FLAGS_COMPARED),
      emu: flagsText(ef & FLAGS_COMPARED),
    });
  }
  const fx = OFF_FX,
    ifx = IN_STATE + OFF_FX;
  field("mxcsr", fx + FX_MXCSR, 4, ifx + FX_MXCSR);
  field("fcw", fx + FX_FCW, 2, ifx + FX_FCW);
  const swm = ~undefinedFpuMask(c.form.row.undefinedFpu) & 0xffff;
  const nsw = u32(nat, no + fx + FX_FSW) & 0xffff,
    esw = u32(emu, eo + fx + FX_FSW) & 0xffff;
  if (((nsw ^ esw) & swm) !== 0) field("fsw", fx + FX_FSW, 2, ifx + FX_FSW);
  field("ftw", fx + FX_FTW, 1, ifx + FX_FTW);
  for (let i = 0; i < 8; i++) field(`st${i}`, fx + FX_ST + 16 * i, 10, ifx + FX_ST + 16 * i);
  for (let i = 0; i < 16; i++) field(`xmm${i}`, fx + FX_XMM + 16 * i, 16, ifx + FX_XMM + 16 * i);
  for (let k = 0; k < WIN; k += 8) {
    field(`mem[${(WIN_ADDR + k).toString(16)}]`, OUT_WIN + k, 8, IN_WIN + k);
  }
  return out;
}

let formatter: iced.Formatter | null = null;

/** Intel-syntax text of the case's instruction. */
export function disassemble(c: Case): string {
  const d = new iced.Decoder(64, c.rec.subarray(0, c.len), 0);
  d.ip = BigInt(CODE_ADDR);
  const ins = d.decode();
  formatter ??= new iced.Formatter(iced.FormatterSyntax.Intel);
  const s = formatter.format(ins);
  ins.free();
  d.free();
  return s;
}

/** The field-level report of one diverging case. */
export function describe(c: Case, ms: readonly Mismatch[]): string {
  const bytes = [...c.rec.subarray(0, c.len)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  const lines = [`${c.id}  ${bytes}  ${disassemble(c)}  (group ${c.form.group})`];
  lines.push(`  ${"field".padEnd(14)} ${"initial".padEnd(34)} ${"native".padEnd(34)} emulator`);
  for (const m of ms) lines.push(`  ${m.field.padEnd(14)} ${m.initial.padEnd(34)} ${m.native.padEnd(34)} ${m.emu}`);
  return lines.join("\n");
}
