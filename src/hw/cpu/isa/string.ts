// SPDX-License-Identifier: MIT
// Instruction group "string" (rows to be filled in; see docs/adding-an-instruction.md).
import type { InsnRow } from "../translate/types.js";

export const STRING_ROWS: readonly InsnRow[] = [];
