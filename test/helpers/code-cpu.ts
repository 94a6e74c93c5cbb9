// SPDX-License-Identifier: MIT
// A bare CPU for tier tests: a few instructions at CODE, followed by UD2, and data pages
// at DATA with the page after them unmapped, run with one tier forced from the first
// execution (the JIT tests compare forced tier 3 with tier 1, which the differential
// suite checks against the host).
import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../src/hw/memory/address-space.js";
import { Cpu, setDefaultTiers } from "../../src/hw/cpu/cpu.js";

export const CODE = 0x400000,
  DATA = 0x600000;

/**
 * Runs `fn` on a new CPU of forced tier `tier` whose space holds `code` then UD2 at CODE
 * and `pages` writable pages at DATA (their bytes from `data`, zero without it), with RIP
 * at CODE; the default tiers are back afterwards.
 */
export function withCodeCpu<T>(
  tier: 1 | 2 | 3,
  code: readonly number[],
  pages: number,
  data: Uint8Array | null,
  fn: (c: Cpu, mem: AddressSpace) => T,
): T {
  setDefaultTiers({ tier, forced: true });
  try {
    const mem = new AddressSpace();
    mem.map(CODE, 4096, PROT_READ | PROT_EXEC);
    mem.map(DATA, pages * 4096, PROT_READ | PROT_WRITE);
    mem.poke(CODE, Uint8Array.from([...code, 0x0f, 0x0b]));
    if (data !== null) mem.poke(DATA, data);
    const c = new Cpu(mem);
    c.rip = CODE;
    return fn(c, mem);
  } finally {
    setDefaultTiers({ tier: 3, forced: false });
  }
}
