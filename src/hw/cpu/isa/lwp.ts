// SPDX-License-Identifier: MIT
// Instruction group "lwp" (rows to be filled in; see docs/adding-an-instruction.md).
import type { InsnRow } from "../translate/types.js";

export const LWP_ROWS: readonly InsnRow[] = [];
