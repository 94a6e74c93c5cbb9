// SPDX-License-Identifier: MIT
// The exact counters of `lwp stat` and the call stacks of `lwp record -g` come from
// probes (src/hw/cpu/probes.ts) woven into the closures of tiers 1 and 2; tier 3
// counts branches, charges cycles and reports CALL and RET to the shadow stack in
// the compiled regions itself, and leaves REP string instructions to their probed
// closures, while the D-cache probe keeps blocks out of it. The figures of a hot program must be the same whatever
// tier LWP_TIER forces, with regions compiled as they warm up (auto, threshold 64), and
// with every region compiled again for V8 to optimize after its first run ("opt":
// auto and LWP_JIT_OPT=1, src/hw/jit/optimize.ts).
// Tier 1 is the reference here because the oracle tests (stat-oracle, symbols-real)
// check it against valgrind; this test checks that no tier departs from it.
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
  const [t, opt] = tier === "opt" ? ["auto", "1"] : [tier, ""];
  // The guest sees the same environment in every run (the same variables, of the same lengths).
  const r = spawnSync(process.execPath, [lwpCli(), ...args], {
    env: { LWP_TIER: t, LWP_JIT_OPT: opt, LWP_JIT_THRESHOLD: "64", LWP_PAD: "x".repeat(5 - t.length - opt.length) },
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

test("lwp stat: every counter is the same in tiers 1, 2, 3, auto and opt", { timeout: 600_000 }, () => {
  const bin = qsort();
  const stat = (tier: string): string => lwp(tier, ["stat", "-x", ",", "--", bin]);
  const ref = stat("1");
  for (const event of ["instructions", "instructions:rep", "branches", "cycles", "ref-cycles"]) {
    assert.match(ref, new RegExp(`^[1-9]\\d*,,${event},`, "m"), event);
  }
  for (const tier of ["2", "3", "auto", "opt"]) assert.equal(stat(tier), ref, `tier ${tier}`);
});

test(
  "lwp record -g: the call stacks are the same in tiers 1, 3, auto and opt (callgrind export)",
  { timeout: 600_000 },
  () => {
    const bin = qsort();
    const out: string[] = [];
    for (const tier of ["1", "3", "auto", "opt"]) {
      lwp(tier, ["record", "-q", "-g", "-c", "20000", "-o", `t${tier}.data`, "--", bin]);
      out.push(lwp(tier, ["report", "-i", `t${tier}.data`, "-F", "callgrind"]));
    }
    assert.match(out[0]!, /^calls=1 /m, "the reference has call edges");
    assert.equal(out[1], out[0], "tier 3");
    assert.equal(out[2], out[0], "auto");
    assert.equal(out[3], out[0], "opt");
  },
);

test(
  "lwp record -e instructions,branches: the same samples in tiers 1, 3, auto and opt (lwp script)",
  { timeout: 600_000 },
  () => {
    const bin = qsort();
    const out: string[] = [];
    for (const tier of ["1", "3", "auto", "opt"]) {
      // Periods that are not multiples of each other nor of block lengths: windows end everywhere.
      lwp(tier, ["record", "-q", "-e", "instructions,branches", "-c", "997", "-o", `s${tier}.data`, "--", bin]);
      out.push(lwp(tier, ["script", "-i", `s${tier}.data`]));
    }
    assert.ok(out[0]!.split("\n").length > 1000, "the reference has samples");
    assert.equal(out[1], out[0], "tier 3");
    assert.equal(out[2], out[0], "auto");
    assert.equal(out[3], out[0], "opt");
  },
);
