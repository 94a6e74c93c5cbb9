// SPDX-License-Identifier: MIT
// A deterministic lwpdata profile for the tool tests: a small static g++ -g binary
// (C++ plus a hand-written assembly hot loop) compiled at test time, and LWP records
// placed at instruction addresses taken from `nm` and `objdump -d` (the oracles).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ElfFile, PT_LOAD } from "../../src/common/elf/elf.js";
import { BRANCH_FLAGS, DCACHE_FLAGS } from "../../src/tools/decode/events.js";
import { makeRecord } from "../../src/tools/decode/record.js";
import type { LwpData, LwpMap, LwpSample } from "../../src/tools/format/writer.js";

export const PROG_CC = `namespace app {
int work(int n) {
  int acc = 0;
  for (int i = 0; i < n; i++) acc += i;
  return acc;
}
}
static int leaf(int x) { return x * 3; }
extern "C" long hot_loop(long n);
int main() {
  int r = app::work(10);
  r += leaf(r);
  return (int)hot_loop(r);
}
`;

/** hot_loop's layout is fixed by this source: +0 xor, +2 add, +5 dec, +8 jnz, +10 ret. */
export const HOT_S = `	.text
	.globl	_start
	.type	_start, @function
_start:
	xor	%ebp, %ebp
	call	main
	mov	%eax, %edi
	mov	$60, %eax
	syscall
	.size	_start, .-_start

	.globl	hot_loop
	.type	hot_loop, @function
hot_loop:
	xor	%eax, %eax
1:	add	%rdi, %rax
	dec	%rdi
	jnz	1b
	ret
	.size	hot_loop, .-hot_loop
	.section	.note.GNU-stack,"",@progbits
`;

export const MISSING_LIB = "/nonexistent/libgone.so";
export const MISSING_BASE = 0x7f00_0000_0000;

export interface Built {
  readonly dir: string;
  readonly prog: string;
  /** Function name (mangled, as nm prints it) → address. */
  readonly nm: Map<string, number>;
  /** Function name → instruction addresses (objdump -d). */
  readonly insns: Map<string, number[]>;
  /** Return address of the call from `caller` to `callee`. */
  readonly ret: (caller: string, callee: string) => number;
  readonly cleanup: () => void;
}

function objdumpFunctions(prog: string): { insns: Map<string, number[]>; calls: Map<string, number> } {
  const insns = new Map<string, number[]>();
  const calls = new Map<string, number>();
  let fn = "";
  let pendingCall = "";
  for (const line of execFileSync("objdump", ["-d", prog], { encoding: "utf8" }).split("\n")) {
    const head = /^[0-9a-f]+ <(.+)>:$/.exec(line);
    if (head !== null) {
      fn = head[1]!;
      insns.set(fn, []);
      continue;
    }
    const ins = /^\s+([0-9a-f]+):\s/.exec(line);
    if (ins === null || fn === "") continue;
    const addr = parseInt(ins[1]!, 16);
    insns.get(fn)!.push(addr);
    if (pendingCall !== "") {
      calls.set(pendingCall, addr);
      pendingCall = "";
    }
    const call = /\scall\s+[0-9a-f]+ <([^>+]+)>/.exec(line);
    if (call !== null) pendingCall = `${fn}->${call[1]!}`;
  }
  return { insns, calls };
}

/** Compiles the fixture program into a fresh temporary directory. */
export function buildProgram(): Built {
  const dir = mkdtempSync(join(tmpdir(), "lwp-tools-"));
  writeFileSync(join(dir, "prog.cc"), PROG_CC);
  writeFileSync(join(dir, "hot.s"), HOT_S);
  const prog = join(dir, "prog");
  execFileSync(
    "g++",
    [
      "-g",
      "-O0",
      "-static",
      "-nostdlib",
      "-fno-exceptions",
      "-fno-asynchronous-unwind-tables",
      "-fno-pie",
      "-no-pie",
      "-o",
      prog,
      join(dir, "prog.cc"),
      join(dir, "hot.s"),
    ],
    { cwd: dir },
  );
  const nm = new Map<string, number>();
  for (const line of execFileSync("nm", ["--defined-only", prog], { encoding: "utf8" }).split("\n")) {
    const m = /^([0-9a-f]+) [Tt] (.+)$/.exec(line);
    if (m !== null) nm.set(m[2]!, parseInt(m[1]!, 16));
  }
  const { insns, calls } = objdumpFunctions(prog);
  const ret = (caller: string, callee: string): number => {
    const r = calls.get(`${caller}->${callee}`);
    if (r === undefined) throw new Error(`no call ${caller} -> ${callee} in objdump output`);
    return r;
  };
  return { dir, prog, nm, insns, ret, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** MAP records for the PT_LOAD segments, as a loader maps them (page-rounded). */
function progMaps(prog: string, pid: number): LwpMap[] {
  const elf = ElfFile.parse(new Uint8Array(readFileSync(prog)));
  return elf.programHeaders
    .filter((p) => p.pType === PT_LOAD)
    .map((p) => ({
      pid,
      tid: 0,
      start: p.pVaddr - (p.pVaddr % 4096),
      end: Math.ceil((p.pVaddr + p.pMemsz) / 4096) * 4096,
      pgoff: p.pOffset - (p.pOffset % 4096),
      path: prog,
      buildId: "",
    }));
}

export const PID = 100;
export const WORKER = 101;

/** The expected self-sample counts of the instructions event, by demangled symbol (the test's oracle). */
export const EXPECTED_INSTRUCTIONS = new Map([
  ["hot_loop", 9],
  ["app::work(int)", 2],
  ["leaf(int)", 1],
  ["libgone.so+0x1234", 1],
]);

/**
 * The profile. `variant` "b" shifts weight from hot_loop to app::work (for diff).
 * Data3 carries a timestamp of 1000 ns per record unless `timestamps` is false.
 */
export function buildProfile(b: Built, variant: "a" | "b" = "a", timestamps = true): LwpData {
  const fn = (name: string): number => b.nm.get(name)!;
  const hot = fn("hot_loop");
  const work = fn("_ZN3app4workEi");
  const start7 = b.ret("_start", "main");
  const chainHot = [b.ret("main", "hot_loop"), start7];
  const chainWork = [b.ret("main", "_ZN3app4workEi"), start7];
  const samples: LwpSample[] = [];
  let t = 0;
  const add = (
    tid: number,
    eventId: number,
    ip: number,
    callchain: number[],
    extra: Parameters<typeof makeRecord>[2] = {},
  ): void => {
    t++;
    samples.push({
      tid,
      record: makeRecord(eventId, ip, { ...extra, data3: timestamps ? BigInt(t * 1000) : 0n }),
      callchain,
    });
  };
  const hotOffsets = variant === "a" ? [2, 2, 2, 2, 5, 5, 8] : [2, 2, 5];
  add(PID, 255, fn("main"), [start7], { flags: 0x7, data1: 1, data2: 0xdeadn });
  for (const off of hotOffsets) add(PID, 2, hot + off, chainHot);
  const workIps = b.insns.get("_ZN3app4workEi")!;
  const workCount = variant === "a" ? 2 : 6;
  for (let i = 0; i < workCount; i++) add(PID, 2, workIps[6 + (i % 3)]!, chainWork);
  add(PID, 2, fn("_ZL4leafi"), [b.ret("main", "_ZL4leafi"), start7]);
  add(PID, 2, MISSING_BASE + 0x1234, []);
  for (let i = 0; i < 3; i++) {
    add(PID, 3, hot + 8, chainHot, {
      data2: BigInt(hot + 2),
      flags: BRANCH_FLAGS.TKN | BRANCH_FLAGS.PRD | BRANCH_FLAGS.PRV,
    });
  }
  add(PID, 3, hot + 8, chainHot, { data2: BigInt(hot + 10), flags: BRANCH_FLAGS.PRV });
  add(PID, 4, hot + 2, chainHot, { data1: 120, data2: 0x7ffd_0000n, flags: 2 | DCACHE_FLAGS.DAV });
  add(PID, 1, work, chainWork, { flags: 0x10, data1: 42, data2: 0x1_0000_0001n });
  add(PID, 255, hot, chainHot, { flags: 0x7, data1: 2, data2: 0xbeefn });
  add(WORKER, 2, hot + 2, []);
  add(WORKER, 2, hot + 2, []);
  return {
    meta: {
      command: ["./prog"],
      seed: 1,
      cpuModel: "full",
      startTimeVirtual: 0,
      events: [
        { eventId: 2, interval: 1000 },
        { eventId: 3, interval: 100 },
        { eventId: 4, interval: 10 },
        { eventId: 1, interval: 1 },
        { eventId: 255, interval: 0 },
      ],
    },
    maps: [
      ...progMaps(b.prog, PID),
      { pid: PID, tid: 0, start: MISSING_BASE, end: MISSING_BASE + 0x10000, pgoff: 0, path: MISSING_LIB, buildId: "" },
    ],
    threads: [
      { pid: PID, tid: PID, comm: "prog" },
      { pid: PID, tid: WORKER, comm: "worker" },
    ],
    samples,
    lost: [
      { tid: PID, missedEvents: 3 },
      { tid: WORKER, missedEvents: 2 },
    ],
  };
}

/**
 * Address- and path-dependent text made stable for goldens: the temporary directory,
 * and every hex number that is an address inside the program's mappings.
 */
export function normalise(text: string, b: Built): string {
  const maps = progMaps(b.prog, PID);
  const inProg = (v: number): boolean => maps.some((m) => v >= m.start && v <= m.end);
  return text
    .replaceAll(b.dir, "<dir>")
    .replace(/(?<![.\w])(0x)?[0-9a-f]{5,16}\b/g, (m) => (inProg(parseInt(m, 16)) ? "<addr>" : m));
}
