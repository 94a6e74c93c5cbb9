// SPDX-License-Identifier: MIT
// The `lwp report/annotate/script/diff` subcommands: outputs equal the library
// formatters (covered by goldens); user errors are one line on stderr with a non-zero
// exit status and no stack trace. A few runs spawn the real CLI (each costs a Node
// start-up); the rest call the command functions in-process. `lwp run` still works.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeLwpData } from "../../src/tools/format/writer.js";
import { formatReportText } from "../../src/tools/report/report-text.js";
import { formatScript } from "../../src/tools/report/script.js";
import { formatFolded } from "../../src/tools/export/text-formats.js";
import { CliError } from "../../src/cli/run-command.js";
import { UsageError, parseOptions } from "../../src/cli/options.js";
import { REPORT_OPTIONS, reportCommand } from "../../src/cli/report-command.js";
import {
  DIFF_OPTIONS,
  SCRIPT_OPTIONS,
  ANNOTATE_OPTIONS,
  annotateCommand,
  diffCommand,
  scriptCommand,
} from "../../src/cli/tool-commands.js";
import { repoRoot } from "../helpers/build-guests.js";
import { buildProfile, buildProgram } from "../helpers/profile-fixture.js";
import { fixtureSession } from "./golden-cases.js";

const b = buildProgram();
process.on("exit", () => b.cleanup());
const data = join(b.dir, "a.lwpdata");
const dataB = join(b.dir, "b.lwpdata");
writeFileSync(data, writeLwpData(buildProfile(b, "a")));
writeFileSync(dataB, writeLwpData(buildProfile(b, "b")));
const s = fixtureSession(b);
const MAIN = join(repoRoot(), "dist", "src", "cli", "main.js");

function lwp(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", cwd: b.dir });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command function in-process, returning what it wrote to stdout. */
function call(
  run: (o: Map<string, string | true>, r: string[]) => number,
  rows: Parameters<typeof parseOptions>[0],
  ...args: string[]
): string {
  const { opts, rest } = parseOptions(rows, args, true);
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((c: string | Uint8Array) => {
    chunks.push(typeof c === "string" ? c : Buffer.from(c).toString("latin1"));
    return true;
  }) as typeof process.stdout.write;
  try {
    assert.equal(run(opts, rest), 0);
  } finally {
    process.stdout.write = write;
  }
  return chunks.join("");
}

const report = (...a: string[]): string => call(reportCommand, REPORT_OPTIONS, ...a);

test("lwp report --stdio (spawned) prints the report; annotate takes options after the symbol", () => {
  const r = lwp("report", "-i", data, "--stdio");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, formatReportText(s, { sort: "symbol" }));
  const an = lwp("annotate", "hot_loop", "-i", data, "-e", "instructions");
  assert.equal(an.status, 0, an.stderr);
  assert.match(an.stdout, /66\.67 :\s+[0-9a-f]+:\s+add\s+%rdi,%rax/);
});

test("report exports: -o files, pprof is gzip, perf-script defaults to one event", () => {
  const out = join(b.dir, "out.folded");
  report("-i", data, "--format", "folded", "-o", out);
  assert.equal(readFileSync(out, "utf8"), formatFolded(s, 2));
  const pb = join(b.dir, "p.pb.gz");
  report("-i", data, "--format", "pprof", "-o", pb);
  const gz = readFileSync(pb);
  assert.deepEqual([gz[0], gz[1]], [0x1f, 0x8b]);
  const ps = report("-i", data, "--format", "perf-script");
  assert.deepEqual(new Set([...ps.matchAll(/ (\S+):$/gm)].map((m) => m[1])), new Set(["instructions"]));
  assert.equal(report("-i", data, "--sort", "dso"), formatReportText(s, { sort: "dso" }));
});

test("lwp script, annotate of the hottest symbol, and diff", () => {
  assert.equal(call(scriptCommand, SCRIPT_OPTIONS, "-i", data), formatScript(s));
  assert.match(call(annotateCommand, ANNOTATE_OPTIONS, "-i", data), /<hot_loop>:/);
  assert.match(call(diffCommand, DIFF_OPTIONS, data, dataB), /\+30\.77%\s+prog\s+\[\.\] app::work\(int\)/);
});

/** Asserts a one-line error on stderr, exit status non-zero, and no stack trace. */
function assertError(r: ReturnType<typeof lwp>, pattern: RegExp): void {
  assert.notEqual(r.status, 0);
  assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
  assert.match(r.stderr.trimEnd(), pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
}

test("errors (spawned): one line, non-zero status, no stack trace", () => {
  assertError(
    lwp("report", "-i", join(b.dir, "nope.data")),
    /^lwp: cannot read '.*nope\.data': No such file or directory$/,
  );
  assertError(
    lwp("report", "-i", data, "-e", "instructions,bogus"),
    /^lwp: Unknown event: bogus \(known events: instructions, /,
  );
});

test("errors (in-process): missing or corrupt data file, unknown names, bad options", () => {
  const err = (kind: typeof CliError | typeof UsageError, pattern: RegExp, f: () => unknown): void => {
    assert.throws(
      f,
      (e: unknown) => e instanceof kind && pattern.test((e as Error).message) && !(e as Error).message.includes("\n"),
    );
  };
  const bad = join(b.dir, "bad.data");
  writeFileSync(bad, "not a profile at all");
  const truncated = join(b.dir, "trunc.data");
  writeFileSync(truncated, readFileSync(data).subarray(0, 200));
  err(CliError, /^lwp: cannot read 'lwp\.data': No such file or directory$/, () => report());
  err(CliError, /^lwp: .*bad\.data: Not an lwpdata file: bad magic$/, () =>
    call(scriptCommand, SCRIPT_OPTIONS, "-i", bad),
  );
  err(CliError, /^lwp: .*trunc\.data: Corrupt lwpdata file: /, () => report("-i", truncated));
  err(UsageError, /^Unknown --sort key: color \(known keys: comm, pid, tid, dso, sym, srcline, event\)$/, () =>
    report("-i", data, "--sort", "color"),
  );
  err(UsageError, /^Invalid value for --format: xml/, () => report("-i", data, "--format", "xml"));
  err(UsageError, /^Unknown option: --frobnicate$/, () => report("--frobnicate"));
  err(UsageError, /^Unknown event: cycels/, () => call(scriptCommand, SCRIPT_OPTIONS, "-i", data, "-e", "cycels"));
  err(CliError, /^lwp: Symbol not found in any mapped file with symbols: no_such_function$/, () =>
    call(annotateCommand, ANNOTATE_OPTIONS, "-i", data, "no_such_function"),
  );
  err(UsageError, /^lwp diff needs two data files: BASELINE NEW$/, () => call(diffCommand, DIFF_OPTIONS, data));
});

test("lwp run still runs a program: the fixture exits with its native status", () => {
  const native = spawnSync(b.prog).status;
  const r = lwp("run", b.prog);
  assert.equal(r.status, native, r.stderr);
});

test("lwp script into a closed pipe stops quietly with the SIGPIPE status (128 + 13), like perf", () => {
  // `true` exits at once, so the pipe has no reader by the time lwp writes.
  const r = spawnSync(
    "bash",
    ["-c", `"$0" "$1" script -i "$2" | true; echo "\${PIPESTATUS[0]}"`, process.execPath, MAIN, data],
    { encoding: "utf8" },
  );
  assert.equal(r.stdout.trim(), "141");
  assert.equal(r.stderr, "", "no stack trace");
});
