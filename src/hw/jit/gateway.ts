// SPDX-License-Identifier: MIT
// Each CPU's gateway between its regions and the rest: one small WebAssembly instance
// that holds the function table regions tail-call each other through, and forwards
// the regions' calls into JavaScript (memory slow path, commit, helpers).
//
// Regions import the gateway's functions instead of the table and the JavaScript
// functions themselves. V8 links a WebAssembly function imported from another
// instance directly, but compiles a wrapper into every module for each JavaScript
// function it imports. It also copies an imported table into every instance and
// updates every importing instance on each `table.set` and `grow`. With thousands of
// regions (cc1), both costs grew with the number of regions: instantiating a region
// took about 2 ms, and filling a table slot took longer the more regions there were.
import { F64, I32, I64, ModuleBuilder, OP } from "../wasm/encoder.js";

/** `run`'s parameters (emitter.ts PARAM_*), shared by every region. */
export const RUN_PARAMS = [I32, I32, I32, I32, I32, I32] as const;

/**
 * The one signature of the functions regions import besides `chain` (imports.ts says
 * why): i32 p0–p3, i64 p4–p6, f64 p7 → i64. xlate(access p0, bytes p1, addr p7);
 * commit(); helper(slot p0, id p1, n p2); the runtime's flagBits(kind p0, size p1,
 * aux p3, a p4, b p5, r p6).
 */
export const CALL_PARAMS = [I32, I32, I32, I32, I64, I64, I64, F64] as const;
export const CALL_RESULTS = [I64] as const;

/** What regions import from their CPU's gateway (module "gw"). */
export interface GatewayExports {
  /** Tail-calls the region in table slot `slot` with `run`'s arguments. */
  readonly chain: WebAssembly.ImportValue;
  readonly xlate: WebAssembly.ImportValue;
  readonly commit: WebAssembly.ImportValue;
  /** The helper `id` of the region in slot `slot`, at `n` instructions retired. */
  readonly helper: WebAssembly.ImportValue;
  /** The shadow call stack of `lwp record -g`: CALL (0, return address, slot, site) or RET (1, slot, site). */
  readonly shadow: WebAssembly.ImportValue;
  /**
   * `chain` for the run loop: one function for every region, so V8 compiles one
   * JavaScript-to-WebAssembly call for it instead of going through its generic wrapper
   * into each region's own `run`.
   */
  readonly enter: EnterFn;
}

/** Runs the region in table slot `slot` from its block `entry` (emitter.ts PARAM_*). */
type EnterFn = (
  entry: number,
  limit: number,
  window: number,
  predict: number,
  n: number,
  branches: number,
  slot: number,
) => number;

interface GatewayImports {
  readonly table: WebAssembly.Table;
  readonly xlate: (addr: number, access: number, bytes: number) => number;
  readonly commit: () => number;
  readonly helper: (slot: number, id: number, n: number) => number;
  readonly shadow: (kind: number, a: number, b: number, c: number) => number;
}

let compiled: WebAssembly.Module | null = null;

function gatewayModule(): WebAssembly.Module {
  if (compiled !== null) return compiled;
  const m = new ModuleBuilder();
  const xlate = m.importFunc("js", "xlate", [F64, I32, I32], [I32]);
  const commit = m.importFunc("js", "commit", [], [I32]);
  const helper = m.importFunc("js", "helper", [I32, I32, I32], [I32]);
  const shadow = m.importFunc("js", "shadow", [I32, F64, F64, F64], [I32]);
  m.importTable("js", "table", 0);
  // The forwarders have the regions' call signature (CALL_PARAMS: `args` are its parameters
  // to pass on) and the result sign-extended (xlate's −1 is a fault).
  const forward = (name: string, callee: number, args: readonly number[]): void => {
    const fn = m.func(CALL_PARAMS, CALL_RESULTS);
    for (const a of args) fn.body.get(a);
    fn.body.call(callee).op(OP.i64_extend_i32_s);
    m.exportFunc(name, fn.index);
  };
  forward("xlate", xlate, [7, 0, 1]);
  forward("commit", commit, []);
  forward("helper", helper, [0, 1, 2]);
  const sh = m.func(CALL_PARAMS, CALL_RESULTS);
  sh.body.get(0);
  for (const p of [4, 5, 6]) sh.body.get(p).op(OP.f64_convert_i64_u);
  sh.body.call(shadow).op(OP.i64_extend_i32_s);
  m.exportFunc("shadow", sh.index);
  const chain = m.func([...RUN_PARAMS, I32], [I32]);
  for (let i = 0; i <= RUN_PARAMS.length; i++) chain.body.get(i);
  chain.body.returnCallIndirect(m.typeIndex(RUN_PARAMS, [I32]));
  m.exportFunc("chain", chain.index);
  m.exportFunc("enter", chain.index);
  return (compiled = new WebAssembly.Module(m.encode()));
}

/** A CPU's gateway instance over its table and its JavaScript entry points. */
export function gateway(js: GatewayImports): GatewayExports {
  const inst = new WebAssembly.Instance(gatewayModule(), { js: { ...js } });
  const x = inst.exports as Record<string, WebAssembly.ImportValue>;
  return {
    chain: x["chain"]!,
    xlate: x["xlate"]!,
    commit: x["commit"]!,
    helper: x["helper"]!,
    shadow: x["shadow"]!,
    enter: x["enter"] as unknown as EnterFn,
  };
}
