// SPDX-License-Identifier: MIT
// Instruction group "sse-int" (rows to be filled in; see docs/adding-an-instruction.md).
import type { InsnRow } from "../translate/types.js";

export const SSE_INT_ROWS: readonly InsnRow[] = [];
