// SPDX-License-Identifier: MIT
// The text of /proc/PID/{maps,stat,statm,status,limits} (fs/proc/task_mmu.c,
// array.c, base.c proc_pid_limits) in Linux 6.1's formats, made from the
// kernel's own records of the process: its areas and named mappings, ids,
// signal state, limits and virtual CPU time. Nothing here reads the host.
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../hw/memory/address-space.js";
import type { Vma } from "../../hw/memory/vma.js";
import type { Mapping, Process } from "../process.js";
import type { Task } from "../task.js";
import { LIMIT_NAMES, RLIM_INFINITY, RLIM_NLIMITS } from "../mm/rlimit.js";
import { vmStats } from "../mm/vm.js";
import { actionOf } from "../signal/send.js";
import { SIG_DFL, SIG_IGN } from "../signals.js";

const hex = (n: number, w: number): string => n.toString(16).padStart(w, "0");
const kb = (bytes: number): string => `${Math.floor(bytes / 1024)}`.padStart(8) + " kB";
const USER_HZ = 100n;

/** One line of maps: a piece of an area with the name and file position of the mapping that covers it. */
interface MapLine {
  start: number;
  end: number;
  prot: number;
  shared: boolean;
  m: Mapping | null;
  name: string;
}

/** Splits the areas at the named mappings and the heap, as Linux's distinct VMAs would show. */
function mapLines(p: Process): MapLine[] {
  const mm = p.mm,
    out: MapLine[] = [];
  const heapLo = Math.ceil(mm.brkStart / PAGE_SIZE) * PAGE_SIZE,
    heapHi = Math.ceil(mm.brk / PAGE_SIZE) * PAGE_SIZE;
  const cuts = (v: Vma): number[] => {
    const at = new Set([v.start, v.end]);
    for (const m of mm.mappings) for (const x of [m.start, m.end]) if (x > v.start && x < v.end) at.add(x);
    for (const x of [heapLo, heapHi]) if (heapHi > heapLo && x > v.start && x < v.end) at.add(x);
    return [...at].sort((a, b) => a - b);
  };
  for (const v of mm.mem.areas()) {
    const c = cuts(v);
    for (let i = 0; i + 1 < c.length; i++) {
      const start = c[i]!,
        end = c[i + 1]!;
      const m = mm.mappings.find((x) => x.start <= start && x.end >= end) ?? null;
      const heap = m === null && start >= heapLo && end <= heapHi;
      const shared = v.obj !== null && v.cow !== true;
      out.push({ start, end, prot: v.prot, shared, m, name: m?.path ?? (heap ? "[heap]" : "") });
    }
  }
  return out;
}

/** st_dev as major:minor the way userspace encodes it (new_encode_dev's inverse). */
function devParts(dev: number): [number, number] {
  const major = (Math.floor(dev / 256) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
  const minor = (dev & 0xff) | ((Math.floor(dev / 4096) & ~0xff) >>> 0);
  return [major, minor];
}

/** /proc/PID/maps (show_map_vma): the name starts at column 73. */
export function mapsText(p: Process): string {
  const lines = mapLines(p).map((l) => {
    const perms = `${l.prot & PROT_READ ? "r" : "-"}${l.prot & PROT_WRITE ? "w" : "-"}${l.prot & PROT_EXEC ? "x" : "-"}${l.shared ? "s" : "p"}`;
    const off = l.m === null ? 0 : l.m.offset + (l.start - l.m.start);
    const [major, minor] = devParts(l.m?.dev ?? 0);
    const head = `${hex(l.start, 8)}-${hex(l.end, 8)} ${perms} ${hex(off, 8)} ${hex(major, 2)}:${hex(minor, 2)} ${l.m?.ino ?? 0} `;
    return l.name === "" ? head : `${head.padEnd(72)} ${l.name}`;
  });
  return lines.map((l) => l + "\n").join("");
}

function threadState(t: Task | undefined, reader: Task): string {
  if (t === undefined || t.exited) return "Z (zombie)";
  return t === reader || t.blocker === null ? "R (running)" : "S (sleeping)";
}

function ppidOf(p: Process): number {
  return p.parent?.pid ?? (p.kernel.init === p ? 1 : 0);
}

/** Signal sets as Linux prints them in status: 16 hex digits. */
const sigHex = (s: bigint): string => s.toString(16).padStart(16, "0");

function sigSets(p: Process): { ign: bigint; cgt: bigint } {
  let ign = 0n,
    cgt = 0n;
  for (let sig = 1; sig <= 64; sig++) {
    const h = actionOf(p, sig).handler;
    if (h === SIG_IGN) ign |= 1n << BigInt(sig - 1);
    else if (h !== SIG_DFL) cgt |= 1n << BigInt(sig - 1);
  }
  return { ign, cgt };
}

/** Bytes of executable file mappings of the program itself (VmExe) and of other files (VmLib). */
function exeLib(p: Process): [number, number] {
  let exe = 0,
    lib = 0;
  for (const m of p.mm.mappings) {
    if ((m.prot & PROT_EXEC) === 0 || !m.path.startsWith("/")) continue;
    if (m.path === p.exePath) exe += m.end - m.start;
    else lib += m.end - m.start;
  }
  return [exe, lib];
}

function comm(t: Task): string {
  return new TextDecoder().decode(t.comm).replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** /proc/PID/status (proc_pid_status) of task `t` of `p`, as read by `reader`. */
export function statusText(p: Process, t: Task, reader: Task): string {
  const c = t.cred,
    mm = p.mm,
    s = vmStats(mm);
  const rss = mm.mem.mappedPageCount() * PAGE_SIZE;
  const [exe, lib] = exeLib(p);
  const { ign, cgt } = sigSets(p);
  const fds = p.fds.entries();
  const maxFd = fds.length === 0 ? 0 : fds[fds.length - 1]![0];
  const caps = (v: bigint): string => v.toString(16).padStart(16, "0");
  return [
    `Name:\t${comm(t)}`,
    "Umask:\t0022",
    `State:\t${threadState(t, reader)}`,
    `Tgid:\t${p.pid}`,
    "Ngid:\t0",
    `Pid:\t${t.tid}`,
    `PPid:\t${ppidOf(p)}`,
    "TracerPid:\t0",
    `Uid:\t${c.uid}\t${c.euid}\t${c.suid}\t${c.fsuid}`,
    `Gid:\t${c.gid}\t${c.egid}\t${c.sgid}\t${c.fsgid}`,
    `FDSize:\t${Math.max(64, 2 ** Math.ceil(Math.log2(maxFd + 1)))}`,
    `Groups:\t${c.groups.map((g) => `${g} `).join("")}`,
    `NStgid:\t${p.pid}`,
    `NSpid:\t${t.tid}`,
    `NSpgid:\t${p.pgid}`,
    `NSsid:\t${p.sid}`,
    ...(p.live
      ? [
          `VmPeak:\t${kb(Math.max(mm.vmPeak, s.total))}`,
          `VmSize:\t${kb(s.total)}`,
          `VmLck:\t${kb(0)}`,
          `VmPin:\t${kb(0)}`,
          `VmHWM:\t${kb(rss)}`,
          `VmRSS:\t${kb(rss)}`,
          `RssAnon:\t${kb(rss)}`,
          `RssFile:\t${kb(0)}`,
          `RssShmem:\t${kb(0)}`,
          `VmData:\t${kb(s.data)}`,
          `VmStk:\t${kb(s.stack)}`,
          `VmExe:\t${kb(exe)}`,
          `VmLib:\t${kb(lib)}`,
          `VmPTE:\t${kb(0)}`,
          `VmSwap:\t${kb(0)}`,
          `HugetlbPages:\t${kb(0)}`,
        ]
      : []),
    "CoreDumping:\t0",
    "THP_enabled:\t1",
    `Threads:\t${p.liveTasks().length}`,
    `SigQ:\t${p.sharedPending.set === 0n ? 0 : 1}/${p.rlimits.get(11).soft}`,
    `SigPnd:\t${sigHex(t.pending.set)}`,
    `ShdPnd:\t${sigHex(p.sharedPending.set)}`,
    `SigBlk:\t${sigHex(t.sigMask)}`,
    `SigIgn:\t${sigHex(ign)}`,
    `SigCgt:\t${sigHex(cgt)}`,
    `CapInh:\t${caps(c.capInheritable)}`,
    `CapPrm:\t${caps(c.capPermitted)}`,
    `CapEff:\t${caps(c.capEffective)}`,
    `CapBnd:\t${caps(c.capBounding)}`,
    `CapAmb:\t${caps(0n)}`,
    "NoNewPrivs:\t0",
    "Seccomp:\t0",
    "Seccomp_filters:\t0",
    "Speculation_Store_Bypass:\tnot vulnerable",
    "SpeculationIndirectBranch:\tnot affected",
    "Cpus_allowed:\t1",
    "Cpus_allowed_list:\t0",
    "Mems_allowed:\t1",
    "Mems_allowed_list:\t0",
    "voluntary_ctxt_switches:\t0",
    "nonvoluntary_ctxt_switches:\t0",
  ]
    .map((l) => l + "\n")
    .join("");
}

/** The 52 fields of /proc/PID/stat (do_task_stat); `full` shows the addresses (the reader may ptrace `p`). */
export function statText(p: Process, t: Task, reader: Task, full: boolean): string {
  const mm = p.mm,
    L = mm.layout;
  const ticks = (ns: bigint): bigint => (ns * USER_HZ) / 1_000_000_000n;
  const cpu = BigInt(
    p === t.proc && t.tid !== p.pid ? t.retired : p.deadRetired + p.liveTasks().reduce((n, x) => n + x.retired, 0),
  );
  const { ign, cgt } = sigSets(p);
  const live = p.live;
  const vsize = live ? vmStats(mm).total : 0,
    rss = live ? mm.mem.mappedPageCount() : 0;
  const addr = (n: number): number => (full && live ? n : 0);
  const state = threadState(t, reader)[0]!;
  const fields: (number | bigint | string)[] = [
    t.tid,
    `(${new TextDecoder().decode(t.comm)})`,
    state,
    ppidOf(p),
    p.pgid,
    p.sid,
    0,
    -1,
    0,
    0,
    0,
    0,
    0,
    ticks(cpu),
    0,
    0,
    0,
    20,
    0,
    p.liveTasks().length,
    0,
    ticks(p.startNs),
    vsize,
    rss,
    RLIM_INFINITY,
    addr(L.startCode),
    addr(L.endCode),
    addr(L.startStack),
    0,
    0,
    t.pending.set & 0x7fffffffn,
    t.sigMask & 0x7fffffffn,
    ign & 0x7fffffffn,
    cgt & 0x7fffffffn,
    0,
    0,
    0,
    p.exitSignal,
    0,
    0,
    0,
    0,
    0,
    0,
    addr(L.startData),
    addr(L.endData),
    addr(mm.brkStart),
    addr(L.argStart),
    addr(L.argEnd),
    addr(L.envStart),
    addr(L.envEnd),
    full && !live && p.waitStatus !== null ? p.waitStatus : 0,
  ];
  return fields.join(" ") + "\n";
}

/** /proc/PID/statm: size resident shared text lib data dt, in pages. */
export function statmText(p: Process): string {
  if (!p.live) return "0 0 0 0 0 0 0\n";
  const s = vmStats(p.mm),
    [exe] = exeLib(p);
  return `${s.total / PAGE_SIZE} ${p.mem.mappedPageCount()} 0 ${exe / PAGE_SIZE} 0 ${(s.data + s.stack) / PAGE_SIZE} 0\n`;
}

/** /proc/PID/limits (proc_pid_limits). */
export function limitsText(p: Process): string {
  const col = (v: bigint): string => (v === RLIM_INFINITY ? "unlimited" : v.toString()).padEnd(21);
  const out = [`${"Limit".padEnd(26)}${"Soft Limit".padEnd(21)}${"Hard Limit".padEnd(21)}${"Units".padEnd(10)}\n`];
  for (let r = 0; r < RLIM_NLIMITS; r++) {
    const [name, unit] = LIMIT_NAMES[r]!;
    const { soft, hard } = p.rlimits.get(r);
    out.push(`${name.padEnd(26)}${col(soft)}${col(hard)}${unit === "" ? "\n" : `${unit.padEnd(10)}\n`}`);
  }
  return out.join("");
}
