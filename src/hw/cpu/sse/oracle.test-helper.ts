// SPDX-License-Identifier: MIT
// Test-only harness: assembles snippets with binutils, runs them on the host CPU
// through oracle.c and in the emulator from the same initial state, and diffs
// XMM/MMX/GPR/MXCSR/RFLAGS/x87 tag state/memory (the host is the oracle).
/* eslint-disable no-restricted-imports -- test helper (house style §3.2): gcc, as and the host CPU are the oracle */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../memory/address-space.js";
import { Cpu } from "../cpu.js";

const IN_SIZE = 704;
const OUT_SIZE = 624;
const CODE = 0x20000000;
const DATA = 0x10000000;

export interface Case {
  asm: string;
  mxcsr: number;
  rflags: number;
  xmm: Uint8Array; // 256
  gpr: Uint8Array; // 128 (RBX is replaced by the data address)
  mm: Uint8Array; // 64
  mem: Uint8Array; // 128
}

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return dir;
}

/** Assembles each distinct snippet (Intel syntax); returns bytes by snippet text. */
export function assemble(snippets: Iterable<string>): Map<string, Uint8Array> {
  const list = [...new Set(snippets)];
  const dir = mkdtempSync(join(tmpdir(), "lwp-sse-"));
  try {
    const src = [".intel_syntax noprefix", ".text"];
    list.forEach((s, k) => src.push(`s${k}:`, ...s.split(";").map((x) => x.trim()), `e${k}:`));
    writeFileSync(join(dir, "a.s"), src.join("\n") + "\n");
    execFileSync("as", ["--64", "-o", join(dir, "a.o"), join(dir, "a.s")]);
    execFileSync("objcopy", ["-O", "binary", "-j", ".text", join(dir, "a.o"), join(dir, "a.bin")]);
    const bin = readFileSync(join(dir, "a.bin"));
    const syms = new Map<string, number>();
    for (const line of execFileSync("nm", [join(dir, "a.o")])
      .toString()
      .split("\n")) {
      const [addr, , name] = line.trim().split(/\s+/);
      if (name !== undefined && addr !== undefined) syms.set(name, parseInt(addr, 16));
    }
    const out = new Map<string, Uint8Array>();
    list.forEach((s, k) => out.set(s, new Uint8Array(bin.subarray(syms.get(`s${k}`)!, syms.get(`e${k}`)!))));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let oraclePath: string | undefined;

function oracle(): string {
  if (oraclePath !== undefined) return oraclePath;
  const dir = mkdtempSync(join(tmpdir(), "lwp-sse-oracle-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  oraclePath = join(dir, "oracle");
  execFileSync("gcc", ["-O1", "-o", oraclePath, join(repoRoot(), "src/hw/cpu/sse/oracle.c")]);
  return oraclePath;
}

function record(c: Case, code: Uint8Array): Uint8Array {
  const r = new Uint8Array(IN_SIZE);
  const v = new DataView(r.buffer);
  r.set(code, 0);
  v.setUint32(96, code.length, true);
  v.setUint32(100, c.mxcsr, true);
  v.setUint32(104, c.rflags, true);
  r.set(c.gpr, 112);
  r.set(c.xmm, 240);
  r.set(c.mm, 496);
  r.set(c.mem, 560);
  return r;
}

/** Runs every case natively in one oracle process. */
export function runNative(cases: readonly Case[], codes: Map<string, Uint8Array>): Uint8Array[] {
  const input = new Uint8Array(cases.length * IN_SIZE);
  cases.forEach((c, k) => input.set(record(c, codes.get(c.asm)!), k * IN_SIZE));
  const out = execFileSync(oracle(), [], { input, maxBuffer: cases.length * OUT_SIZE + 1024 });
  return cases.map((_, k) => new Uint8Array(out.subarray(k * OUT_SIZE, (k + 1) * OUT_SIZE)));
}

const SIG_OF_VECTOR: Record<number, number> = { 13: 11, 14: 11, 19: 8, 6: 4, 16: 8, 17: 7 };

class Emu {
  readonly mem = new AddressSpace();
  readonly cpu: Cpu;

  constructor() {
    this.mem.map(CODE, 4096, PROT_READ | PROT_EXEC);
    this.mem.map(DATA, 4096, PROT_READ | PROT_WRITE);
    this.cpu = new Cpu(this.mem);
  }

  run(c: Case, code: Uint8Array): Uint8Array {
    const cpu = this.cpu,
      mem = this.mem;
    const bytes = new Uint8Array(code.length + 2);
    bytes.set(code);
    bytes.set([0x0f, 0x0b], code.length);
    mem.poke(CODE, bytes);
    mem.poke(DATA, new Uint8Array(256));
    mem.poke(DATA, c.mem);
    cpu.flushCode();
    cpu.r8.set(c.gpr);
    cpu.setReg(3, DATA);
    cpu.x8.set(c.xmm);
    cpu.mxcsr = c.mxcsr;
    cpu.f.rflags = c.rflags;
    const x = cpu.x87;
    x.reset();
    for (let i = 0; i < 8; i++) {
      x.raw.set(c.mm.subarray(8 * i, 8 * i + 8), 10 * i);
      x.view.setUint16(10 * i + 8, 0xffff, true);
    }
    x.tags = 0xff;
    cpu.rip = CODE;
    const exit = cpu.run(100);
    const out = new Uint8Array(OUT_SIZE);
    const v = new DataView(out.buffer);
    out.set(cpu.x8, 0);
    v.setUint32(576, cpu.mxcsr, true);
    out.set(mem.readBytes(DATA, 128), 448);
    let sig = 0;
    if (exit.kind === "ud" && cpu.rip === CODE + code.length) sig = 0;
    else if (exit.kind === "ud") sig = 4;
    else if (exit.kind === "fault") sig = SIG_OF_VECTOR[exit.vector] ?? 99;
    else sig = 98;
    v.setUint32(580, sig, true);
    if (sig !== 0) return out;
    out.set(cpu.r8, 256);
    for (let i = 0; i < 8; i++) out.set(x.raw.subarray(10 * i, 10 * i + 8), 384 + 8 * i);
    v.setUint32(584, cpu.f.rflags, true);
    v.setUint16(592, x.status, true);
    out[594] = x.tags;
    for (let i = 0; i < 8; i++) v.setUint16(600 + 2 * i, x.view.getUint16(10 * i + 8, true), true);
    return out;
  }
}

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

function words(b: Uint8Array, off: number, n: number): string {
  const v = new DataView(b.buffer, b.byteOffset);
  const w: string[] = [];
  for (let k = n - 4; k >= 0; k -= 4) {
    w.push(
      v
        .getUint32(off + k, true)
        .toString(16)
        .padStart(8, "0"),
    );
  }
  return w.join("_");
}

/** Describes the first difference between native and emulated outcomes, or undefined. */
export function compare(c: Case, nat: Uint8Array, emu: Uint8Array): string | undefined {
  const nv = new DataView(nat.buffer, nat.byteOffset),
    ev = new DataView(emu.buffer, emu.byteOffset);
  const sigN = nv.getUint32(580, true),
    sigE = ev.getUint32(580, true);
  const ctx = (): string => {
    const regs = [...new Set(c.asm.match(/\b(x?mm)\d+/g) ?? [])];
    const shown = regs.map(
      (r) =>
        `${r}=${r.startsWith("x") ? words(c.xmm, 16 * Number(r.slice(3)), 16) : words(c.mm, 8 * Number(r.slice(2)), 8)}`,
    );
    return `${c.asm} mxcsr=${c.mxcsr.toString(16)} ${shown.join(" ")} mem=${words(c.mem, 0, 32)} rax=${words(c.gpr, 0, 8)}`;
  };
  if (sigN !== sigE) return `signal native ${sigN} emu ${sigE}: ${ctx()}`;
  const mxN = nv.getUint32(576, true),
    mxE = ev.getUint32(576, true);
  if (mxN !== mxE) return `mxcsr native ${mxN.toString(16)} emu ${mxE.toString(16)}: ${ctx()}`;
  for (let r = 0; r < 16; r++) {
    if (hex(nat.subarray(16 * r, 16 * r + 16)) !== hex(emu.subarray(16 * r, 16 * r + 16))) {
      return `xmm${r} native ${words(nat, 16 * r, 16)} emu ${words(emu, 16 * r, 16)}: ${ctx()}`;
    }
  }
  if (hex(nat.subarray(448, 576)) !== hex(emu.subarray(448, 576))) {
    return `memory native ${hex(nat.subarray(448, 480))} emu ${hex(emu.subarray(448, 480))}: ${ctx()}`;
  }
  if (sigN !== 0) return undefined;
  for (let r = 0; r < 16; r++) {
    if (r === 3 || r === 4 || (r === 7 && c.asm.includes("lea rdi"))) continue; // RBX (and RDI) hold the data address
    if (nv.getBigUint64(256 + 8 * r, true) !== ev.getBigUint64(256 + 8 * r, true)) {
      return `gpr${r} native ${words(nat, 256 + 8 * r, 8)} emu ${words(emu, 256 + 8 * r, 8)}: ${ctx()}`;
    }
  }
  if (hex(nat.subarray(384, 448)) !== hex(emu.subarray(384, 448))) {
    return `mm native ${hex(nat.subarray(384, 448))} emu ${hex(emu.subarray(384, 448))}: ${ctx()}`;
  }
  const fN = nv.getUint32(584, true) & 0xcd5,
    fE = ev.getUint32(584, true) & 0xcd5;
  if (fN !== fE) return `rflags native ${fN.toString(16)} emu ${fE.toString(16)}: ${ctx()}`;
  if ((nv.getUint16(592, true) & 0x3800) !== (ev.getUint16(592, true) & 0x3800) || nat[594] !== emu[594]) {
    return `x87 TOP/tags native ${nv.getUint16(592, true).toString(16)}/${nat[594]} emu ${ev.getUint16(592, true).toString(16)}/${emu[594]}: ${ctx()}`;
  }
  if (hex(nat.subarray(600, 616)) !== hex(emu.subarray(600, 616))) {
    return `x87 exponents native ${hex(nat.subarray(600, 616))} emu ${hex(emu.subarray(600, 616))}: ${ctx()}`;
  }
  return undefined;
}

/** Runs all cases both ways; returns failure descriptions (at most `limit`) and the count. */
export function check(cases: readonly Case[], limit = 10): string[] {
  const codes = assemble(cases.map((c) => c.asm));
  const native = runNative(cases, codes);
  const emu = new Emu();
  const fails: string[] = [];
  cases.forEach((c, k) => {
    const d = compare(c, native[k]!, emu.run(c, codes.get(c.asm)!));
    if (d !== undefined && fails.length < limit) fails.push(d);
  });
  return fails;
}
