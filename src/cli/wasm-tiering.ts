// SPDX-License-Identifier: MIT
// iced-x86 is WebAssembly called across the JS boundary some 25 times per decoded
// instruction, and V8 spends more time re-compiling its hot decoder functions with
// TurboFan than the faster code ever saves a run: decoding the 10,000 instructions
// of a dynamic /bin/true takes half the time without that tier-up (docs/architecture.md,
// "Start-up"). V8 fixes a module instance's tier-up budget when it is instantiated,
// so main.ts imports this module first (before anything instantiates iced) and calls
// `restoreWasmTiering` once its imports are done: only iced's instance keeps the
// large budget (tier 3's regions are compiled as src/cli/tiers.ts decides).
import { setFlagsFromString } from "node:v8";

/** V8's default --wasm-tiering-budget (V8 11 to 12). */
const DEFAULT_BUDGET = 1_800_000;
/** Large enough that a decoder function tiers up only after millions of calls. */
const DECODER_BUDGET = 2_000_000_000;

setFlagsFromString(`--wasm-tiering-budget=${DECODER_BUDGET}`);

export function restoreWasmTiering(): void {
  setFlagsFromString(`--wasm-tiering-budget=${DEFAULT_BUDGET}`);
}
