// SPDX-License-Identifier: MIT
// LWP_STATS=1: at the end of `lwp run` (and `lwp record`) one line on stderr with what
// the run cost the host, the decoder's counters (src/hw/cpu/stats.ts) and the
// WebAssembly tier's totals over every CPU (JIT_TOTALS, src/hw/jit/jit.ts), as
// key=value pairs that `npm run bench` reads (bench/README.md, "Translation statistics").
import { DECODE_STATS, setStatsClock } from "../hw/cpu/stats.js";
import { JIT_TOTALS } from "../hw/jit/jit.js";
import type { Machine } from "../kernel/machine.js";
import { startUpTieringEnd } from "./run-loop.js";

export const STATS_ENV = "LWP_STATS";

// The decoder times every block it decodes: with Node's clock, not the `performance` global.
setStatsClock(() => Number(process.hrtime.bigint()) / 1e6);

/** The stats line (without newline). */
export function statsLine(machine: Machine): string {
  const cpu = process.cpuUsage();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const instructions = machine.kernel.retiredTotal;
  const d = DECODE_STATS;
  const j = JIT_TOTALS;
  const fields: [string, string][] = [
    ["instructions", String(instructions)],
    ["wall_s", process.uptime().toFixed(3)],
    ["cpu_s", cpuS.toFixed(3)],
    ["guest_mips", (instructions / 1e6 / cpuS).toFixed(2)],
    ["max_rss_mb", (process.resourceUsage().maxRSS / 1024).toFixed(1)],
    ["blocks", String(d.blocks)],
    ["cached_blocks", String(d.cachedBlocks)],
    ["decoded", String(d.decoded)],
    ["redecoded", String(d.redecoded)],
    ["decode_ms", d.decodeMs.toFixed(1)],
    ["evicted_blocks", String(d.evicted)],
    ["regions", String(j.regions)],
    ["region_entries", String(j.entries)],
    ["region_insns", String(j.retired)],
    ["startup_tiering_end", String(startUpTieringEnd())],
    ["region_modules", String(j.modules)],
    ["regions_optimized", String(j.optimized)],
    ["region_blocks", String(j.blocks)],
    ["native_insns", String(j.native)],
    ["helper_insns", String(j.helped)],
    ["helper_calls", String(j.helperCalls)],
    ["code_bytes", String(j.bytes)],
    ["compile_ms", j.compileMs.toFixed(1)],
  ];
  return `lwp-stats: ${fields.map(([k, v]) => `${k}=${v}`).join(" ")}`;
}

/** Prints the stats line when LWP_STATS is set to anything but "" or "0". */
export function maybePrintStats(machine: Machine): void {
  const v = process.env[STATS_ENV];
  if (v !== undefined && v !== "" && v !== "0") process.stderr.write(`${statsLine(machine)}\n`);
}
