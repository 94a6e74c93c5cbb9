// SPDX-License-Identifier: MIT
// The bench programs' input files, generated from a fixed seed (so every machine and
// run measures the same work) into build/bench/inputs/, once per size.
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** xorshift32: small, fast, and the same sequence everywhere. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (this.s = x >>> 0);
  }
  below(n: number): number {
    return this.next() % n;
  }
}

/** Writes `name` in `dir` with `make()` unless it is already there; returns its path. */
export function input(dir: string, name: string, make: () => string | Uint8Array): string {
  const path = join(dir, name);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${path}.tmp`, make());
  renameSync(`${path}.tmp`, path);
  return path;
}

export function randomBytes(n: number, seed: number): Uint8Array {
  const r = new Rng(seed);
  const out = new Uint8Array(n);
  const words = new Uint32Array(out.buffer, 0, n >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = r.next();
  for (let i = words.length * 4; i < n; i++) out[i] = r.next() & 0xff;
  return out;
}

/** One signed integer per line, as `sort -n` sees in logs and tables. */
export function numberLines(n: number, seed: number): string {
  const r = new Rng(seed);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(String(r.below(2_000_000) - 1_000_000));
  return lines.join("\n") + "\n";
}

const WORDS = [
  "lwp",
  "ring",
  "buffer",
  "event",
  "sample",
  "branch",
  "retired",
  "instruction",
  "cache",
  "miss",
  "kernel",
  "thread",
  "signal",
  "profile",
  "record",
  "interval",
  "counter",
  "threshold",
  "filter",
  "address",
];

/** Log-like text: words, numbers and hex addresses (xz finds structure, as in real logs). */
export function logText(bytes: number, seed: number): string {
  const r = new Rng(seed);
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const n = 4 + r.below(8);
    const words = Array.from({ length: n }, () => WORDS[r.below(WORDS.length)]!);
    const line = `${String(r.below(100000)).padStart(6, "0")} 0x${r.next().toString(16)} ${words.join(" ")} ${r.below(1000)}\n`;
    parts.push(line);
    size += line.length;
  }
  return parts.join("");
}

/** A transaction of INSERTs, then a grouped aggregate over them. */
export function sqliteScript(rows: number, seed: number): string {
  const r = new Rng(seed);
  const out = ["CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT, x REAL);", "BEGIN;"];
  for (let i = 1; i <= rows; i++) {
    out.push(
      `INSERT INTO t(k, v, x) VALUES (${r.below(1000)}, '${WORDS[r.below(WORDS.length)]!} ${i}', ${r.below(100000) / 100});`,
    );
  }
  out.push(
    "COMMIT;",
    "CREATE INDEX tk ON t(k);",
    "SELECT k % 10, count(*), sum(id), round(avg(x), 3), max(v) FROM t GROUP BY 1 ORDER BY 1;",
    "SELECT count(*) FROM t WHERE k BETWEEN 100 AND 200 AND v LIKE '%e%';",
  );
  return out.join("\n") + "\n";
}

/** C for cc1: `fns` functions with loops, a switch, structs and pointer chasing (14 lines each). */
export function cSource(fns: number): string {
  const out: string[] = [];
  for (let k = 0; k < fns; k++) {
    out.push(`struct s${k} { int a; long b; double c; char name[16]; struct s${k} *next; };
int f${k}(struct s${k} *p, int n) {
  int acc = ${k * 17 + 3};
  for (int i = 0; i < n; i++) {
    switch ((i + acc) % 5) {
    case 0: acc += p->a * i; break;
    case 1: acc ^= (int)(p->b >> (i & 7)); break;
    case 2: acc -= (int)(p->c * i); break;
    case 3: acc += p->name[i & 15]; p = p->next ? p->next : p; break;
    default: acc = acc * 31 + ${k};
    }
  }
  return acc;
}`);
  }
  return out.join("\n") + "\n";
}
