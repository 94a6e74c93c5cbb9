// SPDX-License-Identifier: MIT
// iced-x86 is WebAssembly called across the JS boundary some 25 times per decoded
// instruction, and V8 spends more time re-compiling its hot decoder functions with
// TurboFan than the faster code ever saves a run: decoding the 10,000 instructions
// of a dynamic /bin/true takes half the time without that tier-up (docs/architecture.md,
// "Start-up"). V8 fixes a module instance's tier-up budget when it is instantiated, so
// only iced's instantiation may see the large budget (tier 3's regions are compiled as
// src/cli/tiers.ts decides). In the bundle (scripts/bundle.mjs) iced is instantiated on
// first use, and `restoreWasmTiering` wraps that moment; unbundled, iced is instantiated
// as it is imported, so main.ts imports this module first (the budget is set as it
// loads) and calls `restoreWasmTiering` once its imports are done.
import { setFlagsFromString } from "node:v8";

/** V8's default --wasm-tiering-budget (V8 11 to 12). */
const DEFAULT_BUDGET = 1_800_000;
/** Large enough that a decoder function tiers up only after millions of calls. */
const DECODER_BUDGET = 2_000_000_000;

setFlagsFromString(`--wasm-tiering-budget=${DECODER_BUDGET}`);

/** What the bundle's iced glue adds: a wrapper around its (lazy) instantiation. */
interface LazyGlue {
  readonly __lwpInstantiateWith?: (wrap: (instantiate: () => void) => void) => void;
}

/** Back to V8's default budget; a lazily instantiated `iced` gets the large one when it is instantiated. */
export function restoreWasmTiering(iced: unknown): void {
  setFlagsFromString(`--wasm-tiering-budget=${DEFAULT_BUDGET}`);
  (iced as LazyGlue).__lwpInstantiateWith?.((instantiate) => {
    setFlagsFromString(`--wasm-tiering-budget=${DECODER_BUDGET}`);
    try {
      instantiate();
    } finally {
      setFlagsFromString(`--wasm-tiering-budget=${DEFAULT_BUDGET}`);
    }
  });
}
