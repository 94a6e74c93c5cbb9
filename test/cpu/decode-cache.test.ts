// SPDX-License-Identifier: MIT
// The decoded-block cache (src/hw/cpu/decode-cache.ts) must give back exactly what iced
// decodes: every field of every record of real programs' code, read back from a saved
// image, equals a fresh decode of the same bytes; and an image that is damaged, cut
// short, made by another build, or made from other bytes is never used for a block.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DecodeCache } from "../../src/hw/cpu/decode-cache.js";
import { decodeRun, endsBlock, redecode, useDecodeCache, type Insn } from "../../src/hw/cpu/decode.js";
import { textOf } from "../helpers/text-section.js";

/** Every field of a record, the bytes included, as plain data. */
function fields(i: Insn): unknown {
  return { ...i, bytes: [...i.bytes], ops: i.ops.map((o) => ({ ...o })), mem: i.mem && { ...i.mem } };
}

/** The translator's stop: a branch, 64 instructions, or near the end of the 512 fetched bytes. */
function stopAt(start: number, most = 64): (i: Insn) => boolean {
  let n = 0;
  return (i) => ++n >= most || endsBlock(i) || i.next - start > 512 - 16;
}

/** Block starts along the code: each block decoded from where the previous one ended. */
function blocks(code: { bytes: Uint8Array; addr: number }, cache: DecodeCache | null, most = 64): unknown[][] {
  useDecodeCache(cache);
  const out: unknown[][] = [];
  try {
    for (let off = 0; off + 512 <= code.bytes.length;) {
      const insns = decodeRun(code.bytes.subarray(off, off + 512), code.addr + off, stopAt(code.addr + off, most));
      out.push(insns.map(fields));
      off += Math.max(
        1,
        insns.reduce((s, i) => s + i.len, 0),
      );
    }
  } finally {
    useDecodeCache(null);
  }
  return out;
}

/** Random instruction-like bytes (seeded): prefixes before opcodes from the whole map, every immediate and displacement size. */
function randomCode(n: number, seed: number): { bytes: Uint8Array; addr: number } {
  let s = seed >>> 0;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const prefixes = [0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x64, 0x65, 0x48, 0x41, 0x4c];
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    bytes[i] = rnd() < 0.15 ? prefixes[Math.floor(rnd() * prefixes.length)]! : Math.floor(rnd() * 256);
  }
  return { bytes, addr: 0x7fff_f000_0000 - n };
}

const CODE = [
  textOf("/lib/x86_64-linux-gnu/libc.so.6", 1 << 17),
  textOf("/usr/bin/python3", 1 << 16),
  textOf("/lib64/ld-linux-x86-64.so.2", 1 << 16),
  randomCode(1 << 16, 7),
];

/** An image holding the blocks of CODE, made by build "b1". */
function image(): Uint8Array {
  const c = new DecodeCache("b1", null);
  for (const code of CODE) blocks(code, c);
  assert.ok(c.changed);
  return c.serialize();
}

test("records read back from an image equal iced's decode, field by field", () => {
  const c = new DecodeCache("b1", image());
  let n = 0,
    whole = 0;
  for (const code of CODE) {
    const fresh = blocks(code, null);
    const cached = blocks(code, c);
    assert.deepEqual(cached, fresh);
    n += fresh.reduce((s, b) => s + b.length, 0);
    whole += fresh.filter((b) => (b as Insn[]).every((i) => !i.invalid && i.len > 0)).length;
  }
  assert.ok(n > 50_000, `only ${n} instructions compared`);
  assert.equal(c.size, whole, "every block of valid instructions was kept (none too wide for the records)");
  assert.equal(c.hits, c.size, "every block of the image was found");
  assert.equal(c.changed, false, "nothing new to write: every block iced would decode was found");
});

test("a block is cut where the caller's stop says, and decoded on past the cached end", () => {
  const c = new DecodeCache("b1", image());
  for (const most of [3, 200]) {
    const code = CODE[0]!;
    assert.deepEqual(blocks(code, c, most), blocks(code, null, most), `blocks of at most ${most}`);
  }
});

test("an image of another build, a cut one and a damaged one are never used wrongly", () => {
  const img = image();
  const code = CODE[0]!;
  const fresh = blocks(code, null);

  const foreign = new DecodeCache("b2", img);
  assert.equal(foreign.size, 0, "another build's image is ignored");

  const cut = new DecodeCache("b1", img.subarray(0, img.length >> 1));
  assert.deepEqual(blocks(code, cut), fresh, "an image cut short");

  // Flip one bit in every 97th byte past the header: records, bytes, lengths and hashes.
  const damaged = img.slice();
  for (let k = 64; k < damaged.length; k += 97) damaged[k]! ^= 0x10;
  const d = new DecodeCache("b1", damaged);
  assert.deepEqual(blocks(code, d), fresh, "a damaged image");
  const good = new DecodeCache("b1", img);
  blocks(code, good);
  assert.ok(d.hits < good.hits, `damaged blocks were used: ${d.hits} hits, ${good.hits} undamaged`);

  const other = { bytes: code.bytes.map((b) => b ^ 0x5a), addr: code.addr };
  const c = new DecodeCache("b1", img);
  assert.deepEqual(blocks(other, c), blocks(other, null), "other bytes at the same addresses");
  assert.equal(c.hits, 0);
});

test("a block decoded in this run is found by a later lookup, and written once", () => {
  const code = CODE[2]!;
  const c = new DecodeCache("b1", null);
  const fresh = blocks(code, c);
  const once = c.serialize();
  assert.deepEqual(blocks(code, c), fresh, "the second pass reads what the first decoded");
  assert.equal(c.hits, fresh.length, "every block of the second pass was found");
  assert.deepEqual(c.serialize(), once, "no block twice in the image");
});

test("a block decoded again (for the region compiler) comes from the image when it holds it, as iced decodes it", () => {
  const code = CODE[0]!;
  const starts: { at: number; len: number; n: number }[] = [];
  for (const b of blocks(code, null) as { ip: number; len: number }[][]) {
    starts.push({ at: b[0]!.ip - code.addr, len: b.reduce((s, i) => s + i.len, 0), n: b.length });
  }
  const again = (c: DecodeCache | null, n: (k: number) => number): unknown[][] => {
    useDecodeCache(c);
    try {
      return starts.map((s) => redecode(code.bytes.subarray(s.at, s.at + s.len), code.addr + s.at, n(s.n)).map(fields));
    } finally {
      useDecodeCache(null);
    }
  };
  const c = new DecodeCache("b1", image());
  assert.deepEqual(
    again(c, (n) => n),
    again(null, (n) => n),
  );
  assert.equal(c.hits, starts.length, "every block came from the image");
  // Asked for fewer records than the block has: the first ones, from the image or not.
  assert.deepEqual(
    again(c, (n) => Math.max(1, n - 1)),
    again(null, (n) => Math.max(1, n - 1)),
  );
});
