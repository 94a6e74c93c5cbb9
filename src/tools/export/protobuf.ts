// SPDX-License-Identifier: MIT
// A minimal protocol-buffers wire-format writer (protobuf encoding spec: varint
// wire type 0, length-delimited wire type 2, packed repeated scalars). Pure.

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

/** Appends fields to a growing buffer; nested messages are written from their own writer. */
export class ProtoWriter {
  private buf = new Uint8Array(64);
  private len = 0;

  private byte(b: number): void {
    if (this.len === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.len++] = b;
  }

  /**
   * An integer as a base-128 varint: exact for any integral Number (addresses at or
   * above 2^53 included), negative values as 64-bit two's complement (int64), others
   * rounded; NaN and infinities are not integers and are written as 0.
   */
  varint(v: number): void {
    if (Number.isSafeInteger(v) && v >= 0) {
      let n = v;
      while (n >= 0x80) {
        this.byte((n % 0x80) | 0x80);
        n = Math.floor(n / 0x80);
      }
      this.byte(n);
      return;
    }
    let n = BigInt.asUintN(64, Number.isFinite(v) ? BigInt(Math.round(v)) : 0n);
    while (n >= 0x80n) {
      this.byte(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.byte(Number(n));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  private raw(b: Uint8Array): void {
    for (const x of b) this.byte(x);
  }

  /** uint64/int64 field (non-negative values); zero is omitted as proto3 does. */
  uint(field: number, v: number): void {
    if (v === 0) return;
    this.tag(field, WIRE_VARINT);
    this.varint(v);
  }

  bool(field: number, v: boolean): void {
    if (v) this.uint(field, 1);
  }

  bytes(field: number, b: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(b.length);
    this.raw(b);
  }

  /** A string field; unlike scalars, written even when empty (pprof's string_table[0] is ""). */
  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): void {
    this.bytes(field, m.finish());
  }

  /** A packed repeated uint64/int64 field (omitted when empty). */
  packed(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
