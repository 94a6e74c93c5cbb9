// SPDX-License-Identifier: MIT
// Instruction group "xsave" (rows to be filled in; see docs/adding-an-instruction.md).
import type { InsnRow } from "../translate/types.js";

export const XSAVE_ROWS: readonly InsnRow[] = [];
