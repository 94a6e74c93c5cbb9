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
import { F64, I32, ModuleBuilder } from "../wasm/encoder.js";

/** `run`'s parameters (emitter.ts PARAM_*), shared by every region. */
export const RUN_PARAMS = [I32, I32, I32, I32, I32, I32] as const;

/** What regions import from their CPU's gateway (module "gw"). */
export interface GatewayExports {
  /** Tail-calls the region in table slot `slot` with `run`'s arguments. */
  readonly chain: WebAssembly.ImportValue;
  readonly xlate: WebAssembly.ImportValue;
  readonly commit: WebAssembly.ImportValue;
  /** The helper `id` of the region in slot `slot`, at `n` instructions retired. */
  readonly helper: WebAssembly.ImportValue;
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
}

let compiled: WebAssembly.Module | null = null;

function gatewayModule(): WebAssembly.Module {
  if (compiled !== null) return compiled;
  const m = new ModuleBuilder();
  const xlate = m.importFunc("js", "xlate", [F64, I32, I32], [I32]);
  const commit = m.importFunc("js", "commit", [], [I32]);
  const helper = m.importFunc("js", "helper", [I32, I32, I32], [I32]);
  m.importTable("js", "table", 0);
  const forward = (name: string, callee: number, params: readonly (typeof I32 | typeof F64)[]): void => {
    const fn = m.func(params, [I32]);
    params.forEach((_, i) => fn.body.get(i));
    fn.body.call(callee);
    m.exportFunc(name, fn.index);
  };
  forward("xlate", xlate, [F64, I32, I32]);
  forward("commit", commit, []);
  forward("helper", helper, [I32, I32, I32]);
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
    enter: x["enter"] as unknown as EnterFn,
  };
}
