// SPDX-License-Identifier: MIT
// Test support: runs assembled snippets natively (a C runner compiled at test
// time: FXRSTOR64 image, call snippet, FXSAVE64) and in the emulator with the
// same code/data addresses, returning both FXSAVE images, RAX, RFLAGS and data.
/* eslint-disable no-restricted-imports -- test support: gcc/as and the host CPU are the oracle */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../memory/address-space.js";
import { Cpu } from "../cpu.js";
import { fxrstor, fxsave } from "../xstate/xsave.js";

export const CODE = 0x10000000;
export const DATA = 0x20000000;
const DATA_LEN = 1024;
const SCRATCH = 0x30000000;

export interface Case {
  readonly asm: string;
  /** 512-byte FXSAVE64 image loaded before the snippet. */
  readonly image: Uint8Array;
  readonly data: Uint8Array;
  readonly rax?: number;
  readonly rdx?: number;
}

export interface Outcome {
  /** 0, or the signal number (SIGILL 4, SIGFPE 8, SIGSEGV 11). */
  signal: number;
  rax: bigint;
  rflags: number;
  image: Uint8Array;
  data: Uint8Array;
}

const RUNNER = String.raw`
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
static sigjmp_buf jb;
static volatile int sig;
static void on(int s) { sig = s; siglongjmp(jb, 1); }
static uint8_t in[512] __attribute__((aligned(16))), out[512] __attribute__((aligned(16)));
static uint64_t rax, rdx, rfl;
static int rd(void *p, size_t n) { return fread(p, 1, n, stdin) == n; }
int main(void) {
  uint8_t *code = mmap((void *)0x10000000, 65536, 7, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  uint8_t *data = mmap((void *)0x20000000, 4096, 3, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  struct sigaction sa = {0};
  sa.sa_handler = on; sa.sa_flags = SA_NODEFER;
  sigaction(SIGSEGV, &sa, 0); sigaction(SIGILL, &sa, 0); sigaction(SIGFPE, &sa, 0); sigaction(SIGBUS, &sa, 0);
  uint32_t len;
  while (rd(&len, 4)) {
    rd(&rax, 8); rd(&rdx, 8); rd(code, len); code[len] = 0xc3; rd(in, 512); rd(data, 1024);
    sig = 0;
    memset(out, 0, 512);
    if (sigsetjmp(jb, 1) == 0) {
      __asm__ volatile("fxrstor64 %[in]\n\tmov %[rax], %%rax\n\tmov %[rdx], %%rdx\n\tmov $0x20000000, %%rdi\n\tpushq $0x202\n\tpopfq\n\t"
                       "call *%[code]\n\tmov %%rax, %[rax]\n\tpushfq\n\tpopq %[rfl]\n\tfxsave64 %[out]"
                       : [out] "=m"(out), [rax] "+m"(rax), [rfl] "=m"(rfl)
                       : [in] "m"(in), [rdx] "m"(rdx), [code] "r"(code)
                       : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
    }
    uint32_t s = sig;
    fwrite(&s, 4, 1, stdout); fwrite(&rax, 8, 1, stdout); fwrite(&rfl, 8, 1, stdout);
    fwrite(out, 1, 512, stdout); fwrite(data, 1, 1024, stdout);
  }
  return 0;
}
`;

let dir = "";
function workDir(): string {
  if (dir === "") {
    dir = mkdtempSync(join(tmpdir(), "lwp-x87-"));
    writeFileSync(join(dir, "runner.c"), RUNNER);
    execFileSync("gcc", ["-O1", "-o", join(dir, "runner"), join(dir, "runner.c")]);
  }
  return dir;
}

/** Assembles every snippet (Intel syntax) in one `as` run. */
export function assemble(snippets: readonly string[]): Uint8Array[] {
  const d = workDir();
  const src = [".intel_syntax noprefix", ".text"];
  snippets.forEach((s, k) =>
    src.push(
      `s${k}:`,
      ...s
        .split(";")
        .map((l) => l.trim())
        .filter((l) => l !== ""),
      `e${k}:`,
    ),
  );
  writeFileSync(join(d, "t.s"), src.join("\n") + "\n");
  execFileSync("as", ["--64", "-o", join(d, "t.o"), join(d, "t.s")]);
  execFileSync("objcopy", ["-O", "binary", "-j", ".text", join(d, "t.o"), join(d, "t.bin")]);
  const bin = readFileSync(join(d, "t.bin"));
  const sym = new Map<string, number>();
  for (const line of execFileSync("nm", [join(d, "t.o")], { encoding: "utf8" }).split("\n")) {
    const [v, , name] = line.split(" ");
    if (name !== undefined && v !== undefined) sym.set(name, parseInt(v, 16));
  }
  return snippets.map((_, k) => new Uint8Array(bin.subarray(sym.get(`s${k}`)!, sym.get(`e${k}`)!)));
}

function u64(v: number | undefined): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v ?? 0)));
  return b;
}

export function runNative(cases: readonly Case[], code: readonly Uint8Array[]): Outcome[] {
  const parts: Buffer[] = [];
  cases.forEach((c, k) => {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(code[k]!.length);
    parts.push(len, u64(c.rax), u64(c.rdx), Buffer.from(code[k]!), Buffer.from(c.image), Buffer.from(c.data));
  });
  const out = execFileSync(join(workDir(), "runner"), { input: Buffer.concat(parts), maxBuffer: 1 << 28 });
  const rec = 4 + 16 + 512 + 1024;
  return cases.map((_, k) => {
    const o = out.subarray(k * rec, (k + 1) * rec);
    return {
      signal: o.readUInt32LE(0),
      rax: o.readBigUInt64LE(4),
      rflags: Number(o.readBigUInt64LE(12) & 0xfffn),
      image: new Uint8Array(o.subarray(20, 532)),
      data: new Uint8Array(o.subarray(532, rec)),
    };
  });
}

const SIGNAL_OF: Readonly<Record<number, number>> = { 6: 4, 13: 11, 14: 11, 16: 8, 17: 7 };

/** Runs one case in the emulator on a fresh CPU (same addresses as the native runner). */
export function runEmu(c: Case, code: Uint8Array): Outcome {
  const mem = new AddressSpace();
  mem.map(CODE, 65536, PROT_READ | PROT_EXEC);
  mem.map(DATA, 4096, PROT_READ | PROT_WRITE);
  mem.map(SCRATCH, 4096, PROT_READ | PROT_WRITE);
  mem.poke(CODE, Uint8Array.from([...code, 0x0f, 0x0b]));
  mem.poke(DATA, c.data);
  mem.poke(SCRATCH, c.image);
  const cpu = new Cpu(mem);
  fxrstor(cpu, SCRATCH, true);
  cpu.setReg(0, c.rax ?? 0);
  cpu.setReg(2, c.rdx ?? 0);
  cpu.setReg(7, DATA);
  cpu.rip = CODE;
  const exit = cpu.run(1000);
  let signal = 0;
  if (exit.kind === "ud") signal = cpu.rip === CODE + code.length ? 0 : 4;
  else if (exit.kind === "fault") signal = SIGNAL_OF[exit.vector] ?? 99;
  else signal = 98;
  const image = new Uint8Array(512);
  if (signal === 0) {
    fxsave(cpu, SCRATCH, true);
    image.set(mem.readBytes(SCRATCH, 512));
  }
  return { signal, rax: cpu.getReg64(0), rflags: cpu.f.rflags & 0xfff, image, data: mem.readBytes(DATA, DATA_LEN) };
}

/** Seeded xorshift RNG (deterministic test data). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export function hex(b: Uint8Array, from = 0, to = b.length): string {
  return Buffer.from(b.subarray(from, to)).toString("hex");
}
