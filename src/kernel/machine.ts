// SPDX-License-Identifier: MIT
// The machine owns the run loop: it starts programs, runs the CPU, and turns
// its exits into system calls, signals and process exits (design.md "Layers").
import { PROT_READ, PROT_WRITE } from "../hw/memory/address-space.js";
import { fam15hModel, fullModel, LEAF1_EDX } from "../hw/cpu/cpuid.js";
import { VEC_AC, VEC_BP, VEC_DE, VEC_MF, VEC_XM, type Exit } from "../hw/cpu/exits.js";
import { ENOSYS } from "./errno.js";
import { HostFile } from "./fs/files.js";
import type { Host } from "./host.js";
import { DEFAULT_OPTIONS, Kernel, type KernelOptions } from "./kernel.js";
import {
  AT_CLKTCK, AT_EGID, AT_ENTRY, AT_EUID, AT_FLAGS, AT_GID, AT_HWCAP, AT_HWCAP2, AT_MINSIGSTKSZ, AT_PAGESZ,
  AT_PHDR, AT_PHENT, AT_PHNUM, AT_SECURE, AT_UID, AT_BASE, buildInitialStack,
} from "./loader/initial-stack.js";
import { ExecError, loadElf, parseExecutable } from "./loader/load-elf.js";
import { Process, STACK_SIZE, STACK_TOP } from "./process.js";
import { SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP, SIGNAL_MESSAGES } from "./signals.js";
import { formatCall, formatResult } from "./strace.js";
import { syscallRow } from "./syscalls/table.js";

export interface ExecSpec {
  /** Absolute path of the program as the guest sees it (/proc/self/exe, AT_EXECFN). */
  path: string;
  bytes: Uint8Array;
  argv: string[];
  envp: string[];
}

/** Instructions per CPU run slice between checks. */
const SLICE = 1 << 20;
const ARG_REGS = [7, 6, 2, 10, 8, 9];

export class Machine {
  readonly kernel: Kernel;
  private nextPid = 1000;

  constructor(host: Host, opts: Partial<KernelOptions> = {}) {
    this.kernel = new Kernel(host, { ...DEFAULT_OPTIONS, ...opts });
  }

  /** Creates a process running `spec`; throws ExecError with a one-line message. */
  spawn(spec: ExecSpec): Process {
    const elf = parseExecutable(spec.bytes);
    const k = this.kernel;
    const p = new Process(this.nextPid++, k.opts.cpu === "fam15h" ? fam15hModel() : fullModel());
    const img = loadElf(p.mem, elf);
    if (img.interp !== null) throw new ExecError(`Dynamic executables are not supported yet (interpreter ${img.interp})`);
    p.exePath = spec.path;
    p.cwd = k.host.cwd();
    p.brkStart = p.brk = img.brk;
    for (const s of img.segments) p.addMapping({ ...s, path: spec.path });
    p.mem.map(STACK_TOP - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE);
    p.addMapping({ start: STACK_TOP - STACK_SIZE, end: STACK_TOP, prot: PROT_READ | PROT_WRITE, path: "[stack]", offset: 0 });
    const enc = new TextEncoder();
    const random = new Uint8Array(16);
    k.prng.fill(random);
    const sp = buildInitialStack(p.mem, STACK_TOP, {
      argv: spec.argv.map((s) => enc.encode(s)), envp: spec.envp.map((s) => enc.encode(s)),
      execfn: enc.encode(spec.path), random,
      aux: [[AT_PHDR, img.phdr], [AT_PHENT, img.phent], [AT_PHNUM, img.phnum], [AT_PAGESZ, 4096],
        [AT_BASE, 0], [AT_FLAGS, 0], [AT_ENTRY, img.entry], [AT_UID, 0], [AT_EUID, 0], [AT_GID, 0], [AT_EGID, 0],
        [AT_SECURE, 0], [AT_HWCAP, LEAF1_EDX], [AT_HWCAP2, 0], [AT_CLKTCK, 100], [AT_MINSIGSTKSZ, 2048]],
    });
    const c = p.cpu;
    c.setReg(4, sp);
    c.rip = img.entry;
    if (k.opts.lwp) c.xcr0Hi |= 1 << 30;
    this.installStdio(p);
    return p;
  }

  private installStdio(p: Process): void {
    const h = this.kernel.host;
    for (const fd of [0, 1, 2]) p.fds.install(new HostFile(h, fd, `/dev/fd/${fd}`, fd === 0 ? 0 : 1, null, false, true), false);
  }

  /** Runs a process to completion; returns its exit status (128+N when killed by signal N). */
  run(p: Process): number {
    const max = this.kernel.opts.maxInstructions;
    while (p.exitStatus === null) {
      const budget = max === null ? SLICE : Math.min(SLICE, max - p.cpu.retired());
      if (budget <= 0) {
        this.kernel.diag(`lwp: instruction limit reached (${max} instructions)`);
        p.fds.closeAll();
        return 124;
      }
      this.handle(p, p.cpu.run(budget));
    }
    p.fds.closeAll();
    return p.exitStatus;
  }

  private handle(p: Process, x: Exit): void {
    switch (x.kind) {
      case "syscall": this.syscall(p); return;
      case "budget": return;
      case "fault":
        if (this.kernel.opts.strace) this.kernel.diag(`lwp: fault vector ${x.vector} at 0x${p.cpu.rip.toString(16)} address 0x${x.address.toString(16)}`);
        this.kill(p, signalFor(x.vector));
        return;
      case "ud":
        if (this.kernel.opts.strace) this.kernel.diag(`lwp: #UD at 0x${p.cpu.rip.toString(16)}: ${[...x.bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ")}`);
        this.kill(p, SIGILL);
        return;
      case "halt": this.kill(p, SIGSEGV); return;
      case "lwpInterrupt": return;
    }
  }

  /** Terminates the process by a signal's default action, with the shell's message. */
  private kill(p: Process, sig: number): void {
    p.killedBy = sig;
    p.exitStatus = 128 + sig;
  }

  private syscall(p: Process): void {
    const c = p.cpu;
    const nr = c.r32[0]! >>> 0;
    const args = ARG_REGS.map((r) => c.getReg(r));
    const row = syscallRow(nr);
    const k = this.kernel;
    let r: number;
    if (row === undefined) {
      r = -ENOSYS;
      if (k.opts.strace) k.once(`nosys${nr}`, `lwp: unknown syscall ${nr} returns -ENOSYS`);
    } else r = row.fn(k, p, args);
    if (k.opts.strace) {
      const call = row === undefined ? `syscall_${nr}(...)` : formatCall(p, row.name, row.args, args);
      k.diag(`${call} = ${formatResult(r)}`);
    }
    if (!Number.isNaN(r)) c.setReg(0, r);
  }
}

function signalFor(vector: number): number {
  switch (vector) {
    case VEC_DE: case VEC_MF: case VEC_XM: return SIGFPE;
    case VEC_BP: return SIGTRAP;
    case VEC_AC: return SIGBUS;
    default: return SIGSEGV;
  }
}

/** The line a shell prints for a process killed by `sig` (empty for SIGINT/SIGPIPE). */
export function signalMessage(sig: number): string {
  return SIGNAL_MESSAGES[sig] ?? `Unknown signal ${sig}`;
}

export { ExecError };
