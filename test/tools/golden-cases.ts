// SPDX-License-Identifier: MIT
// Every output format of the lwpdata tools on the fixture profile, normalised for
// goldens. Shared by test/tools/golden.test.ts and scripts/golden-accept.ts.
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { Profile } from "pprof-format";
import { readLwpData } from "../../src/tools/format/reader.js";
import { writeLwpData } from "../../src/tools/format/writer.js";
import { openSession, type Session } from "../../src/tools/session/session.js";
import { formatCallgrind } from "../../src/tools/export/callgrind.js";
import { formatPprof } from "../../src/tools/export/pprof.js";
import { formatSpeedscope } from "../../src/tools/export/speedscope.js";
import { formatFolded, formatPerfScript } from "../../src/tools/export/text-formats.js";
import { formatAnnotate } from "../../src/tools/report/annotate.js";
import { formatDiff } from "../../src/tools/report/diff.js";
import { formatReportJson, formatReportText } from "../../src/tools/report/report-text.js";
import { formatScript } from "../../src/tools/report/script.js";
import { repoRoot } from "../helpers/build-guests.js";
import { FileRefused, MAX_SYMBOL_FILE_BYTES, readRegularFile } from "../../src/cli/files.js";
import { buildProfile, normalise, type Built } from "../helpers/profile-fixture.js";

export const GOLDEN_DIR = join(repoRoot(), "test", "golden");

/** The CLI's loader: regular files only, else the reason. */
export const loader = (p: string): Uint8Array | string => {
  try {
    return readRegularFile(p, MAX_SYMBOL_FILE_BYTES);
  } catch (e) {
    return e instanceof FileRefused ? e.reason : String(e);
  }
};

/** Session of the fixture, through the real writer and reader. */
export function fixtureSession(b: Built, variant: "a" | "b" = "a", timestamps = true): Session {
  return openSession(readLwpData(writeLwpData(buildProfile(b, variant, timestamps))), loader);
}

/** A readable dump of a pprof file as decoded by pprof-format (an independent decoder). */
export function dumpPprof(gz: Uint8Array): string {
  const p = Profile.decode(gunzipSync(gz));
  const str = (i: number | bigint): string => p.stringTable.strings[Number(i)] ?? `?${i}`;
  const fnName = new Map(p.function.map((f) => [Number(f.id), `${str(f.name)} [${str(f.filename)}]`]));
  const loc = new Map(p.location.map((l) => [Number(l.id), l]));
  const out = [
    `sample_type: ${p.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`).join(" ")}`,
    `period_type: ${p.periodType === undefined ? "-" : `${str(p.periodType.type)}/${str(p.periodType.unit)}`} period ${p.period}`,
    `default_sample_type: ${str(p.defaultSampleType)}`,
    ...p.comment.map((c) => `comment: ${str(c)}`),
    ...p.mapping.map(
      (m) =>
        `mapping ${m.id}: 0x${m.memoryStart.toString(16)}-0x${m.memoryLimit.toString(16)} @0x${m.fileOffset.toString(16)} ${str(m.filename)} functions=${m.hasFunctions} lines=${m.hasLineNumbers}`,
    ),
  ];
  for (const s of p.sample) {
    const frames = s.locationId.map((id) => {
      const l = loc.get(Number(id))!;
      const line = l.line[0]!;
      return `0x${l.address.toString(16)} ${fnName.get(Number(line.functionId))}:${line.line} (mapping ${l.mappingId})`;
    });
    const labels = s.label.map((x) => `${str(x.key)}=${Number(x.str) !== 0 ? str(x.str) : String(x.num)}`);
    out.push(`sample [${s.value.join(" ")}] {${labels.join(", ")}}`, ...frames.map((f) => `    ${f}`));
  }
  return `${out.join("\n")}\n`;
}

/** name → normalised output; names are file names under test/golden/. */
export function goldenOutputs(b: Built): Map<string, string> {
  const s = fixtureSession(b);
  const noTs = fixtureSession(b, "a", false);
  const cases: [string, () => string][] = [
    ["report-symbol.txt", () => formatReportText(s, { sort: "symbol" })],
    ["report-dso.txt", () => formatReportText(s, { sort: "dso" })],
    ["report-line.txt", () => formatReportText(s, { sort: "line" })],
    ["report-event.txt", () => formatReportText(s, { sort: "event" })],
    ["report.json", () => formatReportJson(s, { sort: "symbol" })],
    ["folded.txt", () => formatFolded(s, 2)],
    ["perf-script.txt", () => formatPerfScript(s)],
    ["perf-script-no-timestamps.txt", () => formatPerfScript(noTs, new Set([2]))],
    ["speedscope.json", () => `${JSON.stringify(JSON.parse(formatSpeedscope(s)), null, 1)}\n`],
    ["callgrind.txt", () => formatCallgrind(s)],
    ["pprof.txt", () => dumpPprof(formatPprof(s))],
    ["script.txt", () => formatScript(s)],
    ["annotate-hot_loop.txt", () => formatAnnotate(s, "hot_loop", { syntax: "att" })],
    ["annotate-hot_loop-intel.txt", () => formatAnnotate(s, "hot_loop", { syntax: "intel", events: new Set([2]) })],
    ["diff.txt", () => formatDiff(s, fixtureSession(b, "b"), 2, ["a.lwpdata", "b.lwpdata"])],
  ];
  return new Map(cases.map(([name, f]) => [name, normalise(f(), b)]));
}
