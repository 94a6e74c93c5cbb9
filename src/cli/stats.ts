// SPDX-License-Identifier: MIT
// LWP_STATS=1: at the end of `lwp run` (and record, stat) one line on stderr with what
// the run cost the host, the decoder's counters (src/hw/cpu/stats.ts) and the
// WebAssembly tier's (JitStats, src/hw/jit/jit.ts), as key=value pairs that
// `npm run bench` reads (bench/README.md, "Translation statistics").
import type { Cpu } from "../hw/cpu/cpu.js";
import { DECODE_STATS } from "../hw/cpu/stats.js";
import type { JitStats } from "../hw/jit/jit.js";
import type { Machine } from "../kernel/machine.js";

export const STATS_ENV = "LWP_STATS";

/**
 * The JIT counters of the CPUs the kernel still knows at the end: the first process's
 * last program and the processes not yet reaped. A CPU is per address space, so the
 * work of programs that ended earlier (exec'd over, reaped children) is not in them.
 */
function jitStats(machine: Machine): JitStats | null {
  const k = machine.kernel;
  const cpus = new Set<Cpu>();
  if (k.init !== null) cpus.add(k.init.cpu);
  for (const p of k.procs.values()) cpus.add(p.cpu);
  let sum: JitStats | null = null;
  for (const c of cpus) {
    const s = c.jit?.stats;
    if (s === undefined) continue;
    sum ??= { regions: 0, blocks: 0, native: 0, helped: 0, bytes: 0, compileMs: 0 };
    for (const key of Object.keys(sum) as (keyof JitStats)[]) sum[key] += s[key];
  }
  return sum;
}

/** The stats line (without newline). */
export function statsLine(machine: Machine): string {
  const cpu = process.cpuUsage();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const instructions = machine.kernel.retiredTotal;
  const d = DECODE_STATS;
  const j = jitStats(machine);
  const jit = (v: number | undefined, digits = 0): string => (v === undefined ? "n/a" : v.toFixed(digits));
  const fields: [string, string][] = [
    ["instructions", String(instructions)],
    ["wall_s", process.uptime().toFixed(3)],
    ["cpu_s", cpuS.toFixed(3)],
    ["guest_mips", (instructions / 1e6 / cpuS).toFixed(2)],
    ["max_rss_mb", (process.resourceUsage().maxRSS / 1024).toFixed(1)],
    ["blocks", String(d.blocks)],
    ["decoded", String(d.decoded)],
    ["decode_ms", d.decodeMs.toFixed(1)],
    ["regions", jit(j?.regions)],
    ["region_blocks", jit(j?.blocks)],
    ["native_insns", jit(j?.native)],
    ["helper_insns", jit(j?.helped)],
    ["code_bytes", jit(j?.bytes)],
    ["compile_ms", jit(j?.compileMs, 1)],
  ];
  return `lwp-stats: ${fields.map(([k, v]) => `${k}=${v}`).join(" ")}`;
}

/** Prints the stats line when LWP_STATS is set to anything but "" or "0". */
export function maybePrintStats(machine: Machine): void {
  const v = process.env[STATS_ENV];
  if (v !== undefined && v !== "" && v !== "0") process.stderr.write(`${statsLine(machine)}\n`);
}
