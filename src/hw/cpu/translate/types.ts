// SPDX-License-Identifier: MIT
// Shared types of the translator: an executable instruction is a closure over
// the CPU; a row's builder turns a decoded instruction into one.
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";

/** One translated instruction: runs it against the CPU state. */
export type Op = (c: Cpu) => void;

/** Builds the closure for a decoded instruction, or returns null for #UD. */
export type Builder = (i: Insn) => Op | null;

/**
 * One row of an instruction group table (docs/adding-an-instruction.md): the manual's
 * mnemonic, the builder that plumbs its operands into the semantic function,
 * and the facts the differential tests read.
 */
export interface InsnRow {
  readonly mnemonic: string;
  readonly build: Builder;
  /** Arithmetic flags written, in OSZAPC letters. */
  readonly writes?: string;
  /** Flags the manual leaves undefined (masked by the differential tests). */
  readonly undefinedFlags?: string;
  /**
   * x87 condition codes the manual leaves undefined after the instruction
   * (AMD APM Vol. 5 "x87 Condition Code" tables), as digits: "023" = C0, C2,
   * C3. Masked in FSW by the differential tests.
   */
  readonly undefinedFpu?: string;
  /** CPUID feature that gates the instruction (informational; CPUID advertises it). */
  readonly cpuid?: string;
  /** Accepts a LOCK prefix with a memory destination. */
  readonly lock?: boolean;
  /**
   * iced Code names (forms) this row covers, when a mnemonic is shared by
   * unrelated instructions (MOVSD string vs SSE2, CMPSD): e.g. /^Movsd_m/ .
   */
  readonly forms?: RegExp;
}

/** Convenience constructor keeping rows on one line. */
export function row(mnemonic: string, build: Builder, attrs: Omit<InsnRow, "mnemonic" | "build"> = {}): InsnRow {
  return { mnemonic, build, ...attrs };
}
