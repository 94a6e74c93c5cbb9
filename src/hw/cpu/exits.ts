// SPDX-License-Identifier: MIT
// Why `Cpu.run()` returned: the CPU never calls the kernel, it reports an exit
// (KVM exit reasons / unicorn hooks style) and the kernel's run loop decides.

/** Exception vectors (AMD APM Vol. 2 §8.2). */
export const VEC_DE = 0; // divide error
export const VEC_DB = 1; // debug: INT1 (ICEBP), single step
export const VEC_BP = 3; // INT3
export const VEC_OF = 4; // overflow: INT 4
export const VEC_UD = 6;
export const VEC_SS = 12; // stack-segment fault
export const VEC_GP = 13;
export const VEC_PF = 14;
export const VEC_MF = 16; // x87 floating-point
export const VEC_AC = 17;
export const VEC_XM = 19; // SIMD floating-point

export type Exit =
  | { readonly kind: "syscall" }
  | { readonly kind: "budget" }
  /** A fault or trap. `rip` is the faulting instruction (or the next one, for traps). */
  | {
      readonly kind: "fault";
      readonly vector: number;
      readonly errorCode: number;
      readonly address: number;
      readonly code: number;
    }
  /** An undefined opcode: the instruction bytes are reported for the message. */
  | { readonly kind: "ud"; readonly bytes: Uint8Array }
  /** The LWP threshold interrupt (LWP spec §7.6) with the vector from LWP_CFG[47:40]. */
  | { readonly kind: "lwpInterrupt"; readonly vector: number };

export const EXIT_SYSCALL: Exit = Object.freeze({ kind: "syscall" });
export const EXIT_BUDGET: Exit = Object.freeze({ kind: "budget" });

/** Fault detail codes for `fault` exits (map onto si_code in the kernel). */
export const FAULT_MAPERR = 1;
export const FAULT_ACCERR = 2;
/** Integer divide by zero / quotient overflow. */
export const FAULT_INTDIV = 3;

/**
 * A CPU exception raised inside an instruction's semantics (#UD, #DE, #GP ...).
 * Thrown (rarely) and caught at the run-loop boundary like MemoryFault.
 */
export class CpuException {
  constructor(
    readonly vector: number,
    readonly errorCode = 0,
    readonly code = 0,
    readonly address = 0,
  ) {}
}
