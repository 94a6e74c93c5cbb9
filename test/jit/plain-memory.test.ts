// SPDX-License-Identifier: MIT
// Physical memory is a shared WebAssembly.Memory where the host has one (src/hw/memory/phys.ts,
// "reserve": V8 does not count it as external memory), else a plain one: the regions of
// tier 3 import it as what it is, and run the same either way.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setDefaultTiers } from "../../src/hw/cpu/cpu.js";
import { JIT_TOTALS } from "../../src/hw/jit/jit.js";
import { PhysMem } from "../../src/hw/memory/phys.js";
import { bench, run, RCX } from "../lwp/helpers.js";

/** A physical memory made while WebAssembly.Memory refuses `shared` (as a page that is not cross-origin isolated does). */
function plainPhysMem(): PhysMem {
  const ns = WebAssembly as unknown as { Memory: typeof WebAssembly.Memory };
  const Real = ns.Memory;
  ns.Memory = class extends Real {
    constructor(d: WebAssembly.MemoryDescriptor & { shared?: boolean }) {
      if (d.shared === true) throw new TypeError("shared memory is not available");
      super(d);
    }
  };
  try {
    return new PhysMem(4096);
  } finally {
    ns.Memory = Real;
  }
}

/** eax after the loop below, computed here. */
function expected(n: number): number {
  let eax = 1;
  for (let i = n; i > 0; i--) eax = Math.imul((eax + i) | 0, 3);
  return eax >>> 0;
}

for (const [kind, make, shared] of [
  ["shared", () => new PhysMem(4096), true],
  ["plain", plainPhysMem, false],
] as const) {
  test(`tier 3 regions run over a ${kind} physical memory`, () => {
    const phys = make();
    assert.equal(phys.isShared, shared);
    setDefaultTiers({ tier: 3, forced: true });
    try {
      const regions = JIT_TOTALS.regions;
      const b = bench({ phys });
      const x = run(b, "L: add eax, ecx\n imul eax, eax, 3\n dec ecx\n jnz L\n ud2", { 0: 1, [RCX]: 10_000 });
      assert.equal(x.kind, "ud");
      assert.equal(b.c.getReg(0), expected(10_000));
      assert.ok(JIT_TOTALS.regions > regions, "the loop ran as a compiled region");
    } finally {
      setDefaultTiers({ tier: 3, forced: false });
    }
  });
}
