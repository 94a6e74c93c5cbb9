// SPDX-License-Identifier: MIT
// Kernel-wide context shared by every syscall handler: the host, options,
// the seeded PRNG, the virtual clock and diagnostics output.
import type { Host } from "./host.js";
import { Prng } from "./prng.js";
import type { Process } from "./process.js";

export interface KernelOptions {
  strace: boolean;
  seed: number;
  hostTime: boolean;
  maxInstructions: number | null;
  cpu: "full" | "fam15h";
  /** XCR0 bit 62 enabled at boot (off with --no-lwp). */
  lwp: boolean;
}

export const DEFAULT_OPTIONS: KernelOptions = {
  strace: false, seed: 1, hostTime: false, maxInstructions: null, cpu: "full", lwp: true,
};

/** Virtual time starts here: 2011-10-12T00:00:00Z, the day AMD shipped Bulldozer with LWP. */
export const VIRTUAL_EPOCH_NS = 1318377600n * 1_000_000_000n;
/** Virtual time advances 1 ns per retired instruction (a 1 GHz, IPC-1 machine). */
export const NS_PER_INSTRUCTION = 1;

export class Kernel {
  readonly prng: Prng;
  /** Virtual nanoseconds added by sleeps (nanosleep advances time instead of waiting). */
  sleptNs = 0n;
  private readonly warned = new Set<string>();

  constructor(
    readonly host: Host,
    readonly opts: KernelOptions,
  ) {
    this.prng = new Prng(opts.seed);
  }

  /** CLOCK_MONOTONIC in ns: virtual (retired work + sleeps) unless --host-time. */
  monotonicNs(p: Process): bigint {
    if (this.opts.hostTime) return this.host.monotonicNs();
    return BigInt(Math.floor(p.cpu.retired() * NS_PER_INSTRUCTION)) + this.sleptNs;
  }

  realtimeNs(p: Process): bigint {
    if (this.opts.hostTime) return this.host.realtimeNs();
    return VIRTUAL_EPOCH_NS + this.monotonicNs(p);
  }

  /** Writes a diagnostic line to the host's stderr. */
  diag(line: string): void {
    this.host.write(2, new TextEncoder().encode(line + "\n"), null);
  }

  /** Reports something once per run (e.g. an unknown syscall under --strace). */
  once(key: string, line: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.diag(line);
  }
}
