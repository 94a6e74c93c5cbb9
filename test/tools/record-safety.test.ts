// SPDX-License-Identifier: MIT
// `lwp record` never loses data (issue 10 item 6): an existing file becomes NAME.old,
// a bad -o is refused before the program starts, SIGINT/SIGTERM/SIGHUP write a valid
// partial profile while the program runs and end lwp by that signal (as perf record),
// and the samples reach the disk while recording (the file grows before the end).
// Files that never end are refused (item 7). A program that rewrites its ring's head
// costs its own samples, never the run. Sampling: --seed reaches the LWP unit's
// random reloads, and the default randomisation breaks aliasing with a loop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileStatic, lwpCli, repoRoot } from "../helpers/build-guests.js";
import { readLwpData } from "../../src/tools/format/reader.js";
import { decodeRecord } from "../../src/tools/decode/record.js";
import { writeLwpData } from "../../src/tools/format/writer.js";
import { makeRecord } from "../../src/tools/decode/record.js";

const root = repoRoot();
const dir = mkdtempSync(join(tmpdir(), "lwp-safety-"));

function build(name: string, flags: readonly string[] = []): string {
  const out = join(root, "build", "tools", name);
  compileStatic("musl-gcc", join(root, "test", "tools", "guests", `${name}.c`), out, [
    "-O2",
    "-g",
    "-pthread",
    ...flags,
  ]);
  return out;
}

function lwp(...args: string[]): {
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
} {
  const r = spawnSync(process.execPath, [lwpCli(), ...args], { encoding: "utf8", cwd: dir, timeout: 240_000 });
  return { status: r.status, signal: r.signal, stderr: r.stderr, stdout: r.stdout };
}

const temps = (): string[] => readdirSync(dir).filter((f) => f.endsWith(".tmp"));

test("an existing profile is kept as NAME.old; the new one replaces it whole", () => {
  const bin = build("loop");
  assert.equal(lwp("record", "-q", "-o", "p.data", "--", bin, "100000").status, 3);
  const first = readFileSync(join(dir, "p.data"));
  assert.equal(lwp("record", "-q", "-o", "p.data", "--", bin, "200000").status, 3);
  assert.deepEqual(readFileSync(join(dir, "p.data.old")), first);
  assert.ok(readLwpData(readFileSync(join(dir, "p.data"))).samples.length > readLwpData(first).samples.length);
  assert.deepEqual(temps(), []);
});

test("-o naming the program, a directory or an unwritable place is refused before the program runs", () => {
  const bin = build("loop");
  const before = readFileSync(bin);
  for (const [out, msg] of [
    [bin, /^lwp: refusing to write the profile over the profiled program '.*loop' \(-o\)$/],
    [dir, /^lwp: cannot write '.*': Is a directory$/],
    ["/nonexistent-dir/x.data", /^lwp: cannot write '\/nonexistent-dir\/x.data': No such file or directory$/],
    ["/dev/null", /^lwp: cannot write '\/dev\/null': it is a character device, not a regular file$/],
  ] as const) {
    const r = lwp("record", "-o", out, "--", bin, "100");
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr.trim(), msg);
    assert.equal(r.stderr.trim().split("\n").length, 1, "one line, and no 'sampling' line: nothing ran");
  }
  assert.deepEqual(readFileSync(bin), before);
  assert.deepEqual(temps(), []);
});

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  test(
    `${sig} during record: the guest stops, a valid partial profile is written, lwp dies by ${sig}`,
    { timeout: 240_000 },
    async () => {
      const bin = build("loop");
      const out = `${sig}.data`;
      const child = spawn(process.execPath, [lwpCli(), "record", "-c", "1000", "-o", out, "--", bin, "1000000000000"], {
        cwd: dir,
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const ended = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on("exit", (c, s) => r([c, s])));
      // The samples stream to the temporary file while the program runs.
      const tmp = join(dir, `.${out}.${child.pid}.tmp`);
      while (!existsSync(tmp) || statSync(tmp).size < 100_000) await new Promise((r) => setTimeout(r, 50));
      child.kill(sig);
      const [code, signal] = await ended;
      assert.equal(signal, sig, `exit ${code}: ${stderr}`);
      assert.match(
        stderr,
        new RegExp(
          `lwp record: ${sig} received: the program was stopped after \\d+ instructions; the profile is partial`,
        ),
      );
      const data = readLwpData(readFileSync(join(dir, out)));
      assert.equal(data.meta["interrupted"], sig);
      assert.ok(data.samples.length >= 2000, `${data.samples.length} samples`);
      assert.ok(!existsSync(tmp));
    },
  );
}

test("files that never end: lwp run and -i refuse FIFOs and devices with one line; a profile's FIFO mapping is not read", () => {
  const fifo = join(dir, "fifo");
  spawnSync("mkfifo", [fifo]);
  for (const [args, msg] of [
    [["run", fifo], /^lwp: cannot run '.*fifo': is a FIFO, not a regular file$/],
    [["run", "/dev/zero"], /^lwp: cannot run '\/dev\/zero': is a character device, not a regular file$/],
    [["report", "-i", fifo], /^lwp: cannot read '.*fifo': is a FIFO, not a regular file$/],
    [
      ["script", "-i", "/dev/urandom"],
      /^lwp: cannot read '\/dev\/urandom': is a character device, not a regular file$/,
    ],
  ] as const) {
    const r = lwp(...args);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr.trim(), msg);
    assert.equal(r.stderr.trim().split("\n").length, 1);
  }
  const meta = {
    command: ["x"],
    seed: 1,
    cpuModel: "full",
    startTimeVirtual: 0,
    events: [{ eventId: 2, interval: 999 }],
  };
  const maps = [
    { pid: 1, tid: 0, start: 0x400000, end: 0x500000, pgoff: 0, path: fifo, buildId: "" },
    { pid: 1, tid: 0, start: 0x600000, end: 0x700000, pgoff: 0, path: "/dev/zero", buildId: "" },
  ];
  const samples = [
    { tid: 1, record: makeRecord(2, 0x400100), callchain: [] },
    { tid: 1, record: makeRecord(2, 0x600100), callchain: [] },
  ];
  writeFileSync(
    join(dir, "fifo.data"),
    writeLwpData({ meta, maps, threads: [{ pid: 1, tid: 1, comm: "x" }], samples, lost: [] }),
  );
  const r = lwp("report", "-i", "fifo.data");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /fifo: is a FIFO, not a regular file \(1 sample\)/);
  assert.match(r.stdout, /\/dev\/zero: is a character device, not a regular file \(1 sample\)/);
});

function ips(file: string): number[] {
  return readLwpData(readFileSync(join(dir, file))).samples.map((s) => Number(decodeRecord(s.record).ip));
}

test("--seed reaches the LWP unit's random reloads: seeds differ, one seed repeats exactly", () => {
  const bin = build("six");
  for (const seed of ["1", "2", "1"]) {
    assert.equal(
      lwp("record", "-q", "--seed", seed, "-c", "6000", "-o", `seed${seed}.data`, "--", bin, "300000").status,
      0,
    );
  }
  const one = ips("seed1.data"),
    two = ips("seed2.data");
  assert.notDeepEqual(one, two);
  assert.equal(lwp("record", "-q", "--seed", "1", "-c", "6000", "-o", "seed1b.data", "--", bin, "300000").status, 0);
  assert.deepEqual(ips("seed1b.data"), one);
});

test("a fixed period aliases with a 6-instruction loop; the default randomised reload samples all 6", () => {
  const bin = build("six");
  assert.equal(lwp("record", "-q", "--no-random", "-c", "6000", "-o", "exact.data", "--", bin, "300000").status, 0);
  const r = lwp("record", "-c", "6000", "-o", "random.data", "--", bin, "300000");
  assert.match(
    r.stderr,
    /lwp record: sampling instructions every \d+\.\.\d+ events \(random reload, 8 bits; mean [\d.]+\); --no-random for an exact period/,
  );
  const inLoop = (xs: number[]): Set<number> => {
    const counts = new Map<number, number>();
    for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
    return new Set([...counts].filter(([, n]) => n >= 10).map(([ip]) => ip));
  };
  assert.equal(inLoop(ips("exact.data")).size, 1, "period 6000 = 1000 iterations: the same instruction every time");
  assert.equal(inLoop(ips("random.data")).size, 6);
});

test("a program that sets its ring's head off the records' grid: the last drain ends, the profile is written", () => {
  const bin = build("tamper", ["-mlwp"]);
  // 5 is no record's offset, and 0x7fffffff none inside the 64 KB ring: the drain took
  // the tail 32 bytes at a time until it met the head, which it never did (out of memory).
  // 1.2 M instructions, a record per 1000: the threshold interrupt (half of the ring's
  // 2048 records) drained 1024 before the program wrote its head.
  for (const head of ["5", "0x7fffffff"]) {
    const r = lwp("record", "-q", "--no-random", "-c", "1001", "-o", `tamper${head}.data`, "--", bin, "600000", head);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
    const n = readLwpData(readFileSync(join(dir, `tamper${head}.data`))).samples.length;
    assert.ok(n >= 1024 && n <= 2048, `${n} samples`);
  }
});
