// SPDX-License-Identifier: MIT
// PUSH and POP go through the translated code's TLB with RSP as two 32-bit halves
// (src/hw/cpu/isa/stack-ops.ts, AddressSpace.frameAt), and take the Number path when
// RSP's low half would borrow or carry: a stack that straddles a 4 GiB boundary, a
// page boundary, and a TLB emptied by a task switch must all give what the Number path
// gives, and memory must hold the values where the Number addresses say.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AddressSpace, PROT_READ, PROT_WRITE } from "../../src/hw/memory/address-space.js";
import { bench, loadCode, RAX, RBX, RCX, RDX, RSP } from "../lwp/helpers.js";

const FOUR_GIB = 2 ** 32;
/** A 4 GiB boundary high in the user half, where stacks live (RSP's high half 0x7ffe → 0x7fff). */
const EDGE = 0x7fff * FOUR_GIB;

/** Pushes RAX, RBX and RCX, pops them into RDX, RSI... back in reverse: 6 instructions, then UD2. */
const CODE = "push rax\n push rbx\n push rcx\n pop rdx\n pop rsi\n pop rdi\n ud2";

for (const [where, sp] of [
  ["the low half borrows on the second push and carries on the second pop", EDGE + 8],
  ["the pushes cross a page", EDGE + 0x1008],
  ["within one page", EDGE + 0x1800],
] as const) {
  test(`PUSH and POP: ${where}`, () => {
    const b = bench();
    b.mem.map(EDGE - 0x2000, 0x4000, PROT_READ | PROT_WRITE);
    const vals = [0x1122334455667788n, 0x99aabbccddeeff00n, 0x0123456789abcdefn];
    // Twice: the second pass finds the pages in the TLBs (the fast path where it applies).
    for (let pass = 0; pass < 2; pass++) {
      loadCode(b, CODE, { [RSP]: sp });
      b.c.setReg64(RAX, vals[0]!);
      b.c.setReg64(RBX, vals[1]!);
      b.c.setReg64(RCX, vals[2]!);
      const x = b.c.run(1000);
      assert.equal(x.kind, "ud", "stops at UD2");
      assert.equal(b.c.getReg(RSP), sp, "RSP back where it started");
      assert.deepEqual([b.c.getReg64(RDX), b.c.getReg64(6), b.c.getReg64(7)], [vals[2], vals[1], vals[0]]);
      for (let k = 0; k < 3; k++) {
        const a = sp - 8 * (k + 1);
        const got = (BigInt(b.mem.read32(a + 4) >>> 0) << 32n) | BigInt(b.mem.read32(a) >>> 0);
        assert.equal(got, vals[k], `memory at RSP-${8 * (k + 1)}`);
      }
    }
  });
}

test("PUSH after a task switch emptied the translated code's TLB, and POP of what another space wrote", () => {
  const b = bench();
  const other = new AddressSpace(b.mem.phys);
  b.mem.map(EDGE - 0x2000, 0x4000, PROT_READ | PROT_WRITE);
  other.map(EDGE - 0x2000, 0x4000, PROT_READ | PROT_WRITE);
  const sp = EDGE + 0x800;
  loadCode(b, "push rax\n ud2", { [RSP]: sp, [RAX]: 7 });
  b.c.run(100);
  // Switch away and back: the area compiled code reads is traded and refilled.
  AddressSpace.tradeTlbs(b.mem, other);
  other.write32(sp - 8, 0x55); // the other space's own page, not this one's
  AddressSpace.tradeTlbs(other, b.mem);
  loadCode(b, "pop rbx\n push rcx\n ud2", { [RSP]: sp - 8, [RCX]: 9 });
  b.c.run(100);
  assert.equal(b.c.getReg(RBX), 7, "this space's value, not the other's");
  assert.equal(b.mem.read32(sp - 8), 9);
  assert.equal(other.read32(sp - 8), 0x55);
});
