// SPDX-License-Identifier: MIT
// Running a guest in chunks so the tool stays responsive while it runs: a progress
// line on a terminal (as perf shows for long runs) and SIGINT/SIGTERM/SIGHUP caught
// between chunks, so `lwp record` can stop the guest and still write its profile, and
// V8's heap growth capped between chunks once the heap is big (`lwp run` too).
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from "node:v8";
import { JIT_TOTALS } from "../hw/jit/jit.js";
import type { Machine } from "../kernel/machine.js";
import type { Process } from "../kernel/process.js";

/** Instructions per chunk: about a quarter of a second at the emulator's speed. */
const CHUNK = 8_000_000;
/** Instructions of a run's start-up: ld.so and libc's initialisation, or the whole of a short command. */
const STARTUP = 1_000_000;
/** Instructions per chunk while the young generation may grow and the heap grows (`steerYoungGeneration`). */
const GROWING_CHUNK = 250_000;
/** Growth of the heap in use between two looks that counts as growing. */
const SURVIVING = 1 << 20;

/**
 * Size of V8's young generation (both semi-spaces) past which it stops growing. V8 doubles
 * it, up to 32 MB, each time as many bytes survived scavenges as it holds; a big
 * translation survives them all (its closures and blocks live as long as the run), so
 * cc1's young generation reached 32 MB and kept it, nearly empty, through its peak.
 * Held at 8 MB: cc1's peak RSS 363.7 → 339.3 MB, its CPU time the same (medians of 3
 * interleaved runs; docs/architecture.md "What V8's own settings give").
 */
const YOUNG_CAP = 8 << 20;
/** The growth factor last set: 1 (bin/lwp.js sets it for the start-up) or 2 (V8's default). */
let youngGrowth = 1;
/** Heap in use at the last look (`steerYoungGeneration`). */
let lastUsed = 0;

/**
 * Lets the young generation double as V8 does while it is below YOUNG_CAP, and holds it
 * there once it reached it (V8's `--max-semi-space-size` is read only as V8 starts, so
 * only Node's command line could cap it otherwise). Returns whether to look again soon:
 * V8 doubles its young generation when as many bytes survived scavenges as it holds, so
 * while it may grow and the heap grows (things survive), a chunk of 8 M instructions
 * could double it past the cap several times over.
 */
function steerYoungGeneration(): boolean {
  let young = 0;
  for (const s of getHeapSpaceStatistics()) if (s.space_name === "new_space") young = s.space_size;
  const growth = young < YOUNG_CAP ? 2 : 1;
  if (growth !== youngGrowth) {
    youngGrowth = growth;
    setFlagsFromString(`--semi-space-growth-factor=${growth}`);
  }
  const used = getHeapStatistics().used_heap_size,
    surviving = used > lastUsed + SURVIVING;
  lastUsed = used;
  return growth !== 1 && surviving;
}

/** JavaScript heap in use past which its growth between full collections is capped (`capHeapGrowth`). */
const BIG_HEAP = 64 << 20;
/**
 * The cap: a full collection once the heap has grown by this percentage over what the
 * last one left. 15 rather than 30: cc1's peak RSS 8 MB lower, the CPU time of cc1,
 * python3 and sqlite3 the same (docs/architecture.md "What V8's own settings give").
 */
const BIG_HEAP_GROWTH = 15;
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

/**
 * Guest instructions run outside regions (by the JavaScript tiers) past which V8's own
 * TurboFan settings come back (`endStartUpTiering`). A run whose guest runs in
 * WebAssembly regions keeps the start-up's: the loops of the bench retire 40,000 to
 * 170,000 instructions outside regions in all, sort 640,000 of 920 million, and the
 * JavaScript they ran while their code was new (translating it, tier 1, the region
 * compiler) was what TurboFan then compiled, on compiler threads, for a run that no
 * longer needed it (docs/architecture.md "Start-up").
 */
const JS_TIERS_WORK = 500_000;

/**
 * Ends the start-up's TurboFan settings: V8's own ticks before optimizing a function
 * (3) and early optimization of small functions (under 81 bytes of bytecode). bin/lwp.js
 * starts with 27 ticks and none, so that code a start-up runs a few thousand times and
 * then never again is not optimized on compiler threads (200 forks 0.82×, a dynamic
 * /bin/true 0.81× of the CPU time, measured as a 36-times budget per tick, which these
 * flags equal: 1.007× and 1.018× of it; docs/architecture.md "Start-up"). V8 reads both at
 * each tick of a function, so a run that goes on gets its hot code optimized at the
 * next tick. (A start-up budget per tick instead would stay with each function until
 * used up: code that runs rarely but all run long, such as LWP's sampling, stayed
 * unoptimized for seconds.) Called after each chunk: the start-up ends with the first
 * chunk (STARTUP instructions) that leaves JS_TIERS_WORK instructions run outside
 * regions, or with the first chunk of a tool that runs JavaScript all along
 * (`jsAllAlong`); returns whether it has ended.
 */
function endStartUpTiering(m: Machine, jsAllAlong: boolean): boolean {
  if (!jsAllAlong && m.kernel.retiredTotal - JIT_TOTALS.retired < JS_TIERS_WORK) return false;
  setFlagsFromString("--ticks-before-optimization=3");
  setFlagsFromString("--max-bytecode-size-for-early-opt=81");
  startUpEnd = m.kernel.retiredTotal;
  return true;
}

/** The guest instructions retired when the start-up's TurboFan settings ended (0: not yet). */
let startUpEnd = 0;

/** When the start-up's TurboFan settings ended, in guest instructions retired (0: they did not; LWP_STATS prints it). */
export function startUpTieringEnd(): number {
  return startUpEnd;
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
  /**
   * The tool runs JavaScript all run long besides the guest's tiers (lwp record: each
   * sample's record and its writing): V8's own TurboFan settings come back after the
   * first chunk, whatever ran in regions (`endStartUpTiering`).
   */
  readonly jsAllAlong?: boolean;
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
  // Progress first: Node makes its stream for fd 2 on the first use of process.stderr.
  const tty = o.progress !== undefined && process.stderr.isTTY;
  const t0 = process.hrtime.bigint();
  const elapsed = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  try {
    // The first chunk is the start-up: bin/lwp.js holds the young generation at its first
    // 1 MB through it, so that a start-up reuses pages instead of touching new ones
    // (docs/architecture.md "Start-up"); a run that goes on lets it grow to YOUNG_CAP.
    let startUp = true;
    for (let chunk = STARTUP; ;) {
      const status = await m.runUntil(init, m.kernel.retiredTotal + chunk);
      if (status !== undefined) return { status, interrupted: null, seconds: elapsed() };
      if (startUp) startUp = !endStartUpTiering(m, o.jsAllAlong === true);
      chunk = steerYoungGeneration() ? GROWING_CHUNK : CHUNK;
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
