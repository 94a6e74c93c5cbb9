// SPDX-License-Identifier: MIT
// Regions that chain into each other (src/hw/jit/jit.ts, the chain cache): a
// program whose hot blocks sit in different regions, entered through indirect
// jumps and returns, must give the interpreter's registers and retired count;
// a region that rewrites its own code still reports how it left; the tier
// switches reject bad values in one line; the number of live regions is bounded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { setDefaultTiers, type TierOptions } from "../../src/hw/cpu/cpu.js";
import { bench, run, RAX, RBX, RCX, RDX, RSI, SELF_MODIFYING_LOOP } from "../lwp/helpers.js";
import { lwpCli } from "../helpers/build-guests.js";
import { JIT_TOTALS, liveRegionCount, setMaxLiveRegions } from "../../src/hw/jit/jit.js";

/** Runs `text` from fresh CPUs under each tier setting; returns [rax, rdx, rsi, retired] per setting. */
function underTiers(text: string, regs: Record<number, number>, tiers: readonly TierOptions[]): number[][] {
  const out: number[][] = [];
  for (const t of tiers) {
    setDefaultTiers(t);
    try {
      const b = bench();
      const x = run(b, text, regs);
      assert.equal(x.kind, "ud", `${JSON.stringify(t)}: ends at UD2`);
      out.push([b.c.getReg(RAX), b.c.getReg(RDX), b.c.getReg(RSI), b.c.retired()]);
    } finally {
      setDefaultTiers({ tier: 3, forced: false });
    }
  }
  return out;
}

const TIERS: readonly TierOptions[] = [
  { tier: 1, forced: true },
  { tier: 3, forced: true },
  { tier: 3, forced: false, threshold: 2 },
  { tier: 3, forced: false },
];

/** Runs `text` under every setting of TIERS and checks each gives tier 1's results; returns them. */
function sameInEveryTier(text: string, regs: Record<number, number>): number[][] {
  const results = underTiers(text, regs, TIERS);
  for (let k = 1; k < results.length; k++) {
    assert.deepEqual(results[k], results[0], `${JSON.stringify(TIERS[k])} against tier 1`);
  }
  return results;
}

test("blocks reached through indirect jumps, calls and returns across regions retire as in the interpreter", () => {
  // A dispatch loop (like an interpreter's computed goto) over three handlers and a called function.
  const text = [
    " xor eax, eax",
    " xor edx, edx",
    " xor esi, esi",
    "L: mov rdi, rcx",
    " and edi, 3",
    " lea r8, [rip + T]",
    " mov r9, [r8 + rdi*8]",
    " jmp r9",
    "H0: add eax, ecx",
    " jmp N",
    "H1: imul edx, edx, 3",
    " add edx, ecx",
    " jmp N",
    "H2: call F",
    " jmp N",
    "H3: xor esi, ecx",
    " rol esi, 5",
    "N: dec ecx",
    " jnz L",
    " ud2",
    "F: lea esi, [rsi + rax*2 + 1]",
    " ret",
    "T: .quad H0, H1, H2, H3",
  ].join("\n");
  const results = sameInEveryTier(text, { [RCX]: 5000, [RBX]: 0 });
  // 3 before the loop; per iteration 5 (L) + the handler (2, 3, 4 with F, 2) + 2 (N); UD2 does not retire.
  assert.equal(results[0]![3], 3 + 5000 * 7 + 1250 * (2 + 3 + 4 + 2), "the retired count of the program as written");
});

test("calls and jumps through a pointer in memory follow the pointer after it changes (a predicted PLT target)", () => {
  // CALL [P] and a PLT-style stub (S: JMP [Q]) are compiled to branch inside the region
  // when the pointer still holds what it held at compile time (region.ts predictedTarget);
  // halfway through, the program points both elsewhere, on a page without code.
  const text = [
    " xor eax, eax",
    " xor edx, edx",
    " xor esi, esi",
    "L: call [rip + P]",
    " call S",
    " cmp ecx, 2500",
    " jne N",
    " lea rdi, [rip + G]",
    " mov [rip + P], rdi",
    " lea rdi, [rip + H]",
    " mov [rip + Q], rdi",
    "N: dec ecx",
    " jnz L",
    " ud2",
    "F: add eax, ecx",
    " ret",
    "G: lea esi, [rsi + rcx*2]",
    " ret",
    "S: jmp [rip + Q]",
    "K: add edx, 3",
    " ret",
    "H: xor edx, ecx",
    " ret",
    " .balign 4096",
    "P: .quad F",
    "Q: .quad K",
  ].join("\n");
  const results = sameInEveryTier(text, { [RCX]: 5000 });
  let eax = 0,
    edx = 0,
    esi = 0;
  for (let c = 5000; c >= 2500; c--) [eax, edx] = [eax + c, edx + 3]; // the pointers change after the calls at 2500
  for (let c = 2499; c > 0; c--) [esi, edx] = [esi + 2 * c, (edx ^ c) >>> 0];
  assert.deepEqual(results[0]!.slice(0, 3), [eax, edx, esi], "the sums the program computes");
});

test("a multiply's flags are skipped only where the next instruction replaces them unread", () => {
  // IMUL's CF/OF (overflow from rcx = 3690 on) read by ADC and SETO, and once replaced by
  // ADD before ADC reads them (compile.ts flagsDeadAfter): every tier as the interpreter.
  const text = [
    " xor esi, esi",
    " xor edx, edx",
    "L: mov rax, rcx",
    " imul rax, rbx",
    " adc rsi, 0",
    " mov rax, rcx",
    " imul rax, rbx",
    " add rax, rcx",
    " adc rdx, 0",
    " mov rax, rcx",
    " mul rbx",
    " seto al",
    " movzx eax, al",
    " add rsi, rax",
    " dec rcx",
    " jnz L",
    " ud2",
  ].join("\n");
  const results = sameInEveryTier(text, { [RCX]: 5000, [RBX]: 2_500_000_000_000_000 });
  // rcx·rbx passes 2^63 (IMUL's overflow) from rcx = 3690 and 2^64 (MUL's) from 7379.
  assert.equal(results[0]![2], 5000 - 3689, "the IMUL overflows ADC and SETO counted");
});

test("a shift's or rotation's flags are skipped only where the next instruction replaces them unread", () => {
  // SHL, SHR, SAR, ROL and ROR by constants and by CL (zero counts included), each once
  // before an instruction that replaces all flags (compile.ts flagsDeadAfter) and once
  // before ADC, SBB or SETcc that read them: every tier as the interpreter.
  const text = [
    " xor esi, esi",
    " xor edx, edx",
    "L: mov rax, rcx",
    " shl rax, 61",
    " add rax, rcx",
    " adc rsi, rax",
    " mov rax, rcx",
    " shl eax, 29",
    " adc rdx, 1",
    " mov rax, rcx",
    " sar eax, 3",
    " sub eax, ecx",
    " sbb rsi, rax",
    " mov rax, rcx",
    " shr ax, cl",
    " seto al",
    " add dl, al",
    " mov rax, rcx",
    " rol eax, 31",
    " adc rdx, rax",
    " mov rax, rcx",
    " ror rax, cl",
    " xor rax, rbx",
    " adc rsi, rax",
    " mov rax, rcx",
    " rol al, cl",
    " test eax, eax",
    " setc al",
    " add rsi, rax",
    " mov rax, rcx",
    " sar rax, 1",
    " adc rsi, 0",
    " add rdx, rcx",
    " rol rax, 1",
    " sbb rsi, 0",
    " xor rdx, rsi",
    // Dead through instructions that leave the flags alone, and through a dead rotation.
    " mov rax, rcx",
    " ror rax, 6",
    " mov r8, rcx",
    " ror r8, 11",
    " xor rax, r8",
    " add rsi, rax",
    " mov rax, rcx",
    " shl rax, 3",
    " lea r8, [rax + rcx*2]",
    " sub r8, rax",
    " adc rsi, r8",
    " mov rax, rcx",
    " imul rax, rbx",
    " mov r8, rax",
    " shr r8, cl",
    " or rax, r8",
    " add rdx, rax",
    // Live through a rotation that keeps them (PUSHFQ reads what both kept) and a MOV.
    " mov rax, rcx",
    " shl rax, 9",
    " mov r8, rcx",
    " rol r8, 1",
    " pushfq",
    " pop r9",
    " add rsi, r9",
    " mov rax, rcx",
    " sar rax, 2",
    " movzx r8d, al",
    " setc r8b",
    " add rdx, r8",
    " dec rcx",
    " jnz L",
    " ud2",
  ].join("\n");
  sameInEveryTier(text, { [RCX]: 3000, [RBX]: 0x5deece66d });
});

test("rotations and multiplies keep the previous operation's flags in every tier", () => {
  // Each producer the region compiler knows at compile time, then a rotation or multiply
  // that keeps some of its flags (evaluated inline: flags-emit.ts allBits), then PUSHFQ.
  const producers = ["add eax, ebx", "sub eax, ebx", "and eax, ebx", "or ax, bx", "xor al, bl", "inc eax", "dec ax"];
  producers.push("neg eax", "shl eax, 3", "sar eax, cl", "adc eax, ebx", "sbb al, bl", "imul eax, ebx");
  producers.push("rol eax, 7", "ror rax, cl");
  const keepers = ["rol eax, 5", "ror ax, 3", "rol al, cl", "ror rax, 1", "imul edx, ebx"];
  const flagsToRsi = ["pushfq", "pop r8", "and r8d, 0x8d5", "add rsi, r8", "rol rsi, 3", "add rsi, rax"];
  const text = [
    " xor esi, esi",
    " xor edx, edx",
    "L: mov eax, ecx",
    " lea rbx, [rcx + rcx*8 + 7]",
    " imul ebx, ebx, 0x9e3779b1",
    ...producers.flatMap((p, k) => [p, keepers[k % keepers.length]!, ...flagsToRsi].map((l) => ` ${l}`)),
    " dec ecx",
    " jnz L",
    " ud2",
  ].join("\n");
  sameInEveryTier(text, { [RCX]: 3000 });
});

test("a region that writes its own code leaves after the store and the program sees the new code", () => {
  const results = underTiers(SELF_MODIFYING_LOOP, { [RBX]: 3000 }, TIERS);
  for (const r of results) assert.equal(r[1], 3000 * 1 + 3000 * 2);
  for (let k = 1; k < results.length; k++) assert.deepEqual(results[k], results[0]);
});

test("LWP_TIER and the LWP_JIT_ knobs with bad values: one line, exit status 2", () => {
  for (const env of [
    { LWP_TIER: "4" },
    { LWP_JIT_THRESHOLD: "0" },
    { LWP_JIT_THRESHOLD: "many" },
    { LWP_JIT_HOT: "0" },
    { LWP_JIT_WINDOW: "1e99x" },
    { LWP_JIT_START: "-1" },
    { LWP_JIT_WAIT: "soon" },
    { LWP_TCACHE_INSNS: "0" },
  ]) {
    const r = spawnSync(process.execPath, [lwpCli(), "run", "/bin/true"], {
      env: { ...process.env, ...env },
      encoding: "utf8",
    });
    assert.equal(r.status, 2, JSON.stringify(env));
    assert.match(r.stderr, /^lwp: (unknown tier|LWP_(JIT|TCACHE)_[A-Z]+)[^\n]*\n$/, JSON.stringify(env));
  }
});

test("a loop's region compiles once 256 runs come within the window, other blocks wait for the threshold; start-up asks for 2048", () => {
  // 2000 iterations of a two-block loop: under the 4096 runs of the threshold, hot by rate.
  const text = ["A: add rax, 1", " test rax, 1", " jz B", " add rdx, 1", "B: dec rbx", " jnz A", " ud2"].join("\n");
  const regions = (t: TierOptions, iterations = 2000): number => {
    setDefaultTiers(t);
    try {
      const before = JIT_TOTALS.regions,
        b = bench();
      assert.equal(run(b, text, { [RBX]: iterations }).kind, "ud");
      assert.equal(b.c.getReg(RAX), iterations);
      assert.equal(b.c.getReg(RDX), iterations / 2);
      return JIT_TOTALS.regions - before;
    } finally {
      setDefaultTiers({ tier: 3, forced: false });
    }
  };
  assert.ok(regions({ tier: 3, forced: false, start: 0 }) >= 1, "hot by rate: compiled");
  assert.equal(regions({ tier: 3, forced: false, start: 0, hot: 4096 }), 0, "the rate rule off: waits for 4096 runs");
  // A window too short for 256 runs of the loop (about 1,300 instructions) leaves it to the threshold.
  assert.equal(regions({ tier: 3, forced: false, start: 0, window: 1000 }), 0, "not within the window: waits");
  // The loop retires about 11,000 instructions: all of it start-up for a CPU that compiles from 20,000 on,
  // where only a block that runs 2048 times (8 x 256) within the window compiles.
  assert.equal(regions({ tier: 3, forced: false, start: 20_000 }), 0, "start-up: 2000 runs do not compile");
  assert.ok(regions({ tier: 3, forced: false, start: 5_000 }) >= 1, "past the start: the hot loop compiles");
  assert.ok(regions({ tier: 3, forced: false, start: 1e9 }, 3000) >= 1, "3000 runs compile even in start-up");
});

test("past the limit on live regions, hot blocks stay in the interpreter tiers; invalidated regions make room", () => {
  // Three loops one after the other: with room for one region at a time, one compiles.
  const text = [
    "A: add rax, 1",
    " dec rbx",
    " jnz A",
    " mov rbx, 300",
    "B: add rdx, 1",
    " dec rbx",
    " jnz B",
    " mov rbx, 300",
    "C: add rsi, 1",
    " dec rbx",
    " jnz C",
    " ud2",
  ].join("\n");
  // (other tests' CPUs may still hold regions: room for exactly one more)
  const was = setMaxLiveRegions(liveRegionCount() + 1);
  setDefaultTiers({ tier: 3, forced: true });
  try {
    const before = JIT_TOTALS.regions,
      b = bench();
    assert.equal(run(b, text, { [RBX]: 300 }).kind, "ud");
    assert.deepEqual([b.c.getReg(RAX), b.c.getReg(RDX), b.c.getReg(RSI)], [300, 300, 300]);
    assert.equal(JIT_TOTALS.regions - before, 1, "one region: the limit");
    b.c.flushCode(); // invalidates it: room for one more
    assert.equal(run(b, text, { [RBX]: 300 }).kind, "ud");
    assert.equal(JIT_TOTALS.regions - before, 2);
    b.c.flushCode();
  } finally {
    setMaxLiveRegions(was);
    setDefaultTiers({ tier: 3, forced: false });
  }
});
