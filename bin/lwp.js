#!/usr/bin/env -S NODE_EXTRA_CA_CERTS= LWP_NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node
// SPDX-License-Identifier: MIT
// The `lwp` command: a committed launcher for the bundled CLI, dist/bundle/lwp.cjs
// (build output of scripts/bundle.mjs, made by `npm ci` through the prepare script).
// Start-up is most of a short run's cost (docs/architecture.md, "Start-up"), so this
// file is CommonJS (bin/package.json), which spares Node its ES module loader, and it
// compiles the bundle from V8's code cache: Node's own compile cache where Node has one
// (>= 22.1), else a cache kept here the same way.
"use strict";
const Module = require("node:module");

/**
 * NODE_EXTRA_CA_CERTS names certificates Node 20 parses at every start-up (38 ms of CPU
 * for Debian's bundle on the machine this is built on, more than the rest of Node's own
 * start-up); `lwp` never makes a TLS connection. The first line above starts Node with it
 * empty, which Node ignores, and hands its value over in LWP_NODE_EXTRA_CA_CERTS; it is
 * put back here, in place, before anything reads the environment, so the guest and
 * any program `lwp` starts see the environment they were given. An unset variable was
 * appended (empty, just before the carrier) by `env`: it is removed again.
 */
function restoreExtraCaCerts(env) {
  const v = env.LWP_NODE_EXTRA_CA_CERTS;
  if (v === undefined) return; // started as `node bin/lwp.js`: nothing was changed
  const keys = Object.keys(env);
  delete env.LWP_NODE_EXTRA_CA_CERTS;
  if (v !== "") env.NODE_EXTRA_CA_CERTS = v;
  else if (keys[keys.length - 2] === "NODE_EXTRA_CA_CERTS") delete env.NODE_EXTRA_CA_CERTS;
}
restoreExtraCaCerts(process.env);

const { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, writeFileSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { dirname, join } = require("node:path");
const { Script } = require("node:vm");

const BUNDLE = join(__dirname, "..", "dist", "bundle", "lwp.cjs");

/** Where compiled code is cached: Node's convention ($NODE_COMPILE_CACHE, else <tmp>/node-compile-cache). */
function cacheDir() {
  return process.env.NODE_COMPILE_CACHE || join(tmpdir(), "node-compile-cache");
}

/** One cache file per bundle path and Node version (clones share the directory), overwritten when the bundle changes. */
function cacheFile() {
  let h = 5381;
  for (let i = 0; i < BUNDLE.length; i++) h = ((h * 33) ^ BUNDLE.charCodeAt(i)) >>> 0;
  return join(cacheDir(), `lwp-${h.toString(16)}-${process.version}.v8cache`);
}

/** An open file with its size and mtime, or null when it cannot be opened. */
function open(path) {
  try {
    const fd = openSync(path, "r");
    const { size, mtimeMs } = fstatSync(fd);
    return { fd, size, mtimeMs };
  } catch {
    return null;
  }
}

/** Reads `f` whole into the start of `buf`; returns the bytes read. */
function readAll(f, buf) {
  let n = 0;
  try {
    for (let k; n < f.size && (k = readSync(f.fd, buf, n, f.size - n, n)) > 0;) n += k;
  } finally {
    closeSync(f.fd);
  }
  return n;
}

/** Commands that run a guest: most of what a start-up compiles is theirs. */
const GUEST_COMMANDS = new Set(["run", "record", "stat"]);

/** "guest" when this run's command runs a guest program, else "other" (`--version`, `report`, ...). */
function commandKind() {
  const name = process.argv.slice(2).find((a) => a !== "--no-pager" && a !== "--paginate");
  return GUEST_COMMANDS.has(name) ? "guest" : "other";
}

/**
 * The bundle's source, its identity (`stamp`, the start of the cache file's first line: V8
 * checks only the source's length before using a cache, so a rebuilt bundle of the same
 * length must not match), this command's kind, the cached data made for the bundle, if
 * any, and the kind of run that made it (an index in KINDS; −1: no cache for this bundle).
 * Both files are read through one buffer: every megabyte of memory
 * a start-up touches for the first time costs it milliseconds (docs/architecture.md
 * "Start-up").
 *
 * The cache holds what the run that wrote it compiled. Written by a command that runs no
 * guest (the `lwp --help` a new user types first), it lacks the translator, the kernel
 * and the loader, which every later `lwp run` would then compile from source (8 ms of a
 * static hello, 14 ms of a dynamic /bin/true); written by a guest that compiled no region
 * (the README's first command), it lacks the region compiler. So the stamp says which
 * kind of run wrote it (KINDS), and the first run of a kind further on writes it again.
 */
function readBundleAndCache(file) {
  const bundle = open(BUNDLE);
  if (bundle === null) {
    process.stderr.write(`lwp: ${BUNDLE} is missing: run 'npm run build' in ${join(__dirname, "..")}\n`);
    process.exit(1);
  }
  const kind = commandKind();
  const stamp = `lwp-v8cache ${bundle.size} ${bundle.mtimeMs}`;
  const cache = open(file);
  const buf = Buffer.allocUnsafeSlow(Math.max(bundle.size, cache?.size ?? 0));
  // ASCII (esbuild charset=ascii): latin1 is exact, and V8 keeps it as a one-byte string.
  const source = buf.toString("latin1", 0, readAll(bundle, buf));
  if (cache === null) return { source, stamp, kind, cachedData: undefined, cachedKind: -1 };
  const n = readAll(cache, buf);
  const end = buf.indexOf(10);
  const head = end > 0 && end < n ? buf.toString("latin1", 0, end) : "";
  const at = head.lastIndexOf(" ");
  if (head.slice(0, at) !== stamp) return { source, stamp, kind, cachedData: undefined, cachedKind: -1 };
  return { source, stamp, kind, cachedData: buf.subarray(end + 1, n), cachedKind: KINDS.indexOf(head.slice(at + 1)) };
}

/** What a cache may have been written by, each kind's run compiling more of the bundle than the one before. */
const KINDS = ["other", "guest", "jit"];

/**
 * Writes V8's code cache for `script`. Made at exit, it holds the functions the run compiled
 * as well as the top level, so the next start-up compiles almost nothing.
 */
function save(script, file, stamp, kind) {
  setV8Flags(); // the flags the next start-up compiles under (the CLI may have changed one since)
  try {
    mkdirSync(dirname(file), { recursive: true });
    const head = Buffer.from(`${stamp} ${kind}\n`, "latin1");
    writeFileSync(`${file}.${process.pid}`, Buffer.concat([head, script.createCachedData()]));
    renameSync(`${file}.${process.pid}`, file);
  } catch {
    // Only an optimisation: a read-only or full disk costs the next start-up, nothing else.
  }
}

/**
 * V8's flags for a run, set before the bundle is compiled (V8 accepts a code cache only
 * under the flags it was made with, so they are set again before a cache is written; the
 * CLI sets --liftoff-only again as it starts, src/cli/tiers.ts). --interrupt-budget: a
 * function "ticks" after four times as much work as V8's default (67584 bytes of
 * bytecode run); --ticks-before-optimization=27 (V8's is 3) and no early optimization of
 * small functions: TurboFan optimizes a function only after 36 times V8's default work,
 * so the code a short run executes a few thousand times (start-up, ld.so, translating
 * each block once, a fork's path) stays in the baseline tiers: TurboFan compiled 126
 * functions for a dynamic /bin/true and cost it a third of its CPU time, on compiler
 * threads. V8 reads the two tick flags at each tick, so a run past its start-up gets
 * V8's own (src/cli/run-loop.ts) at each function's next tick. --semi-space-growth-
 * factor=1: the young generation keeps its first 1 MB instead of doubling at each
 * scavenge that finds much alive, so start-up reuses pages it has touched instead of
 * touching new ones (a new page costs more than the scavenges it saves); the CLI lets it
 * grow again, to 8 MB, once a run is past its start-up (src/cli/run-loop.ts). docs/architecture.md
 * "Start-up".
 */
function setV8Flags() {
  const v8 = require("node:v8");
  if (process.env.LWP_WASM_OPT !== "1") v8.setFlagsFromString("--liftoff-only");
  v8.setFlagsFromString("--interrupt-budget=270336");
  v8.setFlagsFromString("--ticks-before-optimization=27");
  v8.setFlagsFromString("--max-bytecode-size-for-early-opt=0");
  v8.setFlagsFromString("--semi-space-growth-factor=1");
  // V8's own heap growth (0), which the CLI caps once the heap is big (src/cli/run-loop.ts):
  // the flag is in the hash V8 checks a code cache against, so a cache written after a
  // run past 64 MB of heap was rejected by the next start-up, and written again.
  v8.setFlagsFromString("--heap-growing-percent=0");
}

/**
 * Runs the bundle as Node's loader would, but compiled with `cachedData`. The bundle is
 * the function Node's loader would wrap its code in (scripts/bundle.mjs): its text is
 * compiled as it is, and its value called.
 */
function runWithCodeCache() {
  setV8Flags();
  const file = cacheFile();
  const { source, stamp, kind, cachedData, cachedKind } = readBundleAndCache(file);
  const script = new Script(source, { filename: BUNDLE, cachedData });
  const mod = { exports: {} };
  process.on("exit", () => {
    // The bundle's main module tells how many regions the run compiled (src/cli/main.ts).
    const ran = kind === "guest" && mod.exports.compiledRegions?.() > 0 ? "jit" : kind;
    const rejected = script.cachedDataRejected === true;
    if (KINDS.indexOf(ran) <= cachedKind && !rejected) return;
    // LWP_CODE_CACHE_TRACE=1 says why (test/e2e/launcher.test.ts shows it when a cache it expected kept is not).
    if (process.env.LWP_CODE_CACHE_TRACE === "1") {
      const why = rejected
        ? "V8 rejected the one it read"
        : cachedKind < 0
          ? "there was none for this bundle"
          : `the one it read was written by a run of kind ${KINDS[cachedKind]}, this one is ${ran}`;
      process.stderr.write(`lwp: code cache written: ${why}\n`);
    }
    save(script, file, stamp, ran);
  });
  script.runInThisContext()(mod.exports, Module.createRequire(BUNDLE), mod, BUNDLE, dirname(BUNDLE));
}

if (typeof Module.enableCompileCache === "function") {
  setV8Flags();
  process.on("exit", setV8Flags); // Node writes its cache after 'exit': under the flags it was read with
  Module.enableCompileCache(cacheDir());
  require(BUNDLE);
} else {
  runWithCodeCache();
}
