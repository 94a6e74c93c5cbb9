// SPDX-License-Identifier: MIT
// The kernel's Linux ABI against the host kernel: each test/abi/*.c program is
// built static with gcc and musl-gcc and must print the same [RUN]/[OK]/[FAIL]
// lines and end with the same status natively and under `lwp run`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  compileStatic,
  describeEnd,
  exitCode,
  firstDifference,
  repoRoot,
  runLwp,
  runNative,
  stderrTail,
} from "../helpers/build-guests.js";
import type { RunResult } from "../helpers/build-guests.js";

const COMPILERS = [
  ["gcc", "gcc"],
  ["musl", "musl-gcc"],
] as const;
const ENV = { LC_ALL: "C", PATH: "/usr/bin:/bin" };

/**
 * Cases whose outcome depends on the host's kernel version: the oracle is the Linux that lwp
 * emulates (docs/kernel.md, "Which Linux"), not the kernel the tests happen to run on.
 */
const LINUX_DEFINED: Readonly<Record<string, { status: number; stdout: string; why: string }>> = {
  sigreturn: {
    status: 128 + 11,
    stdout: "[RUN] die sigreturn\n",
    why: "Linux 6.1 restores the fpstate with XRSTOR/FXRSTOR straight from the frame; a misaligned pointer faults (#GP) and rt_sigreturn ends in SIGSEGV",
  },
};

function build(name: string, cc: string, label: string, extra: readonly string[] = []): string {
  const root = repoRoot();
  const out = join(root, "build", "abi", label, name);
  compileStatic(cc, join(root, "test", "abi", `${name}.c`), out, ["-O1", "-Wall", "-Wextra", "-pthread", ...extra]);
  return out;
}

function same(native: RunResult, lwp: RunResult): void {
  const diff = firstDifference(native.stdout, lwp.stdout);
  assert.ok(diff === undefined, `stdout differs (lwp ${describeEnd(lwp)}); ${diff}\nlwp stderr:\n${stderrTail(lwp)}`);
  assert.equal(
    exitCode(lwp),
    exitCode(native),
    `native ${describeEnd(native)}, lwp ${describeEnd(lwp)}\n${stderrTail(lwp)}`,
  );
}

for (const [label, cc] of COMPILERS) {
  for (const name of [
    "signals",
    "threads",
    "procs",
    "files",
    "creds",
    "usercopy",
    "mm",
    "procfs",
    "events",
    "sockets",
    "locks",
    "pipes",
    "codeshare",
    "segments",
    "pifutex",
  ]) {
    test(`abi ${label}/${name} behaves as on Linux`, { timeout: 300_000 }, () => {
      const bin = build(name, cc, label);
      const native = runNative(bin, [], { env: ENV });
      assert.match(native.stdout.toString(), /\[OK\] all\n$/, "the native run itself must pass");
      same(native, runLwp(bin, [], { env: ENV, timeoutMs: 240_000 }));
    });
  }
  // Hostile arguments, one forked case per line: every line as natively.
  test(`abi ${label}/syscalls: ≥ 250 hostile-argument cases answer as on Linux`, { timeout: 300_000 }, () => {
    const bin = build("syscalls", cc, label);
    const native = runNative(bin, [], { env: ENV });
    const m = /^(\d+) cases\n$/m.exec(native.stdout.toString());
    assert.ok(m !== null && Number(m[1]) >= 250, `native run: ${native.stdout.toString().slice(-200)}`);
    same(native, runLwp(bin, [], { env: ENV, timeoutMs: 240_000 }));
  });
  // LWP controls have no native oracle: the program checks docs/kernel.md's rules itself.
  test(`abi ${label}/lwpctl: XCR0[62] at boot, PR_LWP_DISABLE`, { timeout: 300_000 }, () => {
    const bin = build("lwpctl", cc, label);
    for (const [args, lwpArgs] of [
      [[], []],
      [["nolwp"], ["--no-lwp"]],
    ] as const) {
      const r = runLwp(bin, args, { env: ENV, lwpArgs, timeoutMs: 120_000 });
      assert.match(
        r.stdout.toString(),
        /\[OK\] all\n$/,
        `${lwpArgs.join(" ")}: ${r.stdout.toString()}\n${stderrTail(r)}`,
      );
      assert.equal(exitCode(r), 0);
    }
  });
  // LWP state per task (selftests/x86/xstate.c's shape): per-thread LWPCBs across
  // switches, LWP off in a signal handler, the threshold interrupt as a signal.
  test(`abi ${label}/lwp-tasks: per-thread LWP, signal handlers, threshold signal`, { timeout: 300_000 }, () => {
    const r = runLwp(build("lwp-tasks", cc, label, ["-mlwp"]), [], { env: ENV, timeoutMs: 120_000 });
    assert.match(r.stdout.toString(), /\[OK\] all\n$/, `${r.stdout.toString()}\n${stderrTail(r)}`);
    assert.equal(exitCode(r), 0);
  });
  // docs/quirks.md: each deviation from Linux, pinned (lwp only).
  test(`abi ${label}/quirks: documented deviations`, { timeout: 300_000 }, () => {
    const bin = build("quirks", cc, label);
    const r = runLwp(bin, [], { env: ENV, timeoutMs: 120_000 });
    assert.match(r.stdout.toString(), /\[OK\] all\n$/, `${r.stdout.toString()}\n${stderrTail(r)}`);
    const d = runLwp(bin, ["deadlock"], { env: ENV, timeoutMs: 120_000 });
    assert.equal(exitCode(d), 137);
    assert.match(d.stderr.toString(), /lwp: deadlock: every task is blocked/);
  });
  // Default actions: each way to die ends with the same status (128+N) as natively, or as
  // the Linux version lwp emulates where kernels differ (LINUX_DEFINED).
  const deaths = [
    "abort",
    "segv",
    "blocked-segv",
    "fpe",
    "ill",
    "trap",
    "term",
    "usr1",
    "alarm",
    "kill",
    "sigreturn",
    "exit7",
  ];
  test(`abi ${label}/die: default actions and exit statuses`, { timeout: 300_000 }, () => {
    const bin = build("die", cc, label);
    for (const how of deaths) {
      const lwp = runLwp(bin, [how], { env: ENV, timeoutMs: 120_000 });
      const linux = LINUX_DEFINED[how];
      if (linux !== undefined) {
        assert.equal(lwp.stdout.toString(), linux.stdout, `die ${how}: ${linux.why}\n${stderrTail(lwp)}`);
        assert.equal(
          exitCode(lwp),
          linux.status,
          `die ${how}: ${linux.why}; lwp ${describeEnd(lwp)}\n${stderrTail(lwp)}`,
        );
        continue;
      }
      const native = runNative(bin, [how], { env: ENV });
      assert.equal(
        exitCode(lwp),
        exitCode(native),
        `die ${how}: native ${describeEnd(native)}, lwp ${describeEnd(lwp)}\n${stderrTail(lwp)}`,
      );
      same(native, lwp);
    }
  });
}
