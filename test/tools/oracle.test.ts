// SPDX-License-Identifier: MIT
// The tools checked against outside oracles: symbols against `nm -C`, lines against
// `addr2line`, instruction boundaries against `objdump -d`, shares against the counts
// the fixture placed, pprof through pprof-format's decoder, perf-script through
// speedscope's own parsing regexes (jlfwong/speedscope src/import/linux-tools-perf.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { gunzipSync } from "node:zlib";
import { Profile } from "pprof-format";
import { histogram } from "../../src/tools/session/aggregate.js";
import { formatPprof } from "../../src/tools/export/pprof.js";
import { SPEEDSCOPE_SCHEMA, formatSpeedscope } from "../../src/tools/export/speedscope.js";
import { formatFolded, formatPerfScript } from "../../src/tools/export/text-formats.js";
import { formatCallgrind } from "../../src/tools/export/callgrind.js";
import { formatAnnotate } from "../../src/tools/report/annotate.js";
import { diffRows } from "../../src/tools/report/diff.js";
import { EXPECTED_INSTRUCTIONS, MISSING_LIB, buildProgram } from "../helpers/profile-fixture.js";
import { fixtureSession } from "./golden-cases.js";

const b = buildProgram();
process.on("exit", () => b.cleanup());
const s = fixtureSession(b);
const insns = s.samples.filter((x) => x.event.eventId === 2);

function nmDemangled(): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of execFileSync("nm", ["-C", "--defined-only", b.prog], { encoding: "utf8" }).split("\n")) {
    const m = /^([0-9a-f]+) [Tt] (.+)$/.exec(line);
    if (m !== null && !m[2]!.startsWith("_")) out.set(parseInt(m[1]!, 16), m[2]!);
    if (m !== null && m[2] === "_start") out.set(parseInt(m[1]!, 16), m[2]);
  }
  return out;
}

test("leaf and caller symbols match nm -C; lines match addr2line", () => {
  const fns = [...nmDemangled()].sort((x, y) => x[0] - y[0]);
  const owner = (addr: number): [number, string] => fns.filter(([a]) => a <= addr).at(-1)!;
  const frames = s.samples.flatMap((x) => x.stack).filter((f) => f.dso === b.prog);
  assert.ok(frames.length > 20);
  const queries = frames.map((f) => (f === undefined ? 0 : f.addr));
  const lines = execFileSync("addr2line", ["-e", b.prog, ...queries.map((a) => a.toString(16))], { encoding: "utf8" })
    .trim()
    .split("\n");
  frames.forEach((f, i) => {
    const isLeaf = s.samples.some((x) => x.stack[0] === f);
    const probe = isLeaf ? f.addr : f.addr - 1; // callers: the call instruction, as perf does
    const [start, name] = owner(probe);
    assert.equal(f.symbol, name, `symbol at 0x${f.addr.toString(16)}`);
    assert.equal(f.offset, f.addr - start);
    if (isLeaf) {
      const m = /^(.*):(\d+)/.exec(lines[i]!); // "file:line (discriminator n)"
      assert.equal(f.file, m?.[1]);
      assert.equal(f.line, Number(m?.[2]));
    }
  });
});

test("self shares are the counts the fixture placed; Children counts each sample once", () => {
  const rows = histogram(insns, "symbol");
  for (const [sym, n] of EXPECTED_INSTRUCTIONS) assert.equal(rows.find((r) => r.symbol === sym)?.self, n, sym);
  assert.equal(
    rows.reduce((a, r) => a + r.self, 0),
    insns.length,
  );
  const withStack = insns.filter((x) => x.stack.length > 1).length;
  assert.equal(rows.find((r) => r.symbol === "main")?.children, withStack);
  assert.deepEqual(
    s.unsymbolized.map((m) => m.path),
    [MISSING_LIB],
  );
  assert.equal(s.lostTotal, 5);
});

test("pprof decodes with pprof-format: one sample type per event, totals per event", () => {
  const p = Profile.decode(gunzipSync(formatPprof(s)));
  const str = (i: number | bigint): string => p.stringTable.strings[Number(i)]!;
  const types = p.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`);
  assert.deepEqual(types, [
    "samples/count",
    "instructions/count",
    "branches/count",
    "dcache-misses/count",
    "lwpval/count",
    "lwpins/count",
  ]);
  assert.equal(`${str(p.periodType!.type)}/${str(p.periodType!.unit)}`, "instructions/count");
  assert.equal(Number(p.period), 1001);
  const totals = types.map((_, i) => p.sample.reduce((a, x) => a + Number(x.value[i]), 0));
  // Each record stands for EventInterval + 1 events (LWP spec §7.2): samples × (interval + 1).
  assert.deepEqual(totals, [13 + 4 + 1 + 1 + 2, 13 * 1001, 4 * 101, 1 * 11, 1 * 2, 2 * 1]);
  const fn = new Map(p.function.map((f) => [Number(f.id), str(f.name)]));
  const loc = new Map(p.location.map((l) => [Number(l.id), fn.get(Number(l.line[0]!.functionId))]));
  const leafHot = p.sample.filter(
    (x) => loc.get(Number(x.locationId[0])) === "hot_loop" && Number(x.value[1]) > 0,
  ).length;
  assert.equal(leafHot, EXPECTED_INSTRUCTIONS.get("hot_loop"));
  // Function.name is demangled (nm -C), Function.system_name the symbol as nm prints it.
  const work = p.function.find((f) => str(f.name) === "app::work(int)");
  assert.equal(str(work!.systemName), "_ZN3app4workEi");
  assert.ok(b.insns.has(str(work!.systemName)));
});

/** speedscope's perf-script parser, reduced to the regexes it uses. */
function speedscopeParse(
  text: string,
): { command: string; pid: number; tid: number; time: number; event: string; frames: string[] }[] {
  return text
    .split("\n\n")
    .filter((r) => r.trim() !== "")
    .map((raw) => {
      const [first, ...rest] = raw.split("\n");
      const start = /^(\S.+?)\s+(\d+)(?:\/?(\d+))?\s+/.exec(first!);
      assert.ok(start, `first line not matched: ${first}`);
      const time = /\s+(\d+\.\d+):\s+/.exec(first!);
      const ev = /(\S+):\s*$/.exec(first!);
      const frames = rest
        .map((l) => /^\s*(\w+)\s*(.+) \((\S*)\)/.exec(l))
        .filter((m) => m !== null)
        .map((m) => m[2]!.replace(/\+0x[\da-f]+$/, ""));
      return {
        command: start[1]!,
        pid: Number(start[2]),
        tid: Number(start[3]),
        time: Number(time?.[1]),
        event: ev?.[1] ?? "",
        frames,
      };
    });
}

test("perf-script text parses with speedscope's regexes: every sample, frame and event name", () => {
  const events = speedscopeParse(formatPerfScript(s));
  assert.equal(events.length, s.samples.length);
  events.forEach((e, i) => {
    const smp = s.samples[i]!;
    assert.equal(e.command, smp.comm);
    assert.equal(e.pid, smp.pid);
    assert.equal(e.tid, smp.tid);
    assert.equal(e.event, smp.event.event.name);
    assert.ok(e.time > 0);
    // speedscope strips "+0x…", so an unsymbolized frame shows as its file name.
    assert.deepEqual(
      e.frames,
      smp.stack.map((f) => f.symbol.replace(/\+0x[\da-f]+$/, "")),
    );
  });
});

test("folded stacks, speedscope and callgrind carry the same totals", () => {
  const folded = formatFolded(s, 2).trim().split("\n");
  assert.equal(
    folded.reduce((a, l) => a + Number(l.slice(l.lastIndexOf(" ") + 1)), 0),
    insns.length,
  );
  assert.ok(folded.includes("prog;_start;main;hot_loop 7"));
  const ss = JSON.parse(formatSpeedscope(s)) as {
    $schema: string;
    profiles: { name: string; endValue: number; weights: number[] }[];
  };
  assert.equal(ss.$schema, SPEEDSCOPE_SCHEMA);
  const instr = ss.profiles.filter((p) => p.name.startsWith("instructions:"));
  assert.equal(
    instr.reduce((a, p) => a + p.weights.length, 0),
    insns.length,
  );
  const cg = formatCallgrind(s);
  assert.match(cg, /^events: instructions branches dcache-misses lwpval lwpins$/m);
  assert.match(cg, /^summary: 13013 404 11 2 2$/m);
});

test("annotate lists exactly objdump's instructions of app::work(int), with the sampled ones marked", () => {
  const text = formatAnnotate(s, "app::work", { syntax: "att", events: new Set([2]) });
  const listed = [...text.matchAll(/^\s*([\d.]*)\s*:\s+([0-9a-f]+):\s/gm)].map((m) => ({
    pct: m[1],
    addr: parseInt(m[2]!, 16),
  }));
  assert.deepEqual(
    listed.map((x) => x.addr),
    b.insns.get("_ZN3app4workEi"),
  );
  const sampled = new Set(insns.filter((x) => x.stack[0]?.symbol === "app::work(int)").map((x) => x.event.ip));
  for (const x of listed) assert.equal(x.pct !== "", sampled.has(x.addr), `0x${x.addr.toString(16)}`);
  assert.match(text, /prog\.cc:4 {2}\s*for \(int i = 0; i < n; i\+\+\) acc \+= i;/);
});

test("diff: deltas are new share minus baseline share, sorted by |delta|", () => {
  const rows = diffRows(s, fixtureSession(b, "b"), 2);
  const hot = rows.find((r) => r.symbol === "hot_loop")!;
  assert.ok(Math.abs(hot.baseline - (100 * 9) / 13) < 1e-9);
  assert.ok(Math.abs(hot.current - (100 * 5) / 13) < 1e-9);
  assert.ok(Math.abs(hot.delta - (hot.current - hot.baseline)) < 1e-9);
  for (let i = 1; i < rows.length; i++) assert.ok(Math.abs(rows[i - 1]!.delta) >= Math.abs(rows[i]!.delta) - 1e-9);
});
