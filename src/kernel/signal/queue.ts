// SPDX-License-Identifier: MIT
// Pending signals (kernel/signal.c struct sigpending) and siginfo_t
// (include/uapi/asm-generic/siginfo.h, 128 bytes on x86-64).

export const SI_USER = 0;
export const SI_KERNEL = 0x80;
export const SI_QUEUE = -1;
export const SI_TIMER = -2;
export const SI_TKILL = -6;
export const SEGV_MAPERR = 1;
export const SEGV_ACCERR = 2;
export const BUS_ADRALN = 1;
export const BUS_ADRERR = 2;
export const TRAP_BRKPT = 1;
export const TRAP_TRACE = 2;
export const ILL_ILLOPN = 2;
export const FPE_INTDIV = 1;
export const FPE_FLTDIV = 3;
export const FPE_FLTOVF = 4;
export const FPE_FLTUND = 5;
export const FPE_FLTRES = 6;
export const FPE_FLTINV = 7;
export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_DUMPED = 3;

export interface Siginfo {
  signo: number;
  code: number;
  errno?: number;
  /** kill/rt/sigchld: sender pid and uid. */
  pid?: number;
  uid?: number;
  /** SIGCHLD: exit status or signal; rt/timer: sigval. */
  status?: number;
  value?: bigint;
  /** Faults: si_addr. */
  addr?: number;
}

/** Encodes siginfo_t (union at offset 16). */
export function encodeSiginfo(si: Siginfo): Uint8Array {
  const b = new Uint8Array(128);
  const v = new DataView(b.buffer);
  v.setInt32(0, si.signo, true);
  v.setInt32(4, si.errno ?? 0, true);
  v.setInt32(8, si.code, true);
  if (si.addr !== undefined) {
    v.setBigUint64(16, BigInt.asUintN(64, BigInt(si.addr)), true);
    return b;
  }
  v.setInt32(16, si.pid ?? 0, true);
  v.setInt32(20, si.uid ?? 0, true);
  if (si.status !== undefined) v.setInt32(24, si.status, true);
  else if (si.value !== undefined) v.setBigUint64(24, BigInt.asUintN(64, si.value), true);
  return b;
}

export function sigbit(sig: number): bigint {
  return 1n << BigInt(sig - 1);
}

/** Synchronous signals are dequeued first (kernel/signal.c SYNCHRONOUS_MASK). */
const SYNCHRONOUS = sigbit(11) | sigbit(7) | sigbit(4) | sigbit(5) | sigbit(8) | sigbit(31);

export class SigQueue {
  private readonly list: Siginfo[] = [];

  get set(): bigint {
    let s = 0n;
    for (let i = 0; i < this.list.length; i++) s |= sigbit(this.list[i]!.signo);
    return s;
  }

  has(sig: number): boolean {
    return this.list.some((si) => si.signo === sig);
  }

  /** Queues; standard signals (< 32) are not queued twice (legacy_queue). */
  add(si: Siginfo): void {
    if (si.signo < 32 && this.has(si.signo)) return;
    this.list.push(si);
  }

  /** Lowest-numbered pending signal not in `blocked`, synchronous ones first; 0 if none. */
  next(blocked: bigint): number {
    if (this.list.length === 0) return 0; // at every return to user mode: mostly nothing queued
    const ready = this.set & ~blocked;
    if (ready === 0n) return 0;
    const sync = ready & SYNCHRONOUS;
    const pick = sync !== 0n ? sync : ready;
    let sig = 1;
    while ((pick & sigbit(sig)) === 0n) sig++;
    return sig;
  }

  take(sig: number): Siginfo | undefined {
    const i = this.list.findIndex((si) => si.signo === sig);
    return i < 0 ? undefined : this.list.splice(i, 1)[0];
  }

  /** Drops every queued instance of `sig` (signal became ignored). */
  discard(sig: number): void {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.signo === sig) this.list.splice(i, 1);
  }

  clear(): void {
    this.list.length = 0;
  }
}
