// SPDX-License-Identifier: MIT
// Real-program oracle: Debian's static /bin/busybox (package busybox-static) applets
// must print byte-identical stdout and exit the same way under lwp as natively.
import { test } from "node:test";
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunOptions } from "../helpers/build-guests.js";
import { describeEnd, exitCode, firstDifference, runLwp, runNative, stderrTail } from "../helpers/build-guests.js";

const BUSYBOX = "/bin/busybox";
const ENV: Record<string, string> = { LC_ALL: "C", PATH: "/usr/bin:/bin", HOME: "/nonexistent" };

/** Deterministic input files: words and numbers from an LCG. */
function makeInputs(dir: string): Record<string, string> {
  let x = 2463534242;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const words = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "Lambda",
    "mu",
    "abc",
    "xyzzy",
  ];
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const w = words[next() % words.length] ?? "";
    lines.push(
      `${w} ${next() % 100000} ${(next() % 2000) - 1000}.${next() % 100} ${w.toUpperCase()}${i % 7 === 0 ? "  tail" : ""}`,
    );
  }
  const blob = Buffer.alloc(200_000);
  for (let i = 0; i < blob.length; i++) blob[i] = next() & 0xff;
  const files = { text: join(dir, "text.txt"), blob: join(dir, "blob.bin"), empty: join(dir, "empty.txt") };
  writeFileSync(files.text, lines.join("\n") + "\n");
  writeFileSync(files.blob, blob);
  writeFileSync(files.empty, "");
  return files;
}

const SH_SCRIPT = `
set -u
i=0; sum=0
for w in one two three four five six seven; do i=$((i + 1)); sum=$((sum * 3 + i * i)); done
echo "loop i=$i sum=$sum"
printf '%05d|%-6s|%x|%o|%c|%s\\n' 42 ab 255 8 xyz "two words"
printf '%d %d %d %d\\n' $((7 / 2)) $((-7 / 2)) $((-7 % 3)) $(( (1 << 40) + 5 ))
printf '%d %d %d\\n' $((0x7fffffffffffffff)) $((3 ** 4)) $((~5 ^ 3 & 12 | 1))
n=10; fact=1; while [ "$n" -gt 1 ]; do fact=$((fact * n)); n=$((n - 1)); done; echo "10! = $fact"
for v in apple 12 -3 "" banana.txt x; do
  case "$v" in
    a*) kind=a-word ;;
    *[!0-9-]*.txt) kind=text-file ;;
    -[0-9]*|[0-9]*) kind=number ;;
    "") kind=empty ;;
    *) kind=other ;;
  esac
  if test -n "$v" && [ "$kind" != number ]; then echo "$v: $kind (len \${#v})"; else echo "'$v': $kind"; fi
done
f() { local a=$1; shift; echo "f($a) rest=$# [$*]"; return $((a % 4)); }
f 7 x y z; echo "status $?"
s="hello world"; echo "\${s%o*} \${s#*o} \${s%%o*} \${s##*o} \${s:-unset} \${undefined:-default}"
[ 3 -lt 10 ] && [ abc \\< abd ] && echo "comparisons ok"
test -e /nonexistent/file || echo "no such file"
exit 7
`;

interface Case {
  readonly name: string;
  readonly args: (f: Record<string, string>) => string[];
  /** Which input file to feed on stdin (default: empty stdin). */
  readonly stdinFile?: string;
}

const CASES: readonly Case[] = [
  { name: "sort", args: (f) => ["sort", f["text"] ?? ""] },
  { name: "sort -n -k2 -r", args: (f) => ["sort", "-n", "-r", "-k2,2", f["text"] ?? ""] },
  { name: "sort -u -t' ' -k1,1", args: (f) => ["sort", "-u", "-t", " ", "-k1,1", f["text"] ?? ""] },
  { name: "sha256sum", args: (f) => ["sha256sum", f["text"] ?? "", f["blob"] ?? "", f["empty"] ?? ""] },
  { name: "md5sum", args: (f) => ["md5sum", f["text"] ?? "", f["blob"] ?? "", f["empty"] ?? ""] },
  { name: "wc", args: (f) => ["wc", f["text"] ?? "", f["blob"] ?? ""] },
  { name: "wc on stdin", args: () => ["wc", "-l", "-w", "-c"], stdinFile: "text" },
  { name: "sort on stdin", args: () => ["sort", "-k3,3n"], stdinFile: "text" },
  {
    name: "awk",
    args: (f) => [
      "awk",
      "{ n[$1]++; s += $2; t += $3; if (length($0) > m) m = length($0) } " +
        'END { for (k in n) c++; printf "%d records %d keys sum %d avg %.4f max %d\\n", NR, c, s, t / NR, m; ' +
        'print toupper(substr("hello", 2, 3)), index("abcdef", "cd"), int(-3.7), 2 * 10, 7 % 3, sprintf("%5.2f|%-4s|%x", 3.14159, "ab", 255); ' +
        'x = "a,b,,c"; k = split(x, parts, ","); print k, parts[4] }',
      f["text"] ?? "",
    ],
  },
  {
    name: "sed",
    args: (f) => [
      "sed",
      "-n",
      "-e",
      "s/\\(a[a-z]*\\) \\([0-9]*\\)/<\\2:\\1>/g",
      "-e",
      "/^</p",
      "-e",
      "100,105p",
      "-e",
      "2999,$=",
      f["text"] ?? "",
    ],
  },
  {
    name: "sed y and d",
    args: (f) => ["sed", "-e", "y/abc/ABC/", "-e", "/tail/d", "-e", "s/[0-9][0-9]*/#/2", f["text"] ?? ""],
  },
  { name: "expr arithmetic", args: () => ["expr", "12345", "*", "6789", "%", "1000", "+", "-17"] },
  { name: "expr match", args: () => ["expr", "abcdefgh", ":", "a\\(.*\\)g"] },
  { name: "expr zero result", args: () => ["expr", "5", "-", "5"] },
  {
    name: "factor",
    args: () => [
      "factor",
      "1",
      "2",
      "97",
      "600851475143",
      "18446744073709551615",
      "9223372036854775807",
      "1000000007",
      "4294967297",
    ],
  },
  { name: "sh -c builtins", args: () => ["sh", "-c", SH_SCRIPT, "sh"] },
  { name: "sh -c false", args: () => ["sh", "-c", "echo start; false"] },
];

let files: Record<string, string> | undefined;
let dir: string | undefined;
function inputs(): Record<string, string> {
  if (!files) {
    dir = mkdtempSync(join(tmpdir(), "lwp-busybox-"));
    files = makeInputs(dir);
  }
  return files;
}

process.on("exit", () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runCase(t: TestContext, c: Case): void {
  if (!existsSync(BUSYBOX)) {
    t.skip(`${BUSYBOX} is not installed (apt-get install busybox-static)`);
    return;
  }
  const f = inputs();
  const stdinPath = c.stdinFile ? f[c.stdinFile] : undefined;
  const opts: RunOptions = { env: ENV, cwd: dir ?? tmpdir(), ...(stdinPath ? { stdin: readFileSync(stdinPath) } : {}) };
  const args = c.args(f);
  const native = runNative(BUSYBOX, args, opts);
  assert.ok(!native.error, `native busybox failed to start: ${native.error?.message}`);
  const lwp = runLwp(BUSYBOX, args, { ...opts, timeoutMs: 240_000 });
  const diff = firstDifference(native.stdout, lwp.stdout);
  assert.ok(diff === undefined, `stdout differs (lwp ${describeEnd(lwp)}); ${diff}\nlwp stderr:\n${stderrTail(lwp)}`);
  assert.equal(
    exitCode(lwp),
    exitCode(native),
    `exit differs: native ${describeEnd(native)}, lwp ${describeEnd(lwp)}\nlwp stderr:\n${stderrTail(lwp)}`,
  );
}

for (const c of CASES) {
  test(`busybox ${c.name} prints what it prints natively`, { timeout: 300_000 }, (t) => runCase(t, c));
}
