// SPDX-License-Identifier: MIT
// A translated block keeps its bytes, not its decoded records, and decodes them again
// for the rare readers (src/hw/cpu/translate/block.ts). The records it gives back must
// be the ones its translation decoded: the same instructions, with the addresses
// (RIP-relative operands, branch targets) of where the block is, for real code and for
// random bytes (odd prefixes, invalid encodings, instructions cut by the page end);
// and the LWP cycle costs it keeps must be those of the records.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { AddressSpace, PROT_EXEC, PROT_READ } from "../../src/hw/memory/address-space.js";
import { PhysMem } from "../../src/hw/memory/phys.js";
import { Cpu } from "../../src/hw/cpu/cpu.js";
import { decodeRun, type Insn } from "../../src/hw/cpu/decode.js";
import type { Block } from "../../src/hw/cpu/translate/block.js";
import { insnCost } from "../../src/hw/lwp/cost-table.js";

const PAGE = 4096;

/** The first `max` bytes of section .text of an ELF file, by readelf. */
function textOf(path: string, max: number): Uint8Array {
  const line = execFileSync("readelf", ["-SW", path], { encoding: "utf8" })
    .split("\n")
    .find((l) => / \.text /.test(l));
  assert.ok(line !== undefined, `${path} has no .text`);
  const f = line.slice(line.indexOf(".text")).trim().split(/\s+/);
  const off = parseInt(f[3]!, 16);
  return readFileSync(path).subarray(off, off + max);
}

/** Everything a reader can see of a record. */
function view(i: Insn): unknown {
  const { ip, len, next, code, form, mnemonic, name, ops, mem, rep, repe, repne, lock, cc, flow, branchTarget } = i;
  const flags = [i.flagsRead, i.flagsModified, i.flagsUndefined];
  return {
    ip,
    len,
    next,
    code,
    form,
    mnemonic,
    name,
    ops,
    mem,
    rep,
    repe,
    repne,
    lock,
    cc,
    flow,
    branchTarget,
    flags,
    invalid: i.invalid,
    bytes: [...i.bytes],
  };
}

/**
 * Translates the blocks that tile `code` mapped at `base` (each next one where the last
 * ended) and checks each block's records against a fresh decode of the same bytes.
 */
function checkBlocks(code: Uint8Array, base: number): number {
  const phys = new PhysMem(4096);
  const mem = new AddressSpace(phys);
  const size = Math.ceil(code.length / PAGE) * PAGE;
  mem.map(base, size, PROT_READ | PROT_EXEC);
  mem.poke(base, code);
  const cpu = new Cpu(mem);
  let blocks = 0;
  for (let rip = base; rip < base + code.length; blocks++) {
    let b: Block;
    try {
      b = cpu.blockAt(rip);
    } catch {
      break; // an instruction cut by the end of the mapping
    }
    const at = b.start - base;
    const fresh = decodeRun(code.subarray(at, at + 512), b.start, (i) => i.ip === b.lastIp);
    assert.equal(b.insns.length, b.length, `block at ${rip.toString(16)}`);
    assert.deepEqual(b.insns.map(view), fresh.slice(0, b.length).map(view), `block at ${rip.toString(16)}`);
    assert.deepEqual(
      b.insns.map((i) => i.ip),
      b.insns.map((_, k) => b.ipAt(k)),
    );
    assert.equal(b.insns[b.length - 1]!.next, b.end);
    assert.deepEqual([...b.costTable()], fresh.slice(0, b.length).map(insnCost));
    rip = b.end > rip ? b.end : rip + 1;
  }
  return blocks;
}

test("a block's records decoded again equal its translation's, over real code", () => {
  const n = checkBlocks(textOf(process.execPath, 1 << 16), 0x5555_5555_4000);
  assert.ok(n > 1000, `only ${n} blocks`);
});

test("a block's records decoded again equal its translation's, over random bytes", () => {
  let s = 0x2545f491;
  const code = new Uint8Array(1 << 14);
  for (let k = 0; k < code.length; k++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    code[k] = s & 0xff;
  }
  const n = checkBlocks(code, 0x40_0000);
  assert.ok(n > 100, `only ${n} blocks`);
});
