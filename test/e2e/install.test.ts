// SPDX-License-Identifier: MIT
// The README's global install: `npm install -g .` puts `lwp` on the PATH, and it works
// from any directory (README "Usage"): run matches the native run, record writes
// lwp.data in the current directory, report reads it back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileStatic, repoRoot, runNative } from "../helpers/build-guests.js";

test("npm install -g . puts a working lwp on the PATH, usable from another directory", { timeout: 300_000 }, () => {
  const root = repoRoot();
  const prefix = mkdtempSync(join(tmpdir(), "lwp-global-"));
  const work = mkdtempSync(join(tmpdir(), "lwp-elsewhere-"));
  try {
    // --prefix stands in for the global prefix (/usr/local for root), so the test leaves the machine as it was.
    const npm = spawnSync("npm", ["install", "-g", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", "."], {
      cwd: root,
      encoding: "utf8",
    });
    assert.equal(npm.status, 0, `npm install -g . failed:\n${npm.stderr}`);
    assert.ok(existsSync(join(prefix, "bin", "lwp")), "npm created no lwp command");

    for (const [name, dir] of [
      ["args", "test/guests"],
      ["loop", "test/tools/guests"],
    ] as const) {
      const guest = join(root, "build", "install", name);
      compileStatic("musl-gcc", join(root, dir, `${name}.c`), guest, ["-O2", "-pthread"]);
      copyFileSync(guest, join(work, name));
    }
    const env = { PATH: `${join(prefix, "bin")}:/usr/bin:/bin`, LC_ALL: "C" };
    const lwp = (...args: string[]): ReturnType<typeof spawnSync> =>
      spawnSync("lwp", args, { cwd: work, env, encoding: "utf8", timeout: 120_000 });

    const native = runNative(join(work, "args"), ["a b", "c"], { cwd: work, env });
    const run = lwp("run", "./args", "a b", "c");
    assert.equal(run.status, native.status, String(run.stderr));
    assert.equal(run.stdout, native.stdout.toString(), "lwp run ./args prints what the program prints natively");

    // loop.c spends its time in spin() and exits with status 3.
    const record = lwp("record", "-c", "10000", "./loop", "1000000");
    assert.equal(record.status, 3, String(record.stderr));
    assert.ok(existsSync(join(work, "lwp.data")), "lwp record wrote no lwp.data in the current directory");
    const report = lwp("report");
    assert.equal(report.status, 0, String(report.stderr));
    assert.match(String(report.stdout), /\bspin\b/, "the report names the function the program spends its time in");
  } finally {
    rmSync(prefix, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});
