// SPDX-License-Identifier: MIT
// Seeded mutation fuzzer for lwpdata files (docs/formats/lwpdata.md): a real profile
// (the tool fixture: a g++ binary, records at objdump's addresses) is mutated (bit
// flips, byte and u32/u64 stores at field offsets, truncation, splices, META JSON
// edits) and every reader of the tools is run on it: report in every format, the
// HTML report, annotate, script, diff. Each case must either work or fail with an
// LwpDataError (one line); any other exception is a bug (a trace for the user).
import { LwpDataError, readLwpData } from "../../../src/tools/format/reader.js";
import { writeLwpData, type LwpData } from "../../../src/tools/format/writer.js";
import { buildProfile, buildProgram } from "../../helpers/profile-fixture.js";
import { FileRefused, MAX_SYMBOL_FILE_BYTES, readRegularFile } from "../../../src/cli/files.js";
import { openSession, type ElfLoader } from "../../../src/tools/session/session.js";
import { formatCallgrind } from "../../../src/tools/export/callgrind.js";
import { formatPprof } from "../../../src/tools/export/pprof.js";
import { formatSpeedscope } from "../../../src/tools/export/speedscope.js";
import { formatFolded, formatPerfScript } from "../../../src/tools/export/text-formats.js";
import { AnnotateError, formatAnnotate } from "../../../src/tools/report/annotate.js";
import { formatDiff } from "../../../src/tools/report/diff.js";
import { formatHtml } from "../../../src/tools/report/html.js";
import { formatReportJson, formatReportText } from "../../../src/tools/report/report-text.js";
import { formatScript } from "../../../src/tools/report/script.js";

/** xorshift32: the fuzzer's only source of randomness. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

/** META edits that keep the JSON valid but push its values (§3.1). */
const META_EDITS: ((m: Record<string, unknown>) => void)[] = [
  (m) => {
    (m["events"] as Record<string, unknown>[])[0]!["interval"] = -5;
  },
  (m) => {
    (m["events"] as Record<string, unknown>[])[0]!["eventId"] = 9;
  },
  (m) => {
    (m["events"] as Record<string, unknown>[])[0]!["period"] = 1e300;
  },
  (m) => {
    m["events"] = [];
  },
  (m) => {
    m["command"] = "x";
  },
  (m) => {
    m["startTimeVirtual"] = 2 ** 60;
  },
  (m) => {
    m["endTimeVirtual"] = -1;
  },
  (m) => {
    m["seed"] = 1.5;
  },
  (m) => {
    m["events"] = [
      { eventId: 2, interval: 0x1ffffff },
      { eventId: 255, interval: 0 },
    ];
  },
  (m) => {
    delete m["cpuModel"];
  },
];

/** One mutation of `base` (a valid file), chosen by `r`. */
export function mutate(base: Uint8Array, data: LwpData, r: () => number): Uint8Array {
  const pick = (n: number): number => Math.floor(r() * n);
  const b = base.slice();
  const v = new DataView(b.buffer);
  switch (pick(8)) {
    case 0:
      for (let i = 1 + pick(8); i > 0; i--) {
        const at = pick(b.length);
        b[at]! ^= 1 << pick(8);
      }
      return b;
    case 1: {
      const at = pick(b.length - 4) & ~3;
      v.setUint32(at, INTERESTING[pick(INTERESTING.length)]!, true);
      return b;
    }
    case 2: {
      const at = pick(b.length - 8) & ~7;
      v.setUint32(at, INTERESTING[pick(INTERESTING.length)]!, true);
      v.setUint32(at + 4, INTERESTING[pick(INTERESTING.length)]!, true);
      return b;
    }
    case 3:
      return b.subarray(0, pick(b.length));
    case 4: {
      const from = pick(b.length),
        to = pick(b.length),
        n = pick(64);
      b.copyWithin(to, from, from + n);
      return b;
    }
    case 5: {
      // section table entries (§3): type, offset, size
      const e = 24 + 24 * pick(6) + [0, 8, 16][pick(3)]!;
      v.setUint32(e, INTERESTING[pick(INTERESTING.length)]!, true);
      return b;
    }
    case 6: {
      // a sample's LWP record: addresses ≥ 2^53, kernel addresses, odd event ids
      const samples = data.samples.map((s) => {
        const rec = s.record.slice();
        const rv = new DataView(rec.buffer);
        rv.setUint32(8 + 4 * pick(6), INTERESTING[pick(INTERESTING.length)]!, true);
        if (r() < 0.3) rec[0] = pick(256);
        return { ...s, record: rec, callchain: s.callchain.map((a) => (r() < 0.2 ? 2 ** 52 + pick(1000) : a)) };
      });
      return writeLwpData({ ...data, samples });
    }
    default: {
      const meta = JSON.parse(JSON.stringify(data.meta)) as Record<string, unknown>;
      META_EDITS[pick(META_EDITS.length)]!(meta);
      return writeLwpData({ ...data, meta: meta as never });
    }
  }
}

/** Runs every reader on `bytes`. Returns "ok", "rejected" (LwpDataError), or throws what escaped. */
export function runAll(bytes: Uint8Array, load: ElfLoader): "ok" | "rejected" {
  let s;
  try {
    s = openSession(readLwpData(bytes), load);
  } catch (e) {
    if (e instanceof LwpDataError) return "rejected";
    throw e;
  }
  formatReportText(s, { sort: "symbol" });
  formatReportText(s, { sort: "comm,dso,sym,srcline", callGraph: "caller", children: true });
  formatReportText(s, { sort: "event" });
  formatReportJson(s, { sort: "line" });
  formatFolded(s, 2);
  formatPerfScript(s);
  formatScript(s);
  formatPprof(s);
  formatSpeedscope(s);
  formatCallgrind(s);
  formatHtml(s, "fuzz");
  formatDiff(s, s, 2, ["a", "b"]);
  for (const sym of ["hot_loop", "main"]) {
    try {
      formatAnnotate(s, sym, { syntax: "att" });
    } catch (e) {
      if (!(e instanceof AnnotateError)) throw e;
    }
  }
  return "ok";
}

/** Runs `cases` mutations of the fixture profile from `seed`; throws with the case number on an escape. */
export function fuzz(seed: number, cases: number): { ok: number; rejected: number } {
  const b = buildProgram();
  try {
    const data = buildProfile(b, "a");
    const base = writeLwpData(data);
    const load = (p: string): Uint8Array | string => {
      try {
        return readRegularFile(p, MAX_SYMBOL_FILE_BYTES);
      } catch (e) {
        return e instanceof FileRefused ? e.reason : String(e);
      }
    };
    const r = rng(seed);
    const tally = { ok: 0, rejected: 0 };
    for (let i = 0; i < cases; i++) {
      const bytes = mutate(base, data, r);
      try {
        tally[runAll(bytes, load)]++;
      } catch (e) {
        throw new Error(`seed ${seed} case ${i}: ${(e as Error).stack ?? String(e)}`);
      }
    }
    return tally;
  } finally {
    b.cleanup();
  }
}
