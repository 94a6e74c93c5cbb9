// SPDX-License-Identifier: MIT
// Optimized regions: which region functions the host's optimizing compiler may
// recompile. V8 compiles WebAssembly with its baseline compiler (Liftoff) and, in a
// module that allows it, recompiles the functions that run hot with TurboFan. It
// judges heat by a budget that a function's loop back-edges use up by the loop's
// size, so a region (one dispatch loop over all its blocks) looks hot after a few
// thousand blocks, and a big program spent seconds and tens of MB of RSS
// recompiling regions it ran a few milliseconds each. The CLI therefore keeps V8 to
// its baseline compiler (src/cli/tiers.ts), and the JIT compiles a region again, as a
// module of its own that V8 may optimize, once it retired (work.ts)
// enough instructions for it to be a loop that runs for a while: OPT_WORK, and
// OPT_WORK_PER_BYTE for each byte of its code, as optimizing costs in proportion to
// the code (about 2 ms per KB) and what it saves in proportion to the instructions run
// (docs/architecture.md "Optimized regions").
//
// What V8 does with a module changes no guest-visible outcome: only how fast the
// same WebAssembly runs. The choice depends only on retired counts, so a run
// optimizes the same regions every time.

/** Compiles module bytes, letting the host optimize them or not (set by the CLI). */
type ModuleCompiler = (bytes: Uint8Array, optimizable: boolean) => WebAssembly.Module;

/** Instructions retired in runs through a region before it is compiled again to be optimized, unless tuned (LWP_JIT_OPT). */
export const OPT_WORK = 5_000_000;
/** And this many for each byte of the region's code, unless OPT_WORK is tuned. */
export const OPT_WORK_PER_BYTE = 1000;

/** The work at which a region of `codeBytes` is compiled again to be optimized, given the tuned OPT_WORK (`opt`). */
export function optWork(codeBytes: number, opt: number | undefined): number {
  if (opt === 0) return Infinity;
  return opt ?? Math.max(OPT_WORK, codeBytes * OPT_WORK_PER_BYTE);
}
/** Regions a process has compiled again to be optimized, at most. */
export const OPT_REGIONS = 64;

let compiler: ModuleCompiler = (bytes) => new WebAssembly.Module(bytes);

/** Installs the host's compiler (the CLI's V8 flags decide what may be optimized). */
export function setModuleCompiler(c: ModuleCompiler): void {
  compiler = c;
}

/**
 * A custom section that sets an optimizable module's bytes apart: V8 keeps one compiled
 * module per distinct bytes, and a region compiled alone at first has the same bytes as
 * when it is compiled again, so without it V8 would hand back its baseline-only module.
 */
const OPT_SECTION = new Uint8Array([0, 8, 7, ..."lwp-opt"].map((c) => (typeof c === "string" ? c.charCodeAt(0) : c)));

/** Compiles a region module; `optimizable` lets the host optimize its hot functions. */
export function compileModule(bytes: Uint8Array, optimizable = false): WebAssembly.Module {
  if (!optimizable) return compiler(bytes, false);
  const marked = new Uint8Array(bytes.length + OPT_SECTION.length);
  marked.set(bytes);
  marked.set(OPT_SECTION, bytes.length);
  return compiler(marked, true);
}
