// SPDX-License-Identifier: MIT
// perf_event_open with the lwp PMU (test/abi/perf-lwp.c): a parent consumes its child's
// LWP samples, a late consumer drains a dead child's ring through a tiny perf buffer, and
// a thread consumes another thread's — each record exactly once. No native oracle
// (the host has no lwp PMU): the program checks count ÷ period ± 1 itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileStatic, exitCode, repoRoot, runLwp, stderrTail } from "../helpers/build-guests.js";

for (const [label, cc] of [
  ["gcc", "gcc"],
  ["musl", "musl-gcc"],
] as const) {
  test(`abi ${label}/perf-lwp: waitable LWP buffer through perf_event_open`, { timeout: 300_000 }, () => {
    const out = join(repoRoot(), "build", "abi", label, "perf-lwp");
    compileStatic(cc, join(repoRoot(), "test", "abi", "perf-lwp.c"), out, ["-O1", "-Wall", "-Wextra", "-pthread"]);
    const r = runLwp(out, [], { env: { LC_ALL: "C", PATH: "/usr/bin:/bin" }, timeoutMs: 240_000 });
    assert.match(r.stdout.toString(), /\[OK\] all\n$/, `${r.stdout.toString()}\n${stderrTail(r)}`);
    assert.equal(exitCode(r), 0);
  });
}
