// SPDX-License-Identifier: MIT
// The perf user's CLI (issue 12 items 2 and 4) on a real recording: -F turns a rate
// into a period of virtual time and randomises it; the event total is the same in the
// report header and every export; perf-script times are virtual (1 ns per instruction);
// --sort with several keys (srcline against addr2line), -n, --header-only,
// --percent-limit, -g caller|callee; stat -r/-x/-j against single runs; and on a
// terminal (a pty from script(1)) the progress line, colours and the pager, none of it
// when the output is not a terminal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Profile } from "pprof-format";
import { lwpCli } from "../helpers/build-guests.js";
import { readLwpData } from "../../src/tools/format/reader.js";

const dir = mkdtempSync(join(tmpdir(), "lwp-perf-user-"));
const SRC = `#include <stdio.h>
#include <stdlib.h>
__attribute__((noinline)) long inner(long n) {
  long s = 0;
  for (long i = 0; i < n; i++) s += i % 7;
  return s;
}
__attribute__((noinline)) long outer(long n) { long s = 0; for (int k = 0; k < 4; k++) s += inner(n + k); return s; }
int main(int argc, char **argv) { printf("%ld\\n", outer(atol(argv[1]))); return 0; }
`;
writeFileSync(join(dir, "loop.c"), SRC);
const BIN = join(dir, "loop");
execFileSync("gcc", ["-O1", "-g", "-o", BIN, join(dir, "loop.c")]);

function lwp(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [lwpCli(), ...args], { encoding: "utf8", cwd: dir, timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function record(file: string, ...args: string[]): string {
  const r = lwp("record", "-o", file, ...args, "--", BIN, "1000000");
  assert.equal(r.status, 0, r.stderr);
  return r.stderr;
}

const meta = (file: string): ReturnType<typeof readLwpData>["meta"] => readLwpData(readFileSync(join(dir, file))).meta;
const sampleCount = (file: string): number => readLwpData(readFileSync(join(dir, file))).samples.length;

test("record -F HZ: period 1e9/HZ events (1 ns of virtual time each), randomised unless --no-random", () => {
  const exact = record("f-exact.data", "--no-random", "-F", "4000");
  assert.match(exact, /^lwp record: sampling instructions every 250000 events \(exact period\)$/m);
  const n = meta("f-exact.data")["instructions"] as number;
  assert.ok(n > 40_000_000, `${n} instructions`);
  // The virtual clock is the instruction count: 4000 samples per virtual second.
  const count = sampleCount("f-exact.data");
  assert.ok(count === Math.floor(n / 250000) || count === Math.floor(n / 250000) - 1, `${count} samples of ${n}`);
  const m = /every (\d+)\.\.(\d+) events \(random reload, (\d+) bits; mean ([\d.]+)\)/.exec(
    record("f-random.data", "-F", "4000"),
  );
  assert.ok(m !== null, "a randomised reload is the default for -F");
  const [lo, hi, bits, mean] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  assert.equal(hi - lo + 1, 2 ** bits);
  assert.ok(lo <= 250000 && 250000 <= hi && Math.abs(mean - 250000) <= 2 ** (bits - 1), m[0]);
  assert.equal(meta("f-random.data")["randomBits"], bits);
  const random = sampleCount("f-random.data");
  assert.ok(Math.abs(random - n / mean) <= 2, `${random} samples, ${n / mean} expected`);
  assert.match(lwp("record", "-F", "10", BIN, "1").stderr, /^lwp: Invalid value for --freq: 10 \(a period of/);
  assert.match(lwp("record", "-F", "100", "-c", "5000", BIN, "1").stderr, /^lwp: -c and -F cannot be used together/);
});

test("the event total is the same in the report header, callgrind, pprof, speedscope and perf-script", () => {
  record("totals.data", "-q", "-g");
  const m = meta("totals.data");
  const period = Number(m.events[0]!["period"]);
  assert.notEqual(period, Math.round(period), "a random reload's mean period ends in .5");
  const header = Number(/^# Event count \(approx\.\): (\d+)$/m.exec(lwp("report", "-i", "totals.data").stdout)![1]);
  assert.equal(header, Math.round(sampleCount("totals.data") * period));
  const cg = lwp("report", "-i", "totals.data", "-F", "callgrind").stdout;
  assert.equal(Number(/^summary: (\d+)$/m.exec(cg)![1]), header);
  const selfCosts = [...cg.matchAll(/^(?:0x[0-9a-f]+ \d+ (\d+))$/gm)].reduce((a, x) => a + Number(x[1]), 0);
  assert.equal(selfCosts - callCosts(cg), header, "the self cost lines add up to the summary");
  assert.equal(lwp("report", "-i", "totals.data", "-F", "pprof", "-o", "t.pb.gz").status, 0);
  const p = Profile.decode(gunzipSync(readFileSync(join(dir, "t.pb.gz"))));
  assert.equal(
    p.sample.reduce((a, x) => a + Number(x.value[1]), 0),
    header,
  );
  const ss = JSON.parse(lwp("report", "-i", "totals.data", "-F", "speedscope").stdout) as {
    profiles: { weights: number[] }[];
  };
  assert.equal(
    ss.profiles.flatMap((x) => x.weights).reduce((a, b) => a + b, 0),
    header,
  );
  const ps = lwp("report", "-i", "totals.data", "-F", "perf-script").stdout;
  const periods = [...ps.matchAll(/^\S+\s+\d+\/\d+ \[\d+\] [\d.]+:\s+(\d+) instructions:$/gm)];
  assert.equal(periods.length, sampleCount("totals.data"));
  assert.equal(
    periods.reduce((a, x) => a + Number(x[1]), 0),
    header,
  );
});

/** The cost lines that follow calls= lines (inclusive costs, not self). */
function callCosts(cg: string): number {
  const lines = cg.split("\n");
  let sum = 0;
  lines.forEach((l, i) => {
    if (l.startsWith("calls=")) sum += Number(lines[i + 1]!.split(" ")[2]);
  });
  return sum;
}

test("perf-script and script times are virtual: one sample every period ns of instructions", () => {
  record("time.data", "-q", "--no-random", "-c", "250000");
  const times = [...lwp("script", "-i", "time.data", "-F", "time").stdout.matchAll(/^\s*(\d+)\.(\d{9}):?$/gm)].map(
    (x) => Number(x[1]) * 1e9 + Number(x[2]),
  );
  assert.equal(times.length, sampleCount("time.data"));
  // The PTSC counts retired instructions (1 ns each): sample k is at k × period.
  times.forEach((t, k) => assert.equal(t, (k + 1) * 250000, `sample ${k}`));
  const end = meta("time.data")["endTimeVirtual"] as number;
  assert.ok(times.at(-1)! <= end && end - times.at(-1)! < 250000);
  const first = lwp("report", "-i", "time.data", "-F", "perf-script").stdout.split("\n")[0]!;
  assert.match(first, /^loop\s+\d+\/\d+ \[000\] 0\.000250000:\s+250000 instructions:$/);
});

test("report --sort comm,dso,sym,srcline (Source:Line as addr2line says), -n, --percent-limit, --header-only", () => {
  record("sort.data", "-q", "-c", "20000");
  const r = lwp("report", "-i", "sort.data", "--sort", "comm,dso,sym,srcline", "-n", "--percent-limit", "0");
  assert.match(r.stdout, /^# {5}Self {2}Samples {2}Command {2}Shared Object +Symbol +Source:Line$/m);
  const rows = [...r.stdout.matchAll(/^ +[\d.]+% +(\d+) {2}(\S+) +(\S+) +\[\.\] (\S+) +(\S+)$/gm)];
  const inLoop = rows.filter((x) => x[2] === "loop" && x[3] === "loop" && x[4] === "inner");
  assert.ok(inLoop.length >= 1, r.stdout);
  // addr2line's file:line of every sampled address in inner (nm's address + the offset), counted.
  const offsets = lwp("script", "-i", "sort.data", "-F", "sym,symoff")
    .stdout.split("\n")
    .filter((l) => l.startsWith("inner+"))
    .map((l) => parseInt(l.slice("inner+".length), 16));
  const innerAt = parseInt(/^([0-9a-f]+) T inner$/m.exec(execFileSync("nm", [BIN], { encoding: "utf8" }))![1]!, 16);
  const want = new Map<string, number>();
  for (const pos of execFileSync("addr2line", ["-e", BIN, ...offsets.map((o) => (innerAt + o).toString(16))], {
    encoding: "utf8",
  })
    .trim()
    .split("\n")) {
    const m = /([^/]+):(\d+)/.exec(pos)!;
    want.set(`${m[1]}:${m[2]}`, (want.get(`${m[1]}:${m[2]}`) ?? 0) + 1);
  }
  assert.deepEqual(new Map(inLoop.map((x) => [x[5]!, Number(x[1])])), want);
  const limited = lwp("report", "-i", "sort.data", "--percent-limit", "50").stdout;
  assert.equal([...limited.matchAll(/^ +[\d.]+%/gm)].length, 1, limited);
  const head = lwp("report", "-i", "sort.data", "--header-only").stdout;
  assert.ok(
    head.split("\n").every((l) => l === "" || l.startsWith("#")),
    head,
  );
  assert.match(head, /^# cmdline: .*loop 1000000$/m);
});

test("report -g caller and -g callee: the sampled function's stack, root first or the function first", () => {
  record("g.data", "-q", "-g", "-c", "20000");
  const chain = ["_start", "__libc_start_main", "__libc_start_call_main", "main", "outer", "inner"];
  const tree = (order: string, row = "inner", mode = "--no-children"): string[] => {
    const out = lwp("report", "-i", "g.data", mode, "-g", order).stdout;
    const at = out.split("\n").findIndex((l) => new RegExp(`\\[\\.\\] ${row}$`).test(l));
    const lines = out.split("\n").slice(at + 1);
    // The tree ends at the blank line after it.
    return lines
      .slice(0, lines.indexOf(""))
      .map((l) => l.replace(/^\s*(\|?)\s*(---)?/, "").trim())
      .filter((l) => l !== "");
  };
  assert.deepEqual(tree("caller"), chain);
  assert.deepEqual(tree("callee"), [...chain].reverse());
  // With the Children column (the default), a caller's row holds the stacks through it, up to it (as perf's cumulative entries).
  assert.deepEqual(tree("caller", "main", "--stdio"), chain.slice(0, 4));
  // Without the Children column, rows are sampled functions only (as perf --no-children).
  const noChildren = lwp("report", "-i", "g.data", "--no-children").stdout;
  assert.doesNotMatch(noChildren, /^ +0\.00% +0 /m);
});

test("stat -r 3: the means of the runs with seeds 1, 2, 3; -x SEP and -j in perf stat's fields", () => {
  const single = [1, 2, 3].map((seed) => {
    const r = lwp("stat", "-x", ",", "--seed", String(seed), "-e", "instructions,branches", BIN, "200000");
    assert.equal(r.status, 0, r.stderr);
    return new Map(
      r.stderr
        .trim()
        .split("\n")
        .map((l) => [l.split(",")[2]!, Number(l.split(",")[0])] as const),
    );
  });
  const csv = lwp("stat", "-r", "3", "-x", ";", "-e", "instructions,branches", BIN, "200000").stderr.trim().split("\n");
  assert.equal(csv.length, 3, csv.join("\n"));
  for (const line of csv) {
    // value;unit;event;variance;run time;percent running;metric;metric unit
    const f = line.split(";");
    assert.equal(f.length, 8, line);
    const mean = single.reduce((a, m) => a + m.get(f[2]!)!, 0) / 3;
    assert.equal(Number(f[0]), Math.round(mean), line);
    assert.match(f[3]!, /^\d+\.\d\d%$/);
    assert.equal(f[5], "100.00");
  }
  const json = lwp("stat", "-j", "-e", "instructions,branches", BIN, "200000").stderr.trim().split("\n");
  for (const l of json) {
    const o = JSON.parse(l) as Record<string, unknown>;
    assert.deepEqual(Object.keys(o).slice(0, 5), ["counter-value", "unit", "event", "event-runtime", "pcnt-running"]);
    assert.equal(Number(o["counter-value"]), single[0]!.get(o["event"] as string));
  }
});

/** Escape characters spelled <ESC>, so that patterns can name them. */
const shown = (s: string): string => s.replaceAll(String.fromCharCode(27), "<ESC>");

/** Runs `lwp ARGS` with stdin, stdout and stderr on a pty (script(1)); returns what the terminal got. */
function onTerminal(args: string, env: Record<string, string> = {}): string {
  const r = spawnSync("script", ["-qec", `${process.execPath} ${lwpCli()} ${args}`, "/dev/null"], {
    encoding: "utf8",
    cwd: dir,
    env: { ...process.env, TERM: "xterm", ...env },
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return shown(r.stdout);
}

test("on a terminal: record and stat draw a progress line and erase it; not when stderr is a pipe", () => {
  const rec = onTerminal(`record -o tty.data -- ${BIN} 10000000`);
  assert.match(
    rec,
    /\r\[ lwp record: [\d,]+ instructions retired, [\d.]+ MIPS, \d+ samples, [\d.]+ s \]<ESC>\[K/,
    JSON.stringify(rec),
  );
  assert.match(rec, /\r<ESC>\[K/);
  const stat = onTerminal(`stat -e instructions -- ${BIN} 10000000`);
  assert.match(stat, /\r\[ lwp stat: [\d,]+ instructions retired, [\d.]+ MIPS, [\d.]+ s \]<ESC>\[K/);
  const piped = lwp("record", "-o", "pipe.data", "--", BIN, "10000000");
  assert.doesNotMatch(shown(piped.stderr), /instructions retired|<ESC>|\r/);
});

test("on a terminal: report colours hot rows and goes through $PAGER; --no-pager and a pipe do not page", () => {
  record("pager.data", "-q", "-c", "20000");
  const paged = onTerminal("report -i pager.data", { PAGER: "sed s/^/PAGED:/" });
  assert.match(paged, /^PAGED:# lwp report/m);
  // perf's colours: red from 5 %, green from 0.5 %.
  assert.match(paged, /^PAGED: +<ESC>\[31m +9\d\.\d\d%<ESC>\[0m +\d+ +loop +\[\.\] inner/m);
  const direct = onTerminal("report --no-pager -i pager.data", { PAGER: "sed s/^/PAGED:/" });
  assert.doesNotMatch(direct, /PAGED:/);
  assert.match(direct, /<ESC>\[31m/, "colours stay on a terminal without the pager");
  const viaGlobal = onTerminal("--no-pager report -i pager.data", { PAGER: "sed s/^/PAGED:/" });
  assert.doesNotMatch(viaGlobal, /PAGED:/);
  const r = spawnSync(process.execPath, [lwpCli(), "report", "-i", "pager.data"], {
    encoding: "utf8",
    cwd: dir,
    env: { ...process.env, PAGER: "sed s/^/PAGED:/" },
  });
  assert.doesNotMatch(shown(r.stdout), /PAGED:|<ESC>/);
});
