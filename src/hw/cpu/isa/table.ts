// SPDX-License-Identifier: MIT
// The instruction table: every group's rows, indexed by iced-x86 mnemonic.
// Two rows claiming one mnemonic is a start-up error (and a unit test).
import { mnemonicId } from "../decode.js";
import type { InsnRow } from "../translate/types.js";
import { ARITH_ROWS } from "./arith.js";
import { CONTROL_ROWS } from "./control.js";
import { LOGIC_ROWS } from "./logic.js";
import { MOVE_ROWS } from "./move.js";
import { STACK_ROWS } from "./stack.js";
import { SYSTEM_ROWS } from "./system.js";
import { GROUPS_EXTRA } from "./groups.js";

/** Every group, by name (the coverage report and differential tests walk these). */
export const GROUPS: Readonly<Record<string, readonly InsnRow[]>> = {
  arith: ARITH_ROWS,
  logic: LOGIC_ROWS,
  move: MOVE_ROWS,
  stack: STACK_ROWS,
  control: CONTROL_ROWS,
  system: SYSTEM_ROWS,
  ...GROUPS_EXTRA,
};

const BY_MNEMONIC: InsnRow[] = [];

function index(): void {
  for (const [group, rows] of Object.entries(GROUPS)) {
    for (const r of rows) {
      const id = mnemonicId(r.mnemonic);
      if (BY_MNEMONIC[id] !== undefined) throw new Error(`Instruction table: ${r.mnemonic} defined twice (group ${group})`);
      BY_MNEMONIC[id] = r;
    }
  }
}
index();

export function lookupRow(mnemonic: number): InsnRow | undefined {
  return BY_MNEMONIC[mnemonic];
}
