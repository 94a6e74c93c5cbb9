// SPDX-License-Identifier: MIT
// Instruction group "x87-control" (rows to be filled in; see docs/adding-an-instruction.md).
import type { InsnRow } from "../translate/types.js";

export const X87_CONTROL_ROWS: readonly InsnRow[] = [];
