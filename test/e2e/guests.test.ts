// SPDX-License-Identifier: MIT
// Real-program oracle: every C guest in test/guests, built with gcc and musl at -O0
// and -O2, must print byte-identical stdout and exit the same way under lwp as natively.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { GuestBinary, RunOptions, RunResult } from "../helpers/build-guests.js";
import {
  buildGuests,
  describeEnd,
  exitCode,
  firstDifference,
  runLwp,
  runNative,
  stderrTail,
} from "../helpers/build-guests.js";

/** A fixed environment, so native and emulated runs see the same thing. */
const BASE_ENV: Record<string, string> = { LC_ALL: "C", PATH: "/usr/bin:/bin" };

/** Deterministic stdin for args.c: 3000 lines of LCG text plus some raw bytes. */
function argsStdin(): Buffer {
  const parts: string[] = [];
  let x = 12345;
  for (let i = 0; i < 3000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    parts.push(`line ${i} ${x.toString(16)} ${"abcdefghij".slice(0, x % 11)}\n`);
  }
  const raw = Buffer.alloc(777);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37 + 11) & 0xff;
  return Buffer.concat([Buffer.from(parts.join("")), raw]);
}

interface Invocation {
  readonly args: string[];
  readonly opts: RunOptions;
  readonly compareStderr: boolean;
}

function invocation(g: GuestBinary): Invocation {
  const env = { ...BASE_ENV };
  // glibc picks FMA/AVX2 variants of exp/log/pow/sin/... by CPUID, and they differ in
  // the last bit on some inputs; mask them natively and in the guest so both run the
  // baseline SSE2 code whatever CPU the emulator reports.
  if (g.compiler === "gcc" && g.name === "libm") env["GLIBC_TUNABLES"] = "glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4";
  if (g.name === "args") {
    Object.assign(env, { LWP_TEST_A: "alpha", LWP_TEST_B: "two words = ok", LWP_TEST_EMPTY: "" });
    const args = ["one", "two words", "", "--flag=x", "ünïcödé", "-", "a".repeat(300)];
    return { args, opts: { env, stdin: argsStdin() }, compareStderr: true };
  }
  return { args: [], opts: { env }, compareStderr: g.name === "exitcode" };
}

function assertSameRun(native: RunResult, lwp: RunResult, cmp: Invocation): void {
  assert.ok(!native.error, `native run failed to start: ${native.error?.message}`);
  const diff = firstDifference(native.stdout, lwp.stdout);
  assert.ok(diff === undefined, `stdout differs (lwp ${describeEnd(lwp)}); ${diff}\nlwp stderr:\n${stderrTail(lwp)}`);
  assert.equal(
    exitCode(lwp),
    exitCode(native),
    `exit differs: native ${describeEnd(native)}, lwp ${describeEnd(lwp)}\nlwp stderr:\n${stderrTail(lwp)}`,
  );
  if (cmp.compareStderr) {
    const d = firstDifference(native.stderr, lwp.stderr);
    assert.ok(d === undefined, `stderr differs; ${d}`);
  }
}

const guests = buildGuests();

for (const g of guests) {
  test(`${g.label} prints what it prints natively`, { timeout: 300_000 }, () => {
    const inv = invocation(g);
    const native = runNative(g.path, inv.args, inv.opts);
    const lwp = runLwp(g.path, inv.args, { ...inv.opts, timeoutMs: 240_000 });
    assertSameRun(native, lwp, inv);
  });
}
