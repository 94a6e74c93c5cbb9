// SPDX-License-Identifier: MIT
// Where translated code finds the CPU: byte offsets inside the CPU's state frame
// in physical memory (src/hw/cpu/cpu.ts puts the registers there) and the words
// through which a region reports why it stopped.
import { STATE_FLAGS, STATE_GPR, STATE_XMM } from "../cpu/state-layout.js";

export { STATE_FLAGS, STATE_GPR, STATE_XMM };
/** FS and GS bases as 64-bit words, written before each entry (the interpreter keeps them as Numbers). */
export const STATE_FS = 512;
export const STATE_GS = 520;
/** Exit site index the region left by (see ExitSite). */
export const STATE_EXIT = 528;
/** The 64-bit target of a dynamic branch that left the region. */
export const STATE_TARGET = 536;
/** Non-zero when JavaScript wants the running region to stop after the current instruction. */
export const STATE_ABORT = 544;
/** Branches (LWP event 3's blocks) the region retired. */
export const STATE_BRANCHES = 548;
/** Bytes an access that crosses a page boundary goes through (slow path). */
export const STATE_SCRATCH = 560;
