// SPDX-License-Identifier: MIT
// Tier 1's packed instructions (src/hw/cpu/translate/packed.ts, interp.ts) against the
// closures they stand for: seeded random programs of the packed forms (every size and
// operand shape, AH..DH, memory operands with base, index, scale, [disp32] and RIP-relative
// addresses, taken and untaken branches, CALL and RET direct, through a register and
// through memory) run once packed and once on closures only; registers, RFLAGS, the
// retired count, the exit and the memory they wrote must be the same, faults included.
// The differential suite (test/diff) checks both against the host CPU.
import { test } from "node:test";
import assert from "node:assert/strict";
import { currentDefaultTiers, setDefaultTiers } from "../../src/hw/cpu/cpu.js";
import type { Exit } from "../../src/hw/cpu/exits.js";
import { P_CLOSURE, P_WORDS } from "../../src/hw/cpu/translate/packed.js";
import { type Bench, bench, DATA, loadCode, RBX, STACK_TOP } from "../lwp/helpers.js";

const R64 = ["rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12"];
const R32 = ["eax", "ecx", "edx", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d"];
const R16 = ["ax", "cx", "dx", "si", "di", "r8w", "r9w"];
const R8_LEGACY = ["al", "cl", "dl", "ah", "ch", "dh"];
const R8_REX = ["al", "cl", "dl", "sil", "dil", "r8b", "r9b"];
const ALU = ["add", "sub", "and", "or", "xor", "cmp"];
const CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];
const R13 = 13;

/** A seeded generator (xorshift32). */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

/** A memory operand off RBX (the data window), R13 (a small index), FS (based at the window), or absolute. */
function memOperand(r: (n: number) => number, width: string): string {
  const disp = (r(64) - 32) * 8 + r(8);
  const scale = [1, 2, 4, 8][r(4)]!;
  const forms = [
    `[rbx + ${disp}]`,
    `[rbx + r13*${scale} + ${disp}]`,
    `[r13*${scale} + ${DATA + 0x900 + disp}]`,
    `[rbx]`,
    `fs:[${0x800 + disp}]`,
  ];
  return `${width} ptr ${forms[r(forms.length)]}`;
}

/** One random instruction (or a few that belong together) of the packed forms. */
function insn(r: (n: number) => number, label: () => string, out: string[]): void {
  const q = R64[r(R64.length)]!,
    q2 = R64[r(R64.length)]!,
    d = R32[r(R32.length)]!,
    d2 = R32[r(R32.length)]!;
  const b8 = R8_REX[r(R8_REX.length)]!,
    b82 = R8_REX[r(R8_REX.length)]!,
    h = R8_LEGACY[r(6)]!,
    h2 = R8_LEGACY[r(6)]!,
    near = `byte ptr [rbx + ${r(512) - 256}]`;
  const op = ALU[r(ALU.length)]!,
    cc = CC[r(16)]!;
  const imm = [0, 1, -1, 0x7f, -0x80, 0x12345678, -0x7fffffff, r(1 << 30)][r(8)]!;
  const choices: (() => void)[] = [
    () => out.push(`mov ${q}, ${q2}`, `mov ${d}, ${d2}`),
    () => out.push(`mov ${q}, ${imm}`, `mov ${d}, ${imm}`, `movabs ${q2}, 0x${(r(1 << 30) * 7919).toString(16)}`),
    () => out.push(`mov ${q}, ${memOperand(r, "qword")}`, `mov ${d}, ${memOperand(r, "dword")}`),
    () => out.push(`mov ${b8}, ${memOperand(r, "byte")}`, `mov ${q}, qword ptr [rip + fn_add]`),
    () => out.push(`mov ${memOperand(r, "qword")}, ${q}`, `mov ${memOperand(r, "dword")}, ${d}`),
    () => out.push(`mov ${memOperand(r, "byte")}, ${b8}`, `mov ${memOperand(r, ["qword", "dword"][r(2)]!)}, ${imm}`),
    () => out.push(`mov ${memOperand(r, "byte")}, ${imm & 0x7f}`),
    () => out.push(`movzx ${d}, ${b8}`, `movzx ${q}, word ptr [rbx + ${r(32) * 2}]`, `movzx ${d2}, ${R16[r(7)]}`),
    () => out.push(`movsx ${q}, ${b82}`, `movsx ${d}, ${memOperand(r, "word")}`, `movsxd ${q2}, ${d2}`),
    () => out.push(`movsxd ${q}, ${memOperand(r, "dword")}`, `movzx ${q2}, ${memOperand(r, "byte")}`),
    () =>
      out.push(
        `lea ${q}, ${memOperand(r, "qword").slice(10)}`,
        `lea ${d}, [${q2} + ${d2.startsWith("r") ? "r12" : "rax"}*4 - 9]`,
      ),
    () => out.push(`lea ${q}, [rip + fn_xor]`, `mov ${d}, dword ptr [${DATA + 0x900 + r(64) * 4}]`),
    () => out.push(`${op} ${q}, ${q2}`, `${op} ${d}, ${d2}`, `${op} ${b8}, ${b82}`),
    () => out.push(`${op} ${q}, ${imm}`, `${op} ${d}, ${imm}`, `${op} ${b8}, ${imm & 0x7f}`),
    () => out.push(`${op} ${q}, ${memOperand(r, "qword")}`, `${op} ${d}, ${memOperand(r, "dword")}`),
    () => out.push(`${op} ${memOperand(r, "qword")}, ${q}`, `${op} ${memOperand(r, "byte")}, ${b8}`),
    () => out.push(`${op} ${memOperand(r, ["qword", "dword"][r(2)]!)}, ${imm}`, `${op} ${memOperand(r, "byte")}, 0x5a`),
    () => out.push(`test ${q}, ${q2}`, `test ${memOperand(r, "dword")}, ${d}`, `test ${b8}, ${b82}`),
    () => out.push(`${["inc", "dec"][r(2)]} ${q}`, `${["inc", "dec"][r(2)]} ${d}`),
    () => out.push(`push ${q}`, `push ${q2}`, `pop ${q2}`, `pop ${q}`),
    () => out.push(`cmov${cc} ${q}, ${q2}`, `cmov${cc} ${d}, ${d2}`, `cmov${cc} ${q}, ${memOperand(r, "qword")}`),
    () => out.push(`cmov${cc} ${d}, ${memOperand(r, "dword")}`, `set${cc} ${["dl", "sil"][r(2)]}`),
    () => {
      const sh = ["shl", "shr", "sar", "sal"][r(4)]!;
      out.push(`${sh} ${q}, ${r(80)}`, `${sh} ${d}, cl`, `${sh} ${b8}, ${r(12)}`, `${sh} ${h}, 1`, `${sh} ${q2}, cl`);
    },
    () => out.push("nop", "nop dword ptr [rax + rax*1 + 0]", "endbr64", "cdqe"),
    // AH..DH: no REX prefix, so no R8..R15 and no 64-bit operand beside them.
    () => out.push(`${op} ${h}, ${h2}`, `${op} ${h}, ${imm & 0x7f}`, `movzx ${R32[r(5)]}, ${h2}`),
    () => out.push(`mov ${h}, ${near}`, `mov ${near}, ${h2}`, `${op} ${near}, ${h}`, `${op} ${h2}, ${near}`),
    () => {
      const l = label();
      out.push(`cmp ${q}, ${q2}`, `j${cc} ${l}`, `add ${d}, 3`, `${l}:`);
    },
    () => out.push(`call fn_add`, `lea r11, [rip + fn_xor]`, `call r11`),
    () => out.push(`lea r11, [rip + fn_add]`, `mov qword ptr [rbx + 0x200], r11`, `call qword ptr [rbx + 0x200]`),
    () => {
      const l = label();
      out.push(`lea r11, [rip + ${l}]`, `mov qword ptr [rbx + 0x208], r11`, `jmp qword ptr [rbx + 0x208]`);
      out.push(`add eax, 7`, `${l}:`, `lea r11, [rip + ${l}b]`, `jmp r11`, `${l}b:`);
    },
  ];
  choices[r(choices.length)]!();
}

/** A program of `n` random groups, ended by UD2, with the functions it calls after it. */
function program(seed: number, n: number): string {
  const r = rng(seed);
  let labels = 0;
  const out: string[] = [];
  for (let k = 0; k < n; k++) insn(r, () => `L${labels++}`, out);
  out.push("ud2", "fn_add: add rax, rcx", "ret", "fn_xor: xor edx, 0x55", "ret");
  return out.join("\n");
}

interface Outcome {
  exit: Exit;
  regs: number[];
  rip: number;
  rflags: number;
  retired: number;
  data: number[];
  stack: number[];
  packed: number;
  total: number;
}

/** Runs `text` on a CPU with packing on or off, from the same registers. */
function runOnce(text: string, packed: boolean, seed: number, rbx: number): Outcome {
  const saved = currentDefaultTiers();
  setDefaultTiers({ ...saved, packed, packStart: 0 });
  let b: Bench;
  try {
    b = bench();
  } finally {
    setDefaultTiers(saved);
  }
  const r = rng(seed ^ 0x9e3779b9);
  b.mem.poke(
    DATA,
    Uint8Array.from({ length: 0x1000 }, () => r(256)),
  );
  const regs: Record<number, number> = { [RBX]: rbx, [R13]: r(16) };
  for (const k of [0, 1, 2, 6, 7, 8, 9, 10, 11, 12]) regs[k] = r(1 << 30) * 3 + r(3) * 2 ** 40;
  loadCode(b, text, regs);
  b.c.fsBase = DATA;
  b.c.f.rflags = 0x202 | r(2) | (r(2) << 6) | (r(2) << 7) | (r(2) << 11);
  const exit = b.c.run(1_000_000);
  let packedInsns = 0,
    total = 0;
  for (const blk of b.c.blocks()) {
    total += blk.length;
    for (let k = 0; k < blk.length; k++) {
      if (blk.packed !== null && blk.packed[k * P_WORDS] !== P_CLOSURE) packedInsns++;
    }
  }
  return {
    exit,
    regs: Array.from(b.c.r32),
    rip: b.c.rip,
    rflags: b.c.f.rflags,
    retired: b.c.retired(),
    data: Array.from(b.mem.readBytes(DATA, 0x1000)),
    stack: Array.from(b.mem.readBytes(STACK_TOP - 0x1000, 0x1000)),
    packed: packedInsns,
    total,
  };
}

function compare(seed: number, rbx: number): Outcome {
  const text = program(seed, 40);
  const p = runOnce(text, true, seed, rbx),
    q = runOnce(text, false, seed, rbx);
  const where = `seed ${seed}:\n${text}`;
  assert.deepEqual(p.exit, q.exit, `exit, ${where}`);
  assert.equal(p.rip, q.rip, `RIP, ${where}`);
  assert.equal(p.retired, q.retired, `retired, ${where}`);
  assert.deepEqual(p.regs, q.regs, `registers, ${where}`);
  assert.equal(p.rflags, q.rflags, `RFLAGS, ${where}`);
  assert.deepEqual(p.data, q.data, `data written, ${where}`);
  assert.deepEqual(p.stack, q.stack, `stack written, ${where}`);
  assert.equal(q.packed, 0, "LWP_PACKED=0 packs nothing");
  return p;
}

test("packed instructions leave what their closures leave (80 random programs)", () => {
  let packed = 0,
    total = 0,
    ud = 0;
  for (let seed = 1; seed <= 80; seed++) {
    const p = compare(seed, DATA + 0x800);
    packed += p.packed;
    total += p.total;
    if (p.exit.kind === "ud") ud++;
  }
  // Every program runs to its UD2 (nothing faults in the data window) ...
  assert.equal(ud, 80);
  // ... and all but UD2 and a few others (MOVZX from 16 bits into 64, SETcc to DL) pack.
  assert.ok(packed / total > 0.9, `${packed} of ${total} instructions packed`);
});

test("a fault in a packed block is precise: same RIP, registers, retired count and memory", () => {
  let faults = 0;
  for (let seed = 1001; seed <= 1060; seed++) {
    // RBX near the end of the 1 MiB data mapping: displacements past it fault.
    const p = compare(seed, DATA + 0x100000 - 0x40);
    if (p.exit.kind === "fault") faults++;
  }
  assert.ok(faults >= 30, `only ${faults} of 60 programs faulted`);
});
