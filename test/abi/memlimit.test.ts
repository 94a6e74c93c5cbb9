// SPDX-License-Identifier: MIT
// --memory-limit (issue 10 item 3): the machine has that much RAM. Past it the
// OOM killer ends the process holding the most memory with SIGKILL, with one
// line on stderr (Linux's kernel-log line), and the rest goes on; sysinfo and
// /proc/meminfo report the limit, and a private writable mapping larger than
// the RAM is refused as by Linux's overcommit heuristic. Bad values are one
// line and status 2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileStatic, exitCode, repoRoot, runLwp, stderrTail } from "../helpers/build-guests.js";

function build(): string {
  const out = join(repoRoot(), "build", "abi", "gcc", "oom");
  compileStatic("gcc", join(repoRoot(), "test", "abi", "oom.c"), out, ["-O1", "-Wall", "-Wextra"]);
  return out;
}

test("--memory-limit: the OOM killer ends the largest process with SIGKILL", { timeout: 300_000 }, () => {
  const bin = build();
  const self = runLwp(bin, ["self"], { lwpArgs: ["--memory-limit", "24M"] });
  assert.equal(exitCode(self), 137, stderrTail(self));
  assert.match(self.stdout.toString(), /^8 MiB\n16 MiB\n$/);
  assert.match(
    self.stderr.toString(),
    /^lwp: out of memory \(--memory-limit 24M\): killed process \d+ \(oom\), \d+ kB resident\nKilled\n$/,
  );
  const child = runLwp(bin, ["child"], { lwpArgs: ["--memory-limit", "24M"] });
  assert.equal(exitCode(child), 0, stderrTail(child));
  assert.match(child.stdout.toString(), /child killed by signal 9\n$/);
});

// docs/quirks.md Q-OOM: a read(2) that runs out of frames while a bigger child exists kills the
// child and fails with ENOMEM (Linux completes the read once the child is gone).
test("--memory-limit: out of memory inside a system call (Q-OOM)", { timeout: 300_000 }, () => {
  const r = runLwp(build(), ["syscall"], { lwpArgs: ["--memory-limit", "24M"] });
  assert.equal(exitCode(r), 0, stderrTail(r));
  assert.match(r.stdout.toString(), /read: Cannot allocate memory\nchild killed by signal 9\n$/);
});

test(
  "--memory-limit: sysinfo, /proc/meminfo and the overcommit heuristic see the machine's RAM",
  { timeout: 300_000 },
  () => {
    const r = runLwp(build(), ["ram"], { lwpArgs: ["--memory-limit", "64M"] });
    assert.equal(exitCode(r), 0, stderrTail(r));
    assert.equal(
      r.stdout.toString(),
      "totalram 64 MiB\nMemTotal:          65536 kB\ntwice the RAM: refused, with MAP_NORESERVE: mapped\n",
    );
  },
);

test("--memory-limit: a bad size is one line and status 2", () => {
  for (const [v, why] of [
    ["12Q", "expected a size like 512M or 2G"],
    ["4G", "expected 1M to 2G"],
    ["1K", "expected 1M to 2G"],
  ] as const) {
    const r = runLwp(build(), ["ram"], { lwpArgs: ["--memory-limit", v] });
    assert.equal(exitCode(r), 2);
    assert.equal(r.stderr.toString(), `lwp: Invalid value for --memory-limit: ${v} (${why})\n`);
  }
});
