// SPDX-License-Identifier: MIT
// Builds the C oracle programs in test/guests (gcc and musl-gcc, -O0 and -O2,
// static) and runs a binary natively or under `lwp run` for byte-for-byte comparison.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { constants } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The directory holding package.json, found by walking up from this file (works from dist/ too). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export const COMPILERS = { gcc: "gcc", musl: "musl-gcc" } as const;
export type CompilerName = keyof typeof COMPILERS;
export const OPT_LEVELS = ["O0", "O2"] as const;
export type OptLevel = (typeof OPT_LEVELS)[number];

export interface GuestBinary {
  readonly name: string;
  readonly compiler: CompilerName;
  readonly opt: OptLevel;
  /** Absolute path of the static executable. */
  readonly path: string;
  /** "musl-O2/printf": the label used in test names and benchmark rows. */
  readonly label: string;
}

export interface BuildOptions {
  readonly srcDir?: string;
  readonly outDir?: string;
  readonly names?: readonly string[];
  readonly compilers?: readonly CompilerName[];
  readonly opts?: readonly OptLevel[];
  /** Extra flags after the optimisation level (default: -Wall -Wextra). */
  readonly cflags?: readonly string[];
}

/** Names (without .c) of the C programs in a directory, sorted. */
export function listSources(srcDir: string): string[] {
  return readdirSync(srcDir)
    .filter((f) => f.endsWith(".c"))
    .map((f) => f.slice(0, -2))
    .sort();
}

const checked = new Map<string, true>();
/** Throws a clear error when a compiler is not installed. */
export function requireCompiler(cmd: string): void {
  if (checked.has(cmd)) return;
  const r = spawnSync(cmd, ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    const hint = cmd === "musl-gcc" ? "apt-get install musl-tools" : "apt-get install gcc";
    throw new Error(
      `compiler '${cmd}' is missing or broken (${r.error?.message ?? `status ${r.status}`}); install it: ${hint}`,
    );
  }
  checked.set(cmd, true);
}

function upToDate(out: string, src: string): boolean {
  return existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs;
}

/** Compiles one C file statically with libm; skipped when the output is newer than the source. */
export function compileStatic(cmd: string, src: string, out: string, flags: readonly string[]): void {
  if (upToDate(out, src)) return;
  requireCompiler(cmd);
  mkdirSync(dirname(out), { recursive: true });
  const args = [...flags, "-static", "-o", out, src, "-lm"];
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.error?.message ?? `status ${r.status}`}):\n${r.stderr}`);
  }
}

/** Builds every guest × compiler × optimisation level into build/guests/<compiler>-<opt>/<name>. */
export function buildGuests(opts: BuildOptions = {}): GuestBinary[] {
  const root = repoRoot();
  const srcDir = opts.srcDir ?? join(root, "test", "guests");
  const outDir = opts.outDir ?? join(root, "build", "guests");
  const names = opts.names ?? listSources(srcDir);
  const compilers = opts.compilers ?? (Object.keys(COMPILERS) as CompilerName[]);
  const levels = opts.opts ?? OPT_LEVELS;
  const cflags = opts.cflags ?? ["-Wall", "-Wextra"];
  const out: GuestBinary[] = [];
  for (const compiler of compilers) {
    for (const opt of levels) {
      for (const name of names) {
        const path = join(outDir, `${compiler}-${opt}`, name);
        compileStatic(COMPILERS[compiler], join(srcDir, `${name}.c`), path, [`-${opt}`, ...cflags]);
        out.push({ name, compiler, opt, path, label: `${compiler}-${opt}/${name}` });
      }
    }
  }
  return out;
}

export interface RunOptions {
  /** Bytes fed to standard input (default: none, stdin is empty). */
  readonly stdin?: Buffer | string;
  /** The whole environment of the process (default: inherited). */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Kill the run (SIGKILL) after this many milliseconds (default 120 s). */
  readonly timeoutMs?: number;
  /** Extra `lwp run` options placed before `--` (runLwp only), e.g. ["--seed", "1"]. */
  readonly lwpArgs?: readonly string[];
}

export interface RunResult {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started or timed out. */
  readonly error?: Error;
  readonly seconds: number;
}

function spawnRun(cmd: string, args: readonly string[], opts: RunOptions): RunResult {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    input: opts.stdin ?? "",
    env: opts.env ?? process.env,
    cwd: opts.cwd ?? repoRoot(),
    timeout: opts.timeoutMs ?? 120_000,
    killSignal: "SIGKILL",
    maxBuffer: 512 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const base = { stdout: r.stdout, stderr: r.stderr, status: r.status, signal: r.signal, seconds };
  return r.error ? { ...base, error: r.error } : base;
}

/** Runs a program directly on the host. */
export function runNative(path: string, args: readonly string[] = [], opts: RunOptions = {}): RunResult {
  return spawnRun(path, args, opts);
}

/** Path of the `lwp` command users run: bin/lwp.js, which loads the bundle (dist/bundle/lwp.cjs). */
export function lwpCli(): string {
  return join(repoRoot(), "bin", "lwp.js");
}

/** Runs a program under `node bin/lwp.js run [lwpArgs] -- path args`. */
export function runLwp(path: string, args: readonly string[] = [], opts: RunOptions = {}): RunResult {
  const cli = lwpCli();
  return spawnRun(process.execPath, [cli, "run", ...(opts.lwpArgs ?? []), "--", resolve(path), ...args], opts);
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;
}

/** Describes the first differing line of two outputs, or returns undefined when they are identical. */
export function firstDifference(expected: Buffer, actual: Buffer): string | undefined {
  if (expected.equals(actual)) return undefined;
  const a = expected.toString("latin1").split("\n");
  const b = actual.toString("latin1").split("\n");
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const show = (lines: string[]): string =>
    i < lines.length ? JSON.stringify(clip(lines[i] ?? "", 300)) : "<end of output>";
  return (
    `first difference at line ${i + 1} (native ${expected.length} bytes, lwp ${actual.length} bytes):\n` +
    `  native: ${show(a)}\n  lwp:    ${show(b)}`
  );
}

/** Short text about how a run ended, for assertion messages. */
export function describeEnd(r: RunResult): string {
  if (r.error) return `error: ${r.error.message}`;
  return r.signal ? `killed by ${r.signal}` : `exit status ${String(r.status)}`;
}

/** The exit status a shell would report: the status, or 128 + signal number when killed. */
export function exitCode(r: RunResult): number | null {
  if (r.status !== null) return r.status;
  return r.signal ? 128 + constants.signals[r.signal] : null;
}

/** The last part of a run's stderr, for assertion messages. */
export function stderrTail(r: RunResult, n = 1500): string {
  const s = r.stderr.toString("utf8");
  return s.length > n ? `…${s.slice(-n)}` : s;
}
