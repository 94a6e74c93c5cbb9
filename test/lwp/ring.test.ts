// SPDX-License-Identifier: MIT
// LWP spec §7.3 (ring buffer), §7.5 (MissedEvents), §7.6 (threshold interrupt),
// §7.7 (faults on record stores) and §12.9, rule by rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CB } from "../../src/hw/lwp/lwpcb.js";
import { MSR_LWP_CFG } from "../../src/hw/lwp/msr.js";
import { isFull, buffered, crossesThreshold } from "../../src/hw/lwp/ring.js";
import { PROT_READ, PROT_WRITE } from "../../src/hw/memory/address-space.js";
import { bench, cbHead, cbMissed, labelAddress, records, run, writeLwpcb, CODE, LWPCB, RDI, RING } from "./helpers.js";

test("§7.3 ring arithmetic: full ⇔ (head + 32) mod size = tail; one slot kept free", () => {
  assert.equal(isFull(992, 0, 1024), true);
  assert.equal(isFull(960, 0, 1024), false);
  assert.equal(isFull(32, 64, 1024), true);
  assert.equal(buffered(32, 992, 1024), 64);
  assert.equal(crossesThreshold(0, 32, 0), true, "Threshold 0 fires on the first record");
  assert.equal(crossesThreshold(64, 96, 64), false);
});

test("§7.3 synchronised mode: 31 records fit a 32-slot ring; the 32nd overwrites at head, CF = 1, MissedEvents++", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x2, size: 1024, intervals: { 1: 0 } });
  run(b, "llwpcb rdi\n mov ecx, 31\nL: lwpins eax, ecx, 0\n dec ecx\n jnz L\n lwpins eax, ecx, 7\n ud2", {
    [RDI]: LWPCB,
  });
  assert.equal(b.c.f.cf(), true);
  assert.equal(cbHead(b), 992, "head stays on the free slot");
  assert.equal(cbMissed(b), 1);
  assert.equal(records(b, 0, 1024).length, 31);
  assert.equal(b.mem.read16(RING + 992 + 2), 7, "the overwritten record is in the free slot (interpretation A)");
});

test("§7.3 the tail is re-read on every store: a consumer that keeps up loses nothing", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x2, size: 1024, intervals: { 1: 0 } });
  // Write 200 records, advancing the tail to the head after each one (a polling consumer).
  const text =
    "llwpcb rdi\n mov ecx, 200\nL: lwpins eax, ecx, 0\n mov eax, [rdi+0x10]\n mov [rdi+0x40], eax\n dec ecx\n jnz L\n ud2";
  run(b, text, { [RDI]: LWPCB });
  assert.equal(cbMissed(b), 0);
  assert.equal(cbHead(b), (200 * 32) % 1024);
  assert.equal(b.mem.read32(RING + ((199 * 32) % 1024) + 4), 1, "the last record (ecx = 1) is there");
});

test("§7.5 MissedEvents + kept records = events generated (event 2, synchronised mode)", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x4, size: 1024, intervals: { 2: 15 } });
  run(b, "llwpcb rdi\n mov ecx, 1000\nL: add eax, 1\n dec ecx\n jnz L\n ud2", { [RDI]: LWPCB });
  assert.equal(records(b, 0, 1024).length + cbMissed(b), Math.floor(3001 / 16));
});

test("§7.3 continuous mode (full model): the head always advances over old records; CF = 0, nothing missed", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x20000002, size: 1024, intervals: { 1: 0 } });
  run(b, "llwpcb rdi\n mov ecx, 40\nL: lwpins eax, ecx, 0\n dec ecx\n jnz L\n ud2", { [RDI]: LWPCB });
  assert.equal(b.c.f.cf(), false);
  assert.equal(cbMissed(b), 0);
  assert.equal(cbHead(b), (40 * 32) % 1024);
  const f = bench({ model: "fam15h" });
  writeLwpcb(f, { flags: 0x20000002, size: 1024, intervals: { 1: 0 } });
  run(f, "llwpcb rdi\n ud2", { [RDI]: LWPCB });
  assert.equal(f.mem.read32(LWPCB + CB.FLAGS), 2, "fam15h has no CONT");
});

test("§7.6 threshold interrupt: raised after the instruction whose record crosses Threshold, vector from LWP_CFG[47:40]", () => {
  const b = bench();
  b.c.wrmsr(MSR_LWP_CFG, 0x0000_ef00_e000_007en);
  writeLwpcb(b, { flags: 0x80000002, size: 1024, threshold: 64, intervals: { 1: 0 } });
  const text = "llwpcb rdi\n lwpins eax, eax, 0\nT: lwpins eax, eax, 0\nN: nop\n lwpins eax, eax, 0\n ud2";
  let x = run(b, text, { [RDI]: LWPCB });
  assert.deepEqual(x, { kind: "lwpInterrupt", vector: 0xef });
  assert.equal(b.c.rip, labelAddress(text, "N"), "RIP after the crossing LWPINS");
  assert.equal(cbHead(b), 64, "the LWPCB head is current when the interrupt arrives");
  x = b.c.run(1000);
  assert.equal(x.kind, "ud", "one interrupt per crossing");
  assert.equal(cbHead(b), 96);
});

test("§7.6 threshold interrupt from a hardware event, and none without LWP_CFG[31] (reset value)", () => {
  const b = bench();
  b.c.wrmsr(MSR_LWP_CFG, 0x0000_2000_8000_0004n);
  writeLwpcb(b, { flags: 0x80000004, size: 1024, threshold: 0, intervals: { 2: 15 } });
  const x = run(b, "llwpcb rdi\n mov ecx, 1000\nL: add eax, 1\n dec ecx\n jnz L\n ud2", { [RDI]: LWPCB });
  assert.deepEqual(x, { kind: "lwpInterrupt", vector: 0x20 });
  const r = records(b, 0, 1024);
  assert.equal(r.length, 1);
  assert.equal(Number(r[0]!.ip), CODE + 15, "the 16th instruction: the JNZ of iteration 5");
  assert.equal(b.c.rip, CODE + 10, "RIP after it: the taken JNZ went back to L");
  const quiet = bench();
  writeLwpcb(quiet, { flags: 0x80000004, size: 1024, intervals: { 2: 15 } });
  assert.equal(
    run(quiet, "llwpcb rdi\n mov ecx, 1000\nL: add eax, 1\n dec ecx\n jnz L\n ud2", { [RDI]: LWPCB }).kind,
    "ud",
  );
});

test("§7.7 a faulting record store (event 2): #PF trap after the instruction, record kept pending and retried", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x4, size: 4096, intervals: { 2: 15 } });
  b.mem.protect(RING, 4096, PROT_READ);
  const text = "llwpcb rdi\n mov ecx, 100\nL: add eax, 1\n dec ecx\n jnz L\n ud2";
  const x = run(b, text, { [RDI]: LWPCB });
  assert.equal(x.kind, "fault");
  assert.equal(x.kind === "fault" ? x.address : 0, RING);
  const ip16 = labelAddress(text, "L") + 5; // 16th: mov, then (add, dec, jnz) × 5 → the JNZ of iteration 5
  assert.equal(b.c.rip, labelAddress(text, "L"), "trap: RIP after the sampled (taken) JNZ");
  b.mem.protect(RING, 4096, PROT_READ | PROT_WRITE);
  assert.equal(b.c.run(100000).kind, "ud");
  const r = records(b);
  assert.equal(Number(r[0]!.ip), ip16, "the pending record keeps its exact IP");
  assert.equal(r.length, Math.floor(301 / 16));
});

test("§7.7 a faulting LWPINS store is an instruction fault (restartable, nothing changed)", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x2, size: 4096, intervals: { 1: 0 } });
  b.mem.protect(RING, 4096, PROT_READ);
  const text = "llwpcb rdi\nI: lwpins eax, eax, 0\n ud2";
  assert.equal(run(b, text, { [RDI]: LWPCB }).kind, "fault");
  assert.equal(b.c.rip, labelAddress(text, "I"));
  b.mem.protect(RING, 4096, PROT_READ | PROT_WRITE);
  assert.equal(b.c.run(100).kind, "ud");
  assert.equal(records(b).length, 1);
});

test("§7.7/§7.5 a second event of the same instruction while a record is pending counts in MissedEvents (our choice)", () => {
  const b = bench({ model: "fam15h" });
  writeLwpcb(b, { flags: 0xc, size: 4096, intervals: { 2: 15, 3: 15 }, counters: { 2: 15, 3: 4 } });
  b.mem.protect(RING, 4096, PROT_READ);
  const x = run(b, "llwpcb rdi\n mov ecx, 100\nL: add eax, 1\n dec ecx\n jnz L\n ud2", { [RDI]: LWPCB });
  assert.equal(x.kind, "fault", "events 2 and 3 both cross at the JNZ of iteration 5");
  assert.equal(b.c.lwp.hasPending, true);
  assert.equal(cbMissed(b), 1);
  b.mem.protect(RING, 4096, PROT_READ | PROT_WRITE);
  assert.equal(b.c.run(100000).kind, "ud");
  const r = records(b);
  assert.equal(r[0]!.eventId, 2, "the pending record is stored first");
  assert.equal(r.length + cbMissed(b), Math.floor(301 / 16) + Math.floor((100 + 11) / 16));
});
