// SPDX-License-Identifier: MIT
// `npm run golden:accept`: rewrites the goldens under test/golden/ from the current
// tools. The git diff of test/golden/ is the review; never edit goldens by hand.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildProgram } from "../test/helpers/profile-fixture.js";
import { GOLDEN_DIR, goldenOutputs } from "../test/tools/golden-cases.js";

const built = buildProgram();
try {
  mkdirSync(GOLDEN_DIR, { recursive: true });
  let changed = 0;
  for (const [name, text] of goldenOutputs(built)) {
    const path = join(GOLDEN_DIR, name);
    const old = existsSync(path) ? readFileSync(path, "utf8") : undefined;
    if (old === text) continue;
    writeFileSync(path, text);
    changed++;
    console.log(`${old === undefined ? "created" : "updated"} ${join("test", "golden", name)}`);
  }
  console.log(
    changed === 0 ? "goldens unchanged" : `${changed} golden file(s) written: review them with 'git diff test/golden'`,
  );
} finally {
  built.cleanup();
}
