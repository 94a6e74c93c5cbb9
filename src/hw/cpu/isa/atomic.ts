// SPDX-License-Identifier: MIT
// Instruction group "atomic" (rows to be filled in; see docs/adding-an-instruction.md).
import type { InsnRow } from "../translate/types.js";

export const ATOMIC_ROWS: readonly InsnRow[] = [];
