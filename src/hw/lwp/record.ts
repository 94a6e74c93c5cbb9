// SPDX-License-Identifier: MIT
// The 32-byte LWP event record (LWP spec §4): the one definition of its layout
// (REC), the unit's allocation-free encoder into eight int32 words, and the byte
// encoder and decoder that the tools (src/tools/decode/record.ts) and the
// kernel's perf_event ring (src/kernel/lwp/perf-event.ts) use.

export const RECORD_SIZE = 32;

/** Byte offsets of the record fields (spec §4 table). */
export const REC = { EVENT_ID: 0, CORE_ID: 1, FLAGS: 2, DATA1: 4, IP: 8, DATA2: 16, DATA3: 24 } as const;

const TWO32 = 4294967296;

/**
 * Fills `out` (8 little-endian words) with one record. 64-bit values are Numbers
 * below 2^53 (addresses, timestamps) except Data2, given as lo/hi words.
 */
export function encodeRecord(
  out: Int32Array,
  eventId: number,
  coreId: number,
  flags: number,
  data1: number,
  ip: number,
  data2Lo: number,
  data2Hi: number,
  data3: number,
): void {
  out[REC.EVENT_ID >> 2] = (eventId & 0xff) | ((coreId & 0xff) << 8) | ((flags & 0xffff) << 16);
  out[REC.DATA1 >> 2] = data1 | 0;
  out[REC.IP >> 2] = (ip % TWO32) | 0;
  out[(REC.IP >> 2) + 1] = Math.floor(ip / TWO32) | 0;
  out[REC.DATA2 >> 2] = data2Lo | 0;
  out[(REC.DATA2 >> 2) + 1] = data2Hi | 0;
  out[REC.DATA3 >> 2] = (data3 % TWO32) | 0;
  out[(REC.DATA3 >> 2) + 1] = Math.floor(data3 / TWO32) | 0;
}

export interface LwpRecord {
  readonly eventId: number;
  readonly coreId: number;
  readonly flags: number;
  readonly data1: number;
  readonly ip: bigint;
  readonly data2: bigint;
  readonly data3: bigint;
}

/** The 32 bytes of a record with these fields (fixtures, tests, tools). */
export function recordBytes(f: LwpRecord): Uint8Array {
  const out = new Uint8Array(RECORD_SIZE);
  const v = new DataView(out.buffer);
  v.setUint8(REC.EVENT_ID, f.eventId);
  v.setUint8(REC.CORE_ID, f.coreId);
  v.setUint16(REC.FLAGS, f.flags, true);
  v.setUint32(REC.DATA1, f.data1, true);
  v.setBigUint64(REC.IP, f.ip, true);
  v.setBigUint64(REC.DATA2, f.data2, true);
  v.setBigUint64(REC.DATA3, f.data3, true);
  return out;
}

/** Decodes the record at `off` in `bytes` (spec §4). */
export function decodeRecord(bytes: Uint8Array, off = 0): LwpRecord {
  const v = new DataView(bytes.buffer, bytes.byteOffset + off, RECORD_SIZE);
  return {
    eventId: v.getUint8(REC.EVENT_ID),
    coreId: v.getUint8(REC.CORE_ID),
    flags: v.getUint16(REC.FLAGS, true),
    data1: v.getUint32(REC.DATA1, true),
    ip: v.getBigUint64(REC.IP, true),
    data2: v.getBigUint64(REC.DATA2, true),
    data3: v.getBigUint64(REC.DATA3, true),
  };
}
