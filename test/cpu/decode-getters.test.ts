// SPDX-License-Identifier: MIT
// src/hw/cpu/decode.ts asks iced for a value only when it can differ from what the Code
// and the prefix bytes already say (RFLAGS per Code, prefixes only when a prefix byte is
// there, immediates without BigInt, ...). iced's own getters are the oracle: every field
// so derived must equal what the getter says, for every instruction of real programs'
// code and of seeded random bytes (odd prefixes, every immediate kind, invalid forms).
import { test } from "node:test";
import assert from "node:assert/strict";
import iced from "iced-x86";
import { decodeRun, type Insn } from "../../src/hw/cpu/decode.js";
import { textOf } from "../helpers/text-section.js";

const { Decoder, OpKind, MemorySizeExt, Register } = iced;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Random instruction-like bytes: prefixes (legacy, REX) before opcodes drawn from the whole map. */
function randomCode(n: number, seed: number): Uint8Array {
  const rnd = seeded(seed);
  const prefixes = [0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65, 0x48, 0x41, 0x4c];
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = rnd() < 0.15 ? prefixes[Math.floor(rnd() * prefixes.length)]! : Math.floor(rnd() * 256);
  }
  return out;
}

const signed = (v: bigint): number => Number(BigInt.asIntN(64, v));
const halves = (v: bigint): [number, number] => {
  const u = BigInt.asUintN(64, v);
  return [Number(u & 0xffffffffn) | 0, Number(u >> 32n) | 0];
};

/** Checks one decoded record against iced's getters on the same instruction. */
function check(d: Insn, ins: iced.Instruction): void {
  const at = `${d.form} at 0x${d.ip.toString(16)}`;
  assert.equal(d.code, ins.code, at);
  assert.equal(d.len, ins.length, at);
  assert.deepEqual(
    [d.flagsRead, d.flagsModified, d.flagsUndefined],
    [ins.rflagsRead, ins.rflagsModified, ins.rflagsUndefined],
    `${at}: RFLAGS`,
  );
  assert.deepEqual(
    [d.rep, d.repe, d.repne, d.lock],
    [ins.hasRepPrefix, ins.hasRepePrefix, ins.hasRepnePrefix, ins.hasLockPrefix],
    `${at}: prefixes`,
  );
  const memBytes = MemorySizeExt.size(ins.memorySize);
  for (let i = 0; i < ins.opCount; i++) {
    const k = ins.opKind(i),
      o = d.ops[i]!;
    if (k >= OpKind.Immediate8 && k <= OpKind.Immediate32to64) {
      assert.deepEqual([o.immLo, o.immHi], halves(ins.immediate(i)), `${at}: immediate ${i}`);
    }
    if (k === OpKind.Memory || (k >= OpKind.MemorySegSI && k <= OpKind.MemoryESRDI)) {
      assert.equal(o.size, memBytes * 8, `${at}: memory size`);
    }
  }
  if (d.mem !== null) {
    const seg = ins.memorySegment;
    assert.equal(d.mem.seg, seg === Register.FS ? 1 : seg === Register.GS ? 2 : 0, `${at}: segment`);
    assert.equal(d.mem.scale, ins.memoryIndexScale, `${at}: scale`);
    const ripRel = ins.isIpRelMemoryOperand;
    assert.equal(d.mem.base === -1, ripRel || ins.memoryBase === Register.None, `${at}: base`);
    assert.equal(
      d.mem.disp,
      ripRel ? signed(ins.ipRelMemoryAddress) : signed(ins.memoryDisplacementU64),
      `${at}: disp`,
    );
  }
}

/** Decodes `bytes` in 512-byte runs (as the translator fetches) and checks every instruction. */
function checkAll(bytes: Uint8Array, addr: number): number {
  let n = 0;
  const ins = new iced.Instruction();
  try {
    for (let off = 0; off + 512 <= bytes.length; off += 512) {
      const chunk = bytes.subarray(off, off + 512);
      const ours = decodeRun(chunk, addr + off, () => false);
      const dec = new Decoder(64, chunk, 0);
      dec.ip = BigInt(addr + off);
      for (const d of ours) {
        if (d.invalid && d.len === 0) break; // ran out of bytes
        dec.decodeOut(ins);
        check(d, ins);
        n++;
      }
      dec.free();
    }
  } finally {
    ins.free();
  }
  return n;
}

test("decoded records equal iced's getters on real code and random bytes", { timeout: 300_000 }, () => {
  let n = 0;
  for (const path of ["/usr/bin/python3", "/lib/x86_64-linux-gnu/libc.so.6"]) {
    const t = textOf(path, 1 << 21);
    n += checkAll(t.bytes, t.addr);
  }
  for (let seed = 1; seed <= 4; seed++) n += checkAll(randomCode(1 << 17, seed), 0x400000 * seed);
  assert.ok(n > 500_000, `only ${n} instructions checked`);
});
