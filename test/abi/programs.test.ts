// SPDX-License-Identifier: MIT
// Debian programs that need the identity and xattr calls (issue 14): `make`
// running a C recipe (its shell child calls setresuid) and `ls -l` (lgetxattr,
// getxattr for ACLs and SELinux labels), each compared with its native run on
// stdout, stderr and status. File times are set in the past so that neither
// run depends on the guest's clock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, lutimesSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  describeEnd,
  exitCode,
  firstDifference,
  repoRoot,
  runLwp,
  runNative,
  stderrTail,
} from "../helpers/build-guests.js";
import type { RunResult } from "../helpers/build-guests.js";

const ENV = { LC_ALL: "C", PATH: "/usr/bin:/bin", TZ: "UTC" };
const PAST = new Date("2005-01-02T03:04:05Z");

function same(native: RunResult, lwp: RunResult): void {
  for (const stream of ["stdout", "stderr"] as const) {
    const diff = firstDifference(native[stream], lwp[stream]);
    assert.ok(diff === undefined, `${stream} differs (lwp ${describeEnd(lwp)}); ${diff}\n${stderrTail(lwp)}`);
  }
  assert.equal(
    exitCode(lwp),
    exitCode(native),
    `native ${describeEnd(native)}, lwp ${describeEnd(lwp)}\n${stderrTail(lwp)}`,
  );
}

/** A fresh directory holding `files`, every one dated PAST. */
function fixture(name: string, files: Record<string, string>): string {
  const dir = join(repoRoot(), "build", "programs", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    writeFileSync(join(dir, f), text);
    utimesSync(join(dir, f), PAST, PAST);
  }
  return dir;
}

test("make builds and runs a C program as natively", { timeout: 600_000 }, () => {
  assert.ok(existsSync("/usr/bin/make"), "make is needed for this test: apt-get install make");
  const files = {
    Makefile: "hello: hello.c\n\tcc -O1 -o hello hello.c\n\t./hello\n\nclean:\n\trm -f hello\n",
    "hello.c": '#include <stdio.h>\nint main(void) { puts("made by make"); return 0; }\n',
  };
  const run = (how: typeof runNative): RunResult => {
    const dir = fixture("make", files);
    return how("/usr/bin/make", ["-C", dir, "--no-print-directory"], { env: ENV, timeoutMs: 540_000 });
  };
  const native = run(runNative);
  assert.equal(
    native.stdout.toString(),
    "cc -O1 -o hello hello.c\n./hello\nmade by make\n",
    "the native run itself must work",
  );
  same(native, run(runLwp));
});

test("ls -l prints as natively (xattr calls answered)", { timeout: 300_000 }, () => {
  const dir = fixture("ls", { "a.txt": "alpha\n", "b.c": "int b;\n", empty: "" });
  symlinkSync("a.txt", join(dir, "link"));
  lutimesSync(join(dir, "link"), PAST, PAST);
  utimesSync(dir, PAST, PAST);
  for (const args of [
    ["-l", dir],
    ["-la", "--time-style=full-iso", dir],
    ["-lL", join(dir, "link")],
    ["-l", join(dir, "missing")],
  ]) {
    same(runNative("/bin/ls", args, { env: ENV }), runLwp("/bin/ls", args, { env: ENV, timeoutMs: 240_000 }));
  }
});
