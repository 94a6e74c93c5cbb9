// SPDX-License-Identifier: MIT
// Instruction group "sse-cvt" (rows to be filled in; see docs/adding-an-instruction.md).
import type { InsnRow } from "../translate/types.js";

export const SSE_CVT_ROWS: readonly InsnRow[] = [];
