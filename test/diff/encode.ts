// SPDX-License-Identifier: MIT
// Turns a form plus chosen operands into instruction bytes with iced-x86's
// Encoder (Instruction.create* picked by the operand signature), or by hand
// for the implicit-operand string forms; every result is decoded back and
// must be the same iced Code, so a test never runs a different form.
import iced from "iced-x86";
import type { Form } from "./forms.js";
import { CODE_ADDR } from "./state.js";

const { Instruction: I, Encoder, Decoder, OpCodeTableKind: T, MandatoryPrefix: MP } = iced;

export type Opnd =
  | { readonly t: "R"; readonly reg: number }
  | { readonly t: "M"; readonly mem: iced.MemoryOperand }
  | { readonly t: "I"; readonly v: bigint; readonly signed: boolean; readonly bits: number }
  | { readonly t: "B"; readonly target: bigint };

type Mk = (code: number, o: readonly Opnd[]) => iced.Instruction;

function reg(o: Opnd | undefined): number {
  if (o?.t !== "R") throw new Error("operand is not a register");
  return o.reg;
}
function mem(o: Opnd | undefined): iced.MemoryOperand {
  if (o?.t !== "M") throw new Error("operand is not memory");
  return o.mem;
}
/** Immediate as the create*I32 / *U32 family wants it. */
function imm(o: Opnd | undefined): number {
  if (o?.t !== "I") throw new Error("operand is not an immediate");
  return o.signed ? Number(BigInt.asIntN(o.bits, o.v)) : Number(BigInt.asUintN(Math.min(o.bits, 32), o.v));
}
function signed(o: Opnd | undefined): boolean {
  return o?.t === "I" && o.signed;
}

/** create* by signature: R register, M memory, I immediate, B branch. */
const MAKERS: Readonly<Record<string, Mk>> = {
  "": (c) => I.create(c),
  R: (c, o) => I.createReg(c, reg(o[0])),
  M: (c, o) => I.createMem(c, mem(o[0])),
  I: (c, o) => (signed(o[0]) ? I.createI32(c, imm(o[0])) : I.createU32(c, imm(o[0]))),
  B: (c, o) => I.createBranch(c, o[0]?.t === "B" ? o[0].target : 0n),
  RR: (c, o) => I.createRegReg(c, reg(o[0]), reg(o[1])),
  RM: (c, o) => I.createRegMem(c, reg(o[0]), mem(o[1])),
  MR: (c, o) => I.createMemReg(c, mem(o[0]), reg(o[1])),
  RI: (c, o) => {
    const x = o[1];
    if (x?.t === "I" && x.bits === 64) return I.createRegU64(c, reg(o[0]), BigInt.asUintN(64, x.v));
    return signed(x) ? I.createRegI32(c, reg(o[0]), imm(x)) : I.createRegU32(c, reg(o[0]), imm(x));
  },
  MI: (c, o) => (signed(o[1]) ? I.createMemI32(c, mem(o[0]), imm(o[1])) : I.createMemU32(c, mem(o[0]), imm(o[1]))),
  IR: (c, o) => I.createU32Reg(c, imm(o[0]), reg(o[1])),
  II: (c, o) => I.createU32U32(c, imm(o[0]), imm(o[1])),
  RRR: (c, o) => I.createRegRegReg(c, reg(o[0]), reg(o[1]), reg(o[2])),
  RRM: (c, o) => I.createRegRegMem(c, reg(o[0]), reg(o[1]), mem(o[2])),
  RMR: (c, o) => I.createRegMemReg(c, reg(o[0]), mem(o[1]), reg(o[2])),
  MRR: (c, o) => I.createMemRegReg(c, mem(o[0]), reg(o[1]), reg(o[2])),
  RRI: (c, o) => I.createRegRegU32(c, reg(o[0]), reg(o[1]), imm(o[2])),
  RMI: (c, o) => I.createRegMemU32(c, reg(o[0]), mem(o[1]), imm(o[2])),
  MRI: (c, o) => I.createMemRegU32(c, mem(o[0]), reg(o[1]), imm(o[2])),
  RII: (c, o) => I.createRegU32U32(c, reg(o[0]), imm(o[1]), imm(o[2])),
  RRII: (c, o) => I.createRegRegU32U32(c, reg(o[0]), reg(o[1]), imm(o[2]), imm(o[3])),
};

const encoder = new Encoder(64);

/** Encodes with iced at `ip`; throws when iced rejects the operands. */
export function encodeWith(form: Form, ops: readonly Opnd[], ip: number): Uint8Array {
  const sig = ops.map((o) => o.t).join("");
  const mk = MAKERS[sig];
  if (mk === undefined) throw new Error(`no create* for signature ${sig}`);
  return encodeIns(mk(form.code, ops), ip);
}

/** Encodes (and frees) a ready-made instruction at `ip` (default: the snippet address). */
export function encodeIns(ins: iced.Instruction, ip = CODE_ADDR): Uint8Array {
  try {
    encoder.encode(ins, BigInt(ip));
    return encoder.takeBuffer();
  } catch (e) {
    encoder.takeBuffer();
    throw e;
  } finally {
    ins.free();
  }
}

const TABLE_BYTES: Readonly<Record<number, readonly number[]>> = {
  [T.Normal]: [],
  [T.T0F]: [0x0f],
  [T.T0F38]: [0x0f, 0x38],
  [T.T0F3A]: [0x0f, 0x3a],
};
const MANDATORY: Readonly<Record<number, number>> = { [MP.P66]: 0x66, [MP.PF3]: 0xf3, [MP.PF2]: 0xf2 };

/** Hand encoding for forms whose operands are all implicit (string instructions, XLAT). */
export function encodeRaw(form: Form, rep: number): Uint8Array {
  const f = form.info;
  const b: number[] = [];
  if (rep !== 0) b.push(rep);
  const mp = MANDATORY[f.mandatoryPrefix];
  if (mp !== undefined) b.push(mp);
  if (f.operandSize === 16 && mp !== 0x66) b.push(0x66);
  if (f.operandSize === 64) b.push(0x48);
  const table = TABLE_BYTES[f.table];
  if (table === undefined) throw new Error(`opcode table ${f.table}`);
  b.push(...table);
  if (f.opCodeLength === 2) b.push((f.opCode >> 8) & 0xff);
  b.push(f.opCode & 0xff);
  return Uint8Array.from(b);
}

/** The iced Code that `bytes` decode to at `ip` (or -1), and the length. */
export function decodeCode(bytes: Uint8Array, ip: number): { code: number; len: number } {
  const d = new Decoder(64, bytes, 0);
  d.ip = BigInt(ip);
  const ins = d.decode();
  const r = { code: ins.isInvalid ? -1 : ins.code, len: ins.length };
  ins.free();
  d.free();
  return r;
}
