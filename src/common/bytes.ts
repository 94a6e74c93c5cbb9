// SPDX-License-Identifier: MIT
// Byte-array helpers shared by the layers.

/** The little-endian unsigned 32-bit number at `at`. */
function readU32LE(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** The little-endian unsigned 64-bit number at `at`, as a double (exact below 2^53). */
export function readU64LE(b: Uint8Array, at: number): number {
  return readU32LE(b, at) + readU32LE(b, at + 4) * 4294967296;
}

/** The arrays in `parts` one after the other, in one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
