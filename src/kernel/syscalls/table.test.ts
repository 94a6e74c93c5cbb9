// SPDX-License-Identifier: MIT
// The system call table's own rules: number order, one row per number and
// name, at most six arguments, and a docs/quirks.md entry for every partial row.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SYSCALLS, syscallRow } from "./table.js";

const quirks = readFileSync(fileURLToPath(new URL("../../../../docs/quirks.md", import.meta.url)), "utf8");

test("syscall table: rows in number order, each number and name once, at most six arguments", () => {
  const names = new Set<string>();
  SYSCALLS.forEach((r, i) => {
    if (i > 0) assert.ok(r.nr > SYSCALLS[i - 1]!.nr, `${r.name} (${r.nr}) after ${SYSCALLS[i - 1]!.name}`);
    assert.ok(!names.has(r.name), `${r.name} twice`);
    names.add(r.name);
    assert.ok(r.args.length <= 6, `${r.name} has ${r.args.length} arguments`);
    assert.equal(syscallRow(r.nr), r);
  });
});

test("syscall table: every partial row names an entry of docs/quirks.md", () => {
  const partial = SYSCALLS.filter((r) => r.support.level === "partial");
  assert.ok(partial.length > 0);
  for (const r of partial) {
    if (r.support.level !== "partial") continue;
    assert.ok(quirks.includes(`**${r.support.quirk}**`), `${r.name}: ${r.support.quirk} is not in docs/quirks.md`);
  }
});
