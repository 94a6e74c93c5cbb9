// SPDX-License-Identifier: MIT
// FXSAVE/FXRSTOR and XSAVE/XSAVEOPT/XRSTOR/XGETBV/XSETBV against the host CPU:
// the same snippets run natively and in the emulator from the same state; the
// saved areas (data page), the FXSAVE64 images and the faults must match.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type Case, assemble, hex, rng, runEmu, runNative } from "../x87/native.testlib.js";
import { components, registerComponent } from "./components.js";
import { xrstor, xsave } from "./xsave.js";
import { AddressSpace, PROT_READ, PROT_WRITE } from "../../memory/address-space.js";
import { Cpu } from "../cpu.js";
import { XCR0_HI_LWP } from "../../lwp/unit.js";

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);

/** A random but loadable FXSAVE image (valid FCW/MXCSR, random registers and tags). */
function image(r: Rand): Uint8Array {
  const b = new Uint8Array(512),
    v = new DataView(b.buffer);
  for (let k = 32; k < 416; k++) b[k] = int(r, 256);
  for (let i = 0; i < 8; i++) for (let k = 10; k < 16; k++) b[32 + 16 * i + k] = 0;
  v.setUint16(0, (0x37f & ~(int(r, 2) ? 0 : int(r, 0x40))) | (int(r, 16) << 8), true);
  v.setUint16(2, int(r, 0x10000) & 0x7fff, true);
  b[4] = int(r, 256);
  v.setUint32(24, (0x1f80 ^ (int(r, 0x80) << 6)) & 0xffff, true);
  return b;
}

interface Shape {
  readonly asm: string;
  readonly rax?: (r: Rand) => number;
  readonly data?: (r: Rand, d: Uint8Array) => void;
  /** Also compare the FXSAVE64 image after the snippet (restores). */
  readonly image?: boolean;
}

const fill = (r: Rand, d: Uint8Array): void => {
  for (let k = 0; k < d.length; k++) d[k] = int(r, 256);
};
const mask = (r: Rand): number => int(r, 4);
/** A valid standard-format XSAVE area at +0: random x87/SSE contents, header with XSTATE_BV ⊆ {0,1}. */
function area(r: Rand, d: Uint8Array): void {
  d.set(image(r), 0);
  d.fill(0, 512, 576);
  d[512] = int(r, 4);
}

/** Overwrites the ST0 and XMM0 slots of the area at [rdi] (RCX clobbered). */
const POISON = "mov rcx, 0x5555555555555555; mov [rdi+32], rcx; mov [rdi+160], rcx";

const SHAPES: readonly Shape[] = [
  { asm: "fxsave [rdi]" },
  { asm: "fxsave64 [rdi]" },
  { asm: "fxsave [rdi+8]" },
  { asm: "fld1; fldz; fdiv st(1), st; fxsave64 [rdi]" },
  { asm: "fxrstor64 [rdi]", data: (r, d) => d.set(image(r)), image: true },
  { asm: "fxrstor [rdi]", data: (r, d) => d.set(image(r)), image: true },
  {
    asm: "fxrstor64 [rdi]",
    data: (r, d) => {
      d.set(image(r));
      d[26] = 1 + int(r, 255);
    },
    image: true,
  },
  { asm: "xor edx, edx; xsave [rdi]", rax: mask, data: fill },
  { asm: "xor edx, edx; xsave64 [rdi]", rax: mask, data: fill },
  { asm: "xor edx, edx; xsaveopt [rdi]", rax: mask, data: fill },
  { asm: "xor edx, edx; xsave [rdi+16]", rax: mask, data: fill },
  { asm: "xor edx, edx; xrstor [rdi]", rax: mask, data: area, image: true },
  { asm: "xor edx, edx; xrstor64 [rdi]", rax: mask, data: area, image: true },
  { asm: "xor edx, edx; xrstor [rdi]; xsave [rdi+576]", rax: () => 3, data: area, image: true },
  {
    asm: "xor edx, edx; xrstor [rdi]",
    rax: () => 3,
    data: (r, d) => {
      area(r, d);
      d[512 + 8 + int(r, 16)] = 1 + int(r, 255);
    },
  },
  {
    asm: "xor edx, edx; xrstor [rdi]",
    rax: () => 3,
    data: (r, d) => {
      area(r, d);
      d[27] = 1;
    },
  },
  // XSAVEOPT's modified optimisation: after an XRSTOR from [rdi] the area is overwritten (ST0 and XMM0
  // slots); XSAVEOPT to the same address writes only the components modified since (or to another address).
  ...[
    "nop",
    "pxor xmm1, xmm1",
    "fld1; fstp st(0)",
    "fld1; fstp st(0); xorps xmm0, xmm0",
    "fninit",
    "xrstor [rdi]",
    "ldmxcsr [rdi+24]",
  ].map((body) => ({
    asm: `mov eax, 3; xor edx, edx; xrstor [rdi]; ${POISON}; ${body}; mov eax, 3; xsaveopt [rdi]`,
    data: area,
  })),
  { asm: `mov eax, 3; xor edx, edx; xrstor [rdi]; ${POISON}; xsaveopt [rdi+448]`, data: area },
  { asm: `mov eax, 1; xor edx, edx; xrstor [rdi]; ${POISON}; mov eax, 3; xsaveopt [rdi]`, data: area },
  { asm: `mov eax, 3; xor edx, edx; xrstor [rdi]; ${POISON}; mov eax, 2; xsaveopt [rdi]`, data: area },
  { asm: "mov ecx, 2; xgetbv" },
  { asm: "xor ecx, ecx; xor eax, eax; xsetbv" },
];

test("FXSAVE/FXRSTOR/XSAVE/XSAVEOPT/XRSTOR/XGETBV/XSETBV match the host CPU", () => {
  const r = rng(0x5a7e);
  const cases: Case[] = [];
  const shapeOf: Shape[] = [];
  for (const s of SHAPES) {
    for (let k = 0; k < 24; k++) {
      const data = new Uint8Array(1024);
      s.data?.(r, data);
      cases.push({ asm: s.asm, image: image(r), data, rax: s.rax?.(r) ?? 0 });
      shapeOf.push(s);
    }
  }
  const code = assemble(SHAPES.map((s) => s.asm));
  const codeOf = cases.map((c) => code[SHAPES.findIndex((s) => s.asm === c.asm)]!);
  const native = runNative(cases, codeOf);
  const failures: string[] = [];
  const same = (host: (typeof native)[number], emu: ReturnType<typeof runEmu>, k: number): boolean =>
    host.signal === emu.signal &&
    (host.signal !== 0 ||
      (hex(host.data) === hex(emu.data) && (shapeOf[k]!.image !== true || hex(host.image) === hex(emu.image))));
  cases.forEach((c, k) => {
    const emu = runEmu(c, codeOf[k]!);
    let host = native[k]!,
      ok = same(host, emu, k);
    // The host's modified optimisation lasts only while nothing else restores the state: a
    // context switch between the XRSTOR and the XSAVEOPT (likely on a loaded machine, under
    // the parallel test runner) resets it. Such a case is asked of the host again, alone.
    for (let again = 0; !ok && c.asm.includes("xsaveopt") && again < 3; again++) {
      host = runNative([c], [codeOf[k]!])[0]!;
      ok = same(host, emu, k);
    }
    if (!ok) {
      failures.push(
        `${c.asm} #${k} rax ${c.rax}: host sig ${host.signal} emu sig ${emu.signal}\n  host ${hex(host.data, 0, 600)}\n  emu  ${hex(emu.data, 0, 600)}\n  himg ${hex(host.image, 0, 64)}\n  eimg ${hex(emu.image, 0, 64)}`,
      );
    }
  });
  if (failures.length > 0) console.log(failures.slice(0, 6).join("\n"));
  assert.equal(failures.length, 0, `${failures.length} of ${cases.length} cases differ`);
});

test("XGETBV(0) returns XCR0 and the component table covers x87 and SSE", () => {
  const code = assemble(["xor ecx, ecx; xgetbv"]);
  const c: Case = { asm: "", image: image(rng(1)), data: new Uint8Array(1024) };
  assert.equal(runEmu(c, code[0]!).rax, 3n);
  const rows = components().map((row) => [row.bit, row.offset, row.size]);
  assert.deepEqual(rows.slice(0, 2), [
    [0, 0, 160],
    [1, 160, 256],
  ]);
});

test("registerComponent adds a row that XSAVE/XRSTOR then carry (an LWP-like bit 62 area)", () => {
  const log: number[] = [];
  registerComponent({
    bit: 62,
    name: "test-62",
    size: 128,
    offset: 0x340,
    align64: true,
    save: (c, base) => c.mem.write32(base + 0x340, 0x1234abcd),
    restore: (c, base) => {
      log.push(c.mem.read32(base + 0x340));
    },
    init: () => {
      log.push(-1);
    },
    inUse: () => true,
  });
  assert.deepEqual(
    components().map((row) => row.bit),
    [0, 1, 62],
  ); // replaces any registered bit-62 row
  const mem = new AddressSpace();
  mem.map(0x40000, 8192, PROT_READ | PROT_WRITE);
  const cpu = new Cpu(mem);
  cpu.xcr0Hi = XCR0_HI_LWP;
  xsave(cpu, 0x40000, false, false, [3, XCR0_HI_LWP]);
  assert.equal(mem.read32(0x40340), 0x1234abcd);
  assert.equal(mem.read32(0x40000 + 512 + 4), XCR0_HI_LWP); // XSTATE_BV bit 62
  xrstor(cpu, 0x40000, false, [0, XCR0_HI_LWP]);
  mem.write32(0x40000 + 512 + 4, 0);
  xrstor(cpu, 0x40000, false, [0, XCR0_HI_LWP]);
  assert.deepEqual(log, [0x1234abcd, -1]);
  cpu.xcr0Hi = 0;
  mem.write32(0x40000 + 512 + 4, XCR0_HI_LWP);
  assert.throws(() => xrstor(cpu, 0x40000, false, [3, 0])); // XSTATE_BV bit not in XCR0: #GP
});

test("Q-XSAVEOPT-MODIFIED: an instruction that leaves a component's value as it was does not modify it for lwp", () => {
  const bodies = [
    ["movaps xmm1, xmm1", 160],
    ["fnstcw [rdi+1000]", 32],
    ["fwait", 32],
  ] as const;
  const asm = bodies.map(
    ([b]) => `mov eax, 3; xor edx, edx; xrstor [rdi]; ${POISON}; ${b}; mov eax, 3; xsaveopt [rdi]`,
  );
  const code = assemble(asm);
  const r = rng(0x0b5e);
  const cases: Case[] = asm.map((a) => {
    const data = new Uint8Array(1024);
    area(r, data);
    data[512] = 3; // both components in use: only the modified optimisation can skip them
    return { asm: a, image: image(r), data };
  });
  const native = runNative(cases, code);
  bodies.forEach(([body, slot], k) => {
    const emu = runEmu(cases[k]!, code[k]!);
    assert.equal(hex(emu.data, slot, slot + 8), "5555555555555555", `${body}: lwp skips the component`);
    assert.notEqual(hex(native[k]!.data, slot, slot + 8), "5555555555555555", `${body}: the host writes it`);
  });
});
