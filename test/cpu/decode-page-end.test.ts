// SPDX-License-Identifier: MIT
// An instruction at the very end of an executable page whose next page is unmapped:
// the processor fetches from the next page only the bytes the instruction needs, so an
// opcode complete in the page executes or raises #UD there, and an incomplete one
// faults on the fetch (SIGSEGV at the next page). The host CPU is the oracle: the same
// program (test/cpu/page-end.c) runs natively and under lwp, and every ending must be
// the same (decode.ts: INVALID_ALONE, the one-byte opcodes 64-bit mode lacks, which
// iced reports as running out of bytes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileStatic, repoRoot, runLwp, runNative } from "../helpers/build-guests.js";

const hex = (b: number): string => b.toString(16).padStart(2, "0");

/** The one-byte opcodes that 64-bit mode does not have (#UD at once, nothing fetched after them). */
const INVALID_ALONE = [0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x60, 0x61, 0xce, 0xd6];

/**
 * Second bytes after a prefix: the opcodes above and opcodes that need more bytes (ModRM,
 * immediates, escapes, VEX/EVEX/XOP, the far branches and AAM/AAD that 64-bit mode lacks
 * too but whose bytes the processor fetches first). Not: near branches (with 66h they are
 * Q-BRANCH-66), and string instructions (their addresses are whatever registers the C code left).
 */
const AFTER_PREFIX = [...INVALID_ALONE, 0x00, 0x0f, 0x50, 0x58, 0x62, 0x63, 0x80, 0x82, 0x8f, 0x90, 0x9a];
AFTER_PREFIX.push(0xb0, 0xc4, 0xc5, 0xc6, 0xcc, 0xd4, 0xd5, 0xd8, 0xea, 0xf4, 0xf6, 0xfe, 0xff);

/** Legacy prefixes and REX bytes. */
const PREFIXES = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x40, 0x44, 0x48, 0x4f];

function cases(): string[] {
  const out: string[] = [];
  for (let b = 0; b < 256; b++) out.push(hex(b));
  for (const p of PREFIXES) for (const b of AFTER_PREFIX) out.push(hex(p) + hex(b));
  for (const pp of ["66f3", "f048", "6540", "f266"]) for (const b of INVALID_ALONE) out.push(pp + hex(b));
  return out;
}

test("an instruction at the end of a page fetches from the next page only the bytes it needs (host oracle)", () => {
  const bin = join(repoRoot(), "build", "cpu", "page-end");
  compileStatic("gcc", join(repoRoot(), "test", "cpu", "page-end.c"), bin, ["-O2", "-Wall", "-Wextra"]);
  const args = cases();
  const native = runNative(bin, args);
  assert.equal(native.status, 0, native.stderr.toString());
  const lines = native.stdout.toString().trim().split("\n");
  assert.equal(lines.length, args.length, "one line per case natively");
  // The host's own behaviour the decoder follows: the opcodes alone end in SIGILL at themselves.
  for (const b of INVALID_ALONE) assert.ok(lines.includes(`${hex(b)} sig=4 addr=fff rip=fff`), hex(b));
  assert.ok(lines.includes("662f sig=4 addr=ffe rip=ffe"), "after a prefix: SIGILL at the prefix");
  assert.ok(lines.includes("d4 sig=11 addr=1000 rip=fff"), "AAM fetches its immediate before its #UD");
  const emu = runLwp(bin, args);
  assert.equal(emu.status, 0, emu.stderr.toString());
  const got = emu.stdout.toString().trim().split("\n");
  const differ = lines.filter((l, i) => got[i] !== l).map((l) => `native ${l} | lwp ${got[lines.indexOf(l)] ?? ""}`);
  assert.deepEqual(differ, []);
});
