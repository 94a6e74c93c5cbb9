// SPDX-License-Identifier: MIT
// The emulator side of a differential case: a bare machine (code page and
// scratch page at the runner's addresses, no kernel), one case at a time, and
// the Exit translated into the signal Linux would deliver for it.
import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../src/hw/memory/address-space.js";
import { Cpu } from "../../src/hw/cpu/cpu.js";
import { type Exit, VEC_AC, VEC_BP, VEC_DE, VEC_GP, VEC_MF, VEC_PF, VEC_SS, VEC_XM } from "../../src/hw/cpu/exits.js";
import {
  CODE_ADDR,
  CODE_BYTES,
  CODE_PAGE,
  IN_STATE,
  IN_WIN,
  OUT_REC,
  OUT_SADDR,
  OUT_SCODE,
  OUT_SIGNO,
  OUT_WIN,
  SCRATCH_PAGE,
  SIGBUS,
  SIGFPE,
  SIGILL,
  SIGSEGV,
  SIGTRAP,
  SI_KERNEL,
  WIN,
  WIN_ADDR,
  dumpState,
  loadState,
} from "./state.js";

/** Pseudo-signals for exits that have no signal (all of them count as divergences). */
export const SIG_BUDGET = 1000;
export const SIG_OTHER_EXIT = 1001;
export const SIG_CRASH = 1002;

export class EmuMachine {
  readonly mem = new AddressSpace();
  readonly cpu: Cpu;
  /** Message of the last emulator exception (SIG_CRASH), for the report. */
  lastCrash = "";

  constructor() {
    // RWX like the native runner's code page (runner.c setup), so pushes into it behave alike.
    this.mem.map(CODE_PAGE, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
    this.mem.map(SCRATCH_PAGE, 4096, PROT_READ | PROT_WRITE);
    this.cpu = new Cpu(this.mem);
  }

  /** Runs one in_rec (at `inOff` of `input`) and writes an out_rec at `outOff` of `out`. */
  run(input: Uint8Array, inOff: number, out: Uint8Array, outOff: number): void {
    const c = this.cpu;
    this.mem.poke(CODE_ADDR, input.subarray(inOff, inOff + CODE_BYTES));
    this.mem.poke(WIN_ADDR, input.subarray(inOff + IN_WIN, inOff + IN_WIN + WIN));
    c.flushCode();
    loadState(c, input, inOff + IN_STATE);
    c.pendingExit = null;
    const dv = new DataView(out.buffer, out.byteOffset + outOff, OUT_REC);
    let exit: Exit;
    try {
      exit = c.run(64);
    } catch (e) {
      this.lastCrash = e instanceof Error ? e.message : String(e);
      exit = { kind: "budget" }; // not run: the crash is reported instead
      dv.setUint32(OUT_SIGNO, SIG_CRASH, true);
    }
    // #BP is a trap: like the kernel (src/kernel/signal/fault.ts), report RIP after INT3 / INT 3.
    if (exit.kind === "fault" && exit.vector === VEC_BP) c.rip += exit.address; // the trap's length, prefixes included
    dumpState(c, out, outOff);
    if (dv.getUint32(OUT_SIGNO, true) !== SIG_CRASH) signalOf(exit, dv);
    out.set(this.mem.readBytes(WIN_ADDR, WIN), outOff + OUT_WIN);
  }
}

/** The signal, si_code and si_addr Linux reports for an exit (arch/x86/kernel/traps.c, fault.c). */
function signalOf(x: Exit, dv: DataView): void {
  let sig = SIG_OTHER_EXIT,
    code = 0,
    addr = 0;
  if (x.kind === "ud") {
    sig = SIGILL;
    code = 2;
  } else if (x.kind === "budget") sig = SIG_BUDGET;
  else if (x.kind === "fault") {
    switch (x.vector) {
      case VEC_PF:
        sig = SIGSEGV;
        code = x.code;
        addr = x.address;
        break;
      case VEC_GP:
        sig = SIGSEGV;
        code = SI_KERNEL;
        break;
      case VEC_DE:
        sig = SIGFPE;
        code = 1;
        break;
      case VEC_XM:
      case VEC_MF:
        sig = SIGFPE;
        code = x.code;
        break;
      case VEC_BP:
        sig = SIGTRAP;
        code = SI_KERNEL;
        break;
      case VEC_AC:
        sig = SIGBUS;
        break;
      case VEC_SS:
        sig = SIGBUS;
        code = SI_KERNEL;
        break;
      default:
        sig = SIG_OTHER_EXIT + x.vector;
    }
  }
  dv.setUint32(OUT_SIGNO, sig, true);
  dv.setUint32(OUT_SCODE, code, true);
  dv.setBigUint64(OUT_SADDR, BigInt(addr), true);
}
