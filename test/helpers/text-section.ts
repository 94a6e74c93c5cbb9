// SPDX-License-Identifier: MIT
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** The first `max` bytes of section .text of an ELF file and its address, by readelf. */
export function textOf(path: string, max: number): { bytes: Uint8Array; addr: number } {
  const line = execFileSync("readelf", ["-SW", path], { encoding: "utf8" })
    .split("\n")
    .find((l) => / \.text /.test(l));
  assert.ok(line !== undefined, `${path} has no .text`);
  const f = line.slice(line.indexOf(".text")).trim().split(/\s+/);
  const [addr, off, size] = [f[2]!, f[3]!, f[4]!].map((x) => parseInt(x, 16)) as [number, number, number];
  return { bytes: readFileSync(path).subarray(off, off + Math.min(size, max)), addr };
}
