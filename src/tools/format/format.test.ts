// SPDX-License-Identifier: MIT
// lwpdata: the worked example of docs/formats/lwpdata.md §6 decoded from the
// markdown itself, writer/reader round trips, and corrupt inputs (§5 rules).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { LwpDataError, readLwpData } from "./reader.js";
import { writeLwpData, type LwpData } from "./writer.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../../..");

/** The bytes of the ```lwpdata-hex block, checking each line's offset against the running count. */
function exampleBytes(): Uint8Array {
  const md = readFileSync(join(ROOT, "docs/formats/lwpdata.md"), "utf8");
  const block = /```lwpdata-hex\n([\s\S]*?)```/.exec(md)?.[1];
  assert.ok(block !== undefined, "docs/formats/lwpdata.md has a lwpdata-hex block");
  const out: number[] = [];
  for (const line of block.split("\n")) {
    const code = line.replace(/#.*/, "").trim();
    if (code === "") continue;
    const m = /^([0-9a-f]+):((?:\s+[0-9a-f]{2})+)$/.exec(code);
    assert.ok(m !== null, `hex line: ${line}`);
    assert.equal(parseInt(m[1] ?? "", 16), out.length, `offset of: ${line}`);
    for (const h of (m[2] ?? "").trim().split(/\s+/)) out.push(parseInt(h, 16));
  }
  return Uint8Array.from(out);
}

/** The §6 example as the document's prose describes it. */
function exampleData(): LwpData {
  const record = new Uint8Array(32);
  record[0] = 2; // EventId: instructions retired
  record.set([0x23, 0x11, 0x40], 8); // InstructionAddress 0x401123
  return {
    meta: { command: ["./a"], seed: 1, cpuModel: "lwp", events: [{ eventId: 2, interval: 4096 }], startTimeVirtual: 0 },
    maps: [{ pid: 100, tid: 0, start: 0x401000, end: 0x402000, pgoff: 0x1000, path: "/a", buildId: "abcd" }],
    threads: [{ pid: 100, tid: 100, comm: "a" }],
    samples: [{ tid: 100, record, callchain: [0x401200] }],
    lost: [{ tid: 100, missedEvents: 3 }],
  };
}

test("readLwpData() decodes the worked example in docs/formats/lwpdata.md", () => {
  const bytes = exampleBytes();
  assert.equal(bytes.length, 448);
  const file = readLwpData(bytes);
  assert.deepEqual(file, { ...exampleData(), version: { major: 1, minor: 0 }, skippedRecords: 0, unknownSections: [] });
});

test("writeLwpData() produces the worked example byte for byte", () => {
  assert.deepEqual(writeLwpData(exampleData()), exampleBytes());
});

test("writeLwpData() and readLwpData() round-trip many records", () => {
  const samples = Array.from({ length: 50 }, (_, i) => ({
    tid: 100 + (i % 3),
    record: Uint8Array.from({ length: 32 }, (_, j) => (i * 31 + j * 7) & 0xff),
    callchain: Array.from({ length: i % 5 }, (_, k) => 0x7fff_0000_0000 + i * 64 + k),
  }));
  const data: LwpData = {
    meta: {
      command: ["prog", "--flag", "ünï"],
      seed: 42,
      cpuModel: "AMD Family 15h (lwp)",
      events: [
        { eventId: 2, interval: 65536 },
        { eventId: 3, interval: 1024, filter: "taken" },
      ],
      startTimeVirtual: 123456789,
      extra: { nested: [1, 2] },
    },
    maps: [
      {
        pid: 100,
        tid: 0,
        start: 0x5555_5555_4000,
        end: 0x5555_5555_6000,
        pgoff: 0,
        path: "/bin/prog",
        buildId: "00112233445566778899aabbccddeeff00112233",
      },
      { pid: 100, tid: 0, start: 0x7fff_f7fc_1000, end: 0x7fff_f7fc_3000, pgoff: 0, path: "[vdso]", buildId: "" },
    ],
    threads: [
      { pid: 100, tid: 100, comm: "prog" },
      { pid: 100, tid: 101, comm: "worker-ü" },
      { pid: 100, tid: 102, comm: "prog" },
    ],
    samples,
    lost: [
      { tid: 101, missedEvents: 2 ** 40 },
      { tid: 101, missedEvents: 0 },
    ],
  };
  const back = readLwpData(writeLwpData(data));
  assert.deepEqual(
    { ...back, version: undefined, skippedRecords: undefined, unknownSections: undefined },
    { ...data, version: undefined, skippedRecords: undefined, unknownSections: undefined },
  );
});

test("readLwpData() reads a file with no records", () => {
  const data: LwpData = { ...exampleData(), maps: [], threads: [], samples: [], lost: [] };
  assert.deepEqual(readLwpData(writeLwpData(data)).samples, []);
});

/** A copy of the example with `patch` applied through a DataView. */
function patched(patch: (v: DataView, b: Uint8Array) => void): Uint8Array {
  const b = exampleBytes().slice();
  patch(new DataView(b.buffer), b);
  return b;
}

function rejects(bytes: Uint8Array, message: string): void {
  assert.throws(
    () => readLwpData(bytes),
    (e: unknown) => e instanceof LwpDataError && e.message === message,
    `expected LwpDataError: ${message}`,
  );
}

test("readLwpData() rejects bad magic and unsupported versions", () => {
  rejects(new Uint8Array(0), "Not an lwpdata file: bad magic");
  rejects(new TextEncoder().encode("PERFILE2........................"), "Not an lwpdata file: bad magic");
  rejects(
    patched((v) => v.setUint16(8, 2, true)),
    "Unsupported lwpdata version 2.0 (this reader reads 1.x)",
  );
  // A newer minor version is readable.
  assert.equal(readLwpData(patched((v) => v.setUint16(10, 7, true))).version.minor, 7);
});

test("readLwpData() rejects truncated headers, tables and sections", () => {
  const b = exampleBytes();
  rejects(b.subarray(0, 20), "Corrupt lwpdata file: header extends past end of file");
  rejects(b.subarray(0, 100), "Corrupt lwpdata file: section table extends past end of file");
  rejects(b.subarray(0, 0x1a0), "Corrupt lwpdata file: section LOST extends past end of file");
  rejects(
    patched((v) => v.setUint32(0x70, 0x1000, true)),
    "Corrupt lwpdata file: section SAMPLES extends past end of file",
  );
});

test("readLwpData() rejects bad record framing and references", () => {
  rejects(
    patched((v) => v.setUint32(0x16c, 4, true)),
    "Corrupt lwpdata file: record at SAMPLES+0x0 has size 4",
  );
  rejects(
    patched((v) => v.setUint32(0x16c, 0x3c, true)),
    "Corrupt lwpdata file: record at SAMPLES+0x0 has size 60",
  );
  rejects(
    patched((v) => v.setUint32(0x16c, 0x40, true)),
    "Corrupt lwpdata file: record at SAMPLES+0x0 extends past end of section",
  );
  rejects(
    patched((v) => v.setUint32(0x174, 2, true)),
    "Corrupt lwpdata file: SAMPLE record at SAMPLES+0x0 is too short for 2 callchain entries",
  );
  rejects(
    patched((v) => v.setUint32(0x140, 2, true)),
    "Corrupt lwpdata file: string offset 0x2 outside STRINGS",
  );
  rejects(
    patched((v) => v.setUint32(0x160, 6, true)),
    "Corrupt lwpdata file: string offset 0x6 outside STRINGS",
  );
  rejects(
    patched((v) => v.setUint8(0x144, 9)),
    "Corrupt lwpdata file: MAP record at MAPS+0x0 is too short for its build-id",
  );
});

test("readLwpData() rejects missing, duplicate and malformed META", () => {
  rejects(
    patched((v) => v.setUint32(0x18, 42, true)),
    "Corrupt lwpdata file: no META section",
  );
  rejects(
    patched((v) => v.setUint32(0x78, 4, true)),
    "Corrupt lwpdata file: duplicate section SAMPLES",
  );
  rejects(
    patched((_, b) => {
      b[0xa8] = 0x5b;
    }),
    "Corrupt lwpdata file: META is not valid UTF-8 JSON",
  );
  // "seed":1 → "seex":1 is still JSON but lacks a required key.
  rejects(
    patched((_, b) => {
      b[0xbf] = 0x78;
    }),
    "Corrupt lwpdata file: META field seed is missing or not a non-negative integer",
  );
});

test("readLwpData() checks META's events as §3.1 says: ids, intervals, periods, duplicates", () => {
  const base = { command: ["./a"], seed: 1, cpuModel: "lwp", startTimeVirtual: 0 };
  const withEvents = (events: unknown, extra: Record<string, unknown> = {}): Uint8Array =>
    writeLwpData({ meta: { ...base, ...extra, events } as never, maps: [], threads: [], samples: [], lost: [] });
  rejects(
    withEvents([{ eventId: 2, interval: -5 }]),
    "Corrupt lwpdata file: META events[0].interval is -5 (expected 0..33554431)",
  );
  rejects(
    withEvents([{ eventId: 2, interval: 0x2000000 }]),
    "Corrupt lwpdata file: META events[0].interval is 33554432 (expected 0..33554431)",
  );
  rejects(
    withEvents([{ eventId: 7, interval: 9 }]),
    "Corrupt lwpdata file: META events[0].eventId is 7 (expected 1-6 or 255)",
  );
  rejects(
    withEvents([
      { eventId: 2, interval: 9 },
      { eventId: 2, interval: 9 },
    ]),
    "Corrupt lwpdata file: META events[1]: event 2 listed twice",
  );
  rejects(
    withEvents([{ eventId: 2, interval: 9, period: 0 }]),
    "Corrupt lwpdata file: META events[0].period is 0 (expected 1..67108864)",
  );
  rejects(
    withEvents([{ eventId: 2, interval: 9 }], { startTimeVirtual: -1 }),
    "Corrupt lwpdata file: META field startTimeVirtual is missing or not a time in ns",
  );
  rejects(
    withEvents([{ eventId: 2, interval: 9 }], { endTimeVirtual: "x" }),
    "Corrupt lwpdata file: META field endTimeVirtual is not a time in ns",
  );
  assert.equal(
    readLwpData(
      withEvents([
        { eventId: 2, interval: 9, period: 10.5 },
        { eventId: 255, interval: 0 },
      ]),
    ).meta.events.length,
    2,
  );
});

test("readLwpData() skips unknown record and section types", () => {
  const file = readLwpData(
    patched((v) => {
      v.setUint16(0x118, 99, true); // the MAP record becomes an unknown type
      v.setUint32(0x78, 77, true); // the LOST section becomes an unknown type
    }),
  );
  assert.deepEqual(file.maps, []);
  assert.deepEqual(file.lost, []);
  assert.equal(file.skippedRecords, 1);
  assert.deepEqual(file.unknownSections, [77]);
  assert.equal(file.samples.length, 1);
});

test("readLwpData() refuses u64 values above 2^53", () => {
  const b = patched((v) => v.setUint32(0x19c, 0x0020_0000, true));
  assert.throws(
    () => readLwpData(b),
    /^LwpDataError: Unsupported lwpdata file: SAMPLE callchain address at SAMPLES\+0x30 does not fit in 53 bits$/,
  );
});
