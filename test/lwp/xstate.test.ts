// SPDX-License-Identifier: MIT
// LWP spec §8 and §7.9: the XSAVE component 62 image (128 bytes at 0x340), XRSTOR
// reactivation, the init state; and determinism (README.md): identical rings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LWP_XSTATE, XS, lwpIsInit, lwpRestore, lwpSave } from "../../src/hw/lwp/xstate.js";
import { bench, cbHead, records, run, writeLwpcb, DATA, LWPCB, RDI, RING } from "./helpers.js";

test("§8 the component is 128 bytes at offset 0x340, bit 62", () => {
  assert.deepEqual(LWP_XSTATE, { bit: 62, size: 0x80, offset: 0x340 });
});

test("§8 XSAVE image: LWPCB address, effective Flags, head, base, size, filters, counters; init = LWP off = zeros", () => {
  const b = bench();
  const img = new Uint8Array(128).fill(0xaa);
  lwpSave(b.c, img);
  assert.ok(img.every((v) => v === 0) && lwpIsInit(b.c));
  writeLwpcb(b, { flags: 0xe, size: 2048, random: 3, filters: 0x08000000, intervals: { 1: 9, 2: 1000, 3: 500 } });
  run(b, "llwpcb rdi\n lwpins eax, eax, 0\n lwpval eax, eax, 0\n ud2", { [RDI]: LWPCB });
  lwpSave(b.c, img);
  const v = new DataView(img.buffer);
  assert.equal(lwpIsInit(b.c), false);
  assert.equal(Number(v.getBigUint64(XS.CBADDR, true)), LWPCB);
  assert.equal(v.getUint32(XS.FLAGS, true), 0xe);
  assert.equal(v.getUint32(XS.HEAD, true), 32);
  assert.equal(Number(v.getBigUint64(XS.BASE, true)), RING);
  assert.equal(v.getUint32(XS.SIZE, true), 2048 | (3 << 28));
  assert.equal(v.getUint32(XS.FILTERS, true), 0x08000000);
  assert.equal(v.getInt32(XS.COUNTERS, true), 8, "EventCounter1: 9 → 8 after one LWPVAL");
  assert.equal(v.getInt32(XS.COUNTERS + 4, true), 1000 - 2, "EventCounter2 (LWPINS, LWPVAL retired)");
  assert.equal(cbHead(b), 32);
});

test("§7.9 XRSTOR of an image re-activates LWP with the live state; a zero image turns it off", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x2, size: 1024, intervals: { 1: 0 } });
  run(b, "llwpcb rdi\n lwpins eax, eax, 1\n lwpins eax, eax, 2\n ud2", { [RDI]: LWPCB });
  const img = new Uint8Array(128);
  lwpSave(b.c, img);
  lwpRestore(b.c, new Uint8Array(128));
  assert.equal(b.c.lwp.active, false);
  run(b, "lwpins eax, eax, 9\n ud2");
  assert.equal(cbHead(b), 64, "off: no record");
  lwpRestore(b.c, img);
  run(b, "lwpins eax, eax, 3\n ud2");
  assert.deepEqual(
    records(b, 0, 1024).map((r) => r.flags),
    [1, 2, 3],
  );
});

test("§8 a pending record travels in SavedEventRecord", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x4, size: 4096, intervals: { 2: 15 } });
  b.mem.protect(RING, 4096, 1);
  run(b, "llwpcb rdi\n mov ecx, 100\nL: add eax, 1\n dec ecx\n jnz L\n ud2", { [RDI]: LWPCB });
  const img = new Uint8Array(128);
  lwpSave(b.c, img);
  assert.equal(img[XS.SAVED_RECORD], 2, "EventId 2 pending");
  const other = bench();
  other.mem.poke(LWPCB, b.mem.readBytes(LWPCB, 256));
  lwpRestore(other.c, img);
  assert.equal(other.c.lwp.hasPending, true);
});

test("determinism: two runs give byte-identical rings", () => {
  const ring = (): Uint8Array => {
    const b = bench();
    writeLwpcb(b, { flags: 0x7e, random: 4, size: 8192, intervals: { 1: 3, 2: 50, 3: 20, 4: 15, 5: 70, 6: 60 } });
    run(b, "llwpcb rdi\n mov ecx, 300\nL: mov eax, [rbx]\n add rbx, 64\n lwpval eax, ecx, 0\n dec ecx\n jnz L\n ud2", {
      [RDI]: LWPCB,
      3: 0x600000,
    });
    return b.mem.readBytes(RING, 8192);
  };
  assert.deepEqual(ring(), ring());
});

test("§8/§7.9 the XSAVE instruction stores component 62 at 0x340 with XSTATE_BV[62]; XRSTOR without it turns LWP off", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x2, size: 1024, intervals: { 1: 0 } });
  const text =
    "llwpcb rdi\n lwpins eax, eax, 0\n mov eax, -1\n mov edx, -1\n xsave [rbx]\n xor ecx, ecx\n xgetbv\n ud2";
  const x = run(b, text, { [RDI]: LWPCB, 3: DATA });
  assert.equal(x.kind, "ud");
  assert.equal(b.c.getReg(2) >>> 30, 1, "XGETBV: XCR0[62]");
  assert.equal(b.mem.read32(DATA + 0x340), LWPCB);
  assert.equal(b.mem.read32(DATA + 0x34c), 32, "BufferHeadOffset in the image");
  assert.equal(b.mem.read8(DATA + 519) & 0x40, 0x40, "XSTATE_BV[62]");
  b.mem.write8(DATA + 519, b.mem.read8(DATA + 519) & ~0x40);
  run(b, "mov eax, -1\n mov edx, -1\n xrstor [rbx]\n slwpcb rax\n ud2", { 3: DATA, 0: 5 });
  assert.equal(b.c.getReg(0), 0, "component in init state: LWP off");
});
