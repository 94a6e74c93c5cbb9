#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ with node:test (its summary lines
// are what CI reads). Extra arguments are passed through as name filters.
import { existsSync, readdirSync, statSync } from "node:fs";
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
const files = [...walk("dist/src", []), ...walk("dist/test", [])].sort();
const filters = process.argv.slice(2);
const picked = filters.length ? files.filter((f) => filters.some((s) => f.includes(s))) : files;
const r = spawnSync(process.execPath, ["--import", "./dist/test/helpers/tiers-env.js", "--test", "--test-concurrency=2", ...picked], { stdio: "inherit" });
process.exit(r.status ?? 1);
