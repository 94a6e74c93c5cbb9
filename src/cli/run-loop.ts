// SPDX-License-Identifier: MIT
// Running a guest in chunks so the tool stays responsive while it runs: a progress
// line on a terminal (as perf shows for long runs) and SIGINT/SIGTERM/SIGHUP caught
// between chunks, so `lwp record` can stop the guest and still write its profile, and
// V8's heap growth capped between chunks once the heap is big (`lwp run` too).
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import type { Machine } from "../kernel/machine.js";
import type { Process } from "../kernel/process.js";

/** Instructions per chunk: about a quarter of a second at the emulator's speed. */
const CHUNK = 8_000_000;
/** Instructions of a run's start-up: ld.so and libc's initialisation, or the whole of a short command. */
const STARTUP = 1_000_000;

/**
 * Runs `init` through its start-up (resolves like Machine.runUntil: its status if it
 * ended, else undefined). bin/lwp.js keeps V8's young generation at its first 1 MB, so
 * that a start-up reuses pages instead of touching new ones (docs/architecture.md
 * "Start-up"); a run that goes on lets it grow as V8's default does (doubling), since
 * a long run would otherwise pay for many more scavenges.
 */
async function runStartup(m: Machine, init: Process): Promise<number | undefined> {
  const status = await m.runUntil(init, m.kernel.retiredTotal + STARTUP);
  if (status === undefined) setFlagsFromString("--semi-space-growth-factor=2");
  return status;
}

/** JavaScript heap in use past which its growth between full collections is capped (`capHeapGrowth`). */
const BIG_HEAP = 64 << 20;
/** The cap: a full collection once the heap has grown by this percentage over what the last one left. */
const BIG_HEAP_GROWTH = 30;
let heapGrowthCapped = false;

/**
 * Caps how far V8 lets its heap grow between full collections, once the heap is big.
 * V8 raises its limit by up to 4x what a collection leaves alive when collecting is
 * cheap; a big heap here is a big translation (cc1: 130 MB of closures and blocks, all
 * alive), so that headroom holds garbage, not work saved: 70 MB of cc1's peak RSS. A
 * small heap keeps V8's own factor, which is often below the cap (docs/architecture.md
 * "What V8's own settings give").
 */
function capHeapGrowth(): void {
  if (heapGrowthCapped || getHeapStatistics().used_heap_size < BIG_HEAP) return;
  heapGrowthCapped = true;
  setFlagsFromString(`--heap-growing-percent=${BIG_HEAP_GROWTH}`);
}

/** Signals that stop a recording (perf record's record__sig_exit). */
export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export interface RunResult {
  /** The guest's exit status (128+N when a signal stopped the run). */
  readonly status: number;
  /** The signal that interrupted the run, or null when the guest ended by itself. */
  readonly interrupted: StopSignal | null;
  readonly seconds: number;
}

export interface RunLoopOptions {
  /** A line to show while running ("" = none); called after each chunk. */
  readonly progress?: (instructions: number, seconds: number) => string;
  /** Catch STOP_SIGNALS and end the guest (lwp record). */
  readonly catchSignals?: boolean;
}

const SIGNO: Readonly<Record<StopSignal, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

export const signalNumber = (s: StopSignal): number => SIGNO[s];

/** Runs `init` to its end, or until a caught signal; the progress line is drawn on stderr when it is a terminal. */
export async function runChunked(m: Machine, init: Process, o: RunLoopOptions = {}): Promise<RunResult> {
  let caught: StopSignal | null = null;
  const handlers = STOP_SIGNALS.map(
    (sig) =>
      [
        sig,
        (): void => {
          caught ??= sig;
        },
      ] as const,
  );
  if (o.catchSignals === true) for (const [sig, h] of handlers) process.on(sig, h);
  const tty = process.stderr.isTTY && o.progress !== undefined;
  const t0 = process.hrtime.bigint();
  const elapsed = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  try {
    for (let first = true; ; first = false) {
      const status = first ? await runStartup(m, init) : await m.runUntil(init, m.kernel.retiredTotal + CHUNK);
      if (status !== undefined) return { status, interrupted: null, seconds: elapsed() };
      capHeapGrowth();
      if (tty) process.stderr.write(`\r${o.progress!(m.kernel.retiredTotal, elapsed())}\x1b[K`);
      await new Promise<void>((r) => setImmediate(r));
      if (caught !== null) {
        m.stopAll(128 + SIGNO[caught]);
        return { status: 128 + SIGNO[caught], interrupted: caught, seconds: elapsed() };
      }
    }
  } finally {
    if (tty) process.stderr.write("\r\x1b[K");
    for (const [sig, h] of handlers) process.off(sig, h);
  }
}

/** After the profile is safe: die by the signal that stopped the run, as perf record does. */
export function reraise(sig: StopSignal): void {
  process.removeAllListeners(sig);
  process.kill(process.pid, sig);
}

const group = (n: number): string => Math.round(n).toLocaleString("en-US");

/** "[ 123,456,789 instructions, 41.2 MIPS, 3.1 s ]" plus extra fields. */
export function progressLine(tool: string, instructions: number, seconds: number, extra = ""): string {
  const mips = seconds > 0 ? (instructions / seconds / 1e6).toFixed(1) : "-";
  return `[ lwp ${tool}: ${group(instructions)} instructions retired, ${mips} MIPS${extra}, ${seconds.toFixed(1)} s ]`;
}
