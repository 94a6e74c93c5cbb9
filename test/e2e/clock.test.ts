// SPDX-License-Identifier: MIT
// The virtual clock (README "What is deterministic"): by default the guest's
// CLOCK_REALTIME starts at the host's time (the host clock is the oracle), --epoch
// fixes it so that runs repeat bit for bit, and lwp record keeps the epoch in the
// profile, from which the recorded run can be replayed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  compileStatic,
  describeEnd,
  lwpCli,
  repoRoot,
  runLwp,
  runNative,
  stderrTail,
} from "../helpers/build-guests.js";
import { readLwpData } from "../../src/tools/format/reader.js";

const ENV = { LC_ALL: "C", PATH: "/usr/bin:/bin", TZ: "UTC" };

function guest(): string {
  const out = join(repoRoot(), "build", "e2e", "clock");
  compileStatic("musl-gcc", join(repoRoot(), "test", "e2e", "clock.c"), out, ["-O2", "-Wall", "-Wextra"]);
  return out;
}

/** The guest's lines as name → value. */
function values(stdout: Buffer): Map<string, string> {
  return new Map(
    stdout
      .toString()
      .trim()
      .split("\n")
      .map((l) => l.split(" ") as [string, string]),
  );
}

test("by default the guest's clock starts at the host's time", { timeout: 120_000 }, () => {
  const before = Math.floor(Date.now() / 1000);
  const r = runLwp(guest(), [], { env: ENV });
  const after = Math.ceil(Date.now() / 1000);
  assert.equal(r.status, 0, stderrTail(r));
  const v = values(r.stdout);
  for (const key of ["realtime", "gettimeofday", "time"]) {
    const s = Number(v.get(key));
    assert.ok(s >= before && s <= after, `${key} ${v.get(key)} is not within the host's [${before}, ${after}]`);
  }
});

test("--epoch fixes the clock: the same epoch and seed repeat a run bit for bit", { timeout: 120_000 }, () => {
  const args = ["--epoch", "1318377600", "--seed", "7"];
  const a = runLwp(guest(), [], { env: ENV, lwpArgs: args });
  const b = runLwp(guest(), [], { env: ENV, lwpArgs: args });
  assert.equal(a.status, 0, stderrTail(a));
  assert.ok(a.stdout.equals(b.stdout), `two runs differ:\n${a.stdout.toString()}\n${b.stdout.toString()}`);
  // Virtual time is retired instructions (1 ns each): the program reads its clock within its first second.
  assert.match(values(a.stdout).get("realtime") ?? "", /^1318377600\.\d{9}$/);
  const date = runLwp(guest(), [], { env: ENV, lwpArgs: ["--epoch", "2011-10-12T00:00:00Z", "--seed", "7"] });
  assert.ok(date.stdout.equals(a.stdout), "--epoch as an ISO 8601 date names the same instant as its Unix seconds");
});

test("GNU date under --epoch prints the date natively formatted for that epoch", { timeout: 120_000 }, () => {
  const native = runNative("/bin/date", ["-u", "-d", "@1318377600", "+%Y-%m-%d %H:%M:%S %Z"], { env: ENV });
  const lwp = runLwp("/bin/date", ["-u", "+%Y-%m-%d %H:%M:%S %Z"], {
    env: ENV,
    lwpArgs: ["--epoch", "1318377600"],
    timeoutMs: 120_000,
  });
  assert.equal(lwp.status, 0, stderrTail(lwp));
  assert.equal(lwp.stdout.toString(), native.stdout.toString());
});

test(
  "lwp record keeps the epoch in the profile; lwp run --epoch with it replays the recorded run",
  { timeout: 120_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), "lwp-clock-"));
    try {
      const data = join(dir, "clock.data");
      const rec = spawnSync(process.execPath, [lwpCli(), "record", "-o", data, "--", guest()], {
        env: ENV,
        encoding: "buffer",
      });
      assert.equal(rec.status, 0, rec.stderr.toString());
      const epoch = readLwpData(readFileSync(data)).meta["epoch"];
      assert.equal(typeof epoch, "number", "META has no epoch");
      assert.equal(values(rec.stdout).get("time"), String(epoch), "the recorded run's clock started at META.epoch");
      const replay = runLwp(guest(), [], { env: ENV, lwpArgs: ["--epoch", String(epoch)] });
      assert.ok(
        replay.stdout.equals(rec.stdout),
        `replay differs:\n${rec.stdout.toString()}\n${replay.stdout.toString()}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("tar x of files made just now warns about no time stamp, as natively", { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "lwp-tar-"));
  try {
    for (const d of ["src", "native", "lwp"]) mkdirSync(join(dir, d));
    for (const f of ["a", "b", "c"]) writeFileSync(join(dir, "src", f), `${f}\n`);
    const c = runNative("/bin/tar", ["cf", join(dir, "t.tar"), "-C", join(dir, "src"), "a", "b", "c"], { env: ENV });
    assert.equal(c.status, 0, c.stderr.toString());
    const native = runNative("/bin/tar", ["xvf", join(dir, "t.tar")], { env: ENV, cwd: join(dir, "native") });
    const lwp = runLwp("/bin/tar", ["xvf", join(dir, "t.tar")], {
      env: ENV,
      cwd: join(dir, "lwp"),
      timeoutMs: 240_000,
    });
    assert.equal(lwp.stderr.toString(), native.stderr.toString());
    assert.equal(lwp.stdout.toString(), native.stdout.toString());
    assert.equal(lwp.status, native.status, `native ${describeEnd(native)}, lwp ${describeEnd(lwp)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "Q-CLOCK-FILES: a file the guest creates carries the host's time, not the guest's clock",
  { timeout: 120_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), "lwp-clock-"));
    try {
      const before = Math.floor(Date.now() / 1000);
      const r = runLwp(
        "/bin/sh",
        ["-c", ": > f && date +%s && stat -c %Y f && touch -d @1000000100 g && stat -c %Y g"],
        { env: ENV, cwd: dir, lwpArgs: ["--epoch", "1000000000"] },
      );
      assert.equal(r.status, 0, stderrTail(r));
      const [guestNow, created, set] = r.stdout.toString().trim().split("\n").map(Number);
      assert.equal(guestNow, 1000000000, "the guest's clock reads the epoch");
      assert.ok(
        created! >= before && created! <= Math.ceil(Date.now() / 1000),
        `the new file's mtime ${created} is the host's time`,
      );
      assert.equal(set, 1000000100, "times the guest sets are kept");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("--epoch rejects what is not a time, and --host-time with it, in one line", () => {
  for (const args of [
    ["--epoch", "soon"],
    ["--epoch", "-5"],
    ["--epoch", "99999999999999"],
    ["--epoch", "1", "--host-time"],
  ]) {
    const r = spawnSync(process.execPath, [lwpCli(), "run", ...args, "--", "/bin/true"], { encoding: "utf8" });
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /^lwp: [^\n]*--epoch[^\n]*\n$/, args.join(" "));
  }
});
