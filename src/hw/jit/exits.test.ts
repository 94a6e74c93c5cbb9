// SPDX-License-Identifier: MIT
// RegionExits packs each exit site into a RIP and one 16-bit word: every field must
// come back as it went in, at the limits region formation and translation allow
// (64 blocks a region, 64 instructions a block, the five exit kinds, RIPs past 2^47).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Block } from "../cpu/translate/block.js";
import { RegionExits } from "./exits.js";
import { EXIT_AFTER, EXIT_BRANCH, EXIT_CPU_RIP, EXIT_DYNAMIC, EXIT_FAULT, type ExitSite } from "./emitter.js";

function block(start: number): Block {
  return new Block(start, start + 1, [() => {}], "\0", "", 0, "");
}

test("every exit site's kind, RIP, unretired count and block come back unchanged", () => {
  const blocks = Array.from({ length: 64 }, (_, k) => block(0x7fff_f000_0000 + 0x100 * k));
  const kinds = [EXIT_BRANCH, EXIT_DYNAMIC, EXIT_FAULT, EXIT_AFTER, EXIT_CPU_RIP];
  const sites: ExitSite[] = [],
    blockOf: number[] = [];
  for (let k = 0; k < 640; k++) {
    sites.push({ kind: kinds[k % 5]!, rip: 0x7fff_ffff_f000 - 37 * k, adj: k % 65 });
    blockOf.push((k * 7) % 64);
  }
  const x = new RegionExits(blocks, sites, blockOf);
  assert.equal(x.length, sites.length);
  sites.forEach((s, k) => {
    assert.equal(x.kind(k), s.kind, `site ${k} kind`);
    assert.equal(x.rip(k), s.rip, `site ${k} rip`);
    assert.equal(x.adj(k), s.adj, `site ${k} adj`);
    assert.equal(x.block(k), blocks[blockOf[k]!], `site ${k} block`);
  });
});

test("a site outside what the packing holds is refused, not mangled", () => {
  const b = [block(0x1000)];
  assert.throws(() => new RegionExits(b, [{ kind: 8, rip: 0, adj: 0 }], [0]));
  assert.throws(() => new RegionExits(b, [{ kind: 0, rip: 0, adj: 128 }], [0]));
  assert.throws(
    () =>
      new RegionExits(
        Array.from({ length: 65 }, (_, k) => block(0x1000 * (k + 1))),
        [],
        [],
      ),
  );
});
