// SPDX-License-Identifier: MIT
// Which instructions of a block produce arithmetic flags that nothing can see (the
// emitters of multiplies, shifts and rotations then emit their result alone:
// docs/architecture.md "Dead flags of multiplies, shifts and rotations"). A producer's
// flags are dead when, before anything reads them or the region can leave, an
// instruction replaces all six from its operands alone, or a producer whose own flags
// are dead (and which then reads none) comes: between them only instructions that
// neither touch the flags nor can fault, compiled to WebAssembly.
import { type Insn, OK_IMM, OK_REG, RC_GPR } from "../cpu/decode.js";

/** iced's RflagsBits OF SF ZF AF CF PF. */
const ARITH_FLAGS = 0x3f;

/** Instructions that define all six arithmetic flags from their operands alone (lazy kinds ADD, SUB, LOGIC, NEG). */
const FLAG_KILLERS = new Set(["ADD", "SUB", "CMP", "AND", "OR", "XOR", "TEST", "NEG"]);

/** Producers whose emitters skip their flags when dead: they then read no earlier flags either. */
const DEAD_AWARE = new Set(["IMUL", "MUL", "SHL", "SAL", "SHR", "SAR", "ROL", "ROR"]);

/** Instructions that neither read nor write a flag and cannot fault with register and immediate operands. */
const NEUTRAL = new Set(["MOV", "MOVZX", "MOVSX", "MOVSXD", "LEA"]);

/** Registers and immediates only (LEA's memory operand is an address it computes, never reads). */
function noAccess(i: Insn): boolean {
  return i.ops.every((o) => o.kind === OK_IMM || (o.kind === OK_REG && o.rclass === RC_GPR) || i.name === "LEA");
}

/**
 * Whether each instruction's arithmetic flags are dead. `native(k)`: instruction k
 * is compiled to WebAssembly (not a helper call, which sees the CPU's flags).
 * (Not the instructions that leave flags undefined: the emulation keeps the old values there.)
 */
export function deadFlags(insns: readonly Insn[], native: (k: number) => boolean): boolean[] {
  const dead = new Array<boolean>(insns.length).fill(false);
  // `next`: whether flags produced just before the instruction being looked at are dead.
  let next = false;
  for (let k = insns.length - 1; k >= 0; k--) {
    dead[k] = next;
    const i = insns[k]!;
    const reads = (i.flagsRead & ARITH_FLAGS) !== 0,
      writes = (i.flagsModified & ARITH_FLAGS) !== 0;
    if (!native(k) || !noAccess(i) || reads) next = false;
    else if (FLAG_KILLERS.has(i.name)) next = true;
    else if (DEAD_AWARE.has(i.name)) next = dead[k]!;
    else if (!NEUTRAL.has(i.name) || writes) next = false;
  }
  return dead;
}
