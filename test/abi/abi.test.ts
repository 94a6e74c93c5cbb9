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

/**
 * Lines of a program's output that depend on the host (its kernel's configuration, its
 * CPU), by program: each line that starts with a key is compared with the line given,
 * what the machine lwp emulates (docs/kernel.md, "Which Linux") prints, not with the host's.
 */
const MACHINE_DEFINED_LINES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // Linux 6.1's GDT has __USER32_CS (entry 4, DPL 3, 32-bit code); a 6.7 or later kernel
  // booted with ia32_emulation=0 clears it.
  segments: Object.fromEntries(
    ["0020", "0021", "0022", "0023"].map((sel) => [
      `${sel} `,
      `${sel} lar 1 0000000000cffb00 1 0000000000cffb00 1 99999999aaaafb00 lsl 1 00000000ffffffff 1 00000000ffffffff 1 bbbbbbbbccccffff verr 1 verw 0`,
    ]),
  ),
  // ARCH_SET_CPUID needs CPUID faulting, which the emulated CPU (an AMD family 15h) lacks:
  // ENODEV. Hosts that have it (recent Intel and AMD CPUs) answer 0.
  syscalls: { "arch_prctl code 0x1012:": "arch_prctl code 0x1012: -19" },
};

/** The native run's stdout with the lines MACHINE_DEFINED_LINES defines for `name` replaced. */
function asOnEmulatedMachine(name: string, native: RunResult): RunResult {
  const defined = MACHINE_DEFINED_LINES[name];
  if (defined === undefined) return native;
  const lines = native.stdout.toString().split("\n");
  for (const [prefix, line] of Object.entries(defined)) {
    const k = lines.findIndex((l) => l.startsWith(prefix));
    assert.ok(k >= 0, `${name}: the native run prints no line starting ${JSON.stringify(prefix)}`);
    lines[k] = line;
  }
  return { ...native, stdout: Buffer.from(lines.join("\n")) };
}

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
      same(asOnEmulatedMachine(name, native), runLwp(bin, [], { env: ENV, timeoutMs: 240_000 }));
    });
  }
  // Hostile arguments, one forked case per line: every line as natively.
  test(`abi ${label}/syscalls: ≥ 250 hostile-argument cases answer as on Linux`, { timeout: 300_000 }, () => {
    const bin = build("syscalls", cc, label);
    const native = runNative(bin, [], { env: ENV });
    const m = /^(\d+) cases\n$/m.exec(native.stdout.toString());
    assert.ok(m !== null && Number(m[1]) >= 250, `native run: ${native.stdout.toString().slice(-200)}`);
    same(asOnEmulatedMachine("syscalls", native), runLwp(bin, [], { env: ENV, timeoutMs: 240_000 }));
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
