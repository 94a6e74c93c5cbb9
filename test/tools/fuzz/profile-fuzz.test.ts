// SPDX-License-Identifier: MIT
// The lwpdata mutation fuzzer's short run (the long run: `npm run fuzz:profile`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzz } from "./profile-fuzz.js";

test("profile fuzzer (short run): 300 mutated lwpdata files, each read or refused with one line", () => {
  const t = fuzz(20260105, 300);
  assert.equal(t.ok + t.rejected, 300);
  assert.ok(t.rejected > 0 && t.ok > 0, `both outcomes occur: ${JSON.stringify(t)}`);
});
