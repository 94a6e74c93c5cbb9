// SPDX-License-Identifier: MIT
// What `npm run bench` runs: the three loops of bench/workloads/*.c (musl, static) and
// real Debian programs on generated inputs, each sized (at --scale 1) to a few hundred
// million to two billion guest instructions, about a minute under lwp today.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { compileStatic, listSources } from "../test/helpers/build-guests.js";
import { cSource, input, logText, numberLines, randomBytes, sqliteScript } from "./inputs.js";
import type { Command } from "./measure.js";

export interface Ctx {
  /** The repository. */
  readonly root: string;
  /** build/bench: compiled workloads and generated inputs. */
  readonly build: string;
  /** Multiplies the real programs' input sizes (--scale; 1 = the sizes below). */
  readonly scale: number;
}

export interface Workload {
  readonly name: string;
  readonly group: "loop" | "program";
  readonly what: string;
  /** Builds the binary or input files; returns the command line, or a string saying what is missing. */
  readonly prepare: (ctx: Ctx) => Command | string;
}

const scaled = (ctx: Ctx, n: number): number => Math.max(1, Math.round(n * ctx.scale));

function needs(path: string, pkg: string): string | undefined {
  return existsSync(path) ? undefined : `${path} is missing (Debian package ${pkg})`;
}

function loops(root: string): Workload[] {
  return listSources(join(root, "bench", "workloads")).map((name) => ({
    name,
    group: "loop" as const,
    what: `bench/workloads/${name}.c, musl-gcc -O2 -static`,
    prepare: (ctx: Ctx): Command => {
      const path = join(ctx.build, name);
      compileStatic("musl-gcc", join(ctx.root, "bench", "workloads", `${name}.c`), path, ["-O2", "-Wall", "-Wextra"]);
      return { cmd: path, args: [] };
    },
  }));
}

/** The cc1 that gcc runs (absolute), or undefined. */
function cc1(): string | undefined {
  const r = spawnSync("gcc", ["-print-prog-name=cc1"], { encoding: "utf8" });
  const p = r.stdout?.trim() ?? "";
  return r.status === 0 && isAbsolute(p) && existsSync(p) ? p : undefined;
}

const PYTHON_LOOP = (n: number): string =>
  `s = 0\nd = {}\nfor i in range(${n}):\n    s += i * i % 7\n    d[i % 1000] = s\nprint(s, len(d), sum(d.values()) % 1000003)`;

const PROGRAMS: readonly Workload[] = [
  {
    name: "sha256sum",
    group: "program",
    what: "coreutils sha256sum of 20 MB of random bytes",
    prepare: (ctx) =>
      needs("/usr/bin/sha256sum", "coreutils") ?? {
        cmd: "/usr/bin/sha256sum",
        args: [
          input(join(ctx.build, "inputs"), `random-${scaled(ctx, 20)}M.bin`, () =>
            randomBytes(scaled(ctx, 20) << 20, 1),
          ),
        ],
      },
  },
  {
    name: "sort",
    group: "program",
    what: "coreutils sort -n of 200k lines",
    prepare: (ctx) =>
      needs("/usr/bin/sort", "coreutils") ?? {
        cmd: "/usr/bin/sort",
        args: [
          "-n",
          input(join(ctx.build, "inputs"), `numbers-${scaled(ctx, 200_000)}.txt`, () =>
            numberLines(scaled(ctx, 200_000), 2),
          ),
        ],
      },
  },
  {
    // 768 KiB rather than "a few MB": xz -9 costs 2 billion instructions per MB of this text (--scale 4 gives 3 MB).
    name: "xz",
    group: "program",
    what: "xz -9 (one thread) of 768 KiB of log-like text",
    prepare: (ctx) =>
      needs("/usr/bin/xz", "xz-utils") ?? {
        cmd: "/usr/bin/xz",
        args: [
          "-9",
          "-T1",
          "-c",
          input(join(ctx.build, "inputs"), `log-${scaled(ctx, 768)}K.txt`, () => logText(scaled(ctx, 768) << 10, 3)),
        ],
      },
  },
  {
    name: "python3",
    group: "program",
    what: "python3 -c: a 300k-iteration loop with integer arithmetic and a dict (hash seed 0)",
    prepare: (ctx) =>
      needs("/usr/bin/python3", "python3-minimal") ?? {
        cmd: "/usr/bin/python3",
        // A fixed hash seed: with random string hashing its start-up ran 687 M instructions
        // in one run, 707 M in the next. -I would ignore PYTHONHASHSEED, so -s -P instead
        // (no user site directory, no script directory on the path).
        args: ["-s", "-P", "-c", PYTHON_LOOP(scaled(ctx, 300_000))],
        env: { PYTHONHASHSEED: "0" },
      },
  },
  {
    name: "sqlite3",
    group: "program",
    what: "sqlite3 :memory: 20k INSERTs in a transaction, an index, two aggregates",
    prepare: (ctx) =>
      needs("/usr/bin/sqlite3", "sqlite3") ?? {
        cmd: "/usr/bin/sqlite3",
        args: [":memory:"],
        stdin: input(join(ctx.build, "inputs"), `insert-${scaled(ctx, 20_000)}.sql`, () =>
          sqliteScript(scaled(ctx, 20_000), 4),
        ),
      },
  },
  {
    name: "cc1",
    group: "program",
    what: "gcc's cc1 -O2 of 196 lines of C (14 functions)",
    prepare: (ctx) => {
      const compiler = cc1();
      if (compiler === undefined) return "gcc's cc1 is missing (Debian package gcc)";
      const src = input(join(ctx.build, "inputs"), `fns-${scaled(ctx, 14)}.c`, () => cSource(scaled(ctx, 14)));
      return { cmd: compiler, args: ["-quiet", "-O2", src, "-o", "-"] };
    },
  },
];

export function workloads(root: string): Workload[] {
  return [...loops(root), ...PROGRAMS];
}
