#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Bundles the `lwp` CLI (src/cli/main.ts and everything it imports, iced-x86 included)
// into one CommonJS file, dist/bundle/lwp.cjs, which bin/lwp.js loads: one file to read
// and compile instead of ~170 ES modules, and no CommonJS-to-ESM interop scan of
// iced-x86's 900 KB of glue. iced's WebAssembly binary is copied beside the bundle,
// where its glue looks for it (__dirname). Build output, never committed.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "dist", "bundle");

mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: [join(ROOT, "src", "cli", "main.ts")],
  outfile: join(OUT, "lwp.cjs"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  // Whitespace and comments out (less to read and parse, ASCII only so V8 keeps one-byte
  // source), identifiers kept so CPU profiles and stack traces name our functions.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  charset: "ascii",
  sourcemap: "linked",
  logLevel: "warning",
});
const iced = dirname(createRequire(import.meta.url).resolve("iced-x86"));
copyFileSync(join(iced, "iced_x86_bg.wasm"), join(OUT, "iced_x86_bg.wasm"));
