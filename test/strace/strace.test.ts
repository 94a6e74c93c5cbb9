// SPDX-License-Identifier: MIT
// `lwp run --strace` against strace(1) for the same static program: after
// masking what differs between any two runs (addresses, pids, times), the
// lines must be the same (docs/architecture.md "The system call layer").
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileStatic, repoRoot, runLwp, stderrTail } from "../helpers/build-guests.js";

const COMPILERS = [
  ["gcc", "gcc"],
  ["musl", "musl-gcc"],
] as const;

/** What legitimately differs between two runs of one program. */
function mask(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("lwp: "))
    .map((l) =>
      l
        .replace(/0x[0-9a-f]+/g, "ADDR")
        .replace(/\[pid +\d+\] /g, "")
        .replace(/(si_pid|si_uid)=\d+/g, "$1=N")
        .replace(/\{tv_sec=\d+, tv_nsec=\d+\}/g, "{TIME}")
        .replace(/st_size=\d+/g, "st_size=N")
        .replace(/nodename="[^"]*"/, 'nodename="H"')
        .replace(/ = \d{3,}$/, " = N")
        .replace(/getpid\(\) += \d+/, "getpid() = N")
        .replace(/kill\(\d+,/, "kill(N,")
        .replace(/\/\* \d+ vars \*\//, "/* N vars */")
        .replace(/ +=/, " ="),
    );
}

function strace(bin: string): string {
  const dir = mkdtempSync(join(tmpdir(), "lwp-strace-"));
  try {
    const out = join(dir, "trace");
    const r = spawnSync("strace", ["-f", "-o", out, bin], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
    assert.ok(
      r.error === undefined && r.status === 0,
      `strace(1) is needed for this test (apt-get install strace): ${r.error?.message ?? r.stderr}`,
    );
    return readFileSync(out, "utf8").replace(/^\d+ +/gm, "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const [label, cc] of COMPILERS) {
  test(`--strace prints what strace(1) prints (${label})`, { timeout: 120_000 }, () => {
    const root = repoRoot();
    const bin = join(root, "build", "strace", label, "calls");
    compileStatic(cc, join(root, "test", "strace", "calls.c"), bin, ["-O1"]);
    const native = mask(strace(bin));
    const r = runLwp(bin, [], { env: { PATH: "/usr/bin:/bin" }, lwpArgs: ["--strace"] });
    const ours = mask(r.stderr.toString());
    // The C library's start-up differs in calls we do not implement the same way (rseq).
    const from = (ls: string[]): string[] =>
      ls.slice(ls.findIndex((l) => l.startsWith('openat(AT_FDCWD, "/nonexistent')));
    assert.deepEqual(from(ours), from(native), stderrTail(r));
  });
}
