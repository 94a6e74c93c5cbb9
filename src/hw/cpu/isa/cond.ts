// SPDX-License-Identifier: MIT
// Instruction group "cond" (rows to be filled in; see docs/adding-an-instruction.md).
import type { InsnRow } from "../translate/types.js";

export const COND_ROWS: readonly InsnRow[] = [];
