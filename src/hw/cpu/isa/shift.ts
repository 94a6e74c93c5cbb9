// SPDX-License-Identifier: MIT
// Instruction group "shift" (rows to be filled in; see docs/adding-an-instruction.md).
import type { InsnRow } from "../translate/types.js";

export const SHIFT_ROWS: readonly InsnRow[] = [];
