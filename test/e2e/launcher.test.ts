// SPDX-License-Identifier: MIT
// bin/lwp.js compiles the bundle from V8's code cache (docs/architecture.md "Start-up"):
// the first run writes the cache at exit, later runs use it as it is, and a damaged or
// foreign cache file never changes what the guest does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { compileStatic, lwpCli, repoRoot, runLwp, runNative } from "../helpers/build-guests.js";
import { decodeCacheFile } from "../../src/cli/decode-cache-file.js";

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

/**
 * Runs `first` with a fresh cache directory (it writes the cache), then a short guest:
 * the cache must be accepted as it is, not rejected and written again.
 */
function cacheKeptAfter(first: (env: Record<string, string>) => void): void {
  const short = join(repoRoot(), "build", "launcher", "args");
  compileStatic("gcc", join(repoRoot(), "test", "guests", "args.c"), short, ["-O2"]);
  const cache = mkdtempSync(join(tmpdir(), "lwp-cache-"));
  const env = { ...(process.env as Record<string, string>), NODE_COMPILE_CACHE: cache };
  try {
    first(env);
    const files = readdirSync(cache).filter((f) => f.endsWith(".v8cache"));
    assert.equal(files.length, 1, `one cache file expected, found ${files.join(", ")}`);
    const file = join(cache, files[0]!);
    const written = statSync(file).mtimeMs;
    const again = runLwp(short, ["x"], { env: { ...env, LWP_CODE_CACHE_TRACE: "1" } });
    assert.deepEqual(again.stdout, runNative(short, ["x"]).stdout);
    const why = again.stderr.toString().trim();
    assert.equal(statSync(file).mtimeMs, written, `the cache was rejected and rewritten (${why})`);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

test("a code cache written after a long run is accepted by the next start-up", { timeout: 300_000 }, (t) => {
  // Past its start-up a run changes a V8 flag (the young generation grows again,
  // src/cli/run-loop.ts); the cache must still be made under the flags a start-up compiles with.
  if (hasNodeCompileCache) {
    t.diagnostic("Node's own compile cache is in use: the launcher's cache is not");
    return;
  }
  const long = join(repoRoot(), "build", "launcher", "qsort");
  compileStatic("gcc", join(repoRoot(), "test", "guests", "qsort.c"), long, ["-O2"]);
  cacheKeptAfter((env) => {
    const native = runNative(long);
    const r = runLwp(long, [], { env: { ...env, LWP_STATS: "1" } });
    assert.equal(r.status, native.status, r.stderr.toString());
    assert.deepEqual(r.stdout, native.stdout);
    const { stats } = splitStats(r.stderr.toString());
    assert.ok(Number(stats.get("instructions")) > 5_000_000, "the long guest is past its start-up");
  });
});

test(
  "a code cache written after a run whose heap passed the growth cap is accepted by the next start-up",
  { timeout: 300_000 },
  (t) => {
    // Past 64 MB of heap the CLI caps V8's heap growth (src/cli/run-loop.ts), a flag in the
    // hash V8 checks a code cache against: python3's imports take its heap to about 100 MB.
    if (hasNodeCompileCache) {
      t.diagnostic("Node's own compile cache is in use: the launcher's cache is not");
      return;
    }
    cacheKeptAfter((env) => {
      const args = ["-S", "-c", "import json, decimal, argparse, email.parser, pathlib; print('ok')"];
      const r = runLwp("/usr/bin/python3", args, { env });
      assert.equal(r.status, 0, r.stderr.toString());
      assert.deepEqual(r.stdout, runNative("/usr/bin/python3", args).stdout);
    });
  },
);

test("a code cache is written again by the first command that runs a guest, then by the first that compiles a region", (t) => {
  if (hasNodeCompileCache) {
    t.diagnostic("Node's own compile cache is in use: the launcher's cache is not");
    return;
  }
  const guest = join(repoRoot(), "build", "launcher", "args");
  compileStatic("gcc", join(repoRoot(), "test", "guests", "args.c"), guest, ["-O2"]);
  const long = join(repoRoot(), "build", "launcher", "qsort");
  compileStatic("gcc", join(repoRoot(), "test", "guests", "qsort.c"), long, ["-O2"]);
  const cache = mkdtempSync(join(tmpdir(), "lwp-cache-"));
  const env = { ...process.env, NODE_COMPILE_CACHE: cache };
  const version = (): void => {
    const r = spawnSync(process.execPath, [lwpCli(), "--version"], { env, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  };
  const cacheFile = (): string =>
    join(
      cache,
      readdirSync(cache).find((f) => f.endsWith(".v8cache"))!,
    );
  try {
    version();
    const file = cacheFile();
    assert.match(readStamp(file).toString(), / other\n$/, "written by a command without a guest");
    const small = statSync(file).size;
    // A small environment: static glibc's start-up scans it against its tunables, and
    // npm's hundred variables make that loop hot enough to compile a region.
    const few = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", NODE_COMPILE_CACHE: cache, LWP_STATS: "1" };
    const s = runLwp(guest, ["x"], { env: few });
    assert.deepEqual(s.stdout, runNative(guest, ["x"]).stdout);
    assert.equal(splitStats(s.stderr.toString()).stats.get("regions"), "0", "the short guest compiles no region");
    assert.match(readStamp(file).toString(), / guest\n$/, "written again by `lwp run`");
    const guestSize = statSync(file).size;
    assert.ok(guestSize > small, "with the functions a run compiles");
    const r = runLwp(long, [], { env: { ...env, LWP_STATS: "1" } });
    assert.deepEqual(r.stdout, runNative(long).stdout);
    assert.ok(Number(splitStats(r.stderr.toString()).stats.get("regions")) > 0, "the long guest compiles regions");
    assert.match(readStamp(file).toString(), / jit\n$/, "written again by a run that compiled regions");
    assert.ok(statSync(file).size > guestSize, "with the region compiler's functions");
    const written = statSync(file).mtimeMs;
    runLwp(guest, ["x"], { env });
    version();
    assert.equal(statSync(file).mtimeMs, written, "then used as it is, by every command");
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

/** The stamp line the launcher writes before V8's data (bundle size and mtime, the kind of command that wrote it). */
function readStamp(file: string): Buffer {
  const bytes = readFileSync(file);
  return bytes.subarray(0, bytes.indexOf(10) + 1);
}

/** The stats line LWP_STATS=1 adds to stderr: the counters, and stderr without it. */
function splitStats(stderr: string): { stats: Map<string, string>; rest: string } {
  const lines = stderr.split("\n");
  const k = lines.findIndex((l) => l.startsWith("lwp-stats: "));
  assert.ok(k >= 0, `no stats line in ${stderr}`);
  const stats = new Map(
    lines[k]!.slice("lwp-stats: ".length)
      .split(" ")
      .map((kv) => kv.split("=") as [string, string]),
  );
  lines.splice(k, 1);
  return { stats, rest: lines.join("\n") };
}

test("the decoded-block cache is written, reused, and never changes what the guest does", { timeout: 300_000 }, () => {
  // A dynamic program: ld.so and libc are most of what is decoded.
  const prog = "/bin/echo",
    args = ["x", "y z"];
  const native = runNative(prog, args);
  const cache = mkdtempSync(join(tmpdir(), "lwp-cache-"));
  const file = decodeCacheFile(prog, { NODE_COMPILE_CACHE: cache });
  const run = (label: string, dir = cache): Map<string, string> => {
    const r = runLwp(prog, args, { env: { ...process.env, NODE_COMPILE_CACHE: dir, LWP_STATS: "1" } });
    const { stats, rest } = splitStats(r.stderr.toString());
    assert.equal(r.status, native.status, `${label}: ${rest}`);
    assert.deepEqual(r.stdout, native.stdout, label);
    assert.equal(rest, native.stderr.toString(), label);
    return stats;
  };
  const cached = (s: Map<string, string>): number => Number(s.get("cached_blocks"));
  try {
    const first = run("first run, no cache");
    assert.equal(cached(first), 0);
    const image = readFileSync(file);
    const blocks = Number(first.get("blocks"));

    const second = run("second run, with the cache");
    assert.equal(cached(second), blocks, "every block found in the cache");
    assert.deepEqual(readFileSync(file), image, "a cache the run added nothing to is not rewritten");

    // Another build's cache: ignored, then replaced by this build's.
    const head = (image.indexOf(10, image.indexOf(10) + 1) + 4) & ~3; // the first block (the header is padded to words)
    const magic = image.subarray(0, image.indexOf(10) + 1);
    const foreign = Buffer.concat([magic, Buffer.from("another-build\n"), image.subarray(head)]);
    writeFileSync(file, foreign);
    assert.equal(cached(run("another build's cache")), 0);
    assert.deepEqual(readFileSync(file).subarray(0, head), image.subarray(0, head), "replaced by this build's");

    // Damaged: bits flipped all over the blocks. The damaged blocks are decoded again.
    const damaged = Buffer.from(image);
    for (let k = head; k < damaged.length; k += 61) damaged[k]! ^= 0x04;
    writeFileSync(file, damaged);
    assert.ok(cached(run("damaged cache")) < blocks, "damaged blocks were used");
    assert.equal(cached(run("after the damaged cache was rewritten")), blocks);

    writeFileSync(file, "not a cache at all");
    assert.equal(cached(run("garbage")), 0);
    writeFileSync(file, image.subarray(0, image.length >> 1));
    run("cut short");

    // Unwritable: the cache directory cannot be made (its parent is a file; root ignores modes).
    const blocked = join(file, "sub");
    assert.equal(cached(run("cache directory cannot be made", blocked)), 0);
    assert.equal(cached(run("still unwritable", blocked)), 0);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test("started through its #! line, lwp keeps Node from loading NODE_EXTRA_CA_CERTS and the guest sees it in place", () => {
  const guest = join(repoRoot(), "build", "launcher", "environ");
  compileStatic("gcc", join(repoRoot(), "test", "guests", "environ.c"), guest, ["-O2"]);
  const base = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: "/nonexistent", LC_ALL: "C" };
  // A file that does not exist: Node warns on stderr when it tries to load it.
  const cases: [string, Record<string, string>][] = [
    ["set", { A_FIRST: "1", NODE_EXTRA_CA_CERTS: "/nonexistent/lwp-ca.pem", ...base }],
    ["empty", { NODE_EXTRA_CA_CERTS: "", ...base }],
    ["unset", { ...base }],
  ];
  for (const [label, env] of cases) {
    const native = spawnSync(guest, [], { env, encoding: "utf8" });
    const r = spawnSync(lwpCli(), ["run", "--", guest], { env, encoding: "utf8" });
    assert.equal(r.status, 0, `${label}: ${r.stderr}`);
    assert.equal(r.stderr, "", `${label}: Node loaded the certificates`);
    assert.equal(r.stdout, native.stdout, `${label}: the guest's environment`);
  }
  // Started as `node bin/lwp.js`, Node itself loads the file, as it does for any script.
  const env = cases[0]![1];
  const direct = spawnSync(process.execPath, [lwpCli(), "run", "--", guest], { env, encoding: "utf8" });
  assert.match(direct.stderr, /extra certs/, "the check above can see Node's warning");
});
