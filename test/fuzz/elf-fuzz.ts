// SPDX-License-Identifier: MIT
// The ELF mutation fuzzer: seeded mutants of real binaries (test/fuzz/seed.c
// built static with gcc and musl-gcc and dynamic with gcc), each executed by
// test/fuzz/exec-harness.c natively and under `lwp run`; every mutant must end
// the same way (execve errno, exit status or signal), and lwp must never print
// a stack trace. `npm test` runs a short campaign, `npm run fuzz:elf` a long one.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileStatic, lwpCli, repoRoot, runNative } from "../helpers/build-guests.js";
import { spawnSync } from "node:child_process";
import { mutate, prng } from "./elf-mutate.js";

export interface FuzzResult {
  readonly cases: number;
  /** "mutant (mutations): native … / lwp …" for every mutant that ended differently. */
  readonly mismatches: string[];
  /** lwp's stderr lines that look like a JavaScript stack trace. */
  readonly traces: string[];
  /** Mismatches a documented difference explains (bssBeyondRam), in the same form. */
  readonly known: string[];
}

/** lwp's RAM under `lwp run` without --memory-limit (src/kernel/kernel.ts). */
const RAM = 2n ** 31n;
const PAGE = 4096n;
const pageUp = (x: bigint): bigint => ((x + PAGE - 1n) / PAGE) * PAGE;

/**
 * Whether a PT_LOAD's bss (p_memsz past p_filesz, in whole pages) is larger than lwp's RAM:
 * lwp's exec refuses it, as Linux's overcommit heuristic does on a machine of that RAM, and
 * kills the new image with SIGSEGV (docs/quirks.md Q-SYSINFO), where a host with more RAM
 * runs it.
 */
export function bssBeyondRam(elf: Uint8Array): boolean {
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  if (elf.length < 64) return false;
  const phoff = v.getBigUint64(32, true),
    phentsize = v.getUint16(54, true),
    phnum = v.getUint16(56, true);
  for (let i = 0; i < phnum; i++) {
    const o = Number(phoff) + i * phentsize;
    if (phentsize < 56 || o + 56 > elf.length || v.getUint32(o, true) !== 1) continue; // PT_LOAD
    const vaddr = v.getBigUint64(o + 16, true),
      filesz = v.getBigUint64(o + 32, true),
      memsz = v.getBigUint64(o + 40, true);
    const from = filesz > 0n ? pageUp(vaddr + filesz) : vaddr - (vaddr % PAGE);
    if (memsz > filesz && pageUp(vaddr + memsz) - from > RAM) return true;
  }
  return false;
}

/** Builds the exec harness and the seed binaries: gcc static, musl static, gcc dynamic. */
export function build(): { harness: string; seeds: string[] } {
  const root = repoRoot(),
    dir = join(root, "build", "fuzz");
  const src = (n: string): string => join(root, "test", "fuzz", n);
  const harness = join(dir, "exec-harness");
  compileStatic("gcc", src("exec-harness.c"), harness, ["-O1"]);
  const seeds = [join(dir, "seed-gcc"), join(dir, "seed-musl"), join(dir, "seed-dyn")];
  compileStatic("gcc", src("seed.c"), seeds[0]!, ["-O1"]);
  compileStatic("musl-gcc", src("seed.c"), seeds[1]!, ["-O1"]);
  mkdirSync(dir, { recursive: true });
  const r = spawnSync("gcc", ["-O1", "-o", seeds[2]!, src("seed.c")]);
  if (r.status !== 0) throw new Error(`gcc (dynamic seed) failed: ${r.stderr.toString()}`);
  return { harness, seeds };
}

/** Runs `count` mutants from `seed`, in batches of `batch` per harness run. */
export function fuzzElf(seed: number, count: number, batch = 100): FuzzResult {
  const { harness, seeds } = build();
  const dir = join(repoRoot(), "build", "fuzz", `mutants-${seed}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const r = prng(seed);
  const what = new Map<string, string>();
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const from = seeds[i % seeds.length]!;
    const m = mutate(readFileSync(from), r);
    const name = `m${i}-${from.slice(from.lastIndexOf("-") + 1)}`;
    const path = join(dir, name);
    writeFileSync(path, m.bytes);
    chmodSync(path, 0o755);
    what.set(name, m.what);
    files.push(path);
  }
  const mismatches: string[] = [],
    traces: string[] = [],
    known: string[] = [];
  for (let i = 0; i < files.length; i += batch) {
    const part = files.slice(i, i + batch);
    const native = runNative(harness, part, { env: { PATH: "/usr/bin:/bin" }, timeoutMs: 600_000 })
      .stdout.toString()
      .split("\n");
    const emu = runNative(process.execPath, [lwpCli(), "run", "--", harness, ...part], {
      env: { PATH: "/usr/bin:/bin" },
      timeoutMs: 1_800_000,
    });
    const lines = emu.stdout.toString().split("\n");
    native.forEach((line, k) => {
      if (line === "" || lines[k] === line) return;
      const name = line.slice(0, line.indexOf(":"));
      const got = lines[k]?.slice(lines[k]!.indexOf(":") + 2) ?? "<nothing>";
      const text = `${name} (${what.get(name) ?? "?"}): native ${line.slice(line.indexOf(":") + 2)} / lwp ${got}`;
      const explained = got === "signal 11" && bssBeyondRam(readFileSync(join(dir, name)));
      (explained ? known : mismatches).push(text);
    });
    for (const l of emu.stderr.toString().split("\n")) if (/^\s+at |Error:/.test(l)) traces.push(l);
  }
  if (process.env["LWP_FUZZ_KEEP"] === undefined) rmSync(dir, { recursive: true, force: true });
  return { cases: count, mismatches, traces, known };
}
