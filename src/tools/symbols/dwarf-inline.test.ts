// SPDX-License-Identifier: MIT
// Inlined frames from .debug_info against binutils' `addr2line -f -i` (the oracle),
// instruction by instruction, on C and C++ programs built at test time with DWARF 5
// (rnglists, line_strp, addrx when split) and DWARF 4 (.debug_ranges, strp), and on
// libc's separate debug file from libc6-dbg when it is installed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { inflateSync } from "node:zlib";
import { ElfFile } from "../../common/elf/elf.js";
import { readBuildId } from "../../common/elf/notes.js";
import { DwarfError } from "./dwarf-cursor.js";
import { InlineTable, type InlinedCall } from "./dwarf-inline.js";

const C_SOURCE = `#include <stdlib.h>
static inline int square(int x) { return x * x; }
static inline int sum_squares(int n) {
  int s = 0;
  for (int i = 0; i < n; i++) s += square(i);
  return s;
}
__attribute__((noinline)) int compute(int n) { return sum_squares(n) + square(n); }
int main(int argc, char **argv) { return compute(argc > 1 ? atoi(argv[1]) : 10) & 0x7f; }
`;

const CC_SOURCE = `#include <vector>
namespace geo {
struct Acc { long total = 0; inline void add(long v) { total += v * v; } };
template <typename T> inline T twice(T v) { return v + v; }
}
__attribute__((noinline)) long run(const std::vector<long>& xs) {
  geo::Acc a;
  for (long x : xs) a.add(geo::twice(x));
  return a.total;
}
int main(int argc, char**) { std::vector<long> v(argc * 100, 3); return (int)(run(v) & 0x7f); }
`;

const dir = mkdtempSync(join(tmpdir(), "lwp-inline-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const inflate = (b: Uint8Array): Uint8Array => new Uint8Array(inflateSync(b));

function build(name: string, compiler: string, source: string, ext: string, flags: string[]): string {
  const src = join(dir, `${name}.${ext}`);
  writeFileSync(src, source);
  const out = join(dir, name);
  execFileSync(compiler, ["-O2", "-g", ...flags, "-o", out, src]);
  return out;
}

/** Every instruction address of the named functions (objdump -d). */
function instructions(bin: string, fns: readonly string[]): number[] {
  const out: number[] = [];
  let on = false;
  for (const line of execFileSync("objdump", ["-d", "--no-show-raw-insn", bin], { encoding: "utf8" }).split("\n")) {
    const head = /^[0-9a-f]+ <(.+)>:$/.exec(line);
    if (head !== null) {
      on = fns.includes(head[1]!);
      continue;
    }
    const ins = /^\s+([0-9a-f]+):\s/.exec(line);
    if (on && ins !== null) out.push(parseInt(ins[1]!, 16));
  }
  return out;
}

/** addr2line -f -i: function (linkage name)/position pairs, innermost first; our shape is the inlined ones with their call sites. */
function oracle(bin: string, addrs: readonly number[]): string[] {
  const text = execFileSync("addr2line", ["-f", "-i", "-a", "-e", bin, ...addrs.map((a) => `0x${a.toString(16)}`)], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  const out: string[] = [];
  for (const block of text.split(/^0x[0-9a-f]+\n/m).slice(1)) {
    const l = block.trimEnd().split("\n");
    const frames: string[] = [];
    // Pairs (function, file:line); the last pair is the out-of-line function, not an inlined call.
    for (let i = 0; i + 3 < l.length; i += 2) frames.push(`${l[i]!} @ ${site(l[i + 3]!)}`);
    out.push(frames.join(" | "));
  }
  return out;
}

const site = (pos: string): string => {
  const m = /^(.*):(\d+)(?: \(discriminator \d+\))?$/.exec(pos);
  return m === null ? "?" : `${basename(m[1]!)}:${m[2]!}`;
};
const ours = (calls: readonly InlinedCall[]): string =>
  calls
    .map((c) => `${c.name} @ ${c.callFile === undefined ? "?" : `${basename(c.callFile)}:${c.callLine ?? 0}`}`)
    .join(" | ");

function compare(bin: string, addrs: readonly number[]): number {
  const table = new InlineTable(ElfFile.parse(new Uint8Array(readFileSync(bin))), inflate);
  const want = oracle(bin, addrs);
  let inlined = 0;
  addrs.forEach((a, i) => {
    const got = table.lookup(a);
    if (got.length > 0) inlined++;
    assert.equal(ours(got), want[i], `0x${a.toString(16)}`);
  });
  return inlined;
}

for (const [label, flags] of [
  ["DWARF 5", ["-gdwarf-5"]],
  ["DWARF 4", ["-gdwarf-4"]],
] as const) {
  test(`inlined frames of a C program (${label}) match addr2line -i at every instruction`, () => {
    const bin = build(`c${flags[0]}`, "gcc", C_SOURCE, "c", [...flags]);
    const addrs = instructions(bin, ["compute", "main"]);
    assert.ok(addrs.length > 8);
    const inlined = compare(bin, addrs);
    assert.ok(inlined >= 4, `some instructions are inlined code (${inlined})`);
  });

  test(`inlined frames of a C++ program (${label}) match addr2line -i at every instruction (linkage names)`, () => {
    const bin = build(`cc${flags[0]}`, "g++", CC_SOURCE, "cc", [...flags]);
    const addrs = instructions(bin, ["_Z3runRKSt6vectorIlSaIlEE", "main"]);
    const inlined = compare(bin, addrs);
    assert.ok(inlined >= 2, `some instructions are inlined code (${inlined})`);
  });
}

test("no .debug_info: no inlined frames, and the table says it is empty", () => {
  const bin = build("nodebug", "gcc", C_SOURCE, "c", ["-g0"]);
  const table = new InlineTable(ElfFile.parse(new Uint8Array(readFileSync(bin))), inflate);
  assert.equal(table.empty, true);
  assert.deepEqual(table.lookup(instructions(bin, ["compute"])[1]!), []);
});

test("libc6-dbg: inlined frames in libc's separate debug file match addr2line -i", (t) => {
  const libc = "/lib/x86_64-linux-gnu/libc.so.6";
  const id = existsSync(libc) ? readBuildId(ElfFile.parse(new Uint8Array(readFileSync(libc)))) : undefined;
  const debug = id === undefined ? "" : `/usr/lib/debug/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug`;
  if (!existsSync(debug)) {
    t.skip("libc6-dbg is not installed");
    return;
  }
  // Three points inside every 37th function of 512 bytes or more (nm -S).
  const addrs: number[] = [];
  let n = 0;
  for (const l of execFileSync("nm", ["-S", debug], { encoding: "utf8", maxBuffer: 1 << 26 }).split("\n")) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) [tT] /.exec(l);
    if (m === null) continue;
    const start = parseInt(m[1]!, 16);
    const size = parseInt(m[2]!, 16);
    if (size < 512 || n++ % 37 !== 0) continue;
    for (const k of [1, 2, 3]) addrs.push(start + Math.floor((size * k) / 4));
  }
  assert.ok(addrs.length > 30);
  const inlined = compare(debug, addrs);
  assert.ok(inlined >= 5, `some addresses are inlined code (${inlined})`);
});

test("seeded mutations of the DWARF sections: every lookup answers or throws a one-line DwarfError", () => {
  const bin = build("fuzz", "gcc", C_SOURCE, "c", ["-gdwarf-5"]);
  const base = new Uint8Array(readFileSync(bin));
  const elf = ElfFile.parse(base);
  const sections = [
    ".debug_info",
    ".debug_abbrev",
    ".debug_rnglists",
    ".debug_aranges",
    ".debug_line",
    ".debug_str",
    ".debug_line_str",
  ]
    .map((n) => elf.findSection(n))
    .filter((s) => s !== undefined && s.shSize > 0);
  const addrs = instructions(bin, ["compute", "main"]);
  let x = 0x2545f491;
  const r = (n: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const INTERESTING = [0, 1, 0x7f, 0x80, 0xff];
  let refused = 0;
  for (let i = 0; i < 300; i++) {
    const b = base.slice();
    for (let k = 1 + r(6); k > 0; k--) {
      const s = sections[r(sections.length)]!;
      const at = s.shOffset + r(s.shSize);
      b[at] = r(2) === 0 ? INTERESTING[r(INTERESTING.length)]! : b[at]! ^ (1 << r(8));
    }
    try {
      const t = new InlineTable(ElfFile.parse(b), inflate);
      for (const a of addrs) t.lookup(a);
    } catch (e) {
      assert.ok(e instanceof DwarfError, `case ${i}: ${String(e)}`);
      assert.doesNotMatch(e.message, /\n/);
      refused++;
    }
  }
  assert.ok(refused > 0 && refused < 300, `${refused} of 300 refused`);
});
