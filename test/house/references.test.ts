// SPDX-License-Identifier: MIT
// The repository is self-contained: every file path a source, test or document
// names exists in the repository, every `docs/<name>.md "Section"` citation names a heading
// (or a bold term) of that document, and nothing cites material kept outside it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../helpers/build-guests.js";

const root = repoRoot();
/** Tracked text files whose references are checked. */
const files = execFileSync(
  "git",
  [
    "ls-files",
    "--cached",
    "--others",
    "--exclude-standard",
    "src",
    "test",
    "docs",
    "include",
    "bench",
    "scripts",
    "examples/src",
    "README.md",
    ".ci",
    "eslint.config.js",
  ],
  { cwd: root, encoding: "utf8" },
)
  .split("\n")
  .filter((f) => /\.(ts|c|h|md|mjs|js|txt|sh)$|^\.ci\//.test(f) && existsSync(join(root, f)));

/** Paths into the repository's own folders; build outputs (dist/, build/) are made, not kept. */
const PATH =
  /(?<![\w./-])((?:docs|src|test|include|bench|scripts|examples|bin)\/[\w./-]*\w\.(?:md|ts|c|h|txt|json|mjs|sh))(?:#[\w-]+)?/g;
/** Paths into other projects' trees that share a folder name with ours (Linux's include/, speedscope's src/import). */
const FOREIGN = /^(?:include\/(?:linux|uapi|asm|asm-generic)\/|src\/import\/)/;
const SECTION = /(?<![\w./-])(docs\/[\w/-]+\.md) "([^"]+)"/g;
const OUTSIDE = /\.\.\/shared|(?<![\w/-])(?:design|house-style|profiler-tools|lwp-spec)\.md\b/g;

function sectionsOf(doc: string): string[] {
  const text = readFileSync(join(root, doc), "utf8");
  const heads = [...text.matchAll(/^#+\s+(.*)$/gm)].map((m) => m[1]!);
  const bold = [...text.matchAll(/\*\*([^*]+)\*\*/g)].map((m) => m[1]!);
  return [...heads, ...bold].map((s) => s.replace(/`/g, ""));
}

function problems(): string[] {
  const out: string[] = [];
  for (const f of files) {
    const text = readFileSync(join(root, f), "utf8");
    for (const m of text.matchAll(OUTSIDE)) out.push(`${f}: cites ${m[0]}, which is not in the repository`);
    for (const m of text.matchAll(PATH)) {
      if (!FOREIGN.test(m[1]!) && !existsSync(join(root, m[1]!))) out.push(`${f}: ${m[1]} does not exist`);
    }
    for (const m of text.matchAll(SECTION)) {
      const [, doc, title] = m;
      if (!existsSync(join(root, doc!))) continue;
      if (!sectionsOf(doc!).some((s) => s.startsWith(title!))) out.push(`${f}: ${doc} has no section "${title}"`);
    }
  }
  return out;
}

test("references: every cited file and docs section exists, nothing outside the repository is cited", () => {
  assert.ok(files.length > 100, `only ${files.length} files checked`);
  assert.deepEqual(problems(), []);
});
