// SPDX-License-Identifier: MIT
// The execution-tier switch: `--tier N` or LWP_TIER=N forces tier N (1: closures,
// 2: compiled blocks, 3: WebAssembly regions) from the first execution of every
// block; without it, blocks climb the tiers as they get hot.
import v8 from "node:v8";
import { setDefaultTiers, type TierOptions } from "../hw/cpu/cpu.js";
import { skipMnemonics } from "../hw/jit/ops/table.js";
import { UsageError } from "./options.js";

/**
 * Keeps V8 from recompiling region functions with its optimizing compiler: on
 * region-shaped functions (a dispatch loop over dozens of blocks) it spent seconds
 * per function, 95-123 s over a python3 start-up, for 5-10 % on hot loops
 * (docs/architecture.md "Tier 3: regions in WebAssembly"). LWP_WASM_OPT=1 keeps it.
 */
export function wasmBaselineOnly(env: Record<string, string | undefined> = process.env): void {
  if (env["LWP_WASM_OPT"] !== "1") v8.setFlagsFromString("--liftoff-only");
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
 * long; 0: each at once: src/hw/jit/batch.ts), LWP_TCACHE_INSNS=N
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
  ] as const) {
    const w = env[name];
    if (w === undefined || w === "") continue;
    const n = Number(w);
    if (!Number.isInteger(n) || n < least) {
      throw new UsageError(`${name}: '${w}' is not a ${least === 0 ? "count" : "positive count"}`);
    }
    t = { ...(t ?? { tier: 3, forced: false }), [key]: n };
  }
  if (t !== null) setDefaultTiers(t);
  const skip = env["LWP_JIT_SKIP"];
  if (skip !== undefined && skip !== "") skipMnemonics(skip.split(",").map((m) => m.trim().toUpperCase()));
}
