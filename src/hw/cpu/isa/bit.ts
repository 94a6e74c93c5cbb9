// SPDX-License-Identifier: MIT
// Instruction group "bit" (rows to be filled in; see docs/adding-an-instruction.md).
import type { InsnRow } from "../translate/types.js";

export const BIT_ROWS: readonly InsnRow[] = [];
