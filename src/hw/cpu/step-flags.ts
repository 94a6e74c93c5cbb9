// SPDX-License-Identifier: MIT
// The flags that send the run loop to instruction-at-a-time execution (cpu/step.ts),
// apart from it so that the instructions setting them (POPF, IRET) need not import
// the stepping loop, which builds blocks of its own.
import type { Exit } from "./exits.js";

const RFLAGS_TF = 0x100;
const RFLAGS_AC = 0x40000;
/** Either flag: the run loop's test for the stepping loop. */
export const STEP_FLAGS = RFLAGS_TF | RFLAGS_AC;

/** What POPF and IRET leave pending when they set TF or AC: the run loop picks its loop again (not an exit). */
export const EXIT_REPICK: Exit = Object.freeze({ kind: "budget" });
