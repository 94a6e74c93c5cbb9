// SPDX-License-Identifier: MIT
// Running a static guest confined to a directory two ways: under chroot(2) (the
// oracle; through `unshare -r` when not root) and under `lwp run --root`, and
// checking that nothing outside the directory was read, created or changed.
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { lwpCli, repoRoot, type RunResult } from "../helpers/build-guests.js";

const ENV = { LC_ALL: "C", PATH: "/usr/bin:/bin" };

function run(cmd: string, args: readonly string[], env: Record<string, string>, timeoutMs: number): RunResult {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    env: { ...ENV, ...env },
    cwd: repoRoot(),
    timeout: timeoutMs,
    killSignal: "SIGKILL",
    input: "",
    maxBuffer: 64 << 20,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const base = { stdout: r.stdout, stderr: r.stderr, status: r.status, signal: r.signal, seconds };
  return r.error ? { ...base, error: r.error } : base;
}

const isRoot = process.getuid?.() === 0;
/** chroot(8) lives in /usr/sbin, which the guests' PATH leaves out. */
const CHROOT = existsSync("/usr/sbin/chroot") ? "/usr/sbin/chroot" : "chroot";

/** `prog args` run natively with `root` as its root directory (chroot(2), as root or in a user namespace). */
export function runChroot(
  root: string,
  prog: string,
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): RunResult {
  const argv = [CHROOT, root, prog, ...args];
  return isRoot ? run(CHROOT, argv.slice(1), env, timeoutMs) : run("/usr/bin/unshare", ["-r", ...argv], env, timeoutMs);
}

/** `lwp run --root root prog args`. */
export function runConfined(
  root: string,
  prog: string,
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
  lwpArgs: readonly string[] = [],
): RunResult {
  return run(process.execPath, [lwpCli(), "run", "--root", root, ...lwpArgs, "--", prog, ...args], env, timeoutMs);
}

/** A listing of everything under `dir` (names, types, sizes, link targets, mtimes): compared before and after a run. */
export function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const extra = st.isSymbolicLink() ? `-> ${readlinkSync(p)}` : `${st.size} ${st.mtimeMs}`;
      out.push(`${p} ${st.mode.toString(8)} ${extra}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** Whether the run printed a JavaScript stack trace (an emulator crash rather than a guest's error). */
export function hasTrace(r: RunResult): boolean {
  const err = r.stderr.toString("utf8");
  return /\n\s+at .+\(.+:\d+:\d+\)|^\w*Error: /m.test(err) || /node:internal/.test(err);
}
