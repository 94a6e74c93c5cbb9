// SPDX-License-Identifier: MIT
// LWP_STATS=1: at the end of `lwp run` (and record, stat) one line on stderr with what
// the run cost the host and the CPU's translation counters (src/hw/cpu/stats.ts), as
// key=value pairs that `npm run bench` reads (bench/README.md, "Translation statistics").
import type { Machine } from "../kernel/machine.js";
import { NOT_COUNTED, TIER_STATS } from "../hw/cpu/stats.js";

export const STATS_ENV = "LWP_STATS";

const num = (v: number, digits: number): string => (v === NOT_COUNTED ? "n/a" : v.toFixed(digits));

/** The stats line (without newline): guest work, host cost since Node started, tier counters. */
export function statsLine(machine: Machine): string {
  const cpu = process.cpuUsage();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const instructions = machine.kernel.retiredTotal;
  const t = TIER_STATS;
  const fields: [string, string][] = [
    ["instructions", String(instructions)],
    ["wall_s", process.uptime().toFixed(3)],
    ["cpu_s", cpuS.toFixed(3)],
    ["guest_mips", (instructions / 1e6 / cpuS).toFixed(2)],
    ["max_rss_mb", (process.resourceUsage().maxRSS / 1024).toFixed(1)],
    ["blocks", num(t.blocks, 0)],
    ["decoded", num(t.decoded, 0)],
    ["decode_ms", num(t.decodeMs, 1)],
    ["compiled", num(t.compiled, 0)],
    ["compile_ms", num(t.compileMs, 1)],
    ["code_bytes", num(t.codeBytes, 0)],
  ];
  return `lwp-stats: ${fields.map(([k, v]) => `${k}=${v}`).join(" ")}`;
}

/** Prints the stats line when LWP_STATS is set to anything but "" or "0". */
export function maybePrintStats(machine: Machine): void {
  const v = process.env[STATS_ENV];
  if (v !== undefined && v !== "" && v !== "0") process.stderr.write(`${statsLine(machine)}\n`);
}
