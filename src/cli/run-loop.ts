// SPDX-License-Identifier: MIT
// Running a guest in chunks so the tool stays responsive while it runs: a progress
// line on a terminal (as perf shows for long runs) and SIGINT/SIGTERM/SIGHUP caught
// between chunks, so `lwp record` can stop the guest and still write its profile.
import type { Machine } from "../kernel/machine.js";
import type { Process } from "../kernel/process.js";

/** Instructions per chunk: about a quarter of a second at the emulator's speed. */
const CHUNK = 8_000_000;
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
    for (;;) {
      const status = await m.runUntil(init, m.kernel.retiredTotal + CHUNK);
      if (status !== undefined) return { status, interrupted: null, seconds: elapsed() };
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
