// SPDX-License-Identifier: MIT
// Files the kernel synthesises instead of passing through to the host (sysfs):
// /sys/bus/event_source/devices/lwp/type publishes the lwp PMU's perf type, as
// Linux does for every dynamic PMU (Documentation/ABI/testing/sysfs-bus-event_source-devices).
import { EACCES } from "../errno.js";
import { PERF_TYPE_LWP } from "../lwp/perf-event.js";
import type { OpenFile } from "./files.js";

const FILES: Readonly<Record<string, () => string>> = {
  "/sys/bus/event_source/devices/lwp/type": () => `${PERF_TYPE_LWP}\n`,
};

/** A read-only in-memory file. */
class SyntheticFile implements OpenFile {
  refs = 1;
  private pos = 0;
  constructor(readonly path: string, private readonly bytes: Uint8Array, public flags: number) {}

  read(buf: Uint8Array, at: number | null): number {
    const from = at ?? this.pos;
    const n = Math.max(0, Math.min(buf.length, this.bytes.length - from));
    buf.set(this.bytes.subarray(from, from + n));
    if (at === null) this.pos += n;
    return n;
  }

  write(): number {
    return -EACCES;
  }

  close(): void {}
}

/** Opens a synthesised file, or returns null when `path` is not one (or -EACCES for writes). */
export function openSynthetic(path: string, flags: number): SyntheticFile | number | null {
  const make = FILES[path];
  if (make === undefined) return null;
  if ((flags & 3) !== 0) return -EACCES;
  return new SyntheticFile(path, new TextEncoder().encode(make()), flags);
}
