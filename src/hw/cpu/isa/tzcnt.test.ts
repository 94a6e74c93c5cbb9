// SPDX-License-Identifier: MIT
// Pins docs/quirks.md Q-TZCNT-BSF: without BMI1 in CPUID, F3 0F BC executes as
// BSF (as on pre-BMI1 AMD processors): a zero source keeps the destination and
// sets ZF; a nonzero source gives the lowest set bit's index and clears ZF.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AddressSpace, PROT_EXEC, PROT_READ } from "../../memory/address-space.js";
import { Cpu } from "../cpu.js";
import { cpuid } from "../cpuid.js";

const CODE = 0x400000;

function runTzcnt(src: number, dst: number): { eax: number; zf: boolean } {
  const mem = new AddressSpace();
  mem.map(CODE, 4096, PROT_READ | PROT_EXEC);
  mem.poke(CODE, Uint8Array.from([0xf3, 0x0f, 0xbc, 0xc1, 0x0f, 0x0b])); // tzcnt eax, ecx; ud2
  const c = new Cpu(mem);
  c.r32[0] = dst;
  c.r32[2] = src;
  c.rip = CODE;
  assert.equal(c.run(10).kind, "ud");
  return { eax: c.r32[0]! >>> 0, zf: c.f.zf() };
}

test("TZCNT encoding runs as BSF while CPUID leaf 7 EBX[3] (BMI1) is clear", () => {
  const [, ebx] = cpuid(new Cpu(new AddressSpace()), 7, 0);
  assert.equal(ebx & (1 << 3), 0);
  assert.deepEqual(runTzcnt(0, 0x1234), { eax: 0x1234, zf: true });
  assert.deepEqual(runTzcnt(0x80, 0x1234), { eax: 7, zf: false });
});
