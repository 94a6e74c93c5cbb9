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

const BY_MNEMONIC: InsnRow[][] = [];

function index(): void {
  for (const [group, rows] of Object.entries(GROUPS)) {
    for (const r of rows) {
      const id = mnemonicId(r.mnemonic);
      const list = (BY_MNEMONIC[id] ??= []);
      if (list.some((o) => o.forms === undefined || r.forms === undefined)) {
        throw new Error(
          `Instruction table: ${r.mnemonic} defined twice (group ${group}); split shared mnemonics with \`forms\``,
        );
      }
      list.push(r);
    }
  }
}
index();

/** The row for a decoded instruction: by mnemonic, then by form when a mnemonic is shared. */
export function lookupRow(mnemonic: number, form: string): InsnRow | undefined {
  const list = BY_MNEMONIC[mnemonic];
  if (list === undefined) return undefined;
  if (list.length === 1 && list[0]!.forms === undefined) return list[0];
  return list.find((r) => r.forms === undefined || r.forms.test(form));
}
