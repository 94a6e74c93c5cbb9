// SPDX-License-Identifier: MIT
// LWP spec §4.1 and §7.2: events 2–6 counted with exact crossings (precise IP),
// §3.2 filters, §7.4 randomised intervals and the IP filter, rule by rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BR_CLASS, BR_FLAG, DC_FLAG } from "../../src/hw/lwp/events.js";
import { FILTER } from "../../src/hw/lwp/lwpcb.js";
import { xorshift32 } from "../../src/hw/lwp/unit.js";
import {
  asm,
  bench,
  cbMissed,
  labelAddress,
  records,
  run,
  writeLwpcb,
  CODE,
  DATA,
  LWPCB,
  RDI,
  RBX,
} from "./helpers.js";

/** mov; then 1000 × (add, dec, jnz): the m-th retired instruction is known in closed form. */
const LOOP = "llwpcb rdi\n mov ecx, 1000\nL: add eax, 1\n dec ecx\nJ: jnz L\n ud2";

function loopInsn(m: number): number {
  if (m === 1) return CODE + 5;
  return [labelAddress(LOOP, "L"), labelAddress(LOOP, "L") + 3, labelAddress(LOOP, "J")][(m - 2) % 3]!;
}

test("§7.2 event 2: a record every (interval+1) retired instructions, at the exact instruction", () => {
  for (const interval of [15, 16, 99, 1000]) {
    const b = bench();
    writeLwpcb(b, { flags: 0x4, size: 65536, intervals: { 2: interval } });
    run(b, LOOP, { [RDI]: LWPCB });
    const r = records(b, 0, 65536);
    const k = interval + 1;
    assert.equal(r.length, Math.floor(3001 / k), `interval ${interval}`);
    r.forEach((x, i) => {
      assert.equal(x.eventId, 2);
      assert.equal(Number(x.ip), loopInsn((i + 1) * k), `record ${i} at interval ${interval}`);
    });
  }
});

test("§4.1 event 3: branches retired, Data2 = where execution went, TKN flag, class in bits 9:8", () => {
  const b = bench({ model: "fam15h" });
  writeLwpcb(b, { flags: 0x8, intervals: { 3: 99 } });
  run(b, LOOP, { [RDI]: LWPCB });
  const r = records(b);
  assert.equal(r.length, 10, "1000 branches / 100");
  const j = labelAddress(LOOP, "J");
  for (const [i, x] of r.entries()) {
    assert.equal(Number(x.ip), j);
    const last = i === 9;
    assert.equal(x.flags & BR_FLAG.TAKEN, last ? 0 : BR_FLAG.TAKEN, "the 1000th JNZ falls through");
    assert.equal(Number(x.data2), last ? j + 2 : labelAddress(LOOP, "L"));
    assert.equal(x.flags >>> BR_FLAG.CLASS_SHIFT, BR_CLASS.CONDITIONAL);
    assert.equal(x.flags & BR_FLAG.PREDICTION_VALID, 0, "fam15h: no prediction info (ECX[28] = 0)");
  }
});

test("§4.1 event 3 (full model): prediction bits from the predictor; a loop branch is predicted", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x8, intervals: { 3: 99 } });
  run(b, LOOP, { [RDI]: LWPCB });
  const r = records(b);
  assert.ok(r.every((x) => (x.flags & BR_FLAG.PREDICTION_VALID) !== 0));
  assert.ok(
    r.slice(0, 9).every((x) => (x.flags & BR_FLAG.PREDICTED) !== 0),
    "taken loop branch predicted",
  );
  assert.equal(r[9]!.flags & BR_FLAG.PREDICTED, 0, "the exit is mispredicted");
});

test("§7.2 event 3 is exact when every instruction is a branch (one-instruction blocks), alone and with event 2", () => {
  const text = "llwpcb rdi\n mov ecx, 100\nL: jmp M\nM: jmp N\nN: dec ecx\nJ: jnz L\n ud2";
  const l = labelAddress(text, "L");
  // jmp M = EB 00, jmp N = EB 00, dec ecx = FF C9, jnz L = 75 xx: branches at L, L+2 and L+6.
  assert.deepEqual([...asm(text).subarray(l - CODE, l - CODE + 7)], [0xeb, 0, 0xeb, 0, 0xff, 0xc9, 0x75]);
  const branchIps = [l, l + 2, l + 6];
  for (const [flags, interval] of [
    [0x8, 15],
    [0x8, 16],
    [0xc, 15],
  ] as const) {
    const b = bench();
    writeLwpcb(b, { flags, size: 65536, intervals: { 2: 100000, 3: interval } });
    run(b, text, { [RDI]: LWPCB });
    const r = records(b, 0, 65536).filter((x) => x.eventId === 3);
    assert.equal(r.length, Math.floor(300 / (interval + 1)), `flags ${flags} interval ${interval}`);
    r.forEach((x, k) => assert.equal(Number(x.ip), branchIps[((k + 1) * (interval + 1) - 1) % 3], `record ${k}`));
  }
});

test("docs/lwp.md 12: a branch is predicted when it goes where it went the previous time; same bits on every path", () => {
  // JZ alternates (taken to S, not taken to the NOP); JNZ goes back to L until the end.
  const text = "llwpcb rdi\n mov ecx, 64\nL: test ecx, 1\nZ: jz S\n nop\nS: dec ecx\nJ: jnz L\n ud2";
  const z = labelAddress(text, "Z"),
    j = labelAddress(text, "J");
  const bits = (flags: number): string[] => {
    const b = bench();
    writeLwpcb(b, { flags, intervals: { 3: 16, 5: 100000 } });
    run(b, text, { [RDI]: LWPCB });
    return records(b)
      .filter((x) => x.eventId === 3)
      .map((x) => {
        assert.ok((x.flags & BR_FLAG.PREDICTION_VALID) !== 0);
        return `${Number(x.ip) === z ? "jz" : Number(x.ip) === j ? "jnz" : "?"}:${(x.flags & BR_FLAG.PREDICTED) !== 0 ? "hit" : "miss"}`;
      });
  };
  const quick = bits(0x8);
  assert.equal(quick.length, Math.floor(128 / 17));
  for (const r of quick) {
    assert.equal(
      r,
      r.startsWith("jz") ? "jz:miss" : "jnz:hit",
      "an alternating branch always misses, the loop branch hits",
    );
  }
  assert.deepEqual(bits(0x8 | 0x20), quick, "the general loop (event 5 on) predicts the same");
});

const MIXED =
  "llwpcb rdi\n mov ecx, 64\nL: call F\n jmp K\nK: lea rax, [rip + M]\n jmp rax\nM: dec ecx\n jnz L\n ud2\nF: ret";

test("§3.2 Filters bits 27/28/29 drop absolute, conditional, relative branches from event 3", () => {
  // Per iteration: call (relative), ret (absolute), jmp K (relative), jmp rax (absolute), jnz (conditional).
  const count = (filters: number): number => {
    const b = bench({ model: "fam15h" });
    writeLwpcb(b, { flags: 0x8, filters, size: 65536, intervals: { 3: 15 } });
    run(b, MIXED, { [RDI]: LWPCB });
    return records(b, 0, 65536).length;
  };
  assert.equal(count(0), Math.floor((64 * 5) / 16));
  assert.equal(count(FILTER.NO_CONDITIONAL), Math.floor((64 * 4) / 16));
  assert.equal(
    count(FILTER.NO_ABSOLUTE | FILTER.NO_RELATIVE),
    Math.floor(64 / 16),
    "only JNZ: rr's conditional-only setting",
  );
  assert.equal(count(FILTER.NO_ABSOLUTE), Math.floor((64 * 3) / 16));
});

test("§4.1 event 4: D-cache misses with latency, data address and level; cold then warm", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x10, size: 65536, intervals: { 4: 15 } });
  // 2 passes over 128 lines (8 KiB, fits L1D): only the first pass misses.
  const text =
    "llwpcb rdi\n mov edx, 2\nP: mov rsi, rbx\n mov ecx, 128\nL: mov eax, [rsi]\n add rsi, 64\n dec ecx\n jnz L\n dec edx\n jnz P\n ud2";
  run(b, text, { [RDI]: LWPCB, [RBX]: DATA });
  const r = records(b, 0, 65536);
  assert.equal(r.length, 128 / 16);
  r.forEach((x, i) => {
    assert.equal(x.eventId, 4);
    assert.equal(Number(x.ip), labelAddress(text, "L"));
    assert.equal(Number(x.data2), DATA + 64 * (16 * (i + 1) - 1));
    assert.equal(x.data1, 200, "DRAM latency");
    assert.equal(x.flags, 4 | DC_FLAG.ADDRESS_VALID);
  });
});

test("§3.2 event 4 latency and level filters (full model: ECX[30], ECX[31])", () => {
  const count = (filters: number): number => {
    const b = bench();
    writeLwpcb(b, { flags: 0x10, filters, size: 65536, intervals: { 4: 15 } });
    run(b, "llwpcb rdi\n mov ecx, 256\nL: mov eax, [rbx]\n add rbx, 64\n dec ecx\n jnz L\n ud2", {
      [RDI]: LWPCB,
      [RBX]: DATA,
    });
    return records(b, 0, 65536).length;
  };
  assert.equal(count(0), 16);
  assert.equal(count(201), 0, "MinLatency 201 > DRAM latency 200");
  assert.equal(count(200), 16);
  assert.equal(count(FILTER.NO_DRAM), 0);
  assert.equal(count(FILTER.NO_L2 | FILTER.NO_L3), 16);
});

test("§4.1 event 5: core cycles from the cost table (a memory operand adds 3), exact crossing", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x20, size: 65536, intervals: { 5: 99 } });
  const text = "llwpcb rdi\n mov ecx, 500\nL: mov eax, [rbx]\n dec ecx\n jnz L\n ud2";
  run(b, text, { [RDI]: LWPCB, [RBX]: DATA });
  const cycles = 1 + 500 * (4 + 1 + 1);
  assert.equal(records(b, 0, 65536).length, Math.floor(cycles / 100));
});

test("§4.1 event 6: reference cycles = core cycles × 3/4", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x40, size: 65536, intervals: { 6: 99 } });
  run(b, "llwpcb rdi\n mov ecx, 1000\nL: add eax, 1\n dec ecx\n jnz L\n ud2", { [RDI]: LWPCB });
  assert.equal(records(b, 0, 65536).length, Math.floor((3001 * 3) / 4 / 100));
});

test("§7.4 Random field: reload = interval with its low Random bits drawn from the PRNG; deterministic", () => {
  const ring = (seed: number): number[] => {
    const b = bench({ lwpOptions: { random: xorshift32(seed) } });
    writeLwpcb(b, { flags: 0x4, random: 6, size: 65536, intervals: { 2: 256 } });
    run(b, LOOP, { [RDI]: LWPCB });
    return records(b, 0, 65536).map((x) => Number(x.ip));
  };
  const a = ring(1),
    a2 = ring(1),
    c = ring(2);
  assert.deepEqual(a, a2);
  assert.notDeepEqual(a, c);
  assert.ok(a.length >= Math.floor(3001 / 320) && a.length <= Math.ceil(3001 / 257), `${a.length} records`);
});

test("§3.2 IP filter (full model): count only inside [BaseIP, LimitIP], or only outside (IPI)", () => {
  const text = "llwpcb rdi\n mov ecx, 1000\nL: add eax, 1\n dec ecx\n jnz L\n ud2";
  const l = labelAddress(text, "L");
  const count = (filters: number, model: "full" | "fam15h" = "full"): number => {
    const b = bench({ model });
    writeLwpcb(b, { flags: 0x4, filters, baseIp: l + 3, limitIp: l + 3, size: 65536, intervals: { 2: 99 } });
    run(b, text, { [RDI]: LWPCB });
    return records(b, 0, 65536).length;
  };
  assert.equal(count(FILTER.IP_FILTER), 10, "only DEC: 1000 / 100");
  assert.equal(count(FILTER.IP_FILTER | FILTER.IP_INVERT), Math.floor(2001 / 100));
  assert.equal(count(FILTER.IP_FILTER, "fam15h"), 30, "fam15h ignores the IP filter (ECX[29] = 0)");
});

test("§4 Data3 carries the timestamp when PTSC is enabled (full model); 0 on fam15h", () => {
  const b = bench();
  writeLwpcb(b, { flags: 0x40000002, intervals: { 1: 0 } });
  run(b, "llwpcb rdi\n nop\n nop\n lwpins eax, eax, 0\n ud2", { [RDI]: LWPCB });
  assert.equal(records(b)[0]!.data3, 3n, "virtual TSC = retired instructions (LLWPCB, NOP, NOP)");
  const f = bench({ model: "fam15h" });
  writeLwpcb(f, { flags: 0x40000002, intervals: { 1: 0 } });
  run(f, "llwpcb rdi\n lwpins eax, eax, 0\n ud2", { [RDI]: LWPCB });
  assert.equal(records(f)[0]!.data3, 0n);
});

test("§7.2 crossing detection is exact whatever the block shapes: counts match a per-instruction reference", () => {
  for (const interval of [15, 17, 31, 63, 64, 65]) {
    const b = bench();
    writeLwpcb(b, { flags: 0x4 | 0x8, size: 65536, intervals: { 2: interval, 3: interval } });
    run(b, MIXED, { [RDI]: LWPCB });
    const r = records(b, 0, 65536);
    const insns = 1 + 64 * 7;
    assert.equal(r.filter((x) => x.eventId === 2).length, Math.floor(insns / (interval + 1)));
    assert.equal(r.filter((x) => x.eventId === 3).length, Math.floor((64 * 5) / (interval + 1)));
    assert.equal(cbMissed(b), 0);
  }
});

test("§7.2 a fault after the crossing in a stepped block: record at the crossing, #PF at the faulting instruction, exact state", () => {
  // mov ecx, then (add, dec, jnz) × 5: 16 instructions; the block after the loop is
  // A B C LOAD D: with interval 17 the 18th retired instruction, B, fires event 2, and
  // the load through RBX (unmapped) faults two instructions later, in the same block's
  // quiet run after the crossing.
  const text =
    "llwpcb rdi\n mov ecx, 5\nL: add eax, 1\n dec ecx\n jnz L\n add eax, 2\nB: add eax, 3\n add eax, 4\nF: mov edx, [rbx]\n add eax, 5\n ud2";
  for (const quietOnly of [true, false]) {
    const b = bench();
    writeLwpcb(b, { flags: quietOnly ? 0x4 : 0x4 | 0x8, size: 4096, intervals: { 2: 17, 3: 1000 } });
    const x = run(b, text, { [RDI]: LWPCB, [RBX]: 0x900000 });
    assert.equal(x.kind, "fault");
    assert.equal(x.kind === "fault" ? x.address : 0, 0x900000);
    assert.equal(b.c.rip, labelAddress(text, "F"), "RIP is the faulting load");
    assert.equal(b.c.getReg(0), 5 + 2 + 3 + 4, "the instructions before the load retired, not those after");
    const r = records(b);
    assert.equal(r.length, 1);
    assert.equal(Number(r[0]!.ip), labelAddress(text, "B"));
    // The counter went on from the crossing: B's reload, less C (the load did not retire).
    assert.equal(b.c.lwp.counters[2], 17 - 1);
  }
});
