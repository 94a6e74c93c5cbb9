// SPDX-License-Identifier: MIT
// The execution-tier switch: `--tier N` or LWP_TIER=N forces tier N (1: the interpreter,
// 2: compiled blocks, 3: WebAssembly regions) from the first execution of every
// block; without it, blocks climb the tiers as they get hot.
import v8 from "node:v8";
import { setDefaultTiers, type TierOptions } from "../hw/cpu/cpu.js";
import { skipMnemonics } from "../hw/jit/ops/table.js";
import { setModuleCompiler } from "../hw/jit/optimize.js";
import { UsageError } from "./options.js";

/**
 * Keeps V8 to its baseline compiler for WebAssembly, but in the modules the JIT
 * compiles for it to optimize (src/hw/jit/optimize.ts): on region functions V8's own
 * idea of a hot function cost seconds of compilation and tens of MB (docs/architecture.md
 * "Optimized regions"). V8 fixes a module's tiers as it compiles it, so the flags are
 * lifted around those modules' compilation only. LWP_WASM_OPT=1 lets V8 optimize every
 * module as it sees fit.
 */
export function wasmBaselineOnly(env: Record<string, string | undefined> = process.env): void {
  if (env["LWP_WASM_OPT"] === "1") return;
  v8.setFlagsFromString("--liftoff-only");
  setModuleCompiler((bytes, optimizable) => {
    if (!optimizable) return new WebAssembly.Module(bytes);
    // --liftoff-only implies --no-wasm-dynamic-tiering: both are lifted, and setting it
    // again brings the implication back.
    v8.setFlagsFromString("--no-liftoff-only");
    v8.setFlagsFromString("--wasm-dynamic-tiering");
    try {
      return new WebAssembly.Module(bytes);
    } finally {
      v8.setFlagsFromString("--liftoff-only");
    }
  });
}

/** Parses a tier name; throws a one-line message for anything else. */
export function parseTier(v: string): TierOptions {
  if (v === "1" || v === "2" || v === "3") return { tier: Number(v) as 1 | 2 | 3, forced: true };
  if (v === "auto") return { tier: 3, forced: false };
  throw new UsageError(`unknown tier '${v}' (expected 1, 2, 3 or auto)`);
}

/**
 * Applies LWP_TIER, the tuning knobs LWP_JIT_THRESHOLD=N (executions of a block
 * before its region compiles), LWP_JIT_HOT=N and LWP_JIT_WINDOW=N (N runs within that
 * many instructions compile it sooner; docs/architecture.md "Tuning"), LWP_JIT_START=N (instructions
 * a CPU retires before its first region), LWP_JIT_WAIT=N (instructions a big program's
 * region of a loop waits to be compiled with others, one of the threshold 40 times as
 * long; 0: each at once: src/hw/jit/batch.ts), LWP_JIT_OPT=N (instructions retired in
 * a region before it is compiled again for V8 to optimize; 0: never:
 * src/hw/jit/optimize.ts), LWP_JIT_BIG_CODE=N (instructions translated below which a
 * program's blocks need SMALL_COUNT times the threshold, past which BIG_COUNT times: src/hw/jit/batch.ts), LWP_PACKED=0
 * (tier 1 on closures only: src/hw/cpu/translate/packed.ts), LWP_PACK_START=N (instructions a
 * CPU retires before it packs what it translates), LWP_TCACHE_INSNS=N
 * (instructions of translated blocks a CPU holds before it evicts cold ones) and the debugging switch
 * LWP_JIT_SKIP=MNEMONIC,...|* from the environment.
 */
export function tiersFromEnv(env: Record<string, string | undefined>): void {
  const v = env["LWP_TIER"],
    th = env["LWP_JIT_THRESHOLD"];
  let t = v !== undefined && v !== "" ? parseTier(v) : null;
  if (th !== undefined && th !== "") {
    const n = Number(th);
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 30) {
      throw new UsageError(`LWP_JIT_THRESHOLD: '${th}' is not a count from 1 to 2^30`);
    }
    t = { ...(t ?? { tier: 3, forced: false }), threshold: n };
  }
  for (const [name, key, least] of [
    ["LWP_JIT_HOT", "hot", 1],
    ["LWP_JIT_WINDOW", "window", 1],
    ["LWP_TCACHE_INSNS", "tcache", 1],
    ["LWP_JIT_START", "start", 0],
    ["LWP_JIT_WAIT", "wait", 0],
    ["LWP_JIT_OPT", "opt", 0],
    ["LWP_JIT_BIG_CODE", "bigCode", 0],
    ["LWP_PACK_START", "packStart", 0],
  ] as const) {
    const w = env[name];
    if (w === undefined || w === "") continue;
    const n = Number(w);
    if (!Number.isInteger(n) || n < least) {
      throw new UsageError(`${name}: '${w}' is not a ${least === 0 ? "count" : "positive count"}`);
    }
    t = { ...(t ?? { tier: 3, forced: false }), [key]: n };
  }
  const packed = env["LWP_PACKED"];
  if (packed !== undefined && packed !== "") {
    if (packed !== "0" && packed !== "1") throw new UsageError(`LWP_PACKED: '${packed}' is not 0 or 1`);
    t = { ...(t ?? { tier: 3, forced: false }), packed: packed === "1" };
  }
  if (t !== null) setDefaultTiers(t);
  const skip = env["LWP_JIT_SKIP"];
  if (skip !== undefined && skip !== "") skipMnemonics(skip.split(",").map((m) => m.trim().toUpperCase()));
}
