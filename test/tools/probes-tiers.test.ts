// SPDX-License-Identifier: MIT
// The exact counters of `lwp stat` and the call stacks of `lwp record -g` come from
// probes woven into the blocks (src/hw/cpu/probes.ts). Tier 3 (WebAssembly regions)
// runs without them, so blocks must stay out of it while probes are attached: the
// figures of a hot program are the same whatever tier LWP_TIER forces. tier 1 is the
// reference here because the oracle tests (stat-oracle, symbols-real) check it against
// valgrind; this test checks that no tier departs from it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileStatic, lwpCli, repoRoot } from "../helpers/build-guests.js";

const root = repoRoot();
const dir = mkdtempSync(join(tmpdir(), "lwp-probes-"));

function lwp(tier: string, args: readonly string[]): string {
  // The guest sees the same environment in every run (one variable of the same length).
  const r = spawnSync(process.execPath, [lwpCli(), ...args], {
    env: { LWP_TIER: tier },
    cwd: dir,
    encoding: "utf8",
    timeout: 300_000,
    maxBuffer: 1 << 28,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout + r.stderr;
}

function qsort(): string {
  const bin = join(root, "build", "tools", "qsort-tiers");
  compileStatic("musl-gcc", join(root, "test", "guests", "qsort.c"), bin, ["-O2"]);
  return bin;
}

test("lwp stat: instructions, branches and cycles are the same in tiers 1, 2 and 3", { timeout: 600_000 }, () => {
  const bin = qsort();
  const ref = lwp("1", ["stat", "-e", "instructions,branches,cycles", "--", bin]);
  assert.match(ref, /^\s*[1-9][\d,]+\s+branches\s/m);
  for (const tier of ["2", "3"]) {
    assert.equal(lwp(tier, ["stat", "-e", "instructions,branches,cycles", "--", bin]), ref, `tier ${tier}`);
  }
});

test("lwp record -g: the call stacks are the same in tiers 1 and 3 (callgrind export)", { timeout: 600_000 }, () => {
  const bin = qsort();
  const out: string[] = [];
  for (const tier of ["1", "3"]) {
    lwp(tier, ["record", "-q", "-g", "-c", "20000", "-o", `t${tier}.data`, "--", bin]);
    out.push(lwp(tier, ["report", "-i", `t${tier}.data`, "-F", "callgrind"]));
  }
  assert.match(out[0]!, /^calls=1 /m, "the reference has call edges");
  assert.equal(out[1], out[0]);
});
