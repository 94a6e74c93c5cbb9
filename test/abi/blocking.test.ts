// SPDX-License-Identifier: MIT
// Blocking I/O on host descriptors never freezes the other guest tasks (issue 11,
// item 3): each program of test/abi/blocking.c runs natively and under `lwp run`
// behind the same shell plumbing (a pipe held open by `sleep`, a FIFO a host
// process writes into) and must print the same.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileStatic, exitCode, lwpCli, repoRoot, runNative, stderrTail } from "../helpers/build-guests.js";

const ENV = { LC_ALL: "C", PATH: "/usr/bin:/bin" };

function build(cc: string, label: string): string {
  const out = join(repoRoot(), "build", "abi", label, "blocking");
  compileStatic(cc, join(repoRoot(), "test", "abi", "blocking.c"), out, ["-O1", "-Wall", "-Wextra", "-pthread"]);
  return out;
}

/** Runs `cmd` through sh with PROG naming the program (natively) or `node lwp run PROG` (emulated). */
function both(bin: string, script: (prog: string) => string): [string, string] {
  const lwp = `${JSON.stringify(process.execPath)} ${JSON.stringify(lwpCli())} run -- ${bin}`;
  const native = runNative("/bin/sh", ["-c", script(bin)], { env: ENV, timeoutMs: 60_000 });
  const emu = runNative("/bin/sh", ["-c", script(lwp)], { env: ENV, timeoutMs: 120_000 });
  assert.equal(exitCode(emu), exitCode(native), stderrTail(emu));
  return [native.stdout.toString(), emu.stdout.toString()];
}

for (const [label, cc] of [["gcc", "gcc"], ["musl", "musl-gcc"]] as const) {
  test(`${label}: a reader thread blocked on stdin does not stop the ticking main thread`, { timeout: 180_000 }, () => {
    const bin = build(cc, label);
    const [native, emu] = both(bin, (p) => `sleep 30 | ${p}; echo status $?`);
    assert.match(native, /^tick 0\ntick 1\ntick 2\ntick 3\ntick 4\nmain done\nstatus 0\n$/);
    assert.equal(emu, native);
  });

  test(`${label}: a guest reads a FIFO that a host process writes`, { timeout: 180_000 }, () => {
    const bin = build(cc, label);
    const dir = mkdtempSync(join(tmpdir(), "lwp-fifo-"));
    try {
      const f = join(dir, "f");
      const script = (p: string): string => `mkfifo ${f}; (sleep 0.3; echo hello; sleep 0.3; echo world) > ${f} & ${p} fifo ${f}; wait; rm -f ${f}`;
      const [native, emu] = both(bin, script);
      assert.equal(native, "hello\nworld\nfifo: 12 bytes, last read 0\n");
      assert.equal(emu, native);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`${label}: stdin from a slow host pipe is read to its end`, { timeout: 180_000 }, () => {
    const bin = build(cc, label);
    const [native, emu] = both(bin, (p) => `(for i in 1 2 3; do echo line $i; sleep 0.2; done) | ${p} cat`);
    assert.equal(native, "cat: 21 bytes, last read 0\n");
    assert.equal(emu, native);
  });
}
