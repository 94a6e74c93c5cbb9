// SPDX-License-Identifier: MIT
// Instruction group "muldiv" (rows to be filled in; see docs/adding-an-instruction.md).
import type { InsnRow } from "../translate/types.js";

export const MULDIV_ROWS: readonly InsnRow[] = [];
