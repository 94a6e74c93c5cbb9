// SPDX-License-Identifier: MIT
// The address space around fork and exit (address-space.ts, tlb-store.ts): a parent
// keeps its read TLB across a fork and still sees each side's writes apart; a destroyed
// space hands its TLBs on emptied; a flush empties what was filled (listed or not) and
// two spaces trade their areas in physical memory emptied; a page that becomes code leaves
// the write TLBs; and it keeps nothing of its process alive.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { AddressSpace, MemoryFault, PROT_READ, PROT_WRITE, TLB_BYTES } from "./address-space.js";
import { FILL_LOG } from "./tlb-store.js";
import { PhysMem } from "./phys.js";

const DATA = 0x600000;

test("after a fork each side reads its own writes, the parent through the TLB it kept", () => {
  const parent = new AddressSpace(new PhysMem(4096));
  parent.map(DATA, 2 * 4096, PROT_READ | PROT_WRITE);
  parent.write32(DATA, 0x11);
  parent.write32(DATA + 4096, 0x22);
  assert.equal(parent.read32(DATA), 0x11); // both TLBs hold the page now
  const child = parent.clone();
  child.write32(DATA, 0x33); // the child copies the shared frame
  assert.equal(parent.read32(DATA), 0x11);
  assert.equal(child.read32(DATA), 0x33);
  parent.write32(DATA + 4096, 0x44); // the parent's write must fault and copy too
  assert.equal(parent.read32(DATA + 4096), 0x44);
  assert.equal(child.read32(DATA + 4096), 0x22);
  parent.write32(DATA, 0x55);
  assert.equal(parent.read32(DATA), 0x55);
  assert.equal(child.read32(DATA), 0x33);
});

for (const pages of [1, FILL_LOG + 100]) {
  test(`a destroyed space's TLBs go to the next space, empty (${pages} pages)`, () => {
    const phys = new PhysMem(4096);
    const a = new AddressSpace(phys);
    a.map(DATA, pages * 4096, PROT_READ | PROT_WRITE);
    for (let p = 0; p < pages; p++) a.write32(DATA + p * 4096, 7);
    assert.equal(a.read32(DATA), 7);
    const base = a.tlbBase;
    a.destroy();
    const b = new AddressSpace(phys);
    assert.equal(b.tlbBase, base, "the storage is reused");
    assert.throws(() => b.read32(DATA), MemoryFault, "no entry of the old space survives");
    assert.ok(areaEmpty(phys, base), "translated code's TLBs are empty");
  });
}

/** Hooks `space` to a process of 16 MB of heap that nothing else refers to. */
function hook(space: AddressSpace): void {
  const proc = { pages: new Array<number>(2 * 1024 * 1024).fill(0.5) };
  space.onMissing = () => proc.pages.length > 0;
  space.onCodeWrite = () => void proc.pages.length;
}

test("a destroyed space keeps nothing of its process alive, even kept by a WeakRef's deref", () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const phys = new PhysMem(4096);
  const space = new AddressSpace(phys);
  hook(space);
  // WeakRef.deref() keeps its target until the current job ends (a guest runs millions of
  // instructions per job: src/cli/run-loop.ts).
  phys.flushAllTlbs();
  gc();
  const held = process.memoryUsage().heapUsed;
  space.destroy();
  gc();
  const freed = held - process.memoryUsage().heapUsed;
  assert.ok(freed > 12 * 1024 * 1024, `the process's memory was freed (${(freed / 1048576).toFixed(1)} MB)`);
});

test("TLBs kept for later spaces do not count against the machine's memory limit", () => {
  const phys = new PhysMem(100); // frames: a space's TLBs take 32
  const spaces = [0, 1, 2].map(() => new AddressSpace(phys));
  for (const s of spaces) s.destroy();
  const s = new AddressSpace(phys);
  s.map(DATA, 60 * 4096, PROT_READ | PROT_WRITE);
  for (let p = 0; p < 60; p++) s.write8(DATA + p * 4096, p); // 60 frames: 92 of 100 in use
  assert.equal(phys.framesInUse, 92);
});

test("a probe that hits the TLB still sees protection changes, unmaps and forks", () => {
  const s = new AddressSpace(new PhysMem(4096));
  s.map(DATA, 2 * 4096, PROT_READ | PROT_WRITE);
  s.write32(DATA, 1);
  s.probeWrite(DATA, 8); // both TLBs hold the page
  s.probeRead(DATA, 8);
  s.protect(DATA, 4096, PROT_READ);
  assert.throws(() => s.probeWrite(DATA, 8), MemoryFault, "read-only now");
  s.probeRead(DATA, 8);
  s.unmap(DATA, 4096);
  assert.throws(() => s.probeRead(DATA, 8), MemoryFault, "unmapped now");
  s.write32(DATA + 4096, 2);
  const child = s.clone();
  s.probeWrite(DATA + 4096, 4); // the frame is shared: the probe makes it the parent's own
  s.write32(DATA + 4096, 3);
  assert.equal(child.read32(DATA + 4096), 2);
  assert.throws(() => s.probeWrite(DATA + 4096 - 2, 4), MemoryFault, "a probe across into the unmapped page");
});

/** Whether every slot of both TLBs in the physical area at `base` has an empty tag. */
function areaEmpty(phys: PhysMem, base: number): boolean {
  return phys.i32.subarray(base >> 2, (base + 2 * TLB_BYTES) >> 2).every((v, k) => k % 4 > 1 || v === -1);
}

/** A space with `pages` pages mapped at DATA, each read and written once (both TLBs fill). */
function touched(phys: PhysMem, pages: number): AddressSpace {
  const s = new AddressSpace(phys);
  s.map(DATA, pages * 4096, PROT_READ | PROT_WRITE);
  for (let p = 0; p < pages; p++) {
    s.write8(DATA + p * 4096, p & 0xff);
    assert.equal(s.read8(DATA + p * 4096), p & 0xff);
  }
  return s;
}

for (const pages of [12, FILL_LOG + 100]) {
  test(`a flush empties every slot filled, listed or not (${pages} pages)`, () => {
    const phys = new PhysMem(8192);
    const s = touched(phys, pages);
    assert.ok(!areaEmpty(phys, s.tlbBase));
    s.flushTlb();
    assert.ok(areaEmpty(phys, s.tlbBase), "translated code's TLBs are empty");
    s.unmap(DATA, 4096); // an access through a stale slot would not fault
    assert.throws(() => s.read8(DATA), MemoryFault);
    assert.throws(() => s.write8(DATA, 1), MemoryFault);
    const child = s.clone(); // the parent's write slots go: its next write copies the frame
    s.write8(DATA + 4096, 0x77);
    assert.equal(child.read8(DATA + 4096), 1);
  });

  test(`a page that becomes code leaves the write TLBs, in both forms (${pages} pages)`, () => {
    const phys = new PhysMem(8192);
    const s = touched(phys, pages);
    const written: number[] = [];
    s.onCodeWrite = (pn) => written.push(pn);
    const target = pages - 3,
      pn = DATA / 4096 + target;
    const k = (s.tlbBase + TLB_BYTES) >> 2; // the write TLB's slots in physical memory: [page lo, page hi, offset, pad]
    const slot = (): number => k + 4 * (pn & 4095);
    assert.equal(phys.i32[slot()], pn, "the page's write slot is filled in translated code's TLB");
    s.markCode(pn);
    assert.equal(phys.i32[slot()], -1, "translated code's write slot is emptied");
    s.write8(DATA + target * 4096 + 5, 1); // through the interpreter's TLB: the write must be seen
    assert.deepEqual(written, [pn]);
  });

  test(`two spaces trading their physical TLB areas: the one left empty, the one entered holds its own entries (${pages} pages)`, () => {
    const phys = new PhysMem(8192);
    const a = touched(phys, pages),
      b = touched(phys, 7);
    const [at, bt] = [a.tlbBase, b.tlbBase];
    AddressSpace.tradeTlbs(a, b);
    assert.deepEqual([a.tlbBase, b.tlbBase], [bt, at]);
    assert.ok(areaEmpty(phys, bt), "the area the space left runs in is empty");
    // The entered space's area holds its 7 pages, read and write, as its interpreter's TLB has them.
    const area = phys.i32.subarray(at >> 2, (at + 2 * TLB_BYTES) >> 2);
    assert.equal(area.filter((v, k) => k % 4 === 1 && v !== -1).length, 14);
    for (let p = 0; p < 7; p++) {
      const addr = DATA + p * 4096;
      for (const w of [false, true]) {
        const f = b.frameAt((addr % 2 ** 32) | 0, Math.floor(addr / 2 ** 32), 1, w);
        assert.ok(f >= 0, `page ${p} ${w ? "write" : "read"} entry`);
        assert.equal(phys.u8[f], b.read8(addr), `page ${p}: the same frame`);
      }
    }
    b.write8(DATA, 0x55); // b's own TLBs in JavaScript stay
    assert.equal(b.read8(DATA), 0x55);
    assert.equal(a.read8(DATA), 0);
    a.flushTlb(); // a's slots are still listed with its arrays, and go with them
    assert.ok(areaEmpty(phys, a.tlbBase));
  });
}
