// SPDX-License-Identifier: MIT
// The 32-byte LWP event record (LWP notes §4: EventId, CoreId, Flags, Data1,
// InstructionAddress, Data2, Data3) to a decoded event, and back. Pure.
import { BRANCH_CLASSES, BRANCH_FLAGS, DCACHE_FLAGS, eventById, type EventRow } from "./events.js";
import { RECORD_SIZE, decodeRecord as decodeFields, recordBytes } from "../../hw/lwp/record.js";

export const LWP_RECORD_SIZE = RECORD_SIZE;

/** The raw fields of one record, at the byte offsets of LWP notes §4. */
export interface LwpRecordFields {
  /** Byte 0. */
  readonly eventId: number;
  /** Byte 1. */
  readonly coreId: number;
  /** Bytes 3:2. */
  readonly flags: number;
  /** Bytes 7:4. */
  readonly data1: number;
  /** Bytes 15:8 (user-mode RIP, below 2^47). */
  readonly ip: number;
  /** Bytes 23:16. */
  readonly data2: bigint;
  /** Bytes 31:24: timestamp when enabled, else 0. */
  readonly data3: bigint;
}

/** Per-event meaning of Flags/Data1/Data2 (LWP notes §4.1). */
export type EventDetail =
  | { readonly kind: "none" }
  | {
      readonly kind: "branch";
      readonly target: number;
      readonly taken: boolean;
      readonly predicted: boolean;
      readonly predictionValid: boolean;
      readonly branchClass: string;
    }
  | { readonly kind: "dcache"; readonly latency: number; readonly level: number; readonly address: number | undefined }
  | { readonly kind: "value" | "marker"; readonly flags: number; readonly data1: number; readonly data2: bigint };

/** A decoded record: its raw fields, its event row and the per-event detail. */
export interface LwpEvent extends LwpRecordFields {
  readonly event: EventRow;
  readonly detail: EventDetail;
}

function detailOf(f: LwpRecordFields, row: EventRow): EventDetail {
  switch (row.kind) {
    case "branch":
      return {
        kind: "branch",
        target: Number(f.data2),
        taken: (f.flags & BRANCH_FLAGS.TKN) !== 0,
        predicted: (f.flags & BRANCH_FLAGS.PRD) !== 0,
        predictionValid: (f.flags & BRANCH_FLAGS.PRV) !== 0,
        branchClass: BRANCH_CLASSES[(f.flags >> BRANCH_FLAGS.CLASS_SHIFT) & 3] ?? "",
      };
    case "dcache":
      return {
        kind: "dcache",
        latency: f.data1,
        level: f.flags & DCACHE_FLAGS.LEVEL_MASK,
        address: (f.flags & DCACHE_FLAGS.DAV) !== 0 ? Number(f.data2) : undefined,
      };
    case "value":
    case "marker":
      return { kind: row.kind, flags: f.flags, data1: f.data1, data2: f.data2 };
    default:
      return { kind: "none" };
  }
}

/** Decodes one 32-byte record. Throws RangeError when `bytes` is not 32 bytes long. */
export function decodeRecord(bytes: Uint8Array): LwpEvent {
  if (bytes.length !== LWP_RECORD_SIZE) throw new RangeError(`LWP event record must be 32 bytes, got ${bytes.length}`);
  const raw = decodeFields(bytes);
  const fields: LwpRecordFields = { ...raw, ip: Number(raw.ip) };
  const event = eventById(fields.eventId);
  return { ...fields, event, detail: detailOf(fields, event) };
}

/** Encodes record fields into 32 bytes (what the LWP unit writes); used by fixtures and tests. */
export function encodeRecord(f: LwpRecordFields): Uint8Array {
  return recordBytes({ ...f, ip: BigInt(f.ip) });
}

/** Convenience: a record with zero data fields except those given. */
export function makeRecord(eventId: number, ip: number, extra: Partial<LwpRecordFields> = {}): Uint8Array {
  return encodeRecord({ eventId, coreId: 0, flags: 0, data1: 0, ip, data2: 0n, data3: 0n, ...extra });
}
