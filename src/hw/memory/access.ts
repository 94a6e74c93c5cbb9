// SPDX-License-Identifier: MIT
// What a guest memory access is and how it fails: page and protection constants, the
// access kinds (the page-fault error code's W and I/D bits), MemoryFault, and the
// page arithmetic the address space's walks share (AMD APM Vol. 2 §5).

export const PAGE_SIZE = 4096;
export const PAGE_MASK = 0xfff;
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
/** Highest user address + 1: 47-bit canonical lower half. */
export const USER_LIMIT = 2 ** 47;
/** Lowest canonical address of the upper (kernel) half, as a signed Number. */
const KERNEL_LOW = -(2 ** 47);

/** Kind of access that faulted: the page-fault error-code bits W and I/D. */
export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_EXEC = 2;
export type AccessKind = 0 | 1 | 2;
export const NEED = [PROT_READ, PROT_WRITE, PROT_EXEC];

/** What a MemoryFault is beyond #PF/#GP: a kernel-half address, or a page past the end of a mapped file. */
export const FAULT_PLAIN = 0;
export const FAULT_KERNEL = 1;
export const FAULT_BUS = 2;

/**
 * A guest memory fault. Not an Error: thrown on the hot path's slow branch and
 * caught once at the CPU's run-loop boundary, so no stack is captured.
 * `present` is false when no page is mapped (SEGV_MAPERR) and true when the
 * page exists but forbids the access (SEGV_ACCERR). Non-canonical addresses
 * raise #GP instead of #PF (Linux reports si_addr 0 for those).
 */
export class MemoryFault {
  constructor(
    readonly address: number,
    readonly access: AccessKind,
    readonly present: boolean,
    readonly generalProtection: boolean,
    readonly kind = FAULT_PLAIN,
  ) {}
}

export function pageNumber(addr: number): number {
  return (addr - (addr & PAGE_MASK)) / PAGE_SIZE;
}

/**
 * Calls `fn` for each piece of [addr, addr+len) within one page, in order: its address,
 * offset in the page, length, and the bytes before it; stops when `fn` returns false.
 * Returns the bytes of the pieces `fn` accepted.
 */
export function spans(
  addr: number,
  len: number,
  fn: (a: number, off: number, n: number, done: number) => boolean,
): number {
  let done = 0;
  while (done < len) {
    const a = addr + done,
      off = a & PAGE_MASK,
      n = Math.min(len - done, PAGE_SIZE - off);
    if (!fn(a, off, n, done)) break;
    done += n;
  }
  return done;
}

/** The fault for an address outside the user half: #PF in the kernel half, #GP when non-canonical. */
export function outsideUser(a: number, access: AccessKind): MemoryFault {
  if (a < 0 && a >= KERNEL_LOW) return new MemoryFault(a, access, true, false, FAULT_KERNEL);
  return new MemoryFault(a, access, false, true);
}
