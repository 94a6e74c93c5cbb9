// SPDX-License-Identifier: MIT
// Load addresses of an instruction for the D-cache model (LWP event 4): iced's
// instruction info lists every memory operand read, explicit or implicit (stack
// pops, RET, string sources); we turn each into an effective-address closure.
import iced from "iced-x86";
import type { Insn } from "../cpu/decode.js";
import { type Ea, eaOf } from "../cpu/translate/operands.js";

const { Decoder, Instruction, InstructionInfoFactory, Register, OpAccess } = iced;

interface Gpr {
  readonly reg: number;
  readonly size: number;
}
const GPRS = new Map<number, Gpr>();
(() => {
  const names64 = ["RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI"];
  const names32 = ["EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"];
  const reg = Register as unknown as Record<string, number>;
  for (let i = 0; i < 16; i++) {
    GPRS.set(reg[i < 8 ? names64[i]! : `R${i}`]!, { reg: i, size: 64 });
    GPRS.set(reg[i < 8 ? names32[i]! : `R${i}D`]!, { reg: i, size: 32 });
  }
})();

const READS = new Set<number>([OpAccess.Read, OpAccess.CondRead, OpAccess.ReadWrite, OpAccess.ReadCondWrite]);
let factory: iced.InstructionInfoFactory | null = null;

/** Effective-address closures of every memory read the instruction makes (first iteration for REP). */
export function loadAddresses(i: Insn): Ea[] {
  const d = new Decoder(64, i.bytes, 0);
  d.ip = BigInt(i.ip);
  const ins = new Instruction();
  const out: Ea[] = [];
  try {
    d.decodeOut(ins);
    factory ??= new InstructionInfoFactory();
    for (const um of factory.info(ins).usedMemory()) {
      if (!READS.has(um.access)) continue;
      const ea = toEa(um);
      if (ea !== null) out.push(ea);
      um.free();
    }
  } finally {
    ins.free();
    d.free();
  }
  return out;
}

function toEa(um: iced.UsedMemory): Ea | null {
  const disp = Number(BigInt.asIntN(64, um.displacement));
  const ripRel = um.base === Register.RIP || um.base === Register.EIP;
  const base = um.base === Register.None || ripRel ? null : GPRS.get(um.base);
  const index = um.index === Register.None ? null : GPRS.get(um.index);
  if (base === undefined || index === undefined) return null;
  const seg = um.segment === Register.FS ? 1 : um.segment === Register.GS ? 2 : 0;
  return eaOf({
    base: base === null ? -1 : base.reg,
    index: index === null ? -1 : index.reg,
    scale: um.scale,
    disp,
    seg,
    addr32: (base?.size ?? index?.size ?? 64) === 32,
    bytes: 0,
  });
}
