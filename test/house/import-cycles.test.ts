// SPDX-License-Identifier: MIT
// No runtime import cycles in src/: a module graph with a cycle evaluates one
// of its members before its imports are ready, depending on which is loaded
// first. Type-only imports are erased and do not count.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { repoRoot } from "../helpers/build-guests.js";

/**
 * Cycles tolerated for now, each with its reason, as `{ within: "src/hw/cpu/", why: "..." }`
 * (a cycle whose modules all lie under `within`). None today.
 */
const ALLOWED: readonly { readonly within: string; readonly why: string }[] = [];

const root = repoRoot();
const sources = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "src"], {
  cwd: root,
  encoding: "utf8",
})
  .split("\n")
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.endsWith(".test.ts"));

/** The relative modules a file imports at run time. */
function runtimeImports(file: string, text: string): string[] {
  const out: string[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s+["'](\.[^"']+)["']|^\s*import\s+["'](\.[^"']+)["']/gm;
  for (const m of text.matchAll(re)) {
    const spec = m[4] ?? m[5]!;
    if (m[2] !== undefined) continue; // import type / export type
    const clause = m[3] ?? "";
    const named = /^\{([\s\S]*)\}$/.exec(clause.trim());
    if (
      named !== null &&
      named[1]!
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "")
        .every((s) => s.startsWith("type "))
    ) {
      continue;
    }
    out.push(normalize(join(dirname(file), spec.replace(/\.js$/, ".ts"))));
  }
  return out;
}

/** Strongly connected components with more than one module (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(),
    low = new Map<string, number>(),
    stack: string[] = [],
    on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      for (let w = stack.pop()!; ; w = stack.pop()!) {
        on.delete(w);
        scc.push(w);
        if (w === v) break;
      }
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

test("import graph: the parser sees runtime imports and skips type-only ones", () => {
  const text =
    'import type { A } from "./a.js";\nimport { type B } from "./b.js";\nimport { C, type D } from "./c.js";\nexport { E } from "./e.js";\nimport "./f.js";\n';
  assert.deepEqual(runtimeImports("lib/x/y.ts", text), ["lib/x/c.ts", "lib/x/e.ts", "lib/x/f.ts"]);
});

test("import graph: a cycle through two modules is found, a chain is not", () => {
  assert.deepEqual(
    cycles(
      new Map([
        ["a", ["b"]],
        ["b", ["c"]],
        ["c", ["b"]],
        ["d", ["a"]],
      ]),
    ),
    [["b", "c"]],
  );
});

test("import graph: no runtime import cycle in src/ outside the allowed ones", () => {
  const graph = new Map(sources.map((f) => [f, runtimeImports(f, readFileSync(join(root, f), "utf8"))]));
  const bad = cycles(graph).filter((c) => !ALLOWED.some((a) => c.every((m) => m.startsWith(a.within))));
  assert.deepEqual(bad, [], `runtime import cycles:\n${bad.map((c) => "  " + c.join(" <-> ")).join("\n")}`);
});
