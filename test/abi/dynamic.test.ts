// SPDX-License-Identifier: MIT
// Dynamic Debian programs through PT_INTERP (the host's ld.so loading shared
// libraries with mmap/mprotect), --root confinement, and busybox sh pipelines
// between guest processes — each compared with its native run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync, copyFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import {
  describeEnd,
  exitCode,
  firstDifference,
  repoRoot,
  runLwp,
  runNative,
  stderrTail,
} from "../helpers/build-guests.js";
import type { RunResult } from "../helpers/build-guests.js";
import { EXTRA_FEATURES, LEAF1_EDX } from "../../src/hw/cpu/cpuid.js";

const ENV = { LC_ALL: "C", PATH: "/usr/bin:/bin" };
/** glibc's ld.so refuses to start unless CPUID shows the x86-64 baseline, MMX included. */
const baseline = ((LEAF1_EDX | EXTRA_FEATURES.leaf1Edx) & (1 << 23)) !== 0;

function same(native: RunResult, lwp: RunResult): void {
  const diff = firstDifference(native.stdout, lwp.stdout);
  assert.ok(diff === undefined, `stdout differs (lwp ${describeEnd(lwp)}); ${diff}\n${stderrTail(lwp)}`);
  assert.equal(
    exitCode(lwp),
    exitCode(native),
    `native ${describeEnd(native)}, lwp ${describeEnd(lwp)}\n${stderrTail(lwp)}`,
  );
}

const CASES: { name: string; prog: string; args: string[]; stdin?: string }[] = [
  { name: "true", prog: "/bin/true", args: [] },
  { name: "ls", prog: "/bin/ls", args: ["-a", join(repoRoot(), "test", "abi")] },
  { name: "sort", prog: "/usr/bin/sort", args: [], stdin: "pear\napple\nfig\n" },
  { name: "cat", prog: "/bin/cat", args: [], stdin: "hello\nworld\n" },
  {
    name: "perl",
    prog: "/usr/bin/perl",
    args: ["-e", 'my %h; $h{$_ % 7}++ for 1..1000; print join(",", map { "$_=$h{$_}" } sort keys %h), "\n"'],
  },
  {
    name: "python3",
    prog: "/usr/bin/python3",
    args: [
      "-c",
      "import sys; print(sum(i * i for i in range(10000)), sorted({3: 'c', 1: 'a'}.items()), sys.byteorder)",
    ],
  },
  // dash and coreutils on the file-metadata calls (docs/kernel.md "Files"), in a fresh directory.
  {
    name: "coreutils file calls",
    prog: "/bin/sh",
    args: [
      "-c",
      'd=$(mktemp -d) && cd "$d" && touch -d @1300000000 a && chmod 640 a && ' +
        "ln -s a b && ln a c && mkdir -p x/y && stat -c '%a %h %Y %F' a && stat -c '%F' b && readlink b && " +
        "cp -p a x/y/z && stat -c '%a %Y' x/y/z && df -P . > /dev/null && du -s x > /dev/null && find . | sort && cd / && rm -r \"$d\"",
    ],
  },
];

for (const c of CASES) {
  test(`dynamic ${c.name} runs unmodified`, { timeout: 300_000 }, (t) => {
    if (!baseline) {
      t.skip("CPUID lacks MMX (x86-64 baseline): ld.so would refuse to start");
      return;
    }
    const opts = { env: ENV, ...(c.stdin !== undefined ? { stdin: c.stdin } : {}) };
    same(runNative(c.prog, c.args, opts), runLwp(c.prog, c.args, { ...opts, timeoutMs: 240_000 }));
  });
}

test("busybox sh: pipelines, $(...), background jobs and wait", { timeout: 300_000 }, (t) => {
  if (!existsSync("/bin/busybox")) {
    t.skip("/bin/busybox is not installed");
    return;
  }
  const script =
    'echo a b c | busybox tr a-z A-Z; x=$(echo sub; echo shell); echo "[$x]"; ' +
    "busybox seq 1 50 | busybox sort -r | busybox head -3; busybox sleep 1 & wait; echo waited $?; exit 3";
  same(
    runNative("/bin/busybox", ["sh", "-c", script], { env: ENV }),
    runLwp("/bin/busybox", ["sh", "-c", script], { env: ENV, timeoutMs: 240_000 }),
  );
});

test("--root confines guest paths", { timeout: 300_000 }, (t) => {
  if (!existsSync("/bin/busybox")) {
    t.skip("/bin/busybox is not installed");
    return;
  }
  const root = join(repoRoot(), "build", "abi", "root");
  mkdirSync(join(root, "bin"), { recursive: true });
  writeFileSync(join(root, "inside.txt"), "inside the root\n");
  copyFileSync("/bin/busybox", join(root, "bin", "busybox"));
  // With --root the program itself is looked up inside the root.
  const cat = runLwp("/bin/busybox", ["cat", "/inside.txt"], {
    env: ENV,
    lwpArgs: ["--root", root],
    timeoutMs: 120_000,
  });
  assert.equal(cat.stdout.toString(), "inside the root\n", stderrTail(cat));
  const miss = runLwp("/bin/busybox", ["cat", "/etc/hostname"], {
    env: ENV,
    lwpArgs: ["--root", root],
    timeoutMs: 120_000,
  });
  assert.notEqual(exitCode(miss), 0);
  // Absolute symlinks are re-rooted, in the last component and on the way (as chroot does):
  // /link.txt -> /inside.txt and /dir -> /bin name files inside the root, never the host's.
  mkdirSync(join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "etc", "passwd"), "root-only passwd\n");
  for (const [name, target] of [
    ["link.txt", "/inside.txt"],
    ["hostetc", "/etc"],
  ] as const) {
    rmSync(join(root, name), { force: true });
    symlinkSync(target, join(root, name));
  }
  const viaLink = runLwp("/bin/busybox", ["cat", "/link.txt", "/hostetc/passwd"], {
    env: ENV,
    lwpArgs: ["--root", root],
    timeoutMs: 120_000,
  });
  assert.equal(viaLink.stdout.toString(), "inside the root\nroot-only passwd\n", stderrTail(viaLink));
  const readlink = runLwp("/bin/busybox", ["readlink", "/link.txt"], {
    env: ENV,
    lwpArgs: ["--root", root],
    timeoutMs: 120_000,
  });
  assert.equal(readlink.stdout.toString(), "/inside.txt\n", stderrTail(readlink));
});
