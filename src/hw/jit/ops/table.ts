// SPDX-License-Identifier: MIT
// The block compiler's instruction table: every group's rows by mnemonic. An
// instruction without a row, or whose row declines its operand form, runs
// through its interpreter closure from the compiled code (a helper call).
import { ALU_ROWS } from "./alu.js";
import { CONTROL_ROWS } from "./control.js";
import { MOVE_ROWS } from "./move.js";
import { MULDIV_ROWS } from "./muldiv.js";
import { SHIFT_ROWS } from "./shift.js";
import { STRING_ROWS } from "./string.js";
import { SSE_ROWS, movsdXmm } from "./sse.js";
import { RC_XMM, OK_REG } from "../../cpu/decode.js";
import type { JitEmit, JitRow } from "./types.js";

const JIT_GROUPS: Readonly<Record<string, readonly JitRow[]>> = {
  alu: ALU_ROWS,
  move: MOVE_ROWS,
  control: CONTROL_ROWS,
  shift: SHIFT_ROWS,
  muldiv: MULDIV_ROWS,
  string: STRING_ROWS,
  sse: SSE_ROWS,
};

const BY_NAME = new Map<string, JitEmit>();
for (const [group, rows] of Object.entries(JIT_GROUPS)) {
  for (const r of rows) {
    if (BY_NAME.has(r.mnemonic)) throw new Error(`JIT table: ${r.mnemonic} defined twice (group ${group})`);
    BY_NAME.set(r.mnemonic, r.emit);
  }
}

let skip: ReadonlySet<string> = new Set();

/** Makes the compiler leave these mnemonics to their closures (a debugging switch: LWP_JIT_SKIP). */
export function skipMnemonics(names: Iterable<string>): void {
  skip = new Set(names);
}

// MOVSD names both the string move and the SSE2 scalar move: the operands choose.
const movsdString = BY_NAME.get("MOVSD")!;
BY_NAME.set("MOVSD", (e, i) =>
  (i.ops.some((o) => o.kind === OK_REG && o.rclass === RC_XMM) ? movsdXmm : movsdString)(e, i),
);

/** The emitter for a mnemonic, if the compiler has one. */
export function jitEmitter(name: string): JitEmit | undefined {
  return skip.has(name) || skip.has("*") ? undefined : BY_NAME.get(name);
}
