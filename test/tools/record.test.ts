// SPDX-License-Identifier: MIT
// `lwp record` end to end: a program of known loop length (test/tools/guests/loop.c,
// 2 instructions per iteration, counted from its source, not from our CPU) is
// recorded and read back; sample counts must be count ÷ period within ±1, per thread.
// Call stacks are checked against the program's static call structure.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileStatic, lwpCli, repoRoot } from "../helpers/build-guests.js";
import { readLwpData } from "../../src/tools/format/reader.js";
import { decodeRecord } from "../../src/tools/decode/record.js";

const root = repoRoot();
const dir = mkdtempSync(join(tmpdir(), "lwp-record-"));

function build(name: string): string {
  const out = join(root, "build", "tools", name);
  compileStatic("musl-gcc", join(root, "test", "tools", "guests", `${name}.c`), out, ["-O2", "-g", "-pthread"]);
  return out;
}

function lwp(...args: string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [lwpCli(), ...args], { encoding: "utf8", cwd: dir, timeout: 240_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** [start, end) of a function from nm -S (the oracle for its address range). */
function symbolRange(bin: string, name: string): [number, number] {
  const line = execFileSync("nm", ["-S", bin], { encoding: "utf8" })
    .split("\n")
    .find((l) => l.endsWith(` ${name}`));
  assert.ok(line !== undefined, `${name} in nm output`);
  const [addr, size] = line.split(" ");
  return [parseInt(addr!, 16), parseInt(addr!, 16) + parseInt(size!, 16)];
}

function record(bin: string, out: string, args: readonly string[], extra: readonly string[] = []) {
  // --no-random: these rules are about exact EventIntervals (LWP spec §7.2).
  const r = lwp("record", "--no-random", ...extra, "-o", out, "--", bin, ...args);
  assert.equal(r.status, 3, `exit status is the program's\n${r.stderr}`);
  assert.match(r.stderr, /\[ lwp record: wrote .* \(\d+ samples, \d+ threads, 0 lost\) \]/);
  return readLwpData(readFileSync(join(dir, out)));
}

const PERIOD = 10_000;

test(
  "§7.2 samples of a loop of known length = its instruction count ÷ period ± 1 (IP-filtered to the loop)",
  { timeout: 300_000 },
  () => {
    const bin = build("loop");
    const [lo, hi] = symbolRange(bin, "spin");
    const n = 1_000_000;
    // spin(n): the loop is 2 instructions per iteration; the few around it are < one period.
    const data = record(
      bin,
      "loop.data",
      [String(n)],
      ["-c", String(PERIOD), "--filter-ip", `${lo.toString(16)}-${(hi - 1).toString(16)}`],
    );
    const samples = data.samples.map((s) => decodeRecord(s.record));
    assert.ok(samples.every((s) => s.eventId === 2 && Number(s.ip) >= lo && Number(s.ip) < hi));
    const expected = (2 * n) / PERIOD;
    assert.ok(Math.abs(samples.length - expected) <= 1, `${samples.length} samples, expected ${expected} ± 1`);
    assert.equal(data.lost.length, 0);
    assert.deepEqual(
      data.meta.events.map((e) => [e.eventId, e.interval]),
      [[2, PERIOD - 1]],
    );
    assert.ok(
      data.maps.some((m) => m.path === bin && m.start <= lo && hi <= m.end),
      "MAPS holds the executable",
    );
  },
);

test("§7.2 branches: one per loop iteration, count ÷ period ± 1", { timeout: 300_000 }, () => {
  const bin = build("loop");
  const [lo, hi] = symbolRange(bin, "spin");
  const n = 1_000_000;
  const data = record(
    bin,
    "br.data",
    [String(n)],
    ["-e", "branches", "-c", String(PERIOD), "--filter-ip", `${lo.toString(16)}-${(hi - 1).toString(16)}`],
  );
  assert.ok(Math.abs(data.samples.length - n / PERIOD) <= 1, `${data.samples.length} branch samples`);
});

test("per-thread rings: each thread's samples are its own loop's count ÷ period ± 1", { timeout: 300_000 }, () => {
  const bin = build("loop");
  const [lo, hi] = symbolRange(bin, "spin");
  const a = 1_000_000,
    b = 3_000_000;
  const data = record(
    bin,
    "threads.data",
    [String(a), String(b)],
    ["-c", String(PERIOD), "--filter-ip", `${lo.toString(16)}-${(hi - 1).toString(16)}`],
  );
  const byTid = new Map<number, number>();
  for (const s of data.samples) byTid.set(s.tid, (byTid.get(s.tid) ?? 0) + 1);
  assert.equal(data.threads.length, 2);
  const [main, worker] = data.threads;
  assert.equal(main!.pid, worker!.pid);
  assert.ok(Math.abs((byTid.get(main!.tid) ?? 0) - (2 * a) / PERIOD) <= 1, `main: ${byTid.get(main!.tid)}`);
  assert.ok(Math.abs((byTid.get(worker!.tid) ?? 0) - (2 * b) / PERIOD) <= 1, `worker: ${byTid.get(worker!.tid)}`);
});

test("--call-graph: main → outer → middle → leaf, no stale frames after longjmp", { timeout: 300_000 }, () => {
  const bin = build("calls");
  const r = lwp("record", "-g", "-c", String(PERIOD), "-o", "calls.data", "--", bin, "500000");
  assert.equal(r.status, 0, r.stderr);
  const folded = lwp("report", "-i", "calls.data", "-F", "folded").stdout.trim().split("\n");
  const leaf = folded.filter((l) => /;leaf \d+$/.test(l));
  assert.ok(leaf.length > 0, folded.join("\n"));
  for (const l of leaf) assert.match(l, /;main;outer;middle;leaf \d+$/);
  assert.ok(!folded.some((l) => l.includes("dive;dive;dive;dive;dive;dive;dive;dive;dive;dive;leaf")));
});

test("unknown event names and bad options are one-line errors", () => {
  const r = lwp("record", "-e", "instructions,bogus", "--", "/bin/true");
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.match(r.stderr, /unknown event 'bogus'/);
  const f = lwp("record", "-e", "dcache-misses", "--cpu", "fam15h", "--", build("loop"));
  assert.equal(f.status, 2);
  assert.match(f.stderr, /^lwp: event dcache-misses is not supported by the fam15h CPU model\n$/);
});

test(
  "every mapped file's build-id is readelf's (read from its notes, not the whole file)",
  { timeout: 120_000 },
  () => {
    const r = lwp("record", "-o", "ls.data", "--", "/bin/ls", "/");
    assert.equal(r.status, 0, r.stderr);
    const maps = readLwpData(readFileSync(join(dir, "ls.data"))).maps;
    assert.ok(maps.length >= 3, `ls maps itself, ld.so and libc: ${maps.map((m) => m.path).join(" ")}`);
    for (const m of maps) {
      const notes = spawnSync("readelf", ["-nW", m.path], { encoding: "utf8" }).stdout;
      assert.equal(m.buildId, /Build ID:\s+([0-9a-f]+)/.exec(notes)?.[1] ?? "", m.path);
    }
  },
);
