// SPDX-License-Identifier: MIT
// Separate debug files found by .gnu_debuglink as gdb finds them (issue 12 item 1):
// objcopy --only-keep-debug / --add-gnu-debuglink make the pair, the link is
// followed next to the file and in its .debug/ directory, and a debug file whose
// CRC-32 differs from the link's is not used. --symfs finds every file under a
// directory, as perf's does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { lwpCli } from "../helpers/build-guests.js";

const dir = mkdtempSync(join(tmpdir(), "lwp-debugfiles-"));
const EMPTY = join(dir, "no-debug-dir");
mkdirSync(EMPTY);
const SRC = `#include <stdio.h>
#include <stdlib.h>
__attribute__((noinline)) long inner(long n) { long s = 0; for (long i = 0; i < n; i++) s += i % 7; return s; }
int main(int argc, char **argv) { printf("%ld\\n", inner(atol(argv[1]))); return 0; }
`;

function lwp(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [lwpCli(), ...args], { encoding: "utf8", cwd: dir, timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A stripped program `name` linked (by .gnu_debuglink) to `debugName`, written at `debugAt`. */
function build(name: string, src: string, debugName: string, debugAt: string): string {
  const c = join(dir, `${name}.c`),
    full = join(dir, `${name}.full`),
    out = join(dir, name);
  writeFileSync(c, src);
  execFileSync("gcc", ["-O1", "-g", "-o", full, c]);
  const dbg = join(dir, debugName);
  execFileSync("objcopy", ["--only-keep-debug", full, dbg]);
  execFileSync("objcopy", ["--strip-all", `--add-gnu-debuglink=${dbg}`, full, out]);
  mkdirSync(dirname(debugAt), { recursive: true });
  if (debugAt !== dbg) renameSync(dbg, debugAt);
  return out;
}

/** The Symbol column of the report's rows in the program's own file. */
function rows(report: string, dso: string): string[] {
  return [...report.matchAll(new RegExp(`^ +[\\d.]+% +\\d+ +${dso} +\\[\\.\\] (.+)$`, "gm"))].map((m) => m[1]!);
}

test(".gnu_debuglink: the debug file next to the program or in .debug/ names its functions (build-id lookup empty)", () => {
  for (const [name, at] of [
    ["beside", "beside.dbg"],
    ["dotdebug", join(".debug", "dotdebug.dbg")],
  ] as const) {
    const bin = build(name, SRC, `${name}.dbg`, join(dir, at));
    assert.equal(lwp("record", "-q", "-c", "20000", "-o", `${name}.data`, bin, "2000000").status, 0);
    const r = lwp("report", "-i", `${name}.data`, "--debug-dir", EMPTY);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(rows(r.stdout, name).includes("inner"), r.stdout);
  }
});

test(".gnu_debuglink: a debug file whose CRC differs from the link's is not used", () => {
  const bin = build("crc", SRC, "crc.dbg", join(dir, "crc.dbg"));
  assert.equal(lwp("record", "-q", "-c", "20000", "-o", "crc.data", bin, "2000000").status, 0);
  // Another build's debug file under the linked name: the CRC no longer matches.
  build("other", SRC.replace("i % 7", "i % 9"), "other.dbg", join(dir, "other.dbg"));
  copyFileSync(join(dir, "other.dbg"), join(dir, "crc.dbg"));
  const r = lwp("report", "-i", "crc.data", "--debug-dir", EMPTY);
  assert.equal(r.status, 0, r.stderr);
  const named = rows(r.stdout, "crc");
  assert.ok(!named.includes("inner") && named.some((s) => /^crc\+0x[0-9a-f]+ \[stripped\]$/.test(s)), r.stdout);
});

test("--symfs DIR: the recorded files are read under DIR (the originals gone)", () => {
  const bin = build("moved", SRC, "moved.dbg", join(dir, "moved.dbg"));
  assert.equal(lwp("record", "-q", "-c", "20000", "-o", "moved.data", bin, "2000000").status, 0);
  const symfs = join(dir, "symfs");
  for (const f of [bin, join(dir, "moved.dbg")]) {
    mkdirSync(dirname(symfs + f), { recursive: true });
    renameSync(f, symfs + f);
  }
  const gone = lwp("report", "-i", "moved.data", "--debug-dir", EMPTY);
  assert.ok(!rows(gone.stdout, "moved").includes("inner"), gone.stdout);
  const r = lwp("report", "-i", "moved.data", "--debug-dir", EMPTY, "--symfs", symfs);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(rows(r.stdout, "moved").includes("inner"), r.stdout);
  rmSync(symfs, { recursive: true, force: true });
});
