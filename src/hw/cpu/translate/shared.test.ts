// SPDX-License-Identifier: MIT
// Translations shared by frame (shared.ts): a CPU on a copy-on-write copy of an address
// space runs the blocks another CPU translated without decoding them again, and
// never where the bytes behind the address differ. test/abi/codeshare.c checks the
// same against Linux with forked processes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../memory/address-space.js";
import { PhysMem } from "../../memory/phys.js";
import { Cpu } from "../cpu.js";
import { DECODE_STATS } from "../stats.js";

const CODE = 0x400000;
const MOV_EAX_UD2 = (v: number): Uint8Array => Uint8Array.from([0xb8, v, 0, 0, 0, 0x0f, 0x0b]); // mov eax, v; ud2

function runAt(c: Cpu): number {
  c.rip = CODE;
  assert.equal(c.run(10).kind, "ud");
  return c.r32[0]!;
}

function decodedBy(f: () => void): number {
  const before = DECODE_STATS.decoded;
  f();
  return DECODE_STATS.decoded - before;
}

test("a CPU on a copy of an address space reuses the blocks translated for the same frames", () => {
  const phys = new PhysMem(4096);
  const parent = new AddressSpace(phys);
  parent.map(CODE, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
  parent.poke(CODE, MOV_EAX_UD2(7));
  const a = new Cpu(parent);
  assert.ok(decodedBy(() => assert.equal(runAt(a), 7)) > 0);

  const child = parent.clone();
  const b = new Cpu(child);
  assert.equal(
    decodedBy(() => assert.equal(runAt(b), 7)),
    0,
    "the child decoded again",
  );

  // The child's own copy of the page gets new code: its frame differs, so nothing is shared.
  child.writeBytes(CODE + 1, Uint8Array.of(9));
  assert.equal(runAt(b), 9);
  assert.equal(runAt(a), 7);
  const third = new Cpu(parent.clone());
  assert.equal(runAt(third), 7);
});

test("a block is not shared where the page is not executable or maps another frame", () => {
  const phys = new PhysMem(4096);
  const one = new AddressSpace(phys);
  one.map(CODE, 4096, PROT_READ | PROT_EXEC);
  one.poke(CODE, MOV_EAX_UD2(1));
  assert.equal(runAt(new Cpu(one)), 1);

  // Same address, other frame, other bytes.
  const two = new AddressSpace(phys);
  two.map(CODE, 4096, PROT_READ | PROT_EXEC);
  two.poke(CODE, MOV_EAX_UD2(2));
  assert.equal(runAt(new Cpu(two)), 2);

  // Same frame, but not executable here: the fetch faults as it must.
  const three = one.clone();
  three.protect(CODE, 4096, PROT_READ);
  const c = new Cpu(three);
  c.rip = CODE;
  const exit = c.run(10);
  assert.equal(exit.kind, "fault");
});
