// SPDX-License-Identifier: MIT
// The start-up's TurboFan settings (bin/lwp.js) end once the guest has run 500,000
// instructions outside WebAssembly regions (src/cli/run-loop.ts): a run whose guest
// runs in regions keeps them to its end, one whose guest runs in the interpreter tiers
// gets V8's own after its first chunk, and so does lwp record, whose samples run
// JavaScript all along. LWP_STATS=1 prints when (`startup_tiering_end`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileStatic, lwpCli, repoRoot } from "../helpers/build-guests.js";

function guest(): string {
  const out = join(repoRoot(), "build", "e2e", "hot-loop");
  compileStatic("musl-gcc", join(repoRoot(), "test", "e2e", "hot-loop.c"), out, ["-O2", "-Wall", "-Wextra"]);
  return out;
}

/** The LWP_STATS fields of `lwp CMD` (run, or record ...) of the hot loop (3 M iterations) with `env` added. */
function stats(env: Record<string, string>, cmd: readonly string[] = ["run"]): Map<string, number> {
  const r = spawnSync(process.execPath, [lwpCli(), ...cmd, "--", guest(), "3000000"], {
    env: { ...process.env, ...env, LWP_STATS: "1" },
    encoding: "utf8",
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const line = r.stderr.split("\n").find((l) => l.startsWith("lwp-stats: "));
  assert.ok(line !== undefined, r.stderr);
  return new Map(
    line
      .slice("lwp-stats: ".length)
      .split(" ")
      .map((kv) => kv.split("=") as [string, string])
      .map(([k, v]) => [k, Number(v)]),
  );
}

test("a guest that runs in regions keeps the start-up's TurboFan settings to its end", () => {
  const s = stats({});
  assert.ok(s.get("instructions")! > 20_000_000, `instructions=${s.get("instructions")}`);
  assert.ok(s.get("instructions")! - s.get("region_insns")! < 500_000, "the loop ran in regions");
  assert.equal(s.get("startup_tiering_end"), 0);
});

test("a guest that runs in the interpreter tiers gets V8's settings after its first chunk", () => {
  const s = stats({ LWP_TIER: "1" });
  assert.equal(s.get("region_insns"), 0);
  const end = s.get("startup_tiering_end")!;
  assert.ok(end >= 1_000_000 && end < 1_300_000, `startup_tiering_end=${end}`);
});

test("lwp record gets V8's settings after its first chunk, its guest in regions or not", () => {
  const dir = mkdtempSync(join(tmpdir(), "lwp-tiering-"));
  let s: Map<string, number>;
  try {
    s = stats({}, ["record", "-o", join(dir, "hot.lwp"), "-e", "instructions", "-c", "100001"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(s.get("instructions")! - s.get("region_insns")! < 500_000, "the loop ran in regions");
  const end = s.get("startup_tiering_end")!;
  assert.ok(end >= 1_000_000 && end < 1_300_000, `startup_tiering_end=${end}`);
});
