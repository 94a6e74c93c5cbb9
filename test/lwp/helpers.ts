// SPDX-License-Identifier: MIT
// Test bench for the LWP spec-rule tests: a bare Cpu with code, LWPCB, ring and
// data pages, snippets assembled by the system `as` (Intel syntax) and ended by
// ud2, and helpers to write an LWPCB and read back the ring.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../src/hw/memory/address-space.js";
import { Cpu } from "../../src/hw/cpu/cpu.js";
import type { PhysMem } from "../../src/hw/memory/phys.js";
import { fam15hModel, fullModel } from "../../src/hw/cpu/cpuid.js";
import type { Exit } from "../../src/hw/cpu/exits.js";
import type { LwpOptions } from "../../src/hw/lwp/unit.js";
import { CB, intervalOffset, read64 } from "../../src/hw/lwp/lwpcb.js";
import { decodeRecord, type LwpRecord } from "../../src/hw/lwp/record.js";

export const CODE = 0x400000;
export const LWPCB = 0x500000;
export const RING = 0x510000;
export const DATA = 0x600000;
export const STACK_TOP = 0x7ff000;
export const EVENT_OFFSET = 0x80;

const cache = new Map<string, Uint8Array>();

/** Assembles Intel-syntax x86-64 text with GNU as into flat bytes at CODE. */
export function asm(text: string): Uint8Array {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const dir = mkdtempSync(join(tmpdir(), "lwp-asm-"));
  try {
    writeFileSync(join(dir, "a.s"), `.intel_syntax noprefix\n.text\n${text}\n`);
    execFileSync("as", ["--64", "-o", join(dir, "a.o"), join(dir, "a.s")]);
    execFileSync("ld", [
      "-Ttext",
      `0x${CODE.toString(16)}`,
      "--oformat",
      "binary",
      "-e",
      "0",
      "-o",
      join(dir, "a.bin"),
      join(dir, "a.o"),
    ]);
    const bytes = new Uint8Array(readFileSync(join(dir, "a.bin")));
    cache.set(text, bytes);
    return bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Bench {
  readonly c: Cpu;
  readonly mem: AddressSpace;
}

/** A CPU (full model by default) with XCR0[62] set, and the bench's pages mapped. */
export function bench(
  opts: { model?: "full" | "fam15h"; lwp?: boolean; lwpOptions?: LwpOptions; phys?: PhysMem } = {},
): Bench {
  const mem = new AddressSpace(opts.phys);
  mem.map(CODE, 0x10000, PROT_READ | PROT_WRITE | PROT_EXEC);
  mem.map(LWPCB, 0x1000, PROT_READ | PROT_WRITE);
  mem.map(RING, 0x10000, PROT_READ | PROT_WRITE);
  mem.map(DATA, 0x100000, PROT_READ | PROT_WRITE);
  mem.map(STACK_TOP - 0x10000, 0x10000, PROT_READ | PROT_WRITE);
  const c = new Cpu(mem, opts.model === "fam15h" ? fam15hModel() : fullModel(), opts.lwpOptions ?? {});
  if (opts.lwp !== false) c.xcr0Hi |= 1 << 30;
  c.setReg(4, STACK_TOP - 64);
  return { c, mem };
}

/** Loads a snippet at CODE, sets RIP and runs it; returns the exit. */
export function run(b: Bench, text: string, regs: Record<number, number> = {}, budget = 50_000_000): Exit {
  loadCode(b, text, regs);
  return b.c.run(budget);
}

export function loadCode(b: Bench, text: string, regs: Record<number, number> = {}): void {
  b.mem.poke(CODE, asm(text));
  b.c.flushCode();
  for (const [r, v] of Object.entries(regs)) b.c.setReg(Number(r), v);
  b.c.rip = CODE;
}

export const RAX = 0,
  RCX = 1,
  RDX = 2,
  RBX = 3,
  RSP = 4,
  RBP = 5,
  RSI = 6,
  RDI = 7;

export interface CbFields {
  flags: number;
  size?: number;
  random?: number;
  base?: number;
  head?: number;
  tail?: number;
  missed?: number;
  threshold?: number;
  filters?: number;
  baseIp?: number;
  limitIp?: number;
  /** EventInterval n, by event id; counters default to the interval. */
  intervals?: Record<number, number>;
  counters?: Record<number, number>;
}

/** Writes an LWPCB at `at` (the bench's LWPCB page by default). */
export function writeLwpcb(b: Bench, f: CbFields, at = LWPCB): number {
  const m = b.mem;
  for (let k = 0; k < 0x100; k += 4) m.write32(at + k, 0);
  m.write32(at + CB.FLAGS, f.flags);
  m.write32(at + CB.BUFFER_SIZE, (f.size ?? 4096) | ((f.random ?? 0) << 28));
  m.write64(at + CB.BUFFER_BASE, f.base ?? RING, 0);
  m.write32(at + CB.HEAD, f.head ?? 0);
  m.write32(at + CB.TAIL, f.tail ?? 0);
  m.write64(at + CB.MISSED, f.missed ?? 0, 0);
  m.write32(at + CB.THRESHOLD, f.threshold ?? 0);
  m.write32(at + CB.FILTERS, f.filters ?? 0);
  m.write64(at + CB.BASE_IP, f.baseIp ?? 0, 0);
  m.write64(at + CB.LIMIT_IP, f.limitIp ?? 0, 0);
  for (const [n, v] of Object.entries(f.intervals ?? {})) {
    const off = at + intervalOffset(EVENT_OFFSET, Number(n));
    m.write32(off, v);
    m.write32(off + 4, f.counters?.[Number(n)] ?? v);
  }
  return at;
}

export function cbHead(b: Bench, at = LWPCB): number {
  return b.mem.read32(at + CB.HEAD);
}

export function cbMissed(b: Bench, at = LWPCB): number {
  return read64(b.mem, at + CB.MISSED);
}

export function cbCounter(b: Bench, n: number, at = LWPCB): number {
  return b.mem.read32(at + intervalOffset(EVENT_OFFSET, n) + 4);
}

/** Records between `tail` and the LWPCB's head (ring of `size` bytes at RING). */
export function records(b: Bench, tail = 0, size = 4096, at = LWPCB): LwpRecord[] {
  const head = cbHead(b, at);
  const ring = b.mem.readBytes(RING, size);
  const out: LwpRecord[] = [];
  for (let p = tail; p !== head; p = (p + 32) % size) out.push(decodeRecord(ring, p));
  return out;
}

/** Symbol address helper: offset of a label is found by assembling up to it. */
export function labelAddress(text: string, label: string): number {
  const cut = text.indexOf(`${label}:`);
  if (cut < 0) throw new Error(`no label ${label}`);
  return CODE + asm(text.slice(0, cut)).length;
}

/**
 * Two passes over a loop of RBX iterations; between them the program rewrites the loop's
 * `mov eax, 1` into `mov eax, 2` (self-modifying code). Ends at UD2 with EDX = 3 × RBX.
 */
export const SELF_MODIFYING_LOOP = [
  " xor edx, edx",
  " xor esi, esi",
  "A: mov ecx, ebx",
  "L: mov eax, 1",
  " add edx, eax",
  " dec ecx",
  " jnz L",
  " inc esi",
  " cmp esi, 2",
  " je D",
  " mov byte ptr [L + 1], 2",
  " jmp A",
  "D: ud2",
].join("\n");
