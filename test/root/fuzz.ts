// SPDX-License-Identifier: MIT
// A seeded fuzzer of hostile --root trees (issue 10): each case builds a random
// tree of directories, files and symbolic links (loops, chains around the
// 40-link limit, absolute and relative links aimed at the host, at the root's
// parent and, in "confine" cases, through /proc/self magic links) and a random
// list of path operations for test/root/pathops.c. "compare" cases must print
// exactly what the same program prints under chroot(2); every case must leave
// everything outside the root unchanged, never print the host's secret, never
// crash the emulator with a stack trace and never hang.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileStatic, describeEnd, firstDifference, repoRoot, stderrTail } from "../helpers/build-guests.js";
import { hasTrace, runChroot, runConfined, snapshot } from "./confined.js";

export type FuzzMode = "compare" | "confine";

/** mulberry32: small, seeded, the same sequence everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ["a", "b", "c", "x", "y", "link", "loop", "up"];
const PARTS = [...NAMES, "..", ".", "...", "a b"];
const PROC = [
  "/proc/self/root",
  "/proc/self/cwd",
  "/proc/self/root/..",
  "/proc/thread-self/root",
  "/proc/self/fd/0",
  "/proc/self/exe/..",
  "/proc/1/root",
];
export const SECRET = "ESCAPED-FROM-ROOT";

interface Case {
  readonly dirs: string[];
  readonly files: [string, string][];
  readonly links: [string, string][];
  readonly ops: string[];
}

class Gen {
  readonly r: () => number;
  constructor(
    seed: number,
    readonly mode: FuzzMode,
    readonly outside: string,
  ) {
    this.r = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  /** A path: relative or absolute, through existing names, dot-dots, the host's paths and (confine) /proc. */
  path(known: readonly string[]): string {
    const k = this.int(10);
    if (k === 0) {
      return this.pick([
        this.outside,
        `${this.outside}/secret`,
        `${this.outside}/new`,
        "/",
        "../../../../../..",
        `../../..${this.outside}/secret`,
      ]);
    }
    if (k === 1 && this.mode === "confine") return this.pick(PROC) + (this.int(2) === 0 ? "" : `/${this.pick(NAMES)}`);
    if (k <= 5 && known.length > 0) return this.pick(known) + (this.int(3) === 0 ? `/${this.pick(PARTS)}` : "");
    const parts = Array.from({ length: 1 + this.int(4) }, () => this.pick(PARTS));
    return (this.int(2) === 0 ? "/" : "") + parts.join("/") + (this.int(6) === 0 ? "/" : "");
  }
}

function generate(seed: number, mode: FuzzMode, outside: string): Case {
  const g = new Gen(seed, mode, outside);
  const dirs: string[] = [],
    files: [string, string][] = [],
    links: [string, string][] = [];
  const known: string[] = [];
  const fill = (dir: string, depth: number): void => {
    for (let i = 1 + g.int(4); i > 0; i--) {
      const name = `${dir}/${g.pick(NAMES)}${g.int(4) === 0 ? "2" : ""}`;
      if (known.includes(name)) continue;
      known.push(name);
      const kind = g.int(depth < 2 ? 4 : 3);
      if (kind === 0) files.push([name, `f:${name}\n`]);
      else if (kind === 3) {
        dirs.push(name);
        fill(name, depth + 1);
      } else links.push([name, g.int(8) === 0 ? name.slice(name.lastIndexOf("/") + 1) : g.path(known)]);
    }
  };
  fill("", 0);
  if (g.int(3) === 0) {
    const n = 38 + g.int(5);
    for (let i = 0; i < n; i++) links.push([`/ch${i}`, i === n - 1 ? g.path(known) : `ch${i + 1}`]);
    known.push("/ch0");
  }
  const ops: string[] = [];
  const cwdOps = g.int(2) === 0;
  for (let i = 10 + g.int(25); i > 0; i--) ops.push(op(g, known, cwdOps));
  return { dirs, files, links, ops };
}

/** One line for pathops.c. Cases that change directory do not rename or remove (a cwd is kept by name: docs/quirks.md). */
function op(g: Gen, known: readonly string[], cwdOps: boolean): string {
  const p = (): string => g.path(known);
  const simple = ["cat", "stat", "lstat", "readlink", "ls", "access", "mkdir", "unlink", "rmdir", "chmod"];
  const k = g.int(cwdOps ? 14 : 16);
  if (k < 6) return `${g.pick(simple)}\t${p()}`;
  if (k < 8) return `open\t${p()}\t${g.pick(["r", "w", "wc", "wcx", "rn", "rd", "bct", "wa"])}`;
  if (k === 8) return `put\t${p()}\tdata${g.int(100)}`;
  if (k === 9) return `symlink\t${p()}\t${p()}`;
  if (k === 10) return `${g.pick(["link", "linkf"])}\t${p()}\t${p()}`;
  if (k === 11) return `at\t${p()}\t${p()}`;
  if (k === 12) return cwdOps ? `chdir\t${p()}` : `stat\t${p()}`;
  if (k === 13) return cwdOps ? "getcwd" : `lstat\t${p()}`;
  return `rename\t${p()}\t${p()}`;
}

function materialise(c: Case, root: string, outside: string, bin: string): void {
  mkdirSync(root, { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, "secret"), `${SECRET}\n`);
  for (const d of c.dirs) mkdirSync(root + d, { recursive: true });
  for (const [f, text] of c.files) writeFileSync(root + f, text);
  for (const [at, to] of c.links) symlinkSync(to, root + at);
  copyFileSync(bin, join(root, "pathops"));
  writeFileSync(join(root, "ops"), c.ops.join("\n") + "\n");
}

/** The static pathops binary (built once). */
export function pathopsBinary(): string {
  const out = join(repoRoot(), "build", "root", "pathops");
  compileStatic("gcc", join(repoRoot(), "test", "root", "pathops.c"), out, ["-O1", "-Wall", "-Wextra"]);
  return out;
}

/** Runs one case; returns null when it passed, else what went wrong (with the case's ops). */
export function runCase(seed: number, mode: FuzzMode, bin: string): string | null {
  const tmp = mkdtempSync(join(tmpdir(), "lwp-rootfuzz-"));
  try {
    const lwpOut = join(tmp, "outside");
    const c = generate(seed, mode, lwpOut);
    materialise(c, join(tmp, "root"), lwpOut, bin);
    const before = snapshot(lwpOut);
    const lwp = runConfined(join(tmp, "root"), "/pathops", [], {}, 120_000);
    const what = `seed ${seed} (${mode}):\n${c.ops.join("\n")}`;
    if (lwp.error !== undefined || lwp.signal === "SIGKILL") {
      return `hang or failure to run: ${describeEnd(lwp)}\n${what}`;
    }
    if (hasTrace(lwp)) return `stack trace:\n${stderrTail(lwp)}\n${what}`;
    if (lwp.status !== 0) return `lwp ${describeEnd(lwp)}\n${stderrTail(lwp)}\n${what}`;
    if (lwp.stdout.toString().includes(SECRET)) return `read the host's file:\n${lwp.stdout.toString()}\n${what}`;
    const after = snapshot(lwpOut);
    if (after.join("\n") !== before.join("\n")) return `changed outside the root:\n${after.join("\n")}\n${what}`;
    if (mode === "confine") return null;
    const natOut = join(tmp, "n", "outside"),
      natRoot = join(tmp, "n", "root");
    materialise(generate(seed, mode, lwpOut), natRoot, natOut, bin);
    const native = runChroot(natRoot, "/pathops", []);
    if (native.status !== 0) return `chroot run: ${describeEnd(native)} ${native.stderr.toString()}`;
    const diff = firstDifference(native.stdout, lwp.stdout);
    return diff === undefined ? null : `differs from chroot(2): ${diff}\n${what}`;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
