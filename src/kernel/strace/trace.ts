// SPDX-License-Identifier: MIT
// --strace output: one line per call when it returns, `<unfinished ...>` and
// `<... name resumed>` around a call that blocks, `--- SIGNAL {...} ---` at
// delivery and `+++ exited with N +++` at the end, as strace -f prints them.
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import type { Siginfo } from "../signal/queue.js";
import type { SyscallArgs, SyscallRow, SysResult } from "../syscalls/abi.js";
import type { Task } from "../task.js";
import { formatArgs, formatResult, straceLine } from "./format.js";
import { isOutput } from "./structs.js";
import { hex, quote, signalName } from "./text.js";
import { ENOSYS } from "../errno.js";

/** A call that blocked, kept on its task until it resumes. */
export interface PendingTrace {
  readonly row: SyscallRow;
  readonly a: SyscallArgs;
  /** Index of the first argument printed when the call resumes (the first one it fills). */
  readonly split: number;
  /** Its `name(args <unfinished ...>` half, until another line has to be printed first. */
  head: string | null;
}

/** Blocked calls whose first half is not printed yet (strace prints one line when nothing interleaves). */
const open = new WeakMap<Kernel, Set<Task>>();

/** Prints a line, after the first halves of calls it interrupts (as strace's `<unfinished ...>`). */
function emit(k: Kernel, line: string): void {
  const waiting = open.get(k);
  if (waiting !== undefined) {
    for (const t of waiting) {
      if (t.trace !== null && t.trace.head !== null) k.diag(t.trace.head);
      if (t.trace !== null) t.trace.head = null;
    }
    waiting.clear();
  }
  k.diag(line);
}

function prefix(k: Kernel, t: Task): string {
  return k.tasks.length > 1 || k.procs.size > 1 ? `[pid ${t.tid}] ` : "";
}

/** Traces a call the dispatcher ran: a full line, or the first half when it blocked. */
export function traceCall(
  k: Kernel,
  t: Task,
  row: SyscallRow,
  a: SyscallArgs,
  r: SysResult,
  held: readonly string[],
): void {
  const pre = prefix(k, t);
  if (typeof r === "object" && r.kind === "block") {
    let split = row.args.findIndex((kind) => isOutput(kind));
    if (split < 0) split = row.args.length;
    const head = formatArgs({ t, a, r: null }, row.args, 0, split);
    const sep = split < row.args.length ? (head === "" ? " " : ",  ") : head === "" ? "" : " ";
    t.trace = { row, a, split, head: `${pre}${row.name}(${head}${sep}<unfinished ...>` };
    let waiting = open.get(k);
    if (waiting === undefined) open.set(k, (waiting = new Set()));
    waiting.add(t);
    return;
  }
  const call = `${row.name}(${formatArgs({ t, a, r }, row.args, 0, row.args.length)})`;
  emit(k, pre + straceLine(call, formatResult(r, row.ret)));
  for (const line of held) emit(k, line);
}

/** A call with no row: `syscall_0x1b6(0x1, ...) = -1 ENOSYS`, as strace names unknown numbers. */
export function traceUnknown(k: Kernel, t: Task, nr: number, a: SyscallArgs): void {
  const args = [0, 1, 2, 3, 4, 5].map((i) => hex(a.u64(i))).join(", ");
  emit(k, prefix(k, t) + straceLine(`syscall_${hex(nr)}(${args})`, formatResult(-ENOSYS)));
}

/** The first line strace prints for a program it starts: its execve, with the new stack's argv and envp. */
export function traceSpawn(k: Kernel, t: Task, path: string, argv: readonly string[], envc: number): void {
  const enc = new TextEncoder();
  const sp = (t.ctx.regs[9]! >>> 0) * 4294967296 + (t.ctx.regs[8]! >>> 0);
  const envp = sp + 8 * (argv.length + 2);
  const shown = argv.map((s) => quote(enc.encode(s)));
  emit(
    k,
    straceLine(`execve(${quote(enc.encode(path))}, [${shown.join(", ")}], ${hex(envp)} /* ${envc} vars */)`, "0"),
  );
}

/** The second half of a blocked call: its result, or that it will be restarted after a signal. */
export function traceResume(t: Task, r: number | "restart"): void {
  const pend = t.trace;
  if (pend === null) return;
  t.trace = null;
  const k = t.proc.kernel;
  const { row, a, split } = pend;
  const res = r === "restart" ? "? ERESTARTSYS (To be restarted if SA_RESTART is set)" : formatResult(r, row.ret);
  const v = { t, a, r: r === "restart" ? null : r };
  open.get(k)?.delete(t);
  if (pend.head !== null) {
    emit(k, prefix(k, t) + straceLine(`${row.name}(${formatArgs(v, row.args, 0, row.args.length)})`, res));
    return;
  }
  emit(
    k,
    `${prefix(k, t)}` + straceLine(`<... ${row.name} resumed>${formatArgs(v, row.args, split, row.args.length)})`, res),
  );
}

const SI_CODES: Readonly<Record<number, string>> = {
  0: "SI_USER",
  0x80: "SI_KERNEL",
  [-1]: "SI_QUEUE",
  [-2]: "SI_TIMER",
  [-6]: "SI_TKILL",
};
const CLD_CODES: Readonly<Record<number, string>> = { 1: "CLD_EXITED", 2: "CLD_KILLED", 3: "CLD_DUMPED" };
const SEGV_CODES: Readonly<Record<number, string>> = { 1: "SEGV_MAPERR", 2: "SEGV_ACCERR" };

/** `--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, ...} ---` when a handler is about to run. */
export function traceSignal(t: Task, si: Siginfo): void {
  const k = t.proc.kernel;
  const fault = si.addr !== undefined;
  const code =
    (si.signo === 17 ? CLD_CODES[si.code] : si.signo === 11 && fault ? SEGV_CODES[si.code] : undefined) ??
    SI_CODES[si.code] ??
    String(si.code);
  const fields = [`si_signo=${signalName(si.signo)}`, `si_code=${code}`];
  if (fault) fields.push(`si_addr=${si.addr === 0 ? "NULL" : "0x" + si.addr!.toString(16)}`);
  else if (si.pid !== undefined) {
    fields.push(`si_pid=${si.pid}`, `si_uid=${si.uid ?? 0}`);
    if (si.status !== undefined) {
      const killed = si.signo === 17 && si.code !== 1; // CLD_KILLED, CLD_DUMPED: the status is a signal
      fields.push(`si_status=${killed ? signalName(si.status) : si.status}`, "si_utime=0", "si_stime=0");
    }
  }
  emit(k, `${prefix(k, t)}--- ${signalName(si.signo)} {${fields.join(", ")}} ---`);
}

/** `+++ exited with N +++` or `+++ killed by SIGNAL +++` for a process that ended. */
export function traceExit(k: Kernel, p: Process): void {
  const pre = k.procs.size > 1 || p !== k.init ? `[pid ${p.pid}] ` : "";
  const line = `${pre}+++ ${p.killedBy !== 0 ? `killed by ${signalName(p.killedBy)}` : `exited with ${p.exitStatus ?? 0}`} +++`;
  if (k.straceHeld !== null) k.straceHeld.push(line);
  else emit(k, line);
}
