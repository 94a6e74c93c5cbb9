// SPDX-License-Identifier: MIT
// Where the decoded-block cache (src/hw/cpu/decode-cache.ts) lives between runs: one
// file per program name, beside V8's code cache ($NODE_COMPILE_CACHE, else
// <tmp>/node-compile-cache, as bin/lwp.js keeps it), read as a command that runs a guest
// starts and written at exit when the run decoded blocks the file did not hold. Per
// program, so that a short command reads only its own blocks, not those of the last
// compiler run (reading and indexing a full 4 MB file costs a start-up 0.1 s). Only the bundle (scripts/bundle.mjs)
// has a build identity to stamp it with; a missing, foreign, damaged or unwritable
// file costs the run its speed, never its behaviour. LWP_DECODE_CACHE=0 turns it off.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { DecodeCache } from "../hw/cpu/decode-cache.js";
import { useDecodeCache } from "../hw/cpu/decode.js";

/** The build's identity, a hash of its sources and iced-x86 (defined by scripts/bundle.mjs; absent unbundled). */
declare const LWP_BUILD_ID: string | undefined;

export const DECODE_CACHE_ENV = "LWP_DECODE_CACHE";

/** The cache file of the program named `program` (in the directory of bin/lwp.js's code cache). */
export function decodeCacheFile(program: string, env: Record<string, string | undefined> = process.env): string {
  const dir = env["NODE_COMPILE_CACHE"] || join(tmpdir(), "node-compile-cache");
  const name = basename(program);
  let h = 5381;
  for (let i = 0; i < name.length; i++) h = ((h * 33) ^ name.charCodeAt(i)) >>> 0;
  return join(dir, `lwp-decoded-${h.toString(16)}.bin`);
}

function readImage(file: string): Uint8Array | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** Writes the image next to `file`, then renames it over: a reader never sees half a file. */
function writeImage(file: string, image: Uint8Array): void {
  const tmp = `${file}.${process.pid}`;
  try {
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(tmp, image);
    renameSync(tmp, file);
  } catch {
    // Only an optimisation: a read-only or full disk costs the next run its speed, nothing else.
  }
}

/**
 * Gives the decoder this build's cache for a run of `program` (as named on the command
 * line; blocks are looked up by their bytes, so two programs of one name only share a file),
 * and writes it back at exit if the run added to it.
 */
export function openDecodeCache(program: string, env: Record<string, string | undefined> = process.env): void {
  const id = typeof LWP_BUILD_ID === "string" ? LWP_BUILD_ID : null;
  if (id === null || env[DECODE_CACHE_ENV] === "0") return;
  const file = decodeCacheFile(program, env);
  const cache = new DecodeCache(id, readImage(file));
  useDecodeCache(cache);
  process.on("exit", () => {
    if (cache.changed) writeImage(file, cache.serialize());
  });
}
