// SPDX-License-Identifier: MIT
// What a new user tries first: `lwp run` of a `#!` script behaves as running it from a
// shell (binfmt_script, against the native run), and `lwp report --html` says where
// it wrote the page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

const ENV = { LC_ALL: "C", PATH: "/usr/bin:/bin" };

function withDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "lwp-newcomer-"));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function script(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

test(
  "lwp run of a #! script runs its interpreter with the script and arguments, as natively",
  { timeout: 300_000 },
  () => {
    withDir((dir) => {
      const cases = [
        script(dir, "plain.sh", '#!/bin/sh\necho "argc $#: $*"; echo "0=${0##*/}"; exit 5\n'),
        // One optional argument after the interpreter (binfmt_script passes the rest of the line as one word).
        script(dir, "arg.sh", '#!/bin/sh -e\nfalse\necho "not reached: -e was lost"\n'),
        // A script whose interpreter is itself a script.
        script(dir, "nested", `#!${join(dir, "plain.sh")}\n`),
      ];
      for (const path of cases) {
        const native = runNative(path, ["one", "two words"], { env: ENV, cwd: dir });
        const lwp = runLwp(path, ["one", "two words"], { env: ENV, cwd: dir, timeoutMs: 240_000 });
        assert.equal(lwp.stdout.toString(), native.stdout.toString(), `${path}: ${stderrTail(lwp)}`);
        assert.equal(
          lwp.status,
          native.status,
          `${path}: native ${describeEnd(native)}, lwp ${describeEnd(lwp)}\n${stderrTail(lwp)}`,
        );
      }
    });
  },
);

test("lwp run of a #! script with a missing interpreter is a one-line error", () => {
  withDir((dir) => {
    const path = script(dir, "bad.sh", "#!/nonexistent/interpreter\necho hi\n");
    const r = runLwp(path, [], { env: ENV, cwd: dir });
    const shell = runNative("/bin/sh", ["-c", path], { env: ENV, cwd: dir });
    assert.equal(r.status, shell.status, "the status a shell gives (127: interpreter not found)");
    assert.equal(r.stdout.length, 0);
    assert.match(r.stderr.toString(), /^lwp: cannot run '.*bad\.sh': bad interpreter: No such file or directory\n$/);
  });
});

test(
  "on a terminal (a pty from script(1)) a glibc program asks TCGETS and carries on, as natively",
  { timeout: 120_000 },
  () => {
    // glibc's isatty/tcgetattr read TCGETS into the kernel's 36-byte struct termios on the stack.
    const inner = `/bin/sh -c 'test -t 0 && test -t 1 && echo terminal'`;
    const native = runNative("/usr/bin/script", ["-qec", inner, "/dev/null"], { env: ENV });
    const lwp = runNative("/usr/bin/script", ["-qec", `${process.execPath} ${lwpCli()} run -- ${inner}`, "/dev/null"], {
      env: ENV,
      timeoutMs: 120_000,
    });
    assert.equal(lwp.stdout.toString(), native.stdout.toString(), stderrTail(lwp));
    assert.equal(lwp.status, native.status);
  },
);

test("on /dev/null (a character device, never a terminal) a program finds no terminal, as natively", () => {
  const inner = `/bin/sh -c 'test -t 0 || echo "stdin: not a terminal" >&2; test -t 1 || echo "stdout: not a terminal" >&2'`;
  const native = runNative("/bin/sh", ["-c", `${inner} </dev/null >/dev/null`], { env: ENV });
  const lwp = runNative("/bin/sh", ["-c", `${process.execPath} ${lwpCli()} run -- ${inner} </dev/null >/dev/null`], {
    env: ENV,
    timeoutMs: 120_000,
  });
  assert.equal(native.stderr.toString(), "stdin: not a terminal\nstdout: not a terminal\n");
  assert.equal(lwp.stderr.toString(), native.stderr.toString());
  assert.equal(lwp.status, native.status);
});

test("lwp report --html says where it wrote the page", { timeout: 300_000 }, () => {
  withDir((dir) => {
    const loop = join(repoRoot(), "build", "newcomer", "loop");
    compileStatic("musl-gcc", join(repoRoot(), "test", "tools", "guests", "loop.c"), loop, ["-O2", "-pthread"]);
    const lwp = (...args: string[]): ReturnType<typeof spawnSync> =>
      spawnSync(process.execPath, [lwpCli(), ...args], { cwd: dir, env: ENV, encoding: "utf8", timeout: 240_000 });
    assert.equal(lwp("record", "-c", "10000", "--", loop, "100000").status, 3);
    const r = lwp("report", "--html", "page.html");
    assert.equal(r.status, 0, String(r.stderr));
    assert.ok(existsSync(join(dir, "page.html")));
    assert.equal(r.stdout, "", "with only --html, stdout stays empty");
    assert.equal(r.stderr, `[ lwp report: wrote ${join(dir, "page.html")} ]\n`);
  });
});

test("nproc, getconf and /proc/cpuinfo agree: the emulated machine has one CPU (docs/kernel.md)", () => {
  const out = (prog: string, ...args: string[]): string => {
    const r = runLwp(prog, args, { env: ENV });
    assert.equal(r.status, 0, `${prog}: ${describeEnd(r)}\n${stderrTail(r)}`);
    return r.stdout.toString().trim();
  };
  assert.equal(out("/usr/bin/nproc"), "1");
  assert.equal(out("/usr/bin/nproc", "--all"), "1");
  assert.equal(out("/usr/bin/getconf", "_NPROCESSORS_ONLN"), "1");
  assert.equal(out("/usr/bin/getconf", "_NPROCESSORS_CONF"), "1");
  assert.equal(out("/bin/grep", "-c", "^processor", "/proc/cpuinfo"), "1");
  assert.equal(out("/bin/cat", "/sys/devices/system/cpu/online"), "0");
});
