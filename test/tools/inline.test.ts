// SPDX-License-Identifier: MIT
// Inlined frames shown as perf shows them with --inline (issue 12 item 1): a gcc -O2 -g
// program whose hot loop is two inlined functions deep, recorded with -g; every
// sampled address is checked against `addr2line -f -i` (the oracle) in the report's
// Children column, the -g call trees, `lwp script`'s callchain and pprof's Location
// lines (decoded by pprof-format); --no-inline turns it all off.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Profile } from "pprof-format";
import { lwpCli } from "../helpers/build-guests.js";

const SRC = `#include <stdlib.h>
static inline int square(int x) { return x * x; }
static inline int sum_squares(int n) {
  int s = 0;
  for (int i = 0; i < n; i++) s += square(i);
  return s;
}
__attribute__((noinline)) int compute(int n) { return sum_squares(n) + square(n); }
volatile int sink;
int main(int argc, char **argv) { sink = compute(atoi(argv[1])); return 0; }
`;

const dir = mkdtempSync(join(tmpdir(), "lwp-inline-e2e-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "inl.c"), SRC);
const bin = join(dir, "inl");
execFileSync("gcc", ["-O2", "-g", "-static", "-no-pie", "-o", bin, join(dir, "inl.c")]);

function lwp(...args: string[]): string {
  const r = spawnSync(process.execPath, [lwpCli(), ...args], {
    encoding: "utf8",
    cwd: dir,
    timeout: 300_000,
    maxBuffer: 1 << 28,
  });
  assert.equal(r.status, 0, `lwp ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

lwp("record", "-q", "-g", "-c", "997", "-o", "inl.data", bin, "200000");
/** The sampled addresses, one per sample (lwp script -F ip), and addr2line's inlined functions for each. */
const ips = lwp("script", "-i", "inl.data", "-F", "ip")
  .trim()
  .split("\n")
  .map((x) => parseInt(x.trim(), 16));
/** addr2line's inlined functions at each address, innermost first. */
function inlineChains(addrs: readonly number[]): string[][] {
  const text = execFileSync("addr2line", ["-f", "-i", "-a", "-e", bin, ...addrs.map((a) => `0x${a.toString(16)}`)], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  return text
    .split(/^0x[0-9a-f]+\n/m)
    .slice(1)
    .map((b) => {
      const l = b.trimEnd().split("\n");
      return l.filter((_, i) => i % 2 === 0).slice(0, -1);
    });
}
const chains = inlineChains(ips);
const lines = ((): string[][] => {
  const text = execFileSync("addr2line", ["-f", "-i", "-a", "-e", bin, ...ips.map((a) => `0x${a.toString(16)}`)], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  return text
    .split(/^0x[0-9a-f]+\n/m)
    .slice(1)
    .map((b) =>
      b
        .trimEnd()
        .split("\n")
        .filter((_, i) => i % 2 === 1)
        .map((p) => p.replace(/ \(discriminator \d+\)$/, "")),
    );
})();

const share = (n: number): string => `${((100 * n) / ips.length).toFixed(2)}%`;

test("report --children: inlined functions are entries with no self samples and addr2line's inclusive share", () => {
  const report = lwp("report", "-i", "inl.data", "--stdio", "--children");
  for (const fn of ["square", "sum_squares"]) {
    const n = chains.filter((c) => c.includes(fn)).length;
    assert.ok(n > 0, `${fn} is on some sampled stacks`);
    const row = report.split("\n").find((l) => l.endsWith(`[.] ${fn} (inlined)`));
    assert.ok(row !== undefined, report);
    const [children, self] = row.trim().split(/\s+/);
    assert.equal(children, share(n), row);
    assert.equal(self, "0.00%", row);
  }
  // The sampled function keeps the self samples, as perf's sym column does.
  const compute = ips.filter((_, i) => chains[i]!.length > 0 || lines[i]!.some((p) => p.endsWith("inl.c:8"))).length;
  assert.ok(
    report.split("\n").some((l) => l.includes("[.] compute") && l.trim().split(/\s+/)[1] === share(compute)),
    report,
  );
  assert.doesNotMatch(lwp("report", "-i", "inl.data", "--stdio", "--children", "--no-inline"), /inlined/);
  // The JSON report has the same rows.
  const json = JSON.parse(lwp("report", "-i", "inl.data", "-F", "json")) as {
    events: { rows: { symbol: string; self: number; children: number }[] }[];
  };
  const sq = json.events[0]!.rows.find((r) => r.symbol === "square (inlined)");
  assert.deepEqual(sq && [sq.self, sq.children], [0, chains.filter((c) => c.includes("square")).length]);
});

test("report -g caller: the inlined functions follow the function they are inlined in", () => {
  const report = lwp("report", "-i", "inl.data", "--stdio", "--no-children", "-g", "caller", "--percent-limit", "5");
  const tree = report
    .slice(report.indexOf("[.] compute"))
    .split("\n")
    .map((l) => l.replace(/^[\s|-]*(?:[\d.]+%--)?/, ""));
  const order = ["main", "compute", "sum_squares (inlined)", "square (inlined)"].map((name) => tree.indexOf(name));
  assert.ok(
    order[0]! > 0 && order.every((x, i) => i === 0 || x > order[i - 1]!),
    `${order.join(",")}\n${tree.join("\n")}`,
  );
});

test("lwp script callchain: inlined frames as perf script prints them, in addr2line's order", () => {
  const out = lwp("script", "-i", "inl.data", "-F", "ip,sym,callchain").split("\n");
  let i = -1;
  let checked = 0;
  const callers: { addr: number; fn: string; line: string }[] = [];
  for (const l of out) {
    if (!l.startsWith("\t")) {
      i++;
      continue;
    }
    const m = /^\t\s*([0-9a-f]+) (\S+)\+0x[0-9a-f]+ \(inlined\)$/.exec(l);
    if (m === null) continue;
    const addr = parseInt(m[1]!, 16);
    if (addr !== ips[i]) {
      // A caller's frame with a function inlined at its call (main's atoi, when a sample
      // falls in strtol: where depends on the environment's size): checked below.
      callers.push({ addr, fn: m[2]!, line: l });
      continue;
    }
    assert.ok(
      chains[i]!.includes(m[2]!),
      `${m[2]!} inlined at 0x${ips[i]!.toString(16)}: addr2line says ${chains[i]!.join(", ")}`,
    );
    checked++;
  }
  const expected = chains.reduce((a, c) => a + c.length, 0);
  assert.equal(checked, expected);
  // A caller's address is a return address: its call is the byte before it.
  const callerChains = callers.length === 0 ? [] : inlineChains(callers.map((c) => c.addr - 1));
  callers.forEach((c, k) =>
    assert.ok(callerChains[k]!.includes(c.fn), `${c.line}: addr2line says ${callerChains[k]!}`),
  );
  assert.doesNotMatch(lwp("script", "-i", "inl.data", "-F", "ip,sym,callchain", "--no-inline"), /\(inlined\)/);
});

test("pprof: a Location of inlined code has one Line per function, the caller last, with addr2line's lines", () => {
  const pb = join(dir, "inl.pb.gz");
  lwp("report", "-i", "inl.data", "-F", "pprof", "-o", pb);
  const p = Profile.decode(gunzipSync(readFileSync(pb)));
  const str = (x: number | bigint): string => p.stringTable.strings[Number(x)]!;
  const fnName = new Map(p.function.map((f) => [Number(f.id), str(f.name)]));
  let checked = 0;
  ips.forEach((ip, i) => {
    if (chains[i]!.length === 0) return;
    const loc = p.location.find((l) => Number(l.address) === ip);
    assert.ok(loc !== undefined, `location at 0x${ip.toString(16)}`);
    const got = loc.line.map((l) => `${fnName.get(Number(l.functionId))!}:${Number(l.line)}`);
    const want = [...chains[i]!, "compute"].map((f, k) => `${f}:${lines[i]![k]!.replace(/^.*:/, "")}`);
    assert.deepEqual(got, want);
    checked++;
  });
  assert.ok(checked > 0);
  assert.ok(p.mapping.some((m) => m.hasInlineFrames));
});
