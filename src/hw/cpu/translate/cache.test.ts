// SPDX-License-Identifier: MIT
// The translation cache (cache.ts): a sweep evicts the blocks not entered since the
// sweep before, never those a region runs, and leaves no link to them; a program
// bigger than the budget still runs right, its evicted blocks translated again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../memory/address-space.js";
import { PhysMem } from "../../memory/phys.js";
import { Cpu, setDefaultTiers, type TierOptions } from "../cpu.js";
import { DECODE_STATS } from "../stats.js";
import { Block } from "./block.js";
import { TranslationCache } from "./cache.js";
import type { RegionEntry } from "../../jit/jit.js";

const CODE = 0x400000;

/** A block of `n` instructions at `start` (never run: the cache only counts and links them). */
function block(start: number, n = 10): Block {
  return new Block(
    start,
    start + n,
    new Array(n).fill(() => {}),
    String.fromCharCode(...Array.from({ length: n }, (_, k) => k)),
    "",
    0,
    "",
  );
}

test("a sweep evicts what was not entered since the sweep before, and unlinks it", () => {
  const marked: number[] = [],
    evicted: Block[] = [];
  const tc = new TranslationCache(
    30,
    (pn) => marked.push(pn),
    (b) => evicted.push(b),
  );
  const [a, b, c] = [block(CODE), block(CODE + 0x10), block(CODE + 0x20)];
  for (const x of [a, b, c]) tc.add(x);
  assert.deepEqual(marked, [CODE / 4096], "a page is marked once");
  a.next1 = b;
  a.jit = {} as RegionEntry; // a region runs it: never evicted
  // First sweep (the budget is full): everything was entered in the current epoch.
  tc.add(block(CODE + 0x30));
  assert.equal(evicted.length, 0);
  // c is entered again; b is not. The sweep after next drops b only.
  c.used = tc.epoch;
  for (let k = 4; tc.epoch < 3; k++) tc.add(block(CODE + 0x10 * k));
  assert.equal(evicted.length, 0, "b was entered in the epoch before the last sweep");
  for (let k = 20; tc.epoch < 4; k++) tc.add(block(CODE + 0x10 * k));
  assert.deepEqual(evicted, [b]);
  assert.equal(b.valid, false);
  assert.equal(tc.find(b.start), undefined);
  assert.equal(a.next1, null, "the link to the evicted block is gone");
  assert.equal(tc.find(a.start), a);
  assert.equal(tc.find(c.start), c);
});

test("invalidating a page drops its blocks; clear drops all", () => {
  const tc = new TranslationCache(
    1000,
    () => {},
    () => {},
  );
  const a = block(CODE),
    b = block(CODE + 0x1000);
  tc.add(a);
  tc.add(b);
  assert.equal(tc.invalidatePage(CODE / 4096), true);
  assert.equal(tc.invalidatePage(CODE / 4096), false);
  assert.equal(a.valid, false);
  assert.equal(tc.find(CODE), undefined);
  assert.equal(tc.find(b.start), b);
  tc.clear();
  assert.equal(b.valid, false);
  assert.equal(tc.find(b.start), undefined);
});

/** Runs `f` with CPUs made under `t`. */
function withTiers<T>(t: TierOptions, f: () => T): T {
  setDefaultTiers(t);
  try {
    return f();
  } finally {
    setDefaultTiers({ tier: 3, forced: false });
  }
}

test("a program larger than the cache's budget runs right, its evicted blocks translated again", () => {
  // 300 blocks of `inc eax; jmp next` (2 instructions each), then ud2: 600 instructions
  // through a cache that holds 64.
  const BLOCKS = 300;
  const code: number[] = [];
  for (let k = 0; k < BLOCKS; k++) code.push(0xff, 0xc0, 0xeb, 0x00);
  code.push(0x0f, 0x0b);
  const mem = new AddressSpace(new PhysMem(4096));
  mem.map(CODE, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
  mem.poke(CODE, Uint8Array.from(code));
  const cpu = withTiers({ tier: 3, forced: false, tcache: 64 }, () => new Cpu(mem));
  const evictedBefore = DECODE_STATS.evicted,
    blocksBefore = DECODE_STATS.blocks;
  for (let pass = 1; pass <= 3; pass++) {
    cpu.rip = CODE;
    assert.equal(cpu.run(10_000).kind, "ud");
    assert.equal(cpu.r32[0], BLOCKS * pass);
  }
  assert.ok(DECODE_STATS.evicted - evictedBefore > 2 * BLOCKS - 64, "blocks were evicted");
  assert.ok(DECODE_STATS.blocks - blocksBefore > 2 * BLOCKS, "and translated again");
});

test("resuming inside the last block runs its tail, which ends where the block ends (no decoding)", () => {
  // 100 × `inc eax`, then ud2: blocks of 64 and 36 instructions.
  const code: number[] = [];
  for (let k = 0; k < 100; k++) code.push(0xff, 0xc0);
  code.push(0x0f, 0x0b);
  const mem = new AddressSpace(new PhysMem(4096));
  mem.map(CODE, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
  mem.poke(CODE, Uint8Array.from(code));
  const cpu = withTiers({ tier: 1, forced: true }, () => new Cpu(mem));
  cpu.rip = CODE;
  assert.equal(cpu.run(10_000).kind, "ud");
  assert.equal(cpu.r32[0], 100);
  const first = cpu.blockAt(CODE);
  assert.equal(first.end, CODE + 128, "the first block is 64 instructions");
  // As after an LWP threshold interrupt at its tenth instruction: the CPU resumes at the eleventh.
  cpu.block = first;
  cpu.rip = CODE + 20;
  cpu.r32[0] = 0;
  const decoded = DECODE_STATS.decoded;
  assert.equal(cpu.run(10_000).kind, "ud");
  assert.equal(cpu.r32[0], 90, "the tail and the second block ran, each instruction once");
  const tail = cpu.blockAt(CODE + 20);
  assert.equal(tail.end, CODE + 128, "the tail ends where its block does");
  const ips = (b: Block): number[] => Array.from({ length: b.length }, (_, k) => b.ipAt(k));
  assert.deepEqual(ips(tail), ips(first).slice(10));
  assert.equal(DECODE_STATS.decoded, decoded, "nothing was decoded again");
  assert.equal(cpu.blockAt(CODE + 128).start, CODE + 128, "the second block is the one translated before");
  // Its records are its block's, not decoded again from the tail's own bytes (which the
  // decoded-block cache does not hold: it keeps blocks by their start).
  const records = first.insns,
    redecoded = DECODE_STATS.redecoded;
  assert.deepEqual(
    tail.insns.map((i) => [i.ip, i.name, i.len]),
    records.slice(10).map((i) => [i.ip, i.name, i.len]),
  );
  assert.equal(DECODE_STATS.redecoded, redecoded, "the tail's records came from its block's");
});

test("the front grows with the blocks held and finds every one; clear drops them all", () => {
  const tc = new TranslationCache(
    1 << 20,
    () => {},
    () => {},
  );
  const blocks = Array.from({ length: 5000 }, (_, k) => block(CODE + 16 * k, 4));
  for (const b of blocks) {
    tc.add(b);
    assert.equal(tc.find(b.start), b);
  }
  for (const b of blocks) assert.equal(tc.find(b.start), b, `block at ${b.start.toString(16)}`);
  tc.clear();
  assert.ok(blocks.every((b) => tc.find(b.start) === undefined && !b.valid));
});
