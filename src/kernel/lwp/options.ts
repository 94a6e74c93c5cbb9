// SPDX-License-Identifier: MIT
// What a tool asks the kernel to profile (Machine.spawn's `profile` option) and its
// check against the CPU model's LWP capabilities (CPUID 8000_001C, LWP spec §1.2, §3).
import { geometry } from "../../hw/lwp/caps.js";
import { MIN_HW_INTERVAL, eventRow } from "../../hw/lwp/events.js";
import { RECORD_SIZE } from "../../hw/lwp/record.js";
import { FLAG_PTSC } from "../../hw/lwp/lwpcb.js";
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import type { ProfileRequest, ProfileSink } from "./profiler.js";
import { DEFAULT_RING_BYTES, LWP_SLOT } from "./ring.js";
import { PAGE_SIZE } from "../../hw/memory/address-space.js";

/** Largest EventInterval: 25 bits positive in the 26-bit field (spec §3). */
const MAX_INTERVAL = 0x1ffffff;

export interface ProfileOptions {
  /**
   * Events and their sampling period (events per record, perf's -c). The LWPCB gets
   * EventInterval = period − 1, since the unit writes one record per interval + 1 events.
   */
  readonly events: readonly { readonly id: number; readonly period: number }[];
  /** LWPCB Random field, 0–15 (spec §7.4). */
  readonly randomBits?: number;
  /** Count only inside [lo, hi] (CPUID ECX[29], full model). */
  readonly ipFilter?: { readonly lo: number; readonly hi: number } | null;
  /** Record a shadow call stack with each sample (an interrupt after every record). */
  readonly callGraph?: boolean;
  /** Ring bytes per task (default 64 KiB); the threshold is half of it. */
  readonly ringBytes?: number;
  /** Threads and processes created later are profiled too (default true). */
  readonly inherit?: boolean;
  /** Timestamp each record (PTSC, Data3 = virtual TSC) when the CPU model has it (default false). */
  readonly timestamps?: boolean;
  readonly sink: ProfileSink;
}

/** A profile the CPU model cannot do; the message is one line for the user. */
export class ProfileError extends Error {}

/** Checks `o` against `p`'s CPU and builds the per-task request. */
export function profileRequest(_k: Kernel, p: Process, o: ProfileOptions): ProfileRequest {
  const caps = p.cpu.model.lwp;
  const geo = geometry(caps);
  if (o.events.length === 0) throw new ProfileError("no events to record");
  for (const e of o.events) {
    const name = eventRow(e.id)?.key ?? `event ${e.id}`;
    if (e.id < 2 || e.id > 6) throw new ProfileError(`event ${name} cannot be sampled by the kernel`);
    if ((caps.edx & (1 << e.id)) === 0) {
      throw new ProfileError(`event ${name} is not supported by the ${caps.name} CPU model`);
    }
    if (e.period - 1 < MIN_HW_INTERVAL || e.period - 1 > MAX_INTERVAL) {
      throw new ProfileError(`sampling period ${e.period} out of range (${MIN_HW_INTERVAL + 1}..${MAX_INTERVAL + 1})`);
    }
  }
  const randomBits = o.randomBits ?? 0;
  if (!Number.isInteger(randomBits) || randomBits < 0 || randomBits > 15) {
    throw new ProfileError(`random bits ${randomBits} out of range (0..15)`);
  }
  const ipFilter = o.ipFilter ?? null;
  if (ipFilter !== null && !geo.ipFiltering) {
    throw new ProfileError(`IP filtering is not supported by the ${caps.name} CPU model`);
  }
  const ringBytes = o.ringBytes ?? DEFAULT_RING_BYTES;
  if (ringBytes % PAGE_SIZE !== 0 || ringBytes < geo.minBufferBytes || ringBytes + PAGE_SIZE > LWP_SLOT) {
    throw new ProfileError(
      `ring size ${ringBytes} not a page multiple in ${geo.minBufferBytes}..${LWP_SLOT - PAGE_SIZE}`,
    );
  }
  const callGraph = o.callGraph ?? false;
  return {
    ring: {
      events: o.events.map((e) => ({ id: e.id, interval: e.period - 1 })),
      randomBits,
      ipFilter,
      ringBytes,
      timestamps: (o.timestamps ?? false) && (caps.edx & FLAG_PTSC) !== 0,
      threshold: callGraph ? RECORD_SIZE : ringBytes / 2,
    },
    callGraph,
    inherit: o.inherit ?? true,
    sink: o.sink,
  };
}
