// SPDX-License-Identifier: MIT
// bin/lwp.js compiles the bundle from V8's code cache (docs/architecture.md "Start-up"):
// the first run writes the cache at exit, later runs use it as it is, and a damaged or
// foreign cache file never changes what the guest does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileStatic, repoRoot, runLwp, runNative } from "../helpers/build-guests.js";

const hasNodeCompileCache = Number(process.versions.node.split(".")[0]) >= 22;

test("the launcher's code cache is written once, reused, and survives damage", { timeout: 300_000 }, (t) => {
  if (hasNodeCompileCache) {
    // Node >= 22.1 keeps its own compile cache (module.enableCompileCache); this checks ours.
    t.diagnostic("Node's own compile cache is in use: the launcher's cache is not");
  }
  const guest = join(repoRoot(), "build", "launcher", "args");
  compileStatic("gcc", join(repoRoot(), "test", "guests", "args.c"), guest, ["-O2"]);
  const native = runNative(guest, ["x", "y z"]);
  const cache = mkdtempSync(join(tmpdir(), "lwp-cache-"));
  const env = { ...process.env, NODE_COMPILE_CACHE: cache };
  const same = (label: string): void => {
    const r = runLwp(guest, ["x", "y z"], { env });
    assert.equal(r.status, native.status, `${label}: ${r.stderr.toString()}`);
    assert.deepEqual(r.stdout, native.stdout, label);
    assert.equal(r.stderr.toString(), native.stderr.toString(), label);
  };
  try {
    same("first run, no cache");
    if (hasNodeCompileCache) return;
    const files = readdirSync(cache).filter((f) => f.endsWith(".v8cache"));
    assert.equal(files.length, 1, `one cache file expected, found ${files.join(", ")}`);
    const file = join(cache, files[0]!);
    const written = statSync(file);
    same("second run, with the cache");
    // A cache V8 accepts is not written again (a rejected one would be: the flags differ).
    assert.equal(statSync(file).mtimeMs, written.mtimeMs, "the cache was rejected and rewritten");

    const damaged = Buffer.concat([readStamp(file), Buffer.from("not V8 code cache data")]);
    writeFileSync(file, damaged);
    same("damaged cache");
    assert.ok(statSync(file).size > damaged.length, "a damaged cache is replaced at exit");
    same("after the damaged cache was replaced");
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

/** The stamp line the launcher writes before V8's data (bundle size and mtime). */
function readStamp(file: string): Buffer {
  const bytes = readFileSync(file);
  return bytes.subarray(0, bytes.indexOf(10) + 1);
}
