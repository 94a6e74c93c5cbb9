// SPDX-License-Identifier: MIT
// One measured run: the command runs under bench/runstat.c, which reports what wait4(2)
// saw (wall time, user+system CPU of the process and the children it waited for, peak
// RSS); and the medians of interleaved repetitions.
import { spawnSync } from "node:child_process";
import { closeSync, openSync } from "node:fs";

export interface Command {
  /** Program (absolute path, or a name looked up along PATH) and its arguments. */
  readonly cmd: string;
  readonly args: readonly string[];
  /** File fed to standard input (default: /dev/null). */
  readonly stdin?: string;
  /** Variables added to the bench's own environment. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface Sample {
  readonly wall: number;
  readonly cpu: number;
  readonly rssMb: number;
}

export interface Run {
  readonly sample?: Sample;
  readonly error?: string;
  readonly stdout: Buffer;
  /** Standard error without runstat's line. */
  readonly stderr: string;
}

const STAT_LINE = /\n?@runstat wall_ns=(\d+) user_us=(\d+) sys_us=(\d+) maxrss_kb=(\d+) status=(\w+)\n$/;

/** The most telling line of a failed run's stderr: the first naming an error, else the last. */
function errorLine(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/^Node\.js v\d/.test(l));
  const named = lines.find((l) => /error|fault|unimplemented|unsupported|not found/i.test(l));
  return (named ?? lines[lines.length - 1] ?? "").slice(0, 200);
}

/** Runs `c` under runstat (killed after `timeoutS` seconds) and parses its measurements. */
export function measure(runstat: string, c: Command, timeoutS: number): Run {
  const stdin = c.stdin === undefined ? "ignore" : openSync(c.stdin, "r");
  try {
    const r = spawnSync(runstat, [String(timeoutS), c.cmd, ...c.args], {
      stdio: [stdin, "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C", ...(c.env ?? {}) },
      maxBuffer: 1 << 30,
    });
    const stderrAll = r.stderr?.toString("utf8") ?? "";
    const m = STAT_LINE.exec(stderrAll);
    const stderr = m === null ? stderrAll : stderrAll.slice(0, m.index);
    const stdout = r.stdout ?? Buffer.alloc(0);
    if (r.error !== undefined || m === null) {
      return { error: r.error?.message ?? `runstat failed: ${errorLine(stderrAll)}`, stdout, stderr };
    }
    const [, wallNs, userUs, sysUs, rssKb, status] = m;
    if (status === "timeout") return { error: `timed out after ${timeoutS} s`, stdout, stderr };
    if (status !== "0") return { error: `exit status ${String(status)}: ${errorLine(stderr)}`, stdout, stderr };
    const sample = {
      wall: Number(wallNs) / 1e9,
      cpu: (Number(userUs) + Number(sysUs)) / 1e6,
      rssMb: Number(rssKb) / 1024,
    };
    return { sample, stdout, stderr };
  } finally {
    if (typeof stdin === "number") closeSync(stdin);
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** Medians of each measurement over the samples (each taken separately). */
export function medianSample(samples: readonly Sample[]): Sample | undefined {
  if (samples.length === 0) return undefined;
  return {
    wall: median(samples.map((s) => s.wall)),
    cpu: median(samples.map((s) => s.cpu)),
    rssMb: median(samples.map((s) => s.rssMb)),
  };
}

export function geomean(xs: readonly number[]): number | undefined {
  const ok = xs.filter((x) => Number.isFinite(x) && x > 0);
  return ok.length === 0 ? undefined : Math.exp(ok.reduce((s, x) => s + Math.log(x), 0) / ok.length);
}
