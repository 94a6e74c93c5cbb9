#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// The `lwp` command: a committed launcher for the bundled CLI, dist/bundle/lwp.cjs
// (build output of scripts/bundle.mjs, made by `npm ci` through the prepare script).
// Start-up is most of a short run's cost, so the bundle is compiled from V8's code
// cache when one exists: Node's own compile cache where Node has it (>= 22.1), else a
// cache this file keeps (docs/architecture.md, "Start-up").
import module from "node:module";
import { readFileSync, renameSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

const BUNDLE = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "bundle", "lwp.cjs");

/** Where compiled code is cached: Node's convention ($NODE_COMPILE_CACHE, else <tmp>/node-compile-cache). */
function cacheDir() {
  return process.env.NODE_COMPILE_CACHE || join(tmpdir(), "node-compile-cache");
}

/** A short, stable name for this bundle path (several clones share the cache directory). */
function cacheName(path) {
  let h = 5381;
  for (let i = 0; i < path.length; i++) h = ((h * 33) ^ path.charCodeAt(i)) >>> 0;
  return `lwp-${h.toString(16)}-${process.version}.v8cache`;
}

function readSource() {
  try {
    return readFileSync(BUNDLE, "latin1");
  } catch {
    process.stderr.write(`lwp: ${BUNDLE} is missing: run 'npm run build' (or 'npm ci') in ${join(dirname(BUNDLE), "..", "..")}\n`);
    process.exit(1);
  }
}

/**
 * Runs the CommonJS bundle through vm.Script with V8's code cache. The cache is written
 * at exit, after the run, so it holds the functions this run compiled as well.
 */
function runWithCodeCache() {
  const file = join(cacheDir(), cacheName(BUNDLE));
  let cachedData;
  try { cachedData = readFileSync(file); } catch { cachedData = undefined; }
  const source = readSource().replace(/^#!.*/, "");
  const script = new Script(module.wrap(source), { filename: BUNDLE, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once("exit", () => {
      try {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(`${file}.${process.pid}`, script.createCachedData());
        renameSync(`${file}.${process.pid}`, file);
      } catch {
        // A cache is an optimisation: a read-only or full disk only costs the next start-up.
      }
    });
  }
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, module.createRequire(BUNDLE), mod, BUNDLE, dirname(BUNDLE));
}

if (typeof module.enableCompileCache === "function") {
  module.enableCompileCache(cacheDir());
  module.createRequire(import.meta.url)(BUNDLE);
} else {
  runWithCodeCache();
}
