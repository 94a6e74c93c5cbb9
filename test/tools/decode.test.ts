// SPDX-License-Identifier: MIT
// The record decoder against the LWP notes §4 byte layout (EventId 0, CoreId 1,
// Flags 3:2, Data1 7:4, InstructionAddress 15:8, Data2 23:16, Data3 31:24), and the
// round-trip property through encodeRecord, through the unit's own encoder
// (src/hw/lwp/record.ts), and through an lwpdata file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BRANCH_FLAGS, DCACHE_FLAGS, EVENTS, eventById, eventByName } from "../../src/tools/decode/events.js";
import { decodeRecord, encodeRecord, type LwpRecordFields } from "../../src/tools/decode/record.js";
import { readLwpData } from "../../src/tools/format/reader.js";
import { encodeRecord as hwEncode } from "../../src/hw/lwp/record.js";
import { writeLwpData } from "../../src/tools/format/writer.js";

/** xorshift32: deterministic pseudo-random fields. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function randomFields(r: () => number): LwpRecordFields {
  const ids = [...EVENTS.map((e) => e.id), 7, 200];
  return {
    eventId: ids[r() % ids.length]!,
    coreId: r() & 0xff,
    flags: r() & 0xffff,
    data1: r(),
    ip: (r() % 0x8000) * 0x1_0000_0000 + r(), // below 2^47: user-mode RIPs
    data2: (BigInt(r()) << 32n) | BigInt(r()),
    data3: (BigInt(r()) << 32n) | BigInt(r()),
  };
}

/** Writes the fields at the §4 byte offsets by hand, independent of encodeRecord. */
function specBytes(f: LwpRecordFields): Uint8Array {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  b[0] = f.eventId;
  b[1] = f.coreId;
  v.setUint16(2, f.flags, true);
  v.setUint32(4, f.data1, true);
  v.setBigUint64(8, BigInt(f.ip), true);
  v.setBigUint64(16, f.data2, true);
  v.setBigUint64(24, f.data3, true);
  return b;
}

const fieldsOf = (e: LwpRecordFields): LwpRecordFields => ({
  eventId: e.eventId,
  coreId: e.coreId,
  flags: e.flags,
  data1: e.data1,
  ip: e.ip,
  data2: e.data2,
  data3: e.data3,
});

test("records laid out per LWP notes §4 decode to their fields, and encode back to the same bytes", () => {
  const r = rng(12345);
  for (let i = 0; i < 2000; i++) {
    const f = randomFields(r);
    const bytes = specBytes(f);
    assert.deepEqual(fieldsOf(decodeRecord(bytes)), f);
    assert.deepEqual(encodeRecord(f), bytes);
    assert.deepEqual(fieldsOf(decodeRecord(encodeRecord(f))), f);
  }
});

test("records written by the LWP unit's encoder decode to the fields it was given", () => {
  const r = rng(777);
  const words = new Int32Array(8);
  for (let i = 0; i < 500; i++) {
    const f = { ...randomFields(r), data3: BigInt(r()) * 1000n }; // the unit's Data3 is a Number below 2^53
    hwEncode(
      words,
      f.eventId,
      f.coreId,
      f.flags,
      f.data1,
      f.ip,
      Number(f.data2 & 0xffff_ffffn),
      Number(f.data2 >> 32n),
      Number(f.data3),
    );
    assert.deepEqual(fieldsOf(decodeRecord(new Uint8Array(words.buffer.slice(0)))), f);
  }
});

test("records survive an lwpdata file (SAMPLE keeps the 32 bytes, §4.3)", () => {
  const r = rng(99);
  const fields = Array.from({ length: 50 }, () => randomFields(r));
  const file = writeLwpData({
    meta: { command: ["x"], seed: 1, cpuModel: "full", events: [], startTimeVirtual: 0 },
    maps: [],
    threads: [],
    lost: [],
    samples: fields.map((f, i) => ({
      tid: 1 + (i % 3),
      record: encodeRecord(f),
      callchain: i % 2 === 0 ? [] : [0x401000 + i],
    })),
  });
  const back = readLwpData(file).samples.map((s) => fieldsOf(decodeRecord(s.record)));
  assert.deepEqual(back, fields);
});

test("Data1/Data2 of LWPVAL and LWPINS records (LWP notes §4.1: Flags = imm[15:0], Data1 = r/m32, Data2 = reg)", () => {
  for (const id of [1, 255]) {
    const e = decodeRecord(
      specBytes({
        eventId: id,
        coreId: 3,
        flags: 0xbeef,
        data1: 0xfffffffe,
        ip: 0x401000,
        data2: 0xffff_ffff_ffff_fff0n,
        data3: 0n,
      }),
    );
    assert.deepEqual(e.detail, {
      kind: id === 1 ? "value" : "marker",
      flags: 0xbeef,
      data1: 0xfffffffe,
      data2: 0xffff_ffff_ffff_fff0n,
    });
    assert.equal(e.event.name, id === 1 ? "lwpval" : "lwpins");
  }
});

test("branch and D-cache records decode their flags and data fields", () => {
  const br = decodeRecord(
    specBytes({
      eventId: 3,
      coreId: 0,
      flags: BRANCH_FLAGS.TKN | BRANCH_FLAGS.PRV,
      data1: 0,
      ip: 0x401008,
      data2: 0x401002n,
      data3: 0n,
    }),
  );
  assert.deepEqual(br.detail, {
    kind: "branch",
    target: 0x401002,
    taken: true,
    predicted: false,
    predictionValid: true,
    branchClass: "",
  });
  const cls = decodeRecord(
    specBytes({
      eventId: 3,
      coreId: 0,
      flags: (1 << BRANCH_FLAGS.CLASS_SHIFT) | BRANCH_FLAGS.TKN,
      data1: 0,
      ip: 0x401008,
      data2: 0x401002n,
      data3: 0n,
    }),
  );
  assert.equal(cls.detail.kind === "branch" ? cls.detail.branchClass : "", "conditional");
  const dc = decodeRecord(
    specBytes({
      eventId: 4,
      coreId: 0,
      flags: 3 | DCACHE_FLAGS.DAV,
      data1: 250,
      ip: 0x401002,
      data2: 0x7ffd_1000n,
      data3: 0n,
    }),
  );
  assert.deepEqual(dc.detail, { kind: "dcache", latency: 250, level: 3, address: 0x7ffd_1000 });
  const noAddr = decodeRecord(
    specBytes({ eventId: 4, coreId: 0, flags: 1, data1: 9, ip: 0x401002, data2: 0x1234n, data3: 0n }),
  );
  assert.equal(noAddr.detail.kind === "dcache" ? noAddr.detail.address : null, undefined);
});

test("event names follow the brief's table; unknown ids still decode", () => {
  const want: [number, string][] = [
    [1, "lwpval"],
    [2, "instructions"],
    [3, "branches"],
    [4, "dcache-misses"],
    [5, "cycles"],
    [6, "ref-cycles"],
    [255, "lwpins"],
  ];
  for (const [id, name] of want) {
    assert.equal(eventById(id).name, name);
    assert.equal(eventByName(name)?.id, id);
  }
  assert.equal(eventById(9).name, "event-9");
  assert.throws(() => decodeRecord(new Uint8Array(31)), /32 bytes/);
});
