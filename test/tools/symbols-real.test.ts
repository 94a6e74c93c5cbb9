// SPDX-License-Identifier: MIT
// Symbols for the programs people run (issue 12 item 1), against binutils and
// valgrind as oracles: separate debug info (libc6-dbg), stripped functions grouped
// by .eh_frame (their starts are nm's function addresses of the unstripped build),
// PLT stubs named as objdump names them, a rebuilt binary warned about; the
// callgrind export read by callgrind_annotate --tree=both --inclusive=yes beside
// valgrind's own file; pprof decoded by pprof-format; speedscope checked against
// its JSON schema; perf's --call-graph spellings and --version.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Ajv } from "ajv";
import { Profile } from "pprof-format";
import { lwpCli, repoRoot } from "../helpers/build-guests.js";
import { ElfFile } from "../../src/common/elf/elf.js";
import { readPltStubs } from "../../src/tools/symbols/plt.js";
import { VERSION } from "../../src/cli/version.js";
import { readLwpData } from "../../src/tools/format/reader.js";

const dir = mkdtempSync(join(tmpdir(), "lwp-symbols-"));
const SRC = `#include <stdio.h>
#include <string.h>
#include <stdlib.h>
__attribute__((noinline)) long inner(long n) { long s = 0; for (long i = 0; i < n; i++) s += i % 7; return s; }
__attribute__((noinline)) long outer(long n) { long s = 0; for (int k = 0; k < 4; k++) s += inner(n + k); return s; }
__attribute__((noinline)) long lengths(int n) { char b[64]; long s = 0; for (int i = 0; i < n; i++) { snprintf(b, sizeof b, "%d", i); s += strlen(b); } return s; }
int main(int argc, char **argv) { long n = atol(argv[1]); printf("%ld\\n", outer(n) + lengths((int)(n / 10))); return 0; }
`;

function lwp(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [lwpCli(), ...args], {
    encoding: "utf8",
    cwd: dir,
    timeout: 300_000,
    maxBuffer: 1 << 28,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function gcc(out: string, src = SRC, flags: string[] = []): string {
  writeFileSync(join(dir, `${out}.c`), src);
  execFileSync("gcc", ["-O1", "-g", ...flags, "-o", join(dir, out), join(dir, `${out}.c`)]);
  return join(dir, out);
}

/** Function start addresses from nm (the oracle). */
function nmFunctions(bin: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of execFileSync("nm", [bin], { encoding: "utf8" }).split("\n")) {
    const m = /^([0-9a-f]+) [tT] (\S+)$/.exec(l);
    if (m !== null) out.set(m[2]!, parseInt(m[1]!, 16));
  }
  return out;
}

test("libc6-dbg: libc functions only its debug file names (local symbols) are named", (t) => {
  if (!existsSync("/usr/lib/debug/.build-id")) {
    t.skip("libc6-dbg is not installed");
    return;
  }
  const bin = gcc("prog");
  assert.equal(lwp("record", "-q", "-c", "20000", "-o", "dbg.data", bin, "20000").status, 0);
  const report = lwp("report", "-i", "dbg.data", "--sort", "dso,sym").stdout;
  const libcRows = report.split("\n").filter((l) => /\slibc\.so\.6\s/.test(l));
  assert.ok(libcRows.length > 0, report);
  assert.ok(
    libcRows.every((l) => !/libc\.so\.6\+0x/.test(l)),
    `every libc row named:\n${libcRows.join("\n")}`,
  );
  // With an empty debug directory, only .dynsym names remain: __vfprintf_internal is local to libc.
  const none = lwp("report", "-i", "dbg.data", "--debug-dir", join(dir, "nothing")).stdout;
  assert.ok(report.includes("__vfprintf_internal") && !none.includes("__vfprintf_internal"), report);
});

test("stripped code: samples group per .eh_frame function, at nm's addresses of the unstripped build", () => {
  const bin = gcc("full");
  const stripped = join(dir, "stripped");
  execFileSync("strip", ["-o", stripped, bin]);
  assert.equal(lwp("record", "-q", "-c", "20000", "-o", "strip.data", stripped, "20000").status, 0);
  const rows = lwp("report", "-i", "strip.data", "--sort", "dso,sym")
    .stdout.split("\n")
    .filter((l) => l.includes("[stripped]"));
  const starts = new Set(rows.map((l) => parseInt(/stripped\+0x([0-9a-f]+) \[stripped\]/.exec(l)![1]!, 16)));
  const nm = nmFunctions(bin);
  // -O1 PIE: file offset = vaddr for .text, so the group starts are nm's addresses.
  const fnStarts = new Set(nm.values());
  assert.ok(starts.has(nm.get("inner")!), `inner at 0x${nm.get("inner")!.toString(16)}`);
  for (const x of starts) assert.ok(fnStarts.has(x), `group start 0x${x.toString(16)} is a function start in nm`);
  assert.ok(rows.length <= 6, rows.join("\n"));
});

test("PLT stubs are named name@plt (IFUNC slots *ABS*+0xADDEND@plt) at objdump's addresses", () => {
  const libc = "/lib/x86_64-linux-gnu/libc.so.6";
  for (const bin of [gcc("plt"), ...(existsSync(libc) ? [libc] : [])]) {
    const want = new Map<number, string>();
    for (const l of execFileSync("objdump", ["-d", "-j", ".plt", "-j", ".plt.sec", "-j", ".plt.got", bin], {
      encoding: "utf8",
      maxBuffer: 1 << 26,
    }).split("\n")) {
      const m = /^([0-9a-f]+) <(\w+@plt|\*ABS\*\+0x[0-9a-f]+@plt)>:$/.exec(l);
      if (m !== null) want.set(parseInt(m[1]!, 16), m[2]!);
    }
    const got = readPltStubs(ElfFile.parse(readFileSync(bin)));
    assert.ok(want.size >= 3, bin);
    for (const [addr, name] of want) {
      assert.equal(got.find((s) => s.start === addr)?.name, name, `${bin} 0x${addr.toString(16)}`);
    }
  }
});

test("a binary rebuilt after recording gives a warning, not wrong names", () => {
  const bin = gcc("rebuilt");
  assert.equal(lwp("record", "-q", "-c", "20000", "-o", "old.data", bin, "20000").status, 0);
  gcc("rebuilt", SRC.replace("i % 7", "i % 9 + 1"));
  const r = lwp("report", "-i", "old.data");
  assert.match(
    r.stderr,
    /^lwp: warning: .*rebuilt was rebuilt or replaced since recording \(build-id [0-9a-f]+, now [0-9a-f]+\): its symbols are not used$/m,
  );
  assert.doesNotMatch(r.stdout, /\[\.\] (inner|outer)\b/);
  assert.match(r.stdout, /build-id mismatch/);
});

/** callgrind_annotate --tree=both --inclusive=yes: function → inclusive share (%). */
function annotate(file: string): Map<string, number> {
  const text = execFileSync("callgrind_annotate", ["--tree=both", "--inclusive=yes", file], { encoding: "utf8" });
  const total = Number(/^([\d,]+) .*PROGRAM TOTALS/m.exec(text)![1]!.replaceAll(",", ""));
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^\s*([\d,]+) \([ \d.]+%\)\s+\* +\S*?:(\w+) \[/gm)) {
    out.set(m[2]!, (100 * Number(m[1]!.replaceAll(",", ""))) / total);
  }
  return out;
}

/** The call counts of a callgrind file: "caller>callee" → the counts of its calls= lines. */
function callCounts(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const names = new Map<string, string>();
  /** valgrind compresses names: "(12) name" defines, "(12)" refers. */
  const name = (v: string): string => {
    const m = /^\((\d+)\)(?: (.*))?$/.exec(v);
    if (m === null) return v;
    if (m[2] !== undefined) names.set(m[1]!, m[2]);
    return names.get(m[1]!) ?? v;
  };
  let fn = "";
  let cfn = "";
  for (const l of text.split("\n")) {
    if (l.startsWith("fn=")) fn = name(l.slice(3));
    else if (l.startsWith("cfn=")) cfn = name(l.slice(4));
    else if (l.startsWith("calls=")) {
      out.set(`${fn}>${cfn}`, [...(out.get(`${fn}>${cfn}`) ?? []), Number(/^calls=(\d+)/.exec(l)![1]!)]);
    }
  }
  return out;
}

test("callgrind export: callgrind_annotate --tree=both --inclusive=yes agrees with valgrind's own file; calls=1 (Q-CALLGRIND-CALLS)", () => {
  const bin = gcc("cg", SRC, ["-fno-inline"]);
  const vg = join(dir, "vg.out");
  execFileSync("valgrind", ["--tool=callgrind", `--callgrind-out-file=${vg}`, bin, "200000"], { stdio: "ignore" });
  assert.equal(lwp("record", "-q", "-g", "-c", "20000", "-o", "cg.data", bin, "200000").status, 0);
  const ours = join(dir, "ours.callgrind");
  assert.equal(lwp("report", "-i", "cg.data", "-F", "callgrind", "-o", ours).status, 0);
  const text = readFileSync(ours, "utf8");
  assert.doesNotMatch(text, /^calls=(\d{2,}|[02-9])/m, "calls= holds no sample counts");
  const a = annotate(vg),
    b = annotate(ours);
  for (const f of ["main", "outer", "inner", "lengths"]) {
    assert.ok(b.has(f), `${f} in our callgrind_annotate output`);
    assert.ok(
      Math.abs(a.get(f)! - b.get(f)!) < 3,
      `${f}: valgrind ${a.get(f)!.toFixed(2)}%, lwp ${b.get(f)!.toFixed(2)}%`,
    );
  }
  // Q-CALLGRIND-CALLS: outer calls inner 4 times (valgrind counts them); a sampler cannot, and writes 1 on every edge.
  assert.equal(
    callCounts(readFileSync(vg, "utf8"))
      .get("outer>inner")
      ?.reduce((x, y) => x + y, 0),
    4,
  );
  const counts = callCounts(text);
  assert.deepEqual(counts.get("outer>inner"), [1]);
  assert.ok([...counts.values()].flat().every((n) => n === 1));
  const tree = execFileSync("callgrind_annotate", ["--tree=caller", ours], { encoding: "utf8" });
  assert.match(tree, /< \S*:outer \(1x\)/);
  // Why not pprof's calls=0: callgrind_annotate's --tree then drops the edges, and it reads
  // the cost line of a call with no count as the caller's own cost (outer's self = inner's).
  const zero = join(dir, "zero.callgrind");
  writeFileSync(zero, text.replace(/^calls=1 /gm, "calls=0 "));
  assert.doesNotMatch(
    execFileSync("callgrind_annotate", ["--tree=caller", zero], { encoding: "utf8" }),
    /< \S*:outer \(/,
  );
  /** callgrind_annotate's self cost of `fn` ("." is none). */
  const selfOf = (file: string, fn: string): number => {
    const text = execFileSync("callgrind_annotate", ["--threshold=100", file], { encoding: "utf8" });
    const m = new RegExp(`^\\s*([\\d,]+|\\.)(?: \\([ \\d.]+%\\))?\\s+\\S*:${fn} \\[`, "m").exec(text)!;
    return m[1] === "." ? 0 : Number(m[1]!.replaceAll(",", ""));
  };
  assert.equal(
    selfOf(zero, "outer"),
    selfOf(ours, "outer") + selfOf(ours, "inner"),
    "calls=0: the cost of outer's call to inner becomes outer's self cost",
  );
  // The format has no way to leave the count out: "calls=" needs a Number (a line without one is malformed).
  const none = join(dir, "none.callgrind");
  writeFileSync(none, text.replace(/^calls=1 /gm, "calls= "));
  assert.match(
    spawnSync("callgrind_annotate", [none], { encoding: "utf8" }).stderr,
    /^WARNING: line \d+ malformed, ignoring$/m,
  );
});

test("pprof decodes with pprof-format; speedscope validates against speedscope's schema", () => {
  const bin = gcc("exp");
  assert.equal(lwp("record", "-q", "-g", "-c", "20000", "-o", "exp.data", bin, "20000").status, 0);
  const pb = join(dir, "p.pb.gz");
  assert.equal(lwp("report", "-i", "exp.data", "-F", "pprof", "-o", pb).status, 0);
  const p = Profile.decode(gunzipSync(readFileSync(pb)));
  const str = (i: number | bigint): string => p.stringTable.strings[Number(i)]!;
  assert.deepEqual(
    p.sampleType.map((x) => `${str(x.type)}/${str(x.unit)}`),
    ["samples/count", "instructions/count"],
  );
  const names = new Set(p.function.map((f) => str(f.name)));
  assert.ok(names.has("inner") && names.has("outer"));
  const schema = JSON.parse(
    readFileSync(join(repoRoot(), "node_modules", "speedscope", "dist", "release", "file-format-schema.json"), "utf8"),
  ) as object;
  const ss = JSON.parse(lwp("report", "-i", "exp.data", "-F", "speedscope").stdout) as {
    shared: { frames: { name: string; file?: string; line?: number }[] };
  };
  const validate = new Ajv({ strict: false }).compile(schema);
  assert.ok(validate(ss), JSON.stringify(validate.errors));
  const inner = ss.shared.frames.find((f) => f.name === "inner");
  assert.match(inner?.file ?? "", /exp\.c$/);
  assert.equal(typeof inner?.line, "number");
});

test("perf's CLI spellings: --call-graph MODE and --call-graph=MODE, -g, --version, help CMD, CMD -h", () => {
  const bin = gcc("cli");
  for (const args of [["--call-graph", "dwarf"], ["--call-graph=fp"], ["--call-graph", "dwarf,8192"], ["-g"]]) {
    const r = lwp("record", "-q", ...args, "-c", "50000", "-o", "cli.data", bin, "2000");
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
    assert.ok(readLwpData(readFileSync(join(dir, "cli.data"))).samples.some((s) => s.callchain.length > 0));
  }
  assert.match(lwp("record", "--call-graph", "bogus", bin).stderr, /^lwp: Invalid value for --call-graph: bogus/);
  assert.equal(lwp("--version").stdout, `lwp version ${VERSION}\n`);
  assert.equal(
    VERSION,
    (JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as { version: string }).version,
  );
  assert.equal(lwp("help", "record").stdout, lwp("record", "-h").stdout);
  assert.match(lwp("record", "-h").stdout, /--no-random/);
});
