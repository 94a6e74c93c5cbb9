// SPDX-License-Identifier: MIT
// Instruction group "mmx" (rows to be filled in; see docs/adding-an-instruction.md).
import type { InsnRow } from "../translate/types.js";

export const MMX_ROWS: readonly InsnRow[] = [];
