// SPDX-License-Identifier: MIT
// The sysfs files the kernel owns rather than the host (Documentation/ABI):
// /sys/devices/system/cpu describes the emulated machine's one CPU
// (stable/sysfs-devices-system-cpu), and /sys/bus/event_source/devices/lwp/type
// publishes the lwp PMU's perf type, as Linux does for every dynamic PMU
// (testing/sysfs-bus-event_source-devices). Read-only: an open for writing is EACCES.
import { EACCES } from "../errno.js";
import { PERF_TYPE_LWP } from "../lwp/perf-event.js";
import { GeneratedFile, inodeOf, type SynthDirNode, type SynthFileNode, type SynthNode, tableDir } from "./synth.js";

/** st_dev of sysfs (an anonymous device, 0:21). */
export const SYSFS_DEV = 21;
const enc = new TextEncoder();

function file(path: string, text: string): SynthFileNode {
  return {
    kind: "file",
    mode: 0o444,
    ino: inodeOf(path),
    dev: SYSFS_DEV,
    size: 4096,
    open: (_t, flags, p) => ((flags & 3) !== 0 ? -EACCES : new GeneratedFile(p, flags, () => enc.encode(text))),
  };
}

function dir(path: string, children: [string, SynthNode][]): SynthDirNode {
  const table = new Map(children);
  return tableDir({ mode: 0o755, ino: inodeOf(path), dev: SYSFS_DEV }, () => table);
}

const CPU = "/sys/devices/system/cpu";
/** One CPU (cpu0), online, present and possible; NR_CPUS - 1 of a Debian kernel as kernel_max. */
export const SYS_CPU = dir(CPU, [
  ["cpu0", dir(`${CPU}/cpu0`, [])],
  ["kernel_max", file(`${CPU}/kernel_max`, "8191\n")],
  ["offline", file(`${CPU}/offline`, "\n")],
  ["online", file(`${CPU}/online`, "0\n")],
  ["possible", file(`${CPU}/possible`, "0\n")],
  ["present", file(`${CPU}/present`, "0\n")],
]);

const LWP = "/sys/bus/event_source/devices/lwp";
export const SYS_LWP_PMU = dir(LWP, [["type", file(`${LWP}/type`, `${PERF_TYPE_LWP}\n`)]]);
