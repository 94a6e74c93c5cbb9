// SPDX-License-Identifier: MIT
// CPU exits that become synchronous signals (arch/x86/kernel/traps.c,
// fault.c, fpu/core.c fpu__exception_code): signal, si_code and si_addr.
import type { Cpu } from "../../hw/cpu/cpu.js";
import {
  type Exit,
  FAULT_ACCERR,
  VEC_AC,
  VEC_SS,
  VEC_BP,
  VEC_DB,
  VEC_OF,
  VEC_DE,
  VEC_MF,
  VEC_PF,
  VEC_UD,
  VEC_XM,
} from "../../hw/cpu/exits.js";
import { DB_SINGLE_STEP } from "../../hw/cpu/step.js";
import { SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP } from "../signals.js";
import type { Task } from "../task.js";
import { PAGE_SIZE } from "../../hw/memory/address-space.js";
import { areaAtOrBelow } from "../mm/vm.js";
import {
  BUS_ADRALN,
  BUS_ADRERR,
  FPE_FLTDIV,
  FPE_FLTINV,
  FPE_FLTOVF,
  FPE_FLTRES,
  FPE_FLTUND,
  FPE_INTDIV,
  ILL_ILLOPN,
  SEGV_ACCERR,
  SEGV_MAPERR,
  SI_KERNEL,
  TRAP_BRKPT,
  TRAP_TRACE,
  type Siginfo,
} from "./queue.js";

/** si_code for an x87 (#MF) or SIMD (#XM) exception from the unmasked pending flags. */
function fpeCode(c: Cpu, vector: number): number {
  const err = vector === VEC_XM ? ~(c.mxcsr >> 7) & c.mxcsr : c.x87.status & ~c.x87.fcw;
  if ((err & 0x01) !== 0) return FPE_FLTINV;
  if ((err & 0x04) !== 0) return FPE_FLTDIV;
  if ((err & 0x08) !== 0) return FPE_FLTOVF;
  if ((err & 0x12) !== 0) return FPE_FLTUND;
  if ((err & 0x20) !== 0) return FPE_FLTRES;
  return 0;
}

/**
 * The signal a fault or #UD exit raises, with the thread's trap bookkeeping
 * (sigcontext trapno/err/cr2) updated. INT3 is a trap: RIP moves past it.
 */
export function faultSignal(t: Task, x: Exit): Siginfo | null {
  const c = t.proc.cpu;
  const rip = c.rip;
  if (x.kind === "ud") {
    setTrap(t, VEC_UD, 0, t.cr2);
    return { signo: SIGILL, code: ILL_ILLOPN, addr: rip };
  }
  if (x.kind !== "fault") return null;
  switch (x.vector) {
    case VEC_PF:
      setTrap(t, VEC_PF, x.errorCode, x.address);
      return pageFault(t, x.address, x.code);
    case VEC_DE:
      setTrap(t, VEC_DE, 0, t.cr2);
      return { signo: SIGFPE, code: FPE_INTDIV, addr: rip };
    case VEC_MF:
    case VEC_XM:
      setTrap(t, x.vector, 0, t.cr2);
      return { signo: SIGFPE, code: fpeCode(c, x.vector), addr: rip };
    case VEC_BP:
      c.rip = rip + x.address; // INT3 and INT 3 carry their length (prefixes included)
      setTrap(t, VEC_BP, 0, t.cr2);
      return { signo: SIGTRAP, code: SI_KERNEL };
    case VEC_DB: // a trap, RIP after the instruction; exc_debug_user: si_addr = RIP
      if (x.code === DB_SINGLE_STEP) {
        setTrap(t, VEC_DB, 0, t.cr2);
        return { signo: SIGTRAP, code: TRAP_TRACE, addr: rip };
      }
      c.rip = rip + x.address; // INT1 (ICEBP) stops at itself in the CPU, `address` its length: TRAP_BRKPT
      setTrap(t, VEC_DB, 0, t.cr2);
      return { signo: SIGTRAP, code: TRAP_BRKPT, addr: c.rip };
    case VEC_OF: // INT 4: a trap to the user-mode #OF gate (do_error_trap: SIGSEGV, SI_KERNEL)
      c.rip = rip + x.address; // the length of INT 4 with its prefixes
      setTrap(t, VEC_OF, 0, t.cr2);
      return { signo: SIGSEGV, code: SI_KERNEL, addr: 0 };
    case VEC_AC:
      setTrap(t, VEC_AC, x.errorCode, t.cr2);
      return { signo: SIGBUS, code: BUS_ADRALN, addr: x.address };
    case VEC_SS:
      setTrap(t, VEC_SS, x.errorCode, t.cr2);
      return { signo: SIGBUS, code: SI_KERNEL, addr: 0 };
    default:
      setTrap(t, x.vector, x.errorCode, t.cr2);
      return { signo: SIGSEGV, code: SI_KERNEL, addr: 0 };
  }
}

/**
 * A page fault's signal (arch/x86/mm/fault.c): a kernel-half address is
 * SEGV_MAPERR (bad_area_nosemaphore), a page of a mapped file wholly past its
 * end is SIGBUS BUS_ADRERR (filemap_fault), the rest SEGV_MAPERR or SEGV_ACCERR.
 */
function pageFault(t: Task, addr: number, code: number): Siginfo {
  if (addr < 0) return { signo: SIGSEGV, code: SEGV_MAPERR, addr };
  const v = areaAtOrBelow(t.proc.mem.areas(), addr);
  if (
    v !== undefined &&
    v.end > addr &&
    v.obj !== null &&
    !v.obj.hasPage(v.pgoff + Math.floor((addr - v.start) / PAGE_SIZE))
  ) {
    return { signo: SIGBUS, code: BUS_ADRERR, addr };
  }
  return { signo: SIGSEGV, code: code === FAULT_ACCERR ? SEGV_ACCERR : SEGV_MAPERR, addr };
}

function setTrap(t: Task, trapNo: number, err: number, cr2: number): void {
  t.trapNo = trapNo;
  t.errCode = err;
  t.cr2 = cr2;
}
