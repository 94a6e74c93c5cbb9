// SPDX-License-Identifier: MIT
// LWP spec §6 (LLWPCB, SLWPCB, LWPINS, LWPVAL and their #UD conditions) and §3.3
// (LWPCB normalisation), rule by rule, through real instruction bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CB } from "../../src/hw/lwp/lwpcb.js";
import { MSR_LWP_CFG } from "../../src/hw/lwp/msr.js";
import {
  bench,
  cbCounter,
  cbHead,
  cbMissed,
  records,
  run,
  writeLwpcb,
  CODE,
  DATA,
  LWPCB,
  RAX,
  RBX,
  RCX,
  RDX,
  RDI,
  RSI,
  labelAddress,
} from "./helpers.js";

test("§6.4 with XCR0[62] clear every LWP instruction raises #UD at itself", () => {
  for (const insn of ["llwpcb rdi", "slwpcb rax", "lwpins rax, ecx, 1", "lwpval rax, ecx, 1"]) {
    const b = bench({ lwp: false });
    const x = run(b, `${insn}\n nop\n ud2`);
    assert.equal(x.kind, "ud", insn);
    assert.equal(b.c.rip, CODE, `${insn}: RIP at the LWP instruction, not at ud2`);
  }
});

test("§6.4 reserved encodings #UD: XOP.L=1, mod≠11 for LLWPCB/SLWPCB", () => {
  const forms = [
    [0x8f, 0xe9, 0x7c, 0x12, 0xc0], // llwpcb eax with L=1
    [0x8f, 0xe9, 0x78, 0x12, 0x00], // llwpcb with a memory operand
    [0x8f, 0xe9, 0x78, 0x12, 0x08], // slwpcb with a memory operand
    [0x8f, 0xea, 0x7c, 0x12, 0xc0, 1, 0, 0, 0], // lwpins with L=1
  ];
  for (const bytes of forms) {
    const b = bench();
    b.mem.poke(CODE, new Uint8Array(bytes));
    b.c.rip = CODE;
    const x = b.c.run(100);
    assert.equal(x.kind, "ud", bytes.map((v) => v.toString(16)).join(" "));
    assert.equal(b.c.rip, CODE);
  }
});

test("§6.2 SLWPCB returns 0 while LWP is off; §6.1 LLWPCB loads, SLWPCB returns the address, LLWPCB(0) disables", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x2, intervals: { 1: 0 } });
  run(b, "slwpcb rax\n llwpcb rdi\n slwpcb rbx\n xor ecx, ecx\n llwpcb rcx\n slwpcb rdx\n ud2", {
    [RAX]: 5,
    [RDI]: LWPCB,
    [RDX]: 5,
  });
  assert.equal(b.c.getReg(RAX), 0);
  assert.equal(b.c.getReg(RBX), LWPCB);
  assert.equal(b.c.getReg(RDX), 0);
});

test("§6.2 SLWPCB with a 32-bit register zero-extends the address", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x2, intervals: { 1: 0 } });
  run(b, "llwpcb rdi\n mov rax, -1\n slwpcb eax\n ud2", { [RDI]: LWPCB });
  assert.equal(b.c.getReg(RAX), LWPCB);
});

test("§3.3 rule 1: effective Flags = requested ∧ CPUID EDX ∧ LWP_CFG, written back by LLWPCB", () => {
  const b = bench({ model: "fam15h" });
  writeLwpcb(b, { flags: 0xe000007e, intervals: { 1: 0, 2: 100, 3: 100 } });
  run(b, "llwpcb rdi\n ud2", { [RDI]: LWPCB });
  assert.equal(b.mem.read32(LWPCB + CB.FLAGS) >>> 0, 0xe, "events 1–3 only; INT dropped (LWP_CFG[31] = 0), as rr saw");
  const f = bench();
  f.c.wrmsr(MSR_LWP_CFG, 0x6n); // the OS allows events 1 and 2 only
  writeLwpcb(f, { flags: 0x7e, intervals: { 1: 0, 2: 100 } });
  run(f, "llwpcb rdi\n ud2", { [RDI]: LWPCB });
  assert.equal(f.mem.read32(LWPCB + CB.FLAGS), 0x6);
});

test("§3.3 rule 2: a BufferSize below LwpMinBufferSize leaves LWP off and Flags read back 0 (our choice)", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x6, size: 1023, intervals: { 1: 0, 2: 100 } });
  run(b, "llwpcb rdi\n slwpcb rax\n ud2", { [RDI]: LWPCB, [RAX]: 1 });
  assert.equal(b.c.getReg(RAX), 0);
  assert.equal(b.mem.read32(LWPCB + CB.FLAGS), 0);
  const ok = bench();
  writeLwpcb(ok, { flags: 0x2, size: 1024 + 31, intervals: { 1: 0 } });
  run(ok, "llwpcb rdi\n slwpcb rax\n ud2", { [RDI]: LWPCB });
  assert.equal(ok.c.getReg(RAX), LWPCB, "1055 rounds down to 1024: valid");
});

test("§3.3 rule 3: BufferHeadOffset ≥ size becomes 0, an unaligned one is rounded down", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x2, size: 1024, head: 4096, intervals: { 1: 0 } });
  run(b, "llwpcb rdi\n ud2", { [RDI]: LWPCB });
  assert.equal(cbHead(b), 0);
  const c = bench();
  writeLwpcb(c, { flags: 0x2, size: 1024, head: 100, intervals: { 1: 0 } });
  run(c, "llwpcb rdi\n ud2", { [RDI]: LWPCB });
  assert.equal(cbHead(c), 96);
});

test("§3.3 rules 5–6: a negative EventCounter becomes 0; an interval below the minimum is raised to 15 (our choice)", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x4, intervals: { 2: 3 }, counters: { 2: 0x3ffffff } }); // −1 in 26 bits
  run(b, "llwpcb rdi\n nop\n slwpcb rax\n ud2", { [RDI]: LWPCB });
  const r = records(b);
  assert.equal(r.length, 1, "counter 0: the first instruction after LLWPCB fires");
  assert.equal(Number(r[0]!.ip), CODE + 5, "the NOP after the 5-byte LLWPCB");
  assert.equal(cbCounter(b, 2), 15, "reloaded with 15 (3 raised to the minimum); SLWPCB flushes before it retires");
});

test("§7.8 LLWPCB of a new LWPCB flushes the old one's head, counters and MissedEvents", () => {
  const b = bench();
  const second = LWPCB + 0x200;
  writeLwpcb(b, { flags: 0x2, intervals: { 1: 5 } });
  writeLwpcb(b, { flags: 0x2, intervals: { 1: 0 }, base: DATA }, second);
  run(b, "llwpcb rdi\n lwpval eax, ecx, 0\n lwpval eax, ecx, 0\n lwpins eax, ecx, 0\n llwpcb rsi\n ud2", {
    [RDI]: LWPCB,
    [RSI]: second,
  });
  assert.equal(cbCounter(b, 1), 3, "two LWPVALs counted 5 → 3");
  assert.equal(cbHead(b), 32, "the LWPINS record");
});

test("§6.1 a faulting LWPCB read is an instruction fault: RIP at LLWPCB, LWP unchanged", () => {
  const b = bench();
  const x = run(b, "llwpcb rdi\n ud2", { [RDI]: 0x900000 });
  assert.equal(x.kind, "fault");
  assert.equal(b.c.rip, CODE);
  assert.equal(b.c.lwp.active, false);
});

test("§6.3/§4 LWPINS record: EventId 255, CoreId, Flags = imm[15:0], Data1 = r/m32, Data2 = reg64, exact IP; CF = 0", () => {
  const b = bench();
  b.c.wrmsr(MSR_LWP_CFG, 0x0000_0042_0000_0002n); // CoreId 0x42
  writeLwpcb(b, { flags: 0x2, intervals: { 1: 0 } });
  const text = "llwpcb rdi\n xor edx, edx\n cmp edx, 1\nI: lwpins rax, ecx, 0x12345678\n ud2";
  run(b, text, { [RDI]: LWPCB, [RAX]: 0x1_2345_6789_ab, [RCX]: 0xdeadbeef });
  const [r] = records(b);
  assert.ok(r !== undefined);
  assert.equal(r.eventId, 255);
  assert.equal(r.coreId, 0x42);
  assert.equal(r.flags, 0x5678);
  assert.equal(r.data1, 0xdeadbeef);
  assert.equal(r.data2, 0x1_2345_6789_abn);
  assert.equal(Number(r.ip), labelAddress(text, "I"));
  assert.equal(r.data3, 0n, "Data3 = 0 without PTSC");
  assert.equal(b.c.f.cf(), false);
});

test("§6.3 LWPINS 32-bit form zero-extends Data2; Data1 may come from memory", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x2, intervals: { 1: 0 } });
  b.mem.write32(DATA + 8, 0x01020304);
  run(b, "llwpcb rdi\n lwpins edx, dword ptr [rbx+8], 0xffff\n ud2", { [RDI]: LWPCB, [RDX]: -1, [RBX]: DATA });
  const [r] = records(b);
  assert.equal(r!.data2, 0xffffffffn);
  assert.equal(r!.data1, 0x01020304);
});

test("§6.3 LWPINS with LWP off: no record, CF cleared; other flags unchanged when on", () => {
  const b = bench();
  run(b, "xor edx, edx\n cmp edx, 1\n lwpins rax, ecx, 1\n ud2");
  assert.equal(b.c.f.cf(), false);
  writeLwpcb(b, { flags: 0x2, intervals: { 1: 0 } });
  run(b, "llwpcb rdi\n xor eax, eax\n lwpins rax, ecx, 1\n ud2", { [RDI]: LWPCB });
  assert.equal(b.c.f.zf(), true, "ZF from XOR survives LWPINS (iced: CF only)");
});

test("§6.3 LWPVAL: one EventId 1 record every (EventInterval1 + 1)-th execution, fields as LWPINS", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x2, intervals: { 1: 9 } });
  const text = "llwpcb rdi\n mov ecx, 100\nL: lwpval rcx, esi, 0x10001\n dec ecx\n jnz L\n ud2";
  run(b, text, { [RDI]: LWPCB, [RSI]: 77 });
  const r = records(b);
  assert.equal(r.length, 10);
  assert.deepEqual(
    r.map((x) => Number(x.data2)),
    [91, 81, 71, 61, 51, 41, 31, 21, 11, 1],
  );
  for (const x of r) {
    assert.equal(x.eventId, 1);
    assert.equal(x.flags, 1);
    assert.equal(x.data1, 77);
    assert.equal(Number(x.ip), labelAddress(text, "L"));
  }
});

test("§6.3 LWPVAL does nothing when event 1 is not enabled, and reads r/m32 only when it records (our choice)", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x4, intervals: { 2: 1000 } });
  let x = run(b, "llwpcb rdi\n lwpval eax, dword ptr [rbx], 0\n ud2", { [RDI]: LWPCB, [RBX]: 0x900000 });
  assert.equal(x.kind, "ud", "unmapped operand not read");
  const v = bench();
  writeLwpcb(v, { flags: 0x2, intervals: { 1: 1 } });
  x = run(v, "llwpcb rdi\n lwpval eax, dword ptr [rbx], 0\n ud2", { [RDI]: LWPCB, [RBX]: 0x900000 });
  assert.equal(x.kind, "ud", "counter 1 → 0: no record, no read");
  x = run(v, "lwpval eax, dword ptr [rbx], 0\n ud2", { [RBX]: 0x900000 });
  assert.equal(x.kind, "fault", "the recording execution reads its operand");
  assert.equal(v.c.rip, CODE, "an instruction fault: LWPVAL restarts");
  assert.equal(records(v).length, 0);
});

test("§6.3 LWPVAL interval 0 records every execution", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x2, intervals: { 1: 0 } });
  run(b, "llwpcb rdi\n mov ecx, 7\nL: lwpval eax, ecx, 0\n dec ecx\n jnz L\n ud2", { [RDI]: LWPCB });
  assert.equal(records(b).length, 7);
  assert.equal(cbMissed(b), 0);
});

test("docs/lwp.md 23: mid-block LLWPCB/SLWPCB/XSAVE/XRSTOR see exact counters; LLWPCB and XRSTOR count in neither configuration", () => {
  const second = LWPCB + 0x200;
  const text = [
    "llwpcb rdi",
    "nop",
    "nop",
    "nop", // A counts the three NOPs
    "llwpcb rsi",
    "nop",
    "nop",
    "slwpcb rax", // B: two NOPs before SLWPCB flushes it
    "mov eax, -1",
    "mov edx, -1",
    "xsave [rbx]", // the image holds B after SLWPCB and the two MOVs
    "nop",
    "nop",
    "xrstor [rbx]",
    "nop",
    "slwpcb rcx",
    "ud2", // back to the image, then one NOP
  ].join("\n");
  const configs = [
    { name: "event 2 (quick loop)", flags: 0x4, filters: 0 },
    { name: "events 2+3 (quick loop)", flags: 0xc, filters: 0 },
    { name: "events 2+5 (general loop)", flags: 0x24, filters: 0 },
    { name: "event 2, IP filter (general loop)", flags: 0x4, filters: 1 << 30 },
  ];
  for (const cfg of configs) {
    const b = bench();
    const fields = {
      flags: cfg.flags,
      filters: cfg.filters,
      baseIp: 0,
      limitIp: 0x7fffffff,
      intervals: { 2: 1000, 3: 1000, 5: 100000 },
    };
    writeLwpcb(b, fields);
    writeLwpcb(b, fields, second);
    run(b, text, { [RDI]: LWPCB, [RSI]: second, [RBX]: DATA });
    assert.equal(cbCounter(b, 2), 1000 - 3, `${cfg.name}: A flushed by the second LLWPCB`);
    assert.equal(b.mem.read32(DATA + 0x340 + 0x40 + 4), 1000 - 5, `${cfg.name}: XSAVE image (2 NOPs, SLWPCB, 2 MOVs)`);
    assert.equal(cbCounter(b, 2, second), 1000 - 5 - 1, `${cfg.name}: restored image minus the NOP after XRSTOR`);
    assert.equal(b.c.getReg(RCX), second);
  }
});
