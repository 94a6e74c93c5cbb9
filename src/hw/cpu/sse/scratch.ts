// SPDX-License-Identifier: MIT
// The SSE/MMX working registers: every vector instruction copies its destination
// (slot A, bytes 0..15) and source (slot B, bytes 16..31) here, computes in place
// on A, and copies A back once no exception can occur any more.
const buf = new ArrayBuffer(64);
export const S8 = new Uint8Array(buf);
export const S8s = new Int8Array(buf);
export const S16 = new Uint16Array(buf);
export const S16s = new Int16Array(buf);
export const S32 = new Int32Array(buf);
export const SF64 = new Float64Array(buf);

/** Int32 index of slot B (bytes 16..31). */
export const B32 = 4;
