// SPDX-License-Identifier: MIT
// The guest's /proc (fs/proc/root.c, generic.c): one directory per process of
// this machine, self and thread-self, and the machine-wide files that describe
// the emulated machine (cpuinfo from its CPUID, meminfo and stat consistent with
// sysinfo, uptime and loadavg on the virtual clock). Deterministic: nothing is
// read from the host's /proc.
import type { Task } from "../task.js";
import { cpuinfoText } from "./cpuinfo.js";
import { PROC_DEV, procDir } from "./proc-pid.js";
import { DT_DIR, DT_LNK, DT_REG, inodeOf, type SynthDirNode, type SynthNode, textFile } from "./synth.js";

const file = (name: string, text: (t: Task) => string): SynthNode =>
  textFile({ mode: 0o444, ino: inodeOf(`/proc/${name}`), dev: PROC_DEV }, text);
const symlink = (name: string, text: (t: Task) => string): SynthNode => ({
  kind: "link",
  mode: 0o777,
  ino: inodeOf(`/proc/${name}`),
  dev: PROC_DEV,
  target: (t) => ({ text: text(t) }),
});

const kb = (bytes: number): string => `${Math.floor(bytes / 1024)} kB`;

/** Bytes of memory the live processes hold (what sysinfo counts as used). */
function usedBytes(t: Task): number {
  const k = t.proc.kernel;
  const spaces = new Set([...k.procs.values()].filter((q) => q.live).map((q) => q.mem));
  let used = 0;
  for (const m of spaces) used += m.mappedPageCount() * 4096;
  return used;
}

function meminfo(t: Task): string {
  const total = t.proc.kernel.ramBytes,
    free = Math.max(0, total - usedBytes(t));
  const rows: [string, number][] = [
    ["MemTotal", total],
    ["MemFree", free],
    ["MemAvailable", free],
    ["Buffers", 0],
    ["Cached", 0],
    ["SwapCached", 0],
    ["Active", 0],
    ["Inactive", 0],
    ["SwapTotal", 0],
    ["SwapFree", 0],
    ["Dirty", 0],
    ["Writeback", 0],
    ["AnonPages", total - free],
    ["Mapped", 0],
    ["Shmem", 0],
    ["SReclaimable", 0],
    ["SUnreclaim", 0],
    ["CommitLimit", total],
    ["Committed_AS", total - free],
  ];
  return rows.map(([k, v]) => `${(k + ":").padEnd(16)}${kb(v).padStart(11)}\n`).join("");
}

function uptime(t: Task): string {
  const ns = t.proc.kernel.monotonicNs();
  const cs = ns / 10_000_000n;
  const s = `${cs / 100n}.${(cs % 100n).toString().padStart(2, "0")}`;
  return `${s} ${s}\n`;
}

function loadavg(t: Task): string {
  const k = t.proc.kernel,
    live = k.tasks.filter((x) => !x.exited);
  const running = live.filter((x) => x.blocker === null).length;
  return `0.00 0.00 0.00 ${running}/${live.length} ${Math.max(...[...k.procs.keys(), 0])}\n`;
}

function stat(t: Task): string {
  const k = t.proc.kernel;
  const user = BigInt(k.retiredTotal) / 10_000_000n,
    idle = k.sleptNs / 10_000_000n;
  const cpu = `${user} 0 0 ${idle} 0 0 0 0 0 0`;
  const btime = (k.realtimeNs() - k.monotonicNs()) / 1_000_000_000n;
  const running = k.tasks.filter((x) => !x.exited && x.blocker === null).length;
  return (
    `cpu  ${cpu}\ncpu0 ${cpu}\nintr 0\nctxt 0\nbtime ${btime}\nprocesses ${k.procs.size}\n` +
    `procs_running ${running}\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n`
  );
}

const FIXED: ReadonlyMap<string, SynthNode> = new Map<string, SynthNode>([
  ["self", symlink("self", (t) => `${t.proc.pid}`)],
  ["thread-self", symlink("thread-self", (t) => `${t.proc.pid}/task/${t.tid}`)],
  ["cpuinfo", file("cpuinfo", (t) => cpuinfoText(t.proc.cpu))],
  ["loadavg", file("loadavg", loadavg)],
  ["meminfo", file("meminfo", meminfo)],
  ["stat", file("stat", stat)],
  ["uptime", file("uptime", uptime)],
  ["version", file("version", () => "Linux version 6.1.0-lwp (lwp) #1 SMP PREEMPT_DYNAMIC lwp\n")],
]);

/** /proc: the fixed entries, then one directory per process (a thread's id is found too, unlisted). */
export const PROC_ROOT: SynthDirNode = {
  kind: "dir",
  mode: 0o555,
  ino: 1,
  dev: PROC_DEV,
  entries: (t) => [
    ...[...FIXED].map(([n, node]): [string, number] => [n, node.kind === "link" ? DT_LNK : DT_REG]),
    ...[...t.proc.kernel.procs.keys()].sort((a, b) => a - b).map((pid): [string, number] => [`${pid}`, DT_DIR]),
  ],
  lookup: (t, name) => {
    const fixed = FIXED.get(name);
    if (fixed !== undefined || !/^[1-9]\d*$/.test(name)) return fixed;
    const k = t.proc.kernel,
      id = Number(name);
    const p = k.procs.get(id);
    if (p !== undefined) return procDir(p, p.tasks.find((x) => x.tid === id) ?? p.leader, `/proc/${id}`);
    const tk = k.findTask(id);
    return tk === undefined ? undefined : procDir(tk.proc, tk, `/proc/${id}`, false);
  },
};
