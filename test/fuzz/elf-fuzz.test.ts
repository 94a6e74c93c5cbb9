// SPDX-License-Identifier: MIT
// A short run of the ELF mutation fuzzer (test/fuzz/elf-fuzz.ts): every mutant
// ends under `lwp run` as its native exec does, and no input gives a stack trace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzzElf } from "./elf-fuzz.js";

test("ELF mutants end under lwp as their native execve does (seed 1, 150 mutants)", { timeout: 900_000 }, () => {
  const r = fuzzElf(1, 150);
  assert.deepEqual(r.traces, [], "no stack trace");
  assert.deepEqual(r.mismatches, []);
});
