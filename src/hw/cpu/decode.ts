// SPDX-License-Identifier: MIT
// Thin adapter over iced-x86: decodes instruction bytes once and turns each
// instruction into a plain, allocation-free-to-read `Insn` record that the
// translator consumes. iced knows every encoding (XOP/LWP included).
import iced from "iced-x86";
import type { DecodeCache, InsnFactory, InsnNames } from "./decode-cache.js";
import { DECODE_STATS, nowMs } from "./stats.js";

const { Decoder, Register, OpKind, MemorySizeExt, FlowControl } = iced;

/** Register classes of operand registers. */
export const RC_GPR = 0;
export const RC_XMM = 1;
const RC_ST = 2;
export const RC_SEG = 3;
export const RC_MM = 4;
const RC_OTHER = 5;

/** Operand kinds. */
export const OK_REG = 0;
export const OK_IMM = 1;
export const OK_MEM = 2;
export const OK_BRANCH = 3;
/** Implicit string-instruction memory operands ([rsi], [rdi]). */
const OK_STRMEM = 4;

export interface Operand {
  kind: number;
  /** Register number within its class (GPR 0..15, XMM 0..15, ST 0..7). */
  reg: number;
  rclass: number;
  /** Operand size in bits (for registers and memory; immediates: encoded size). */
  size: number;
  /** AH/CH/DH/BH. */
  hi8: boolean;
  /** Immediate (already sign/zero-extended per iced's op kind) as 32-bit halves. */
  immLo: number;
  immHi: number;
}

export interface MemRef {
  /** GPR index of the base, -1 for none. */
  base: number;
  index: number;
  scale: number;
  /** Displacement (sign-extended); for RIP-relative operands, the absolute address. */
  disp: number;
  /** 0 = none, 1 = FS, 2 = GS (ES/CS/SS/DS have base 0 in 64-bit mode). */
  seg: number;
  /** 0x67 address-size prefix: the effective address wraps at 32 bits. */
  addr32: boolean;
  /** Size of the memory access in bytes (0 when the instruction has none, e.g. LEA uses it too). */
  bytes: number;
}

export interface Insn {
  ip: number;
  len: number;
  next: number;
  code: number;
  /** iced Code name of the exact form, e.g. "Add_rm64_r64". */
  form: string;
  mnemonic: number;
  name: string;
  ops: Operand[];
  mem: MemRef | null;
  rep: boolean;
  repe: boolean;
  repne: boolean;
  lock: boolean;
  /** Condition code 0..15 (tttn), -1 when none. */
  cc: number;
  flow: number;
  branchTarget: number;
  /** iced RflagsBits of flags read / written / undefined. */
  flagsRead: number;
  flagsModified: number;
  flagsUndefined: number;
  /** The instruction's bytes (a view made when asked for: most records never need them). */
  readonly bytes: Uint8Array;
  invalid: boolean;
}

interface RegInfo {
  reg: number;
  rclass: number;
  size: number;
  hi8: boolean;
}
const REG_INFO: RegInfo[] = [];

function defineRegs(): void {
  const gpr8 = ["AL", "CL", "DL", "BL", "SPL", "BPL", "SIL", "DIL"];
  const gpr16 = ["AX", "CX", "DX", "BX", "SP", "BP", "SI", "DI"];
  const gpr32 = ["EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"];
  const gpr64 = ["RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI"];
  const set = (name: string, info: RegInfo): void => {
    const id = (Register as unknown as Record<string, number>)[name];
    if (id === undefined) throw new Error(`iced-x86 has no register ${name}`);
    REG_INFO[id] = info;
  };
  for (let i = 0; i < 16; i++) {
    const lo = i < 8;
    set(lo ? gpr8[i]! : `R${i}L`, { reg: i, rclass: RC_GPR, size: 8, hi8: false });
    set(lo ? gpr16[i]! : `R${i}W`, { reg: i, rclass: RC_GPR, size: 16, hi8: false });
    set(lo ? gpr32[i]! : `R${i}D`, { reg: i, rclass: RC_GPR, size: 32, hi8: false });
    set(lo ? gpr64[i]! : `R${i}`, { reg: i, rclass: RC_GPR, size: 64, hi8: false });
    set(`XMM${i}`, { reg: i, rclass: RC_XMM, size: 128, hi8: false });
  }
  ["AH", "CH", "DH", "BH"].forEach((n, i) => set(n, { reg: i, rclass: RC_GPR, size: 8, hi8: true }));
  for (let i = 0; i < 8; i++) {
    set(`ST${i}`, { reg: i, rclass: RC_ST, size: 80, hi8: false });
    set(`MM${i}`, { reg: i, rclass: RC_MM, size: 64, hi8: false });
  }
  ["ES", "CS", "SS", "DS", "FS", "GS"].forEach((n, i) => set(n, { reg: i, rclass: RC_SEG, size: 16, hi8: false }));
}
defineRegs();

// iced's enums map both ways (`Code.Add_rm64_r64 === 8`, `Code[8] === "Add_rm64_r64"`), so
// names are looked up on demand instead of tables built from Object.entries at start-up.
// The bundle's iced builds its Code (4,936 names) and Mnemonic (1,894) enums on first use
// and exports their names as strings (scripts/bundle.mjs): a Code or a Mnemonic is named
// from its string split once, and neither enum is built by a run.
/** The names of iced's enum `name` in value order: the bundle's list, else read from the enum. */
function enumNames(name: "Code" | "Mnemonic"): readonly (string | undefined)[] {
  const names = (iced as unknown as Record<string, string | undefined>)[`__lwp${name}Names`];
  if (names !== undefined) return names.split(" ");
  const e = iced[name] as unknown as Record<string, string | number>,
    out: string[] = [];
  for (const [k, v] of Object.entries(e)) if (typeof v === "number") out[v] = k;
  return out;
}
let codeNames: readonly (string | undefined)[] | null = null;
let mnemonicNames: readonly (string | undefined)[] | null = null;
/** Mnemonic values by name as iced spells them ("Add"), made on first use. */
let mnemonicIds: Map<string, number> | null = null;
/** iced's Code.INVALID. */
const CODE_INVALID = 0;
const MNEMONIC_NAMES: string[] = [];

/** iced Code name of a form ("Add_rm64_r64"). */
export function codeName(code: number): string {
  return (codeNames ??= enumNames("Code"))[code] ?? `#${code}`;
}

/** Upper-case mnemonic name of an iced Mnemonic value ("ADD", "LWPINS"). */
export function mnemonicName(m: number): string {
  const known = MNEMONIC_NAMES[m];
  if (known !== undefined) return known;
  const name = (mnemonicNames ??= enumNames("Mnemonic"))[m];
  return name === undefined ? `#${m}` : (MNEMONIC_NAMES[m] = name.toUpperCase());
}

/** Looks up an iced Mnemonic value by the manual's name ("ADD"). */
export function mnemonicId(name: string): number {
  if (mnemonicIds === null) {
    mnemonicIds = new Map();
    (mnemonicNames ??= enumNames("Mnemonic")).forEach((n, k) => n !== undefined && mnemonicIds!.set(n, k));
  }
  const v = mnemonicIds.get(name.charAt(0) + name.slice(1).toLowerCase());
  if (v === undefined) throw new Error(`Unknown mnemonic ${name}`);
  return v;
}

function regInfo(id: number): RegInfo {
  return REG_INFO[id] ?? { reg: -1, rclass: RC_OTHER, size: 0, hi8: false };
}

function bigToNumber(v: bigint): number {
  // Signed 64-bit interpretation, exact within ±2^53 (every displacement and user address).
  return Number(BigInt.asIntN(64, v));
}

function split(v: bigint): [number, number] {
  const u = BigInt.asUintN(64, v);
  return [Number(u & 0xffffffffn) | 0, Number(u >> 32n) | 0];
}

// Every iced getter is a call into WebAssembly, the main cost of decoding (and so of a
// short run's start-up): a getter is asked only when its answer can differ from what the
// Code and the prefix bytes already say, and what depends on the Code alone is read once
// per Code. test/cpu/decode-getters.test.ts checks every field against iced's getters.
const MEM_SIZE_BYTES: number[] = [];
function memorySizeBytes(ms: number): number {
  return (MEM_SIZE_BYTES[ms] ??= MemorySizeExt.size(ms));
}

/** Legacy prefix bytes seen before the opcode (REX bytes may follow them). */
const PX_LOCK_REP = 1;
const PX_FS_GS = 2;
const PREFIX_KIND = new Uint8Array(256);
for (const b of [0x26, 0x2e, 0x36, 0x3e, 0x66, 0x67]) PREFIX_KIND[b] = 4;
for (const b of [0xf0, 0xf2, 0xf3]) PREFIX_KIND[b] = 4 | PX_LOCK_REP;
for (const b of [0x64, 0x65]) PREFIX_KIND[b] = 4 | PX_FS_GS;
for (let b = 0x40; b <= 0x4f; b++) PREFIX_KIND[b] = 4; // REX (64-bit mode)

/** PX_* bits of the prefixes at `bytes[offset]` onwards (at most 15 bytes: an instruction's length). */
function prefixBits(bytes: Uint8Array, offset: number): number {
  let bits = 0;
  for (let k = offset, end = Math.min(bytes.length, offset + 15); k < end; k++) {
    const p = PREFIX_KIND[bytes[k]!]!;
    if (p === 0) break;
    bits |= p;
  }
  return bits & 3;
}

function memRef(ins: iced.Instruction, bytes: number, px: number): MemRef {
  const seg = (px & PX_FS_GS) !== 0 ? ins.memorySegment : Register.DS;
  const base = ins.memoryBase;
  const ripRel = base === Register.RIP || base === Register.EIP;
  const index = ins.memoryIndex;
  const b = regInfo(base);
  const ix = regInfo(index);
  return {
    base: ripRel ? -1 : base === Register.None ? -1 : b.reg,
    index: index === Register.None ? -1 : ix.reg,
    scale: ins.memoryIndexScale,
    disp: ripRel
      ? bigToNumber(ins.ipRelMemoryAddress)
      : bigToNumber(ins.memoryDisplacementU64 ?? ins.memoryDisplacement),
    seg: seg === Register.FS ? 1 : seg === Register.GS ? 2 : 0,
    addr32: !ripRel && base !== Register.None ? b.size === 32 : !ripRel && index !== Register.None && ix.size === 32,
    bytes,
  };
}

/** The immediate operand `i` of kind `k` as 64-bit halves (iced's `immediate(i)`, without its BigInt where it can). */
function immediate(ins: iced.Instruction, i: number, k: number, op: Operand): void {
  let lo: number;
  switch (k) {
    case OpKind.Immediate8:
      op.immLo = ins.immediate8;
      return;
    case OpKind.Immediate8_2nd:
      op.immLo = ins.immediate8_2nd;
      return;
    case OpKind.Immediate16:
      op.immLo = ins.immediate16;
      return;
    case OpKind.Immediate32:
      op.immLo = ins.immediate32 | 0;
      return;
    case OpKind.Immediate8to16:
    case OpKind.Immediate8to32:
    case OpKind.Immediate8to64:
      lo = ins.immediate8to32 | 0;
      break;
    case OpKind.Immediate32to64:
      lo = ins.immediate32 | 0;
      break;
    default:
      [op.immLo, op.immHi] = split(ins.immediate(i));
      return;
  }
  op.immLo = lo;
  op.immHi = lo < 0 ? -1 : 0;
}

function operand(ins: iced.Instruction, i: number, k: number, memBytes: number, reg: number): Operand {
  const op: Operand = { kind: OK_REG, reg: -1, rclass: RC_OTHER, size: 0, hi8: false, immLo: 0, immHi: 0 };
  if (k === OpKind.Register) {
    const r = regInfo(reg);
    op.reg = r.reg;
    op.rclass = r.rclass;
    op.size = r.size;
    op.hi8 = r.hi8;
  } else if (k === OpKind.Memory) {
    op.kind = OK_MEM;
    op.size = memBytes * 8;
  } else if (k === OpKind.NearBranch64 || k === OpKind.NearBranch32 || k === OpKind.NearBranch16) {
    op.kind = OK_BRANCH;
  } else if (k >= OpKind.MemorySegSI && k <= OpKind.MemoryESRDI) {
    op.kind = OK_STRMEM;
    op.size = memBytes * 8;
  } else if (k >= OpKind.Immediate8 && k <= OpKind.Immediate32to64) {
    op.kind = OK_IMM;
    immediate(ins, i, k, op);
    op.size =
      k === OpKind.Immediate8 || k === OpKind.Immediate8_2nd
        ? 8
        : k === OpKind.Immediate16
          ? 16
          : k === OpKind.Immediate64
            ? 64
            : 32;
  }
  return op;
}

/** What iced derives from the Code alone (its mnemonic, operand count, flow, condition), read once per Code. */
interface CodeInfo {
  readonly mnemonic: number;
  readonly name: string;
  readonly form: string;
  readonly opCount: number;
  readonly flow: number;
  readonly cc: number;
  /** Bytes of the memory operand (iced's memorySize without EVEX broadcast), -1 until read. */
  memBytes: number;
  /**
   * RFLAGS read, modified and undefined, once read for an instance whose flags are the
   * Code's own: iced varies them only for a shift or rotate by an immediate count and for
   * an instruction whose first two operands are the same register (XOR EAX, EAX).
   */
  flags: readonly [number, number, number] | null;
}
const CODE_INFO: (CodeInfo | undefined)[] = [];
function codeInfo(ins: iced.Instruction, code: number): CodeInfo {
  const known = CODE_INFO[code];
  if (known !== undefined) return known;
  const mnemonic = ins.mnemonic;
  return (CODE_INFO[code] = {
    mnemonic,
    name: mnemonicName(mnemonic),
    form: codeName(code),
    opCount: ins.opCount,
    flow: ins.flowControl,
    cc: ins.conditionCode - 1,
    memBytes: -1,
    flags: null,
  });
}

function rflags(ins: iced.Instruction): [number, number, number] {
  return [ins.rflagsRead, ins.rflagsModified, ins.rflagsUndefined];
}

/** The RFLAGS triple of `ins`: the Code's when no operand can change it. */
function flagsOf(ins: iced.Instruction, info: CodeInfo, kinds: number[], regs: number[]): readonly number[] {
  const varies =
    kinds.some((k) => k >= OpKind.Immediate8 && k <= OpKind.Immediate32to64) ||
    (kinds.length >= 2 && kinds[0] === OpKind.Register && kinds[1] === OpKind.Register && regs[0] === regs[1]);
  if (varies) return rflags(ins);
  return (info.flags ??= rflags(ins));
}

/**
 * A decoded instruction. Its bytes are kept as a place in its run's bytes, not as a copy
 * per instruction: a copy cost about 100 bytes of heap per translated instruction (cc1:
 * 108 MB of its peak RSS and 2.5 CPU s of GC), and the bytes are read only at translation
 * and for a few run-time paths (#UD reports, LWP load addresses).
 */
class DecodedInsn implements Insn {
  ip = 0;
  len = 0;
  next = 0;
  code = 0;
  form = "";
  mnemonic = 0;
  name = "";
  ops: Operand[] = [];
  mem: MemRef | null = null;
  rep = false;
  repe = false;
  repne = false;
  lock = false;
  cc = -1;
  flow = 0;
  branchTarget = 0;
  flagsRead = 0;
  flagsModified = 0;
  flagsUndefined = 0;
  invalid = false;

  constructor(
    private src: Uint8Array,
    private readonly at: number,
    private readonly size: number,
  ) {}

  get bytes(): Uint8Array {
    return this.src.subarray(this.at, this.at + this.size);
  }

  /** Points the record at `src`, the run's bytes trimmed to what was decoded (the fetch buffer is larger). */
  keep(src: Uint8Array): void {
    this.src = src;
  }
}

/** The record of the instruction `ins` decoded at guest address `ip` (= `offset` bytes into `bytes`). */
function toInsn(ins: iced.Instruction, bytes: Uint8Array, offset: number, ip: number): DecodedInsn {
  const code = ins.code;
  const info = codeInfo(ins, code);
  const kinds: number[] = [],
    regs: number[] = [];
  let hasMem = false,
    anyMem = false;
  for (let i = 0; i < info.opCount; i++) {
    const k = ins.opKind(i);
    kinds.push(k);
    regs.push(k === OpKind.Register ? ins.opRegister(i) : Register.None);
    if (k === OpKind.Memory) hasMem = anyMem = true;
    else if (k >= OpKind.MemorySegSI && k <= OpKind.MemoryESRDI) anyMem = true;
  }
  const px = prefixBits(bytes, offset);
  const memBytes = !anyMem ? 0 : info.memBytes >= 0 ? info.memBytes : (info.memBytes = memorySizeBytes(ins.memorySize));
  const mem = hasMem ? memRef(ins, memBytes, px) : null;
  const ops = kinds.map((k, i) => operand(ins, i, k, memBytes, regs[i]!));
  const len = ins.length;
  const flow = info.flow;
  const isBranch =
    flow === FlowControl.UnconditionalBranch || flow === FlowControl.ConditionalBranch || flow === FlowControl.Call;
  const lockRep = (px & PX_LOCK_REP) !== 0;
  const [flagsRead, flagsModified, flagsUndefined] = flagsOf(ins, info, kinds, regs);
  const d = new DecodedInsn(bytes, offset, len);
  d.ip = ip;
  d.len = len;
  d.next = ip + len;
  d.code = code;
  d.form = info.form;
  d.mnemonic = info.mnemonic;
  d.name = info.name;
  d.ops = ops;
  d.mem = mem;
  d.rep = lockRep && ins.hasRepPrefix;
  d.repe = lockRep && ins.hasRepePrefix;
  d.repne = lockRep && ins.hasRepnePrefix;
  d.lock = lockRep && ins.hasLockPrefix;
  d.cc = info.cc;
  d.flow = flow;
  d.branchTarget = isBranch && ops.some((o) => o.kind === OK_BRANCH) ? Number(ins.nearBranchTarget) : 0;
  d.flagsRead = flagsRead!;
  d.flagsModified = flagsModified!;
  d.flagsUndefined = flagsUndefined!;
  d.invalid = code === CODE_INVALID;
  return d;
}

/** The decoded-block cache `decodeRun` consults and fills, if any (the CLI's, src/cli/decode-cache-file.ts). */
let cache: DecodeCache | null = null;

export function useDecodeCache(c: DecodeCache | null): void {
  cache = c;
}

const NAMES: InsnNames = { form: codeName, name: mnemonicName };
const makeInsn: InsnFactory = (src, at, len) => new DecodedInsn(src, at, len);

/**
 * Whether the bytes at `offset` are an x87 escape (D8-DF) with a register ModRM
 * after their prefixes: a whole instruction of two bytes, which the processor
 * rejects (#UD) when undefined. iced looks for a third byte after a few of
 * these (D9 D7, DB E5, DF E1, ...: forms of other processors) and reports them
 * as running out of bytes.
 */
function x87RegisterForm(bytes: Uint8Array, offset: number): boolean {
  let k = offset;
  while (k < bytes.length && k - offset < 14 && PREFIX_KIND[bytes[k]!] !== 0) k++;
  const op = bytes[k],
    modrm = bytes[k + 1];
  return op !== undefined && modrm !== undefined && op >= 0xd8 && op <= 0xdf && modrm >= 0xc0;
}

/**
 * The one-byte opcodes that 64-bit mode does not have and that take no further byte in
 * the modes that do (PUSH/POP ES, CS, SS, DS; DAA, DAS, AAA, AAS; PUSHA, POPA; INTO;
 * SALC): the processor raises #UD at the opcode byte, without fetching past it.
 * Measured on the host: each alone in the last byte of an executable page before an
 * unmapped one ends in SIGILL at that byte, every other one-byte value in SIGSEGV at the
 * next page or in its own way (test/cpu/decode-page-end.test.ts).
 */
const INVALID_ALONE = new Set([
  0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x60, 0x61, 0xce, 0xd6,
]);

/**
 * The length of the instruction at `offset` when it is one of INVALID_ALONE after its
 * prefixes (a whole instruction iced reports as running out of bytes: it looks for a
 * ModRM byte after them), else 0.
 */
function invalidAloneLength(bytes: Uint8Array, offset: number): number {
  let k = offset;
  while (k < bytes.length && k - offset < 14 && PREFIX_KIND[bytes[k]!] !== 0) k++;
  return k < bytes.length && INVALID_ALONE.has(bytes[k]!) ? k + 1 - offset : 0;
}

/**
 * Decodes consecutive instructions from `bytes` (which start at guest address
 * `ip`) until `stop` says so or the bytes run out. An instruction that does not
 * fit in the bytes is returned with `invalid` set (the caller faults or #UDs).
 */
export function decodeRun(bytes: Uint8Array, ip: number, stop: (i: Insn) => boolean): Insn[] {
  const t0 = nowMs();
  const hit = cache?.lookup(bytes, ip, stop, makeInsn, NAMES) ?? null;
  const out = (hit?.insns ?? []) as DecodedInsn[];
  let offset = 0;
  // Indexed loops: this runs once per block translated, mostly before V8 optimizes it, and
  // an unoptimized for-of allocates an iterator result per element.
  for (let k = 0; k < out.length; k++) offset += out[k]!.len;
  if (hit === null || !hit.complete) offset = icedRun(bytes, ip, offset, stop, out);
  const used = bytes.slice(0, offset);
  for (let k = 0; k < out.length; k++) out[k]!.keep(used);
  if (hit === null) cache?.add(ip, used, out);
  else DECODE_STATS.cachedBlocks++;
  DECODE_STATS.blocks++;
  DECODE_STATS.decoded += out.length;
  DECODE_STATS.decodeMs += nowMs() - t0;
  return out;
}

/**
 * Decodes again the `n` instructions of a block translated earlier from `bytes` (exactly
 * its bytes): a translated block keeps its bytes, not its records (translate/block.ts).
 */
export function redecode(bytes: Uint8Array, ip: number, n: number): Insn[] {
  const t0 = nowMs();
  // From the decoded-block cache when it holds the block: iced, whose WebAssembly is
  // compiled and instantiated on first use (about 20 ms), is then never needed by a run
  // whose blocks all came from the cache, though the region compiler asks for records.
  const nth = (): ((i: Insn) => boolean) => {
    let k = 0;
    return () => ++k >= n;
  };
  const hit = cache?.lookup(bytes, ip, nth(), makeInsn, NAMES) ?? null;
  const out = (hit !== null && hit.complete ? hit.insns : []) as DecodedInsn[];
  const offset = out.length > 0 ? out.reduce((a, i) => a + i.len, 0) : icedRun(bytes, ip, 0, nth(), out);
  const used = bytes.slice(0, offset);
  for (const insn of out) insn.keep(used);
  DECODE_STATS.redecoded += out.length;
  DECODE_STATS.decodeMs += nowMs() - t0;
  return out;
}

/** Decodes with iced from `bytes[offset]` on, appending to `out`; returns the offset after the last record. */
function icedRun(
  bytes: Uint8Array,
  ip: number,
  offset: number,
  stop: (i: Insn) => boolean,
  out: DecodedInsn[],
): number {
  const d = new Decoder(64, offset === 0 ? bytes : bytes.subarray(offset), 0);
  d.ip = BigInt(ip + offset);
  const ins = new iced.Instruction();
  try {
    while (d.canDecode) {
      d.decodeOut(ins);
      const insn = toInsn(ins, bytes, offset, ip + offset);
      offset += insn.len;
      if (insn.invalid && d.lastError === iced.DecoderError.NoMoreBytes && !x87RegisterForm(bytes, offset - insn.len)) {
        const whole = invalidAloneLength(bytes, offset - insn.len);
        if (whole > 0) {
          offset += whole - insn.len; // a whole instruction: the block's bytes end with it
          insn.next = insn.ip + whole;
        }
        // 0: ran out of bytes inside the instruction (the caller faults on the fetch); the
        // bytes it read stay in the block's, which the decoded-block cache keys entries by.
        insn.len = whole;
      }
      out.push(insn);
      if (insn.invalid || stop(insn)) break;
    }
  } finally {
    ins.free();
    d.free();
  }
  return offset;
}

/** POPF may set RFLAGS.TF or AC, after which the run loop steps (cpu/step.ts): it ends its block. */
const FLAGS_LOADS = new Set(["POPF", "POPFQ", "POPFD"]);

/** Whether the decoded instruction ends a basic block. */
export function endsBlock(i: Insn): boolean {
  return i.flow !== FlowControl.Next || FLAGS_LOADS.has(i.name);
}

export { FlowControl };
