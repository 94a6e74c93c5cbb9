// SPDX-License-Identifier: MIT
// Instruction group "sse-fp" (rows to be filled in; see docs/adding-an-instruction.md).
import type { InsnRow } from "../translate/types.js";

export const SSE_FP_ROWS: readonly InsnRow[] = [];
