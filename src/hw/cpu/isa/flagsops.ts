// SPDX-License-Identifier: MIT
// Instruction group "flagsops" (rows to be filled in; see docs/adding-an-instruction.md).
import type { InsnRow } from "../translate/types.js";

export const FLAGSOPS_ROWS: readonly InsnRow[] = [];
