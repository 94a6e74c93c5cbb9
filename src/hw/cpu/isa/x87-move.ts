// SPDX-License-Identifier: MIT
// Instruction group "x87-move" (rows to be filled in; see docs/adding-an-instruction.md).
import type { InsnRow } from "../translate/types.js";

export const X87_MOVE_ROWS: readonly InsnRow[] = [];
