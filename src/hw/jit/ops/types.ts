// SPDX-License-Identifier: MIT
// A row of the block compiler's instruction table: the manual's mnemonic and the
// function that emits it, or says (false) that the instruction runs through its
// interpreter closure instead (a helper call).
import type { Insn } from "../../cpu/decode.js";
import type { Emitter } from "../emitter.js";

export type JitEmit = (e: Emitter, i: Insn) => boolean;

export interface JitRow {
  readonly mnemonic: string;
  readonly emit: JitEmit;
}
