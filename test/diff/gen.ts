// SPDX-License-Identifier: MIT
// Differential case generator: for one form and a seeded RNG, picks operands
// (registers, a memory operand aimed into the scratch window, edge-biased
// immediates, branch targets inside the snippet), an edge-biased initial
// state, encodes it, and lays out an in_rec (code + state + window).
import iced from "iced-x86";
import { type Form, isStringForm } from "./forms.js";
import { decodeCode, encodeIns, encodeRaw, encodeWith, type Opnd } from "./encode.js";
import * as RG from "./regs.js";
import { Rng, type U64, caseSeed, edgeImm, edgeU64, split, x87Value, xmmValue } from "./values.js";
import {
  CODE_ADDR,
  CODE_BYTES,
  FX_FCW,
  FX_FSW,
  FX_FTW,
  FX_MXCSR,
  FX_ST,
  FX_XMM,
  IN_REC,
  IN_STATE,
  IN_WIN,
  OFF_FX,
  OFF_RFLAGS,
  OFF_RIP,
  STACK_TOP,
  WIN,
  WIN_ADDR,
} from "./state.js";
import { applyFixups, fixupsHold } from "./fixups.js";

const K = iced.OpCodeOperandKind;
const MemoryOperand = iced.MemoryOperand;

export interface Case {
  /** "Form#seed:index", reproducible with --only and --seed. */
  readonly id: string;
  readonly form: Form;
  readonly rec: Uint8Array;
  readonly len: number;
  /** Case number within its form. */
  readonly index: number;
}

/** Generation context: the record being filled and the choices made so far. */
export interface Ctx {
  readonly rng: Rng;
  readonly form: Form;
  readonly rec: Uint8Array;
  readonly dv: DataView;
  /** Address-register values, applied after every other choice. */
  readonly addr: [gpr: number, value: U64][];
  /** Where the memory operand points (absolute), or -1. */
  memAt: number;
  /** Register ids chosen for explicit operands, in order. */
  readonly regs: number[];
  /** Snippet-relative branch target choices (set after encoding). */
  targets: number[];
}

export function setGpr(x: Ctx, r: number, v: U64): void {
  x.dv.setUint32(IN_STATE + 8 * r, v[0] >>> 0, true);
  x.dv.setUint32(IN_STATE + 8 * r + 4, v[1] >>> 0, true);
}

export function getGpr(x: Ctx, r: number): U64 {
  return [x.dv.getUint32(IN_STATE + 8 * r, true), x.dv.getUint32(IN_STATE + 8 * r + 4, true)];
}

/** Writes `n` bytes of a 64-bit value into the window at absolute address `a` (clipped to the window). */
export function pokeWin(x: Ctx, a: number, v: U64, n = 8): void {
  for (let k = 0; k < n; k++) {
    const off = a - WIN_ADDR + k;
    if (off < 0 || off >= WIN) continue;
    x.rec[IN_WIN + off] = (k < 4 ? v[0] >>> (8 * k) : v[1] >>> (8 * (k - 4))) & 0xff;
  }
}

const vectorForms = new Map<number, boolean>();
/** Whether a form has XMM/MMX operands (its registers then get FP-biased lane values). */
function usesVectors(f: Form): boolean {
  let v = vectorForms.get(f.code);
  if (v === undefined) {
    v = f.kinds.some(
      (k) =>
        k === K.xmm_or_mem || k === K.xmm_reg || k === K.xmm_rm || k === K.mm_or_mem || k === K.mm_reg || k === K.mm_rm,
    );
    vectorForms.set(f.code, v);
  }
  return v;
}

const words = new Uint32Array(WIN / 4);

function baseState(x: Ctx): void {
  const { rng, dv } = x;
  for (let r = 0; r < 16; r++) setGpr(x, r, edgeU64(rng));
  setGpr(x, 4, [STACK_TOP - 8 * rng.int(8), 0]);
  dv.setUint32(IN_STATE + OFF_RIP, CODE_ADDR, true);
  dv.setUint32(IN_STATE + OFF_RFLAGS, 0x202 | (rng.u32() & 0x8d5) | (rng.chance(0.1) ? 0x400 : 0), true);
  const fx = IN_STATE + OFF_FX;
  const vec = usesVectors(x.form);
  for (let i = 0; i < 16; i++) {
    if (vec) xmmValue(rng, words, 4 * i);
    else for (let k = 0; k < 4; k++) words[4 * i + k] = rng.u32();
  }
  for (let i = 0; i < 64; i++) dv.setUint32(fx + FX_XMM + 4 * i, words[i]!, true);
  let mxcsr = 0x1f80;
  if (rng.chance(0.25)) mxcsr = (mxcsr & ~0x6000) | (rng.int(4) << 13) | (rng.chance(0.3) ? 0x8040 : 0);
  if (rng.chance(0.05)) mxcsr &= ~(rng.int(64) << 7);
  dv.setUint32(fx + FX_MXCSR, mxcsr, true);
  x87State(x, fx);
  for (let i = 0; i < WIN / 4; i++) words[i] = rng.u32();
  for (let k = 0; k < 8; k++) {
    const at = 4 * rng.int(WIN / 16);
    if (vec || rng.chance(0.3)) xmmValue(rng, words, at);
    else {
      const [lo, hi] = edgeU64(rng);
      words[at] = lo;
      words[at + 1] = hi;
    }
  }
  x.rec.set(new Uint8Array(words.buffer), IN_WIN);
}

/** Puts an edge value of the operand's type where the memory operand points. */
function seedTarget(x: Ctx): void {
  if (x.memAt < 0) return;
  const n = x.form.memBytes;
  const tmp = new Uint32Array(4);
  if (n === 10) {
    const [lo, hi, se] = x87Value(x.rng);
    pokeWin(x, x.memAt, [lo, hi]);
    pokeWin(x, x.memAt + 8, [se, 0], 2);
    return;
  }
  if (usesVectors(x.form) || x.form.group.startsWith("x87")) xmmValue(x.rng, tmp, 0);
  else [tmp[0], tmp[1]] = edgeU64(x.rng);
  pokeWin(x, x.memAt, [tmp[0]!, tmp[1]!], Math.min(8, Math.max(1, n)));
  if (n > 8) pokeWin(x, x.memAt + 8, [tmp[2]!, tmp[3]!], Math.min(8, n - 8));
}

function x87State(x: Ctx, fx: number): void {
  const { rng, dv } = x;
  if (rng.chance(0.4)) {
    dv.setUint16(fx + FX_FCW, 0x037f, true);
    return;
  }
  const top = rng.int(8);
  let tags = 0;
  for (let i = 0; i < 8; i++) {
    const valid = rng.chance(i < 2 ? 0.9 : 0.5);
    if (valid) tags |= 1 << ((top + i) & 7);
    const [lo, hi, se] = x87Value(rng);
    dv.setUint32(fx + FX_ST + 16 * i, lo, true);
    dv.setUint32(fx + FX_ST + 16 * i + 4, hi, true);
    dv.setUint16(fx + FX_ST + 16 * i + 8, se, true);
  }
  let fcw = 0x037f;
  if (rng.chance(0.3)) fcw = (fcw & ~0x0f00) | (rng.int(4) << 10) | (rng.pick([0, 2, 3]) << 8);
  if (rng.chance(0.04)) fcw &= ~(1 << rng.int(6));
  dv.setUint16(fx + FX_FCW, fcw, true);
  dv.setUint16(fx + FX_FSW, (top << 11) | (rng.chance(0.2) ? rng.u32() & 0x4700 : 0), true);
  dv.setUint8(fx + FX_FTW, tags);
}

function regOf(x: Ctx, pool: readonly number[]): Opnd {
  const reg = x.rng.pick(pool);
  x.regs.push(reg);
  return { t: "R", reg };
}

/** A register or memory operand for an r/m kind. */
function rm(x: Ctx, pool: readonly number[]): Opnd {
  return x.rng.chance(0.5) ? regOf(x, pool) : memOperand(x, false);
}

/** The address the memory operand will reach: inside the window, sometimes straddling its end or non-canonical. */
function chooseTarget(x: Ctx): number {
  const { rng } = x;
  const n = Math.max(1, x.form.memBytes);
  if (n > 1 && rng.chance(0.03)) return WIN_ADDR + WIN - n + 1 + rng.int(n - 1);
  const align = n >= 64 ? 64 : n >= 16 ? 16 : n >= 8 ? 8 : n >= 4 ? 4 : n >= 2 ? 2 : 1;
  const slots = Math.floor((WIN - n) / align);
  const off = rng.chance(0.85) ? align * rng.int(slots + 1) : rng.int(WIN - n + 1);
  return WIN_ADDR + off;
}

function memOperand(x: Ctx, offs: boolean): Opnd {
  const { rng } = x;
  const t = chooseTarget(x);
  x.memAt = t;
  const T = BigInt(t);
  const mk = (b: number, i: number, s: number, d: bigint, ds: number): Opnd => ({
    t: "M",
    mem: new MemoryOperand(b, i, s, d, ds, false, RG.NONE),
  });
  if (offs) return mk(RG.NONE, RG.NONE, 1, T, 8);
  const mode = rng.int(20);
  const disp = BigInt(rng.pick([0, 0, 1, -1, 8, -8, 0x7f, -0x80, 0x100, -0x1234, 0x7fff]));
  const ds = disp === 0n ? 0 : disp >= -128n && disp <= 127n ? 1 : 4;
  const base = rng.chance(0.1) ? RG.RSP : rng.pick(RG.GPR64.filter((r) => r !== RG.RSP));
  // Non-canonical addresses (#GP → SIGSEGV, si_addr 0) only through non-stack bases: through RSP/RBP the
  // hardware raises #SS (SIGBUS), which the emulator does not model (reported, see docs/quirks.md).
  const nonCanon = base !== RG.RSP && base !== RG.GPR64[5] && rng.chance(0.01) ? 1n << 63n : 0n;
  if (mode < 3) return mk(RG.RIP, RG.NONE, 1, T, 8);
  if (mode < 4) return mk(RG.NONE, RG.NONE, 1, T, 4);
  if (mode < 12) {
    x.addr.push([RG.gprOf64(base), split((T - disp) ^ nonCanon)]);
    return mk(base, RG.NONE, 1, disp, ds);
  }
  const index = rng.pick(RG.GPR64.filter((r) => r !== RG.RSP && r !== base));
  const scale = rng.pick([1, 2, 4, 8]);
  const iv = BigInt(rng.int(33) - 16);
  x.addr.push([RG.gprOf64(index), split(iv)]);
  if (mode < 15) return mk(RG.NONE, index, scale, T - iv * BigInt(scale), 4);
  x.addr.push([RG.gprOf64(base), split((T - iv * BigInt(scale) - disp) ^ nonCanon)]);
  return mk(base, index, scale, disp, ds);
}

function immOf(x: Ctx, bits: number, signedKind: boolean): Opnd {
  return { t: "I", v: edgeImm(x.rng, bits), signed: signedKind, bits };
}

/** Operand for one OpCodeOperandKind; null when the kind is implicit-only (string forms). */
function operandFor(x: Ctx, k: number): Opnd | null {
  switch (k) {
    case K.r8_or_mem:
      return rm(x, x.rng.chance(0.2) ? RG.GPR8_LEGACY : RG.GPR8);
    case K.r16_or_mem:
      return rm(x, RG.GPR16);
    case K.r32_or_mem:
      return rm(x, RG.GPR32);
    case K.r64_or_mem:
      return rm(x, RG.GPR64);
    case K.xmm_or_mem:
      return rm(x, RG.XMM);
    case K.mm_or_mem:
      return rm(x, RG.MM);
    case K.r8_reg:
    case K.r8_opcode:
      return regOf(x, x.rng.chance(0.2) ? RG.GPR8_LEGACY : RG.GPR8);
    case K.r16_reg:
    case K.r16_rm:
    case K.r16_opcode:
    case K.r16_reg_mem:
      return regOf(x, RG.GPR16);
    case K.r32_reg:
    case K.r32_rm:
    case K.r32_opcode:
    case K.r32_reg_mem:
      return regOf(x, RG.GPR32);
    case K.r64_reg:
    case K.r64_rm:
    case K.r64_opcode:
    case K.r64_reg_mem:
      return regOf(x, RG.GPR64);
    case K.xmm_reg:
    case K.xmm_rm:
      return regOf(x, RG.XMM);
    case K.mm_reg:
    case K.mm_rm:
      return regOf(x, RG.MM);
    case K.seg_reg:
      return regOf(x, RG.SEG);
    case K.cr_reg:
      return regOf(x, RG.CR);
    case K.dr_reg:
      return regOf(x, RG.DR);
    case K.sti_opcode:
      return regOf(x, RG.ST);
    case K.mem:
      return memOperand(x, false);
    case K.mem_offs:
      return memOperand(x, true);
    case K.al:
    case K.cl:
    case K.ax:
    case K.dx:
    case K.eax:
    case K.rax:
    case K.st0:
    case K.es:
    case K.cs:
    case K.ss:
    case K.ds:
    case K.fs:
    case K.gs:
      return { t: "R", reg: RG.FIXED[K[k] as keyof typeof RG.FIXED] };
    case K.imm8:
      return immOf(x, 8, false);
    case K.imm8_const_1:
      return { t: "I", v: 1n, signed: false, bits: 8 };
    case K.imm8sex16:
    case K.imm8sex32:
    case K.imm8sex64:
      return immOf(x, 8, true);
    case K.imm16:
      return immOf(x, 16, false);
    case K.imm32:
      return immOf(x, 32, false);
    case K.imm32sex64:
      return immOf(x, 32, true);
    case K.imm64:
      return immOf(x, 64, false);
    case K.br16_1:
    case K.br32_1:
    case K.br64_1:
    case K.br16_2:
    case K.br32_4:
    case K.br64_4:
    case K.brdisp_2:
    case K.brdisp_4:
      return { t: "B", target: BigInt(CODE_ADDR + 16) };
    default:
      return null;
  }
}

/** Encodes the form with fresh operand choices; null when iced rejects them. */
function tryEncode(x: Ctx): Uint8Array | null {
  const f = x.form;
  if (f.name.startsWith("Maskmov")) {
    const pool = f.name.includes("xmm") ? RG.XMM : RG.MM;
    const a = x.rng.pick(pool),
      b = x.rng.pick(pool);
    return f.name.includes("xmm")
      ? encodeIns(iced.Instruction.createMaskmovdqu(64, a, b, RG.NONE))
      : encodeIns(iced.Instruction.createMaskmovq(64, a, b, RG.NONE));
  }
  if (isStringForm(f)) {
    const rep =
      f.info.canRepne && x.rng.chance(0.35) ? 0xf2 : (f.info.canRep || f.info.canRepne) && x.rng.chance(0.5) ? 0xf3 : 0;
    return encodeRaw(f, rep);
  }
  const ops: Opnd[] = [];
  for (const k of f.kinds) {
    const o = operandFor(x, k);
    if (o === null) return null;
    ops.push(o);
  }
  try {
    let bytes = encodeWith(f, ops, CODE_ADDR);
    const bi = ops.findIndex((o) => o.t === "B");
    if (bi >= 0) {
      const skip = 2 * x.rng.int(3);
      x.targets = [bytes.length + skip];
      ops[bi] = { t: "B", target: BigInt(CODE_ADDR + bytes.length + skip) };
      bytes = encodeWith(f, ops, CODE_ADDR);
    }
    return bytes;
  } catch {
    return null;
  }
}

/** Builds case `index` of a form; null when no encoding could be made (reported as untestable). */
export function genCase(form: Form, seed: number, index: number): Case | null {
  const rng = new Rng(caseSeed(seed, form.name, index));
  const rec = new Uint8Array(IN_REC);
  for (let attempt = 0; attempt < 12; attempt++) {
    const x: Ctx = { rng, form, rec, dv: new DataView(rec.buffer), addr: [], memAt: -1, regs: [], targets: [] };
    baseState(x);
    const bytes = tryEncode(x);
    if (bytes === null || bytes.length > CODE_BYTES - 2) continue;
    const back = decodeCode(bytes, CODE_ADDR);
    if (back.code !== form.code || back.len !== bytes.length) continue;
    for (let i = 0; i < CODE_BYTES; i += 2) {
      rec[i] = 0x0f;
      rec[i + 1] = 0x0b;
    }
    rec.set(bytes, 0);
    for (let i = bytes.length; i + 1 < CODE_BYTES; i += 2) {
      rec[i] = 0x0f;
      rec[i + 1] = 0x0b;
    }
    seedTarget(x);
    if (!fixupsHold(x)) continue;
    applyFixups(x, bytes.length);
    for (const [r, v] of x.addr) if (r >= 0) setGpr(x, r, v);
    return { id: `${form.name}#${seed}:${index}`, form, rec, len: bytes.length, index };
  }
  return null;
}
