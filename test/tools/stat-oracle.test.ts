// SPDX-License-Identifier: MIT
// `lwp stat` against valgrind: for the same musl-static binary, arguments and an empty
// environment, our exact instruction count with each REP iteration counted (the
// `instructions:rep` line) must equal cachegrind's I refs within 0.1 %. The workload
// (test/guests/qsort.c: integer sorting, memcpy, strcmp) avoids x87 long double,
// which valgrind computes in 64-bit precision (docs/lwp.md "Exact counters").
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { compileStatic, lwpCli, repoRoot } from "../helpers/build-guests.js";

const root = repoRoot();
const hasValgrind = spawnSync("valgrind", ["--version"]).status === 0;

function figure(text: string, name: string): number {
  const m = new RegExp(`^\\s*([\\d,]+)\\s+${name}\\s`, "m").exec(text);
  assert.ok(m !== null, `${name} in:\n${text}`);
  return Number(m[1]!.replaceAll(",", ""));
}

test(
  "lwp stat instructions:rep agree with cachegrind I refs within 0.1 %",
  { skip: !hasValgrind && "valgrind not installed", timeout: 600_000 },
  () => {
    const bin = join(root, "build", "tools", "qsort");
    compileStatic("musl-gcc", join(root, "test", "guests", "qsort.c"), bin, ["-O2"]);
    const vg = spawnSync("valgrind", ["--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", bin], {
      env: {},
      encoding: "utf8",
    });
    assert.equal(vg.status, 0, vg.stderr);
    const m = /I\s+refs:\s+([\d,]+)/.exec(vg.stderr);
    assert.ok(m !== null, vg.stderr);
    const irefs = Number(m[1]!.replaceAll(",", ""));
    const ours = spawnSync(process.execPath, [lwpCli(), "stat", "--", bin], {
      env: {},
      encoding: "utf8",
      timeout: 500_000,
    });
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(ours.stdout, vg.stdout, "same program output");
    const rep = figure(ours.stderr, "instructions:rep");
    const insns = figure(ours.stderr, "instructions");
    const diff = Math.abs(rep - irefs) / irefs;
    assert.ok(diff < 0.001, `lwp ${rep} vs cachegrind ${irefs}: ${(100 * diff).toFixed(3)} %`);
    // LWP event 2 counts a REP string instruction once: the figure is lower by the extra iterations.
    assert.ok(insns < rep, `${insns} < ${rep}`);
    assert.ok(figure(ours.stderr, "branches") > 0);
  },
);
