// SPDX-License-Identifier: MIT
// A short run of the ELF mutation fuzzer (test/fuzz/elf-fuzz.ts): every mutant
// ends under `lwp run` as its native exec does, and no input gives a stack trace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { bssBeyondRam, build, fuzzElf } from "./elf-fuzz.js";
import { exitCode, repoRoot, runLwp } from "../helpers/build-guests.js";

test("ELF mutants end under lwp as their native execve does (seed 1, 150 mutants)", { timeout: 900_000 }, () => {
  const r = fuzzElf(1, 150);
  assert.deepEqual(r.traces, [], "no stack trace");
  assert.deepEqual(r.mismatches, []);
});

test("Q-SYSINFO: an ELF whose bss is larger than lwp's RAM is killed at exec (SIGSEGV), as Linux's overcommit does on such a machine", () => {
  const seed = build().seeds[1]!; // musl-gcc -static
  const bytes = new Uint8Array(readFileSync(seed));
  assert.equal(bssBeyondRam(bytes), false);
  const v = new DataView(bytes.buffer);
  const phoff = Number(v.getBigUint64(32, true));
  assert.equal(v.getUint32(phoff, true), 1, "the first program header is a PT_LOAD");
  v.setBigUint64(phoff + 40, v.getBigUint64(phoff + 40, true) + 2n ** 34n); // p_memsz += 16 GiB
  assert.equal(bssBeyondRam(bytes), true);
  const big = join(repoRoot(), "build", "fuzz", "seed-musl-16g-bss");
  writeFileSync(big, bytes);
  chmodSync(big, 0o755);
  const r = runLwp(big);
  // lwp dies by the guest's signal, as a shell would show it (a host with 16 GiB to overcommit runs the program).
  assert.equal(exitCode(r), 128 + 11, r.stderr.toString());
});
