// SPDX-License-Identifier: MIT
// The ways the bench runs a program (its columns): natively, under QEMU's user-mode
// JIT, under valgrind (no tool, cachegrind without and with its cache simulator),
// under `lwp run` and under `lwp record` (events 2 and 3, the usual profiling set-up).
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { lwpCli } from "../test/helpers/build-guests.js";
import type { Command } from "./measure.js";

export interface Tool {
  readonly key: string;
  readonly title: string;
  /** A program the tool needs (checked with --version), or null. */
  readonly needs: string | null;
  readonly wrap: (c: Command) => Command;
}

const VALGRIND_OUT = ["--cachegrind-out-file=/dev/null"];
const RECORD_DATA = join(tmpdir(), `lwp-bench-${process.pid}.data`);

function valgrind(args: readonly string[]): (c: Command) => Command {
  return (c) => ({ ...c, cmd: "valgrind", args: [...args, c.cmd, ...c.args] });
}

/**
 * `lwp` as users start it: bin/lwp.js through its `#!` line (which keeps Node from
 * parsing NODE_EXTRA_CA_CERTS's certificates at start-up), with this Node first in PATH.
 */
function lwp(args: readonly string[]): (c: Command) => Command {
  return (c) => ({
    ...c,
    cmd: lwpCli(),
    args: [...args, "--", c.cmd, ...c.args],
    env: { ...(c.env ?? {}), LWP_STATS: "1", PATH: `${dirname(process.execPath)}:${process.env["PATH"] ?? ""}` },
  });
}

export const TOOLS: readonly Tool[] = [
  { key: "native", title: "native", needs: null, wrap: (c) => c },
  {
    key: "qemu",
    title: "qemu-x86_64",
    needs: "qemu-x86_64",
    wrap: (c) => ({ ...c, cmd: "qemu-x86_64", args: [c.cmd, ...c.args] }),
  },
  { key: "none", title: "valgrind none", needs: "valgrind", wrap: valgrind(["--tool=none"]) },
  {
    key: "cg",
    title: "cachegrind",
    needs: "valgrind",
    wrap: valgrind(["--tool=cachegrind", "--cache-sim=no", ...VALGRIND_OUT]),
  },
  {
    key: "cgsim",
    title: "cachegrind+sim",
    needs: "valgrind",
    wrap: valgrind(["--tool=cachegrind", "--cache-sim=yes", ...VALGRIND_OUT]),
  },
  { key: "run", title: "lwp run", needs: null, wrap: lwp(["run"]) },
  // -c is the sampling period: EventInterval = period - 1 = 10^5 (docs/kernel.md "Sampling period").
  {
    key: "record",
    title: "lwp record",
    needs: null,
    wrap: lwp(["record", "-e", "instructions,branches", "-c", "100001", "-o", RECORD_DATA]),
  },
];

/** Removes the profile the record column writes. */
export function cleanUp(): void {
  rmSync(RECORD_DATA, { force: true });
}

export function toolByKey(key: string): Tool {
  const t = TOOLS.find((x) => x.key === key);
  if (t === undefined) throw new Error(`unknown tool ${key} (tools: ${TOOLS.map((x) => x.key).join(", ")})`);
  return t;
}

/** Whether a command runs here (`cmd --version` exits 0). */
export function have(cmd: string): boolean {
  const r = spawnSync(cmd, ["--version"], { stdio: "ignore" });
  return r.error === undefined && r.status === 0;
}

/** The instruction count (Ir) a cachegrind run printed, or undefined. */
export function irefs(stderr: string): number | undefined {
  const m = /I\s+refs:\s+([\d,]+)/.exec(stderr);
  return m?.[1] === undefined ? undefined : Number(m[1].replace(/,/g, ""));
}

/** The key=value pairs of the line `LWP_STATS=1` makes lwp print (src/cli/stats.ts). */
export function lwpStats(stderr: string): Map<string, string> | undefined {
  const line = stderr.split("\n").find((l) => l.startsWith("lwp-stats: "));
  if (line === undefined) return undefined;
  return new Map(
    line
      .slice("lwp-stats: ".length)
      .split(" ")
      .map((kv) => kv.split("=") as [string, string]),
  );
}
