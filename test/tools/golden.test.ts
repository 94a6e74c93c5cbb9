// SPDX-License-Identifier: MIT
// Golden tests of every lwpdata tool output format on the fixture profile. The
// goldens under test/golden/ are reviewed outputs; refresh them only with
// `npm run golden:accept` and review the git diff.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildProgram } from "../helpers/profile-fixture.js";
import { GOLDEN_DIR, goldenOutputs } from "./golden-cases.js";

const built = buildProgram();
process.on("exit", () => built.cleanup());
const outputs = goldenOutputs(built);

for (const [name, actual] of outputs) {
  test(`golden: ${name}`, () => {
    const path = join(GOLDEN_DIR, name);
    assert.ok(existsSync(path), `missing golden ${path}: run 'npm run golden:accept' and review it`);
    assert.equal(
      actual,
      readFileSync(path, "utf8"),
      `${name} differs from its golden; if the change is intended run 'npm run golden:accept' and review the diff`,
    );
  });
}
