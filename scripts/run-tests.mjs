#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ with node:test (its summary lines
// are what CI reads). Extra arguments are passed through as name filters.
// A skipped test fails the run: `npm test` provisions every tool the tests need
// (scripts/provision.mjs), so a skip means a test could not check what it claims.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".test.js")) out.push(p);
  }
  return out;
}

/** Names of the tests a TAP stream reports as skipped or todo. */
function skippedTests(tap) {
  return tap
    .split("\n")
    .filter((l) => /^\s*ok \d+ - .*# (SKIP|TODO)\b/i.test(l))
    .map((l) => l.trim().replace(/^ok \d+ - /, ""));
}

// The tests run `lwp` as users do, through bin/lwp.js and the bundle: rebuild it from the
// sources so that a `tsc -b` alone never leaves the tests running a stale CLI.
const bundled = spawnSync(process.execPath, ["scripts/bundle.mjs"], { stdio: "inherit" });
if (bundled.status !== 0) process.exit(bundled.status ?? 1);

// `tsc -b` never deletes what it compiled from a source since removed (a test dropped or
// reverted): such a file would still run here, testing code that is gone.
const compiled = [...walk("dist/src", []), ...walk("dist/test", [])].sort();
const sourceOf = (f) => f.replace(/^dist[\\/]/, "").replace(/\.js$/, ".ts");
const files = compiled.filter((f) => existsSync(sourceOf(f)));
for (const f of compiled) {
  if (!files.includes(f)) console.error(`not run: ${f} (no ${sourceOf(f)}: a stale build output)`);
}
const filters = process.argv.slice(2);
const picked = filters.length ? files.filter((f) => filters.some((s) => f.includes(s))) : files;
const tmp = mkdtempSync(join(tmpdir(), "lwp-tests-"));
const tapFile = join(tmp, "report.tap");
// The console gets node:test's default reporter (spec on a terminal, else TAP); a TAP copy is read back.
const shown = process.stdout.isTTY ? "spec" : "tap";
const r = spawnSync(
  process.execPath,
  [
    "--import",
    "./dist/test/helpers/tiers-env.js",
    "--test",
    "--test-concurrency=2",
    `--test-reporter=${shown}`,
    "--test-reporter-destination=stdout",
    "--test-reporter=tap",
    `--test-reporter-destination=${tapFile}`,
    ...picked,
  ],
  { stdio: "inherit" },
);
const skipped = existsSync(tapFile) ? skippedTests(readFileSync(tapFile, "utf8")) : [];
rmSync(tmp, { recursive: true, force: true });
if (skipped.length > 0) {
  console.error(
    `\n${skipped.length} test(s) skipped, which counts as a failure (run 'node scripts/provision.mjs test'):`,
  );
  for (const s of skipped) console.error(`  ${s}`);
  process.exit(1);
}
process.exit(r.status ?? 1);
