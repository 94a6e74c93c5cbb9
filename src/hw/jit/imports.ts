// SPDX-License-Identifier: MIT
// What a region module imports, and the small functions it defines around them.
//
// V8 (Node 20) compiles an import wrapper per distinct signature of imported
// functions into every module it compiles, whatever the imported function turns
// out to be: with six signatures, an empty region module took 0.5–0.9 ms to
// compile against 0.15 ms without imports
// (docs/architecture.md "Tier 3 compile cost"). So every function a region calls outside itself has one signature,
// CALL_PARAMS → i64 (the gateway's `chain` keeps `run`'s own, for the tail call),
// and each region defines thunks with the signatures the emitter wants, which
// Liftoff compiles lazily, only when a region first calls one. The exit function,
// a few stores, is defined in the module itself.
import { F64, type FnBody, I32, I64, type ModuleBuilder, OP, type ValType } from "../wasm/encoder.js";
import type { Imports } from "./emitter.js";
import { CALL_PARAMS, CALL_RESULTS, RUN_PARAMS } from "./gateway.js";
import { FL_A, FL_AUX, FL_B, FL_KIND, FL_R, FL_SIZE } from "../cpu/flags.js";
import { STATE_BRANCHES, STATE_EXIT, STATE_FLAGS, STATE_REGION, STATE_TARGET } from "./layout.js";

/** The exit function's parameters (see emitExit). */
const EXIT_PARAMS = [I32, I32, I32, I32, I64, I64, I64, I32, I64, I32, I32] as const;

/** exit(state, site, kind, size, a, b, r, aux, target, branches, region): the region's report in the state frame. */
function emitExit(f: FnBody): void {
  const st = (v: number, op: number, at: number, align: number): void => {
    f.get(0).get(v).mem(op, at, align);
  };
  st(1, OP.i32_store, STATE_EXIT, 2);
  st(2, OP.i32_store, STATE_FLAGS + 4 * FL_KIND, 2);
  st(3, OP.i32_store, STATE_FLAGS + 4 * FL_SIZE, 2);
  st(4, OP.i64_store, STATE_FLAGS + 4 * FL_A, 3);
  st(5, OP.i64_store, STATE_FLAGS + 4 * FL_B, 3);
  st(6, OP.i64_store, STATE_FLAGS + 4 * FL_R, 3);
  st(7, OP.i32_store, STATE_FLAGS + 4 * FL_AUX, 2);
  st(8, OP.i64_store, STATE_TARGET, 3);
  st(9, OP.i32_store, STATE_BRANCHES, 2);
  st(10, OP.i32_store, STATE_REGION, 2);
}

type Arg = number | null; // a parameter of the thunk, or null for a zero

/** Pushes the thunk's parameters into CALL_PARAMS positions (zeros elsewhere) and calls `callee`. */
function forward(f: FnBody, callee: number, args: readonly Arg[], wrap: boolean): void {
  CALL_PARAMS.forEach((t, k) => {
    const a = args[k] ?? null;
    if (a !== null) f.get(a);
    else if (t === I64) f.i64(0);
    else if (t === F64) f.op(OP.f64_const).code.f64(0);
    else f.i32(0);
  });
  f.call(callee);
  if (wrap) f.op(OP.i32_wrap_i64);
}

/** Declares the imports (before any function), then the thunks and the exit function. */
export function regionImports(m: ModuleBuilder): { imports: Imports; chain: number } {
  const imp = (module: string, name: string): number => m.importFunc(module, name, CALL_PARAMS, CALL_RESULTS);
  const xlate = imp("gw", "xlate"),
    commit = imp("gw", "commit"),
    helper = imp("gw", "helper"),
    flagBits = imp("rt", "flagBits"),
    shadow = imp("gw", "shadow");
  const chain = m.importFunc("gw", "chain", [...RUN_PARAMS, I32], [I32]);
  /** A function of `params` → `result` that forwards to `callee` (`args`: where each CALL_PARAMS slot comes from). */
  const thunk = (params: readonly ValType[], result: ValType, callee: number, args: readonly Arg[]): number => {
    const fn = m.func(params, [result]);
    forward(fn.body, callee, args, result === I32);
    return fn.index;
  };
  const exit = m.func(EXIT_PARAMS, []);
  emitExit(exit.body);
  return {
    imports: {
      xlate: thunk([F64, I32, I32], I32, xlate, [1, 2, null, null, null, null, null, 0]),
      commit: thunk([], I32, commit, []),
      helper: thunk([I32, I32, I32], I32, helper, [0, 1, 2]),
      flagBits: thunk([I32, I32, I64, I64, I64, I32], I32, flagBits, [0, 1, null, 5, 2, 3, 4]),
      shadow: thunk([I32, I64, I64, I64], I32, shadow, [0, null, null, null, 1, 2, 3]),
      exit: exit.index,
    },
    chain,
  };
}
