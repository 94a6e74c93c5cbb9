// SPDX-License-Identifier: MIT
// Copies of a position-independent instruction share one op (src/hw/cpu/translate/block.ts,
// `opOf`): that holds only while no builder outside control flow, x87 and LWP (the rows
// `capturesSite` names, src/hw/cpu/isa/table.ts) reads the instruction's address or
// where it leads. A builder that starts to must join them, or every copy would run
// the first one's address.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../helpers/build-guests.js";

/** Files whose builders may read an instruction's address: control flow, x87 (FIP), LWP. */
const ALLOWED = /^src\/hw\/cpu\/(isa\/(control|lwp|x87-[a-z]+)\.ts|x87\/)/;

test("only control-flow, x87 and LWP builders read an instruction's address", () => {
  const root = repoRoot();
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "src/hw/cpu"], {
    cwd: root,
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => /^src\/hw\/cpu\/(isa|sse|x87|translate)\//.test(f) && f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .filter((f) => !f.endsWith("translate/block.ts")); // the translator itself: addresses of blocks
  assert.ok(files.length > 20, "the builders were found");
  const offenders: string[] = [];
  for (const f of files) {
    if (ALLOWED.test(f)) continue;
    readFileSync(join(root, f), "utf8")
      .split("\n")
      .forEach((line, k) => {
        if (/\b[a-z]\.(ip|next|branchTarget)\b/.test(line)) offenders.push(`${f}:${k + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(offenders, []);
});
