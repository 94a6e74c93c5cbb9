// SPDX-License-Identifier: MIT
// Symbolizer checked against `nm -C` (symbols) and `addr2line` (lines) on a g++ -g
// PIE built at test time and "loaded" at a random-looking base, plus fallbacks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { ElfFile, PT_LOAD } from "../../common/elf/elf.js";
import { Symbolizer, type SymbolizerMapping } from "./symbolizer.js";

const SOURCE = `
namespace geo { struct Vec { int x; int length() const; }; int Vec::length() const { return x < 0 ? -x : x; } }
static int helper(int v) {
  return v * 3;
}
int main(int argc, char**) { geo::Vec v{argc}; return helper(v.length()); }
`;

const dir = mkdtempSync(join(tmpdir(), "lwp-symbolizer-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const src = join(dir, "prog.cc");
writeFileSync(src, SOURCE);
const path = join(dir, "prog");
execFileSync("g++", ["-g", "-O0", "-pie", "-fPIE", "-o", path, src]);
const bytes = new Uint8Array(readFileSync(path));
const BASE = 0x5555_5555_4000;

/** The mappings a loader makes for each PT_LOAD (page-rounded), as /proc/pid/maps would show. */
function loadMappings(): SymbolizerMapping[] {
  const elf = ElfFile.parse(bytes);
  return elf.programHeaders
    .filter((p) => p.pType === PT_LOAD)
    .map((p) => ({
      start: BASE + (p.pVaddr - (p.pVaddr % 4096)),
      end: BASE + Math.ceil((p.pVaddr + p.pMemsz) / 4096) * 4096,
      pgoff: p.pOffset - (p.pOffset % 4096),
      path,
      elf: bytes,
    }));
}

/** `nm -C --defined-only` text symbols with their demangled names. */
function nmFunctions(): [number, string][] {
  const out = execFileSync("nm", ["-C", "--defined-only", path], { encoding: "utf8" });
  return out
    .split("\n")
    .map((l) => /^([0-9a-f]+) [Tt] (.+)$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => [parseInt(m[1] ?? "", 16), m[2] ?? ""]);
}

test("Symbolizer.resolve() names functions like nm -C and lines like addr2line", () => {
  const s = new Symbolizer(loadMappings());
  const fns = nmFunctions();
  assert.ok(fns.some(([, n]) => n === "geo::Vec::length() const"));
  for (const [addr, name] of fns) {
    for (const delta of [0, 1, 4]) {
      const r = s.resolve(BASE + addr + delta);
      assert.equal(r.dso, path);
      assert.equal(r.symbol, name);
      assert.equal(r.offset, delta);
    }
  }
  const probes = fns
    .filter(([, n]) => ["main", "helper(int)", "geo::Vec::length() const"].includes(n))
    .map(([a]) => a + 4);
  const want = execFileSync("addr2line", ["-e", path, ...probes.map((a) => `0x${a.toString(16)}`)], {
    encoding: "utf8",
  })
    .trim()
    .split("\n");
  probes.forEach((a, i) => {
    const r = s.resolve(BASE + a);
    assert.equal(
      `${basename(r.file ?? "?")}:${r.line}`,
      basename(want[i] ?? "").replace(/ \(discriminator \d+\)$/, ""),
    );
  });
});

test("Symbolizer.resolve() caches and keeps mangled names when asked", () => {
  const s = new Symbolizer(loadMappings(), { demangle: false });
  const main = nmFunctions().find(([, n]) => n === "main")?.[0];
  assert.ok(main !== undefined);
  assert.equal(s.resolve(BASE + main), s.resolve(BASE + main));
  const len = nmFunctions().find(([, n]) => n === "geo::Vec::length() const")?.[0] ?? 0;
  assert.equal(s.resolve(BASE + len).symbol, "_ZNK3geo3Vec6lengthEv");
});

test("Symbolizer.resolve() falls back to dso+0xoffset, never [unknown]", () => {
  const maps: SymbolizerMapping[] = [
    ...loadMappings(),
    { start: 0x7fff_f7ff_d000, end: 0x7fff_f7ff_f000, pgoff: 0, path: "[vdso]" },
    {
      start: 0x7000_0000_0000,
      end: 0x7000_0000_1000,
      pgoff: 0x2000,
      path: "/lib/garbage.so",
      elf: new Uint8Array([1, 2, 3]),
    },
  ];
  const s = new Symbolizer(maps);
  assert.deepEqual(s.resolve(0x7fff_f7ff_d010), { dso: "[vdso]", symbol: "[vdso]+0x10", offset: 0x10 });
  assert.deepEqual(s.resolve(0x7000_0000_0020), {
    dso: "/lib/garbage.so",
    symbol: "garbage.so+0x2020",
    offset: 0x2020,
  });
  assert.deepEqual(s.resolve(0x1234), { dso: "[unmapped]", symbol: "0x1234", offset: 0x1234 });
  // The ELF header page is mapped but holds no function.
  const r = s.resolve(BASE + 0x10);
  assert.equal(r.symbol, "prog+0x10");
  for (const a of [BASE, BASE + 0x10, 0x1234, 0x7fff_f7ff_d000]) assert.notEqual(s.resolve(a).symbol, "[unknown]");
});
