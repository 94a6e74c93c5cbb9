// SPDX-License-Identifier: MIT
// The 32-byte LWP event record (LWP spec §4): an allocation-free encoder into
// eight int32 words, and a decoder for tools and tests.

export const RECORD_SIZE = 32;

/** Byte offsets of the record fields (spec §4 table). */
export const REC = { EVENT_ID: 0, CORE_ID: 1, FLAGS: 2, DATA1: 4, IP: 8, DATA2: 16, DATA3: 24 } as const;

const TWO32 = 4294967296;

/**
 * Fills `out` (8 little-endian words) with one record. 64-bit values are Numbers
 * below 2^53 (addresses, timestamps) except Data2, given as lo/hi words.
 */
export function encodeRecord(
  out: Int32Array, eventId: number, coreId: number, flags: number, data1: number,
  ip: number, data2Lo: number, data2Hi: number, data3: number,
): void {
  out[0] = (eventId & 0xff) | ((coreId & 0xff) << 8) | ((flags & 0xffff) << 16);
  out[1] = data1 | 0;
  out[2] = ip % TWO32 | 0;
  out[3] = Math.floor(ip / TWO32) | 0;
  out[4] = data2Lo | 0;
  out[5] = data2Hi | 0;
  out[6] = data3 % TWO32 | 0;
  out[7] = Math.floor(data3 / TWO32) | 0;
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

/** Decodes every record between `tail` and `head` of a ring of `size` bytes. */
export function decodeRing(ring: Uint8Array, tail: number, head: number): LwpRecord[] {
  const out: LwpRecord[] = [];
  const size = ring.length - (ring.length % RECORD_SIZE);
  for (let p = tail; p !== head; p = (p + RECORD_SIZE) % size) out.push(decodeRecord(ring, p));
  return out;
}
