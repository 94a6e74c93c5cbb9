// SPDX-License-Identifier: MIT
// Where the synthetic trees sit in the guest's file system, as mounts over the
// host tree (or over nothing: the mount point need not exist under --root).
import { PROC_ROOT } from "./procfs.js";
import type { SynthNode } from "./synth.js";
import { SYS_CPU, SYS_LWP_PMU } from "./sysfs.js";

const MOUNTS: readonly (readonly [readonly string[], SynthNode])[] = [
  [["proc"], PROC_ROOT],
  [["sys", "devices", "system", "cpu"], SYS_CPU],
  [["sys", "bus", "event_source", "devices", "lwp"], SYS_LWP_PMU],
];

/** The synthetic tree mounted at the host directory `stack` + `name`, if any. */
export function mountAt(stack: readonly string[], name: string): SynthNode | undefined {
  for (const [at, node] of MOUNTS) {
    if (at.length !== stack.length + 1 || at[stack.length] !== name) continue;
    if (stack.every((s, i) => s === at[i])) return node;
  }
  return undefined;
}
