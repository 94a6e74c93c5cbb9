// SPDX-License-Identifier: MIT
// LWP spec §1 (CPUID enumeration), §1.4/§1.5 (XSAVE leaf, XCR0) and §2 (MSRs), rule by rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpuid } from "../../src/hw/cpu/cpuid.js";
import { MSR_LWP_CBADDR, MSR_LWP_CFG } from "../../src/hw/lwp/msr.js";
import { bench, run, writeLwpcb, LWPCB, RDI, RAX, RBX, RCX, RDX } from "./helpers.js";

const u32 = (v: number): number => v >>> 0;

test("§1.1 CPUID 8000_0001 ECX[15] (LWP) is set in both models", () => {
  for (const model of ["full", "fam15h"] as const) {
    const b = bench({ model });
    assert.equal((cpuid(b.c, 0x80000001, 0)[2] >>> 15) & 1, 1, model);
    assert.ok(u32(cpuid(b.c, 0x80000000, 0)[0]) >= 0x8000001c, "max extended leaf covers 8000_001C");
  }
});

test("§1.3 fam15h: 8000_001C EBX/ECX/EDX are the Bulldozer silicon values, read by the CPUID instruction", () => {
  const b = bench({ model: "fam15h" });
  const x = run(b, "mov eax, 0x8000001c\n cpuid\n ud2");
  assert.equal(x.kind, "ud");
  assert.equal(u32(b.c.getReg(RBX)), 0x80032013);
  assert.equal(u32(b.c.getReg(RCX)), 0x00010200);
  assert.equal(u32(b.c.getReg(RDX)), 0x8000000f);
  // §1.2 EAX = (EDX ∧ LWP_CFG) | 1 while XCR0[62]: events 1–3 enabled, INT not (reset LWP_CFG).
  assert.equal(u32(b.c.getReg(RAX)), 0x0000000f);
});

test("§1.2 full model: events 1–6, CONT/PTSC/INT, 6-event LWPCB geometry and every ECX capability", () => {
  const b = bench();
  const [, ebx, ecx, edx] = cpuid(b.c, 0x8000001c, 0);
  assert.equal(u32(edx), 0xe000007f);
  assert.equal(ebx & 0xff, 22, "LwpCbSize in quadwords: 0x80 + 6×8 = 176 B");
  assert.equal((ebx >>> 8) & 0xff, 32, "LwpEventSize");
  assert.equal((ebx >>> 16) & 0xff, 6, "LwpMaxEvents");
  assert.equal(ebx >>> 24, 0x80, "LwpEventOffset");
  assert.equal((ecx >>> 28) & 0xf, 0xf, "branch prediction, IP filtering, cache levels, cache latency");
  assert.equal((ecx >>> 5) & 1, 1, "LwpDataAddress");
  assert.equal((ecx >>> 9) & 0x7f, 1, "LwpVersion");
  assert.equal((ecx >>> 16) & 0xff, 1, "LwpMinBufferSize (×32 records)");
});

test("§1.2 EAX is 0 when XCR0[62] is clear", () => {
  const b = bench({ lwp: false });
  assert.equal(cpuid(b.c, 0x8000001c, 0)[0], 0);
});

test("§1.4 CPUID 0Dh: sub-leaf 0 EDX[30] (XCR0 bit 62), sub-leaf 62 = 128 bytes at 0x340", () => {
  const b = bench();
  assert.equal((cpuid(b.c, 0xd, 0)[3] >>> 30) & 1, 1);
  assert.deepEqual(cpuid(b.c, 0xd, 62), [0x80, 0x340, 0, 0]);
});

test("§2.1 LWP_CFG: bits 0 and 63:48 ignored, CoreId/vector kept, unsupported event bits #GP (fam15h)", () => {
  const b = bench({ model: "fam15h" });
  b.c.wrmsr(MSR_LWP_CFG, 0xffff_ab12_8000_000fn);
  assert.equal(b.c.rdmsr(MSR_LWP_CFG), 0x0000_ab12_8000_000en);
  assert.throws(() => b.c.wrmsr(MSR_LWP_CFG, 1n << 4n), "event 4 is not supported on fam15h");
  assert.throws(() => b.c.wrmsr(MSR_LWP_CFG, 1n << 29n), "CONT is not supported on fam15h");
  assert.equal(b.c.rdmsr(MSR_LWP_CFG), 0x0000_ab12_8000_000en, "a faulting write changes nothing");
  assert.equal(u32(cpuid(b.c, 0x8000001c, 0)[0]), 0x8000000f, "EAX mirrors LWP_CFG");
});

test("§2.1 LWP_CFG at reset allows every supported feature but the interrupt (our choice, docs/lwp.md)", () => {
  assert.equal(bench().c.rdmsr(MSR_LWP_CFG), 0x6000007en);
  assert.equal(bench({ model: "fam15h" }).c.rdmsr(MSR_LWP_CFG), 0xen);
});

test("§2.2 LWP_CBADDR reads the active LWPCB; WRMSR 0 disables; a non-zero write #GPs", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x2, intervals: { 1: 0 } });
  run(b, "llwpcb rdi\n ud2", { [RDI]: LWPCB });
  assert.equal(b.c.rdmsr(MSR_LWP_CBADDR), BigInt(LWPCB));
  assert.throws(() => b.c.wrmsr(MSR_LWP_CBADDR, 0x1000n));
  b.c.wrmsr(MSR_LWP_CBADDR, 0n);
  assert.equal(b.c.rdmsr(MSR_LWP_CBADDR), 0n);
  run(b, "slwpcb rax\n ud2", { [RAX]: 7 });
  assert.equal(b.c.getReg(RAX), 0, "SLWPCB sees LWP off");
});

test("§2 an MSR that is not modelled #GPs", () => {
  assert.throws(() => bench().c.rdmsr(0x10));
});

test("§2 RDMSR/WRMSR of LWP_CFG from user code raise #GP (the MSRs are OS-owned)", () => {
  for (const insn of ["rdmsr", "wrmsr"]) {
    const b = bench();
    const x = run(b, `${insn}\n ud2`, { [RCX]: MSR_LWP_CFG });
    assert.equal(x.kind === "fault" ? x.vector : -1, 13, insn);
  }
});
