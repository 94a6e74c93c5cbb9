// SPDX-License-Identifier: MIT
// Basic-block translation: fetch, decode with iced-x86 once, and turn each
// instruction into a closure through its row in the instruction table.
import type { Cpu } from "../cpu.js";
import { ACCESS_EXEC, MemoryFault, PAGE_SIZE } from "../../memory/address-space.js";
import { decodeRun, endsBlock, type Insn } from "../decode.js";
import { CpuException, VEC_UD } from "../exits.js";
import { lookupRow } from "../isa/table.js";
import type { Op } from "./types.js";

/** Longest block we translate (instructions). */
const MAX_BLOCK = 64;
/** Bytes fetched for decoding one block (64 instructions of average length fit). */
const FETCH = 512;

export class Block {
  constructor(
    readonly start: number,
    /** Address after the last instruction (the fall-through RIP). */
    readonly end: number,
    readonly ops: Op[],
    /** Address of each instruction. */
    readonly ips: number[],
    readonly insns: Insn[],
    /** Page numbers the block's bytes occupy. */
    readonly pages: number[],
  ) {}

  /** False once the block's bytes were written (self-modifying code) or translations flushed. */
  valid = true;
  /** LWP branch class of the last instruction (src/hw/lwp/exec.ts), -1 until first needed. */
  lwpBranchClass = -1;
  // Block chaining: the blocks that followed this one (fall-through and branch
  // target), so the run loop skips the translation-cache lookup.
  nextIp1 = -1;
  next1: Block | null = null;
  nextIp2 = -1;
  next2: Block | null = null;

  /** The chained successor for `rip`, or null when unknown or invalidated. */
  successor(rip: number): Block | null {
    const b = rip === this.nextIp1 ? this.next1 : rip === this.nextIp2 ? this.next2 : null;
    return b !== null && b.valid ? b : null;
  }

  link(rip: number, b: Block): void {
    if (this.nextIp1 === -1 || this.next1?.valid !== true) {
      this.nextIp1 = rip;
      this.next1 = b;
    } else {
      this.nextIp2 = rip;
      this.next2 = b;
    }
  }

  insnBytes(at: number): Uint8Array {
    return this.insns.find((i) => i.ip === at)?.bytes ?? new Uint8Array();
  }
}

const udOp: Op = () => {
  throw new CpuException(VEC_UD);
};

/**
 * Builds the closure for one instruction, #UD when no row accepts it. A builder
 * that throws (an operand kind it does not handle) also yields #UD, as a last
 * resort: translation must never crash the emulator.
 */
export function translateInsn(i: Insn): Op {
  if (i.invalid) return udOp;
  const r = lookupRow(i.mnemonic, i.form);
  if (r === undefined) return udOp;
  if (i.lock && (r.lock !== true || i.mem === null)) return udOp;
  try {
    return r.build(i) ?? udOp;
  } catch {
    return udOp;
  }
}

function stopAt(start: number): (i: Insn) => boolean {
  let n = 0;
  return (i) => ++n >= MAX_BLOCK || endsBlock(i) || i.next - start > FETCH - 16;
}

export function translateBlock(c: Cpu, rip: number): Block {
  const bytes = c.mem.fetchCode(rip, FETCH);
  if (bytes.length === 0) c.mem.slowPage(rip, ACCESS_EXEC); // throws the right fault
  let insns = decodeRun(bytes, rip, stopAt(rip));
  const last = insns[insns.length - 1];
  if (last !== undefined && last.invalid && last.len === 0) {
    // Ran out of fetchable bytes inside an instruction.
    if (insns.length === 1) throw new MemoryFault(rip + bytes.length, ACCESS_EXEC, false, false);
    insns = insns.slice(0, -1);
  } else if (last !== undefined && last.invalid && insns.length > 1) {
    insns = insns.slice(0, -1); // end before it; it #UDs when reached
  }
  const ops = insns.map(translateInsn);
  if (c.probes !== null) c.probes.instrument(insns, ops);
  const end = insns.length > 0 ? insns[insns.length - 1]!.next : rip;
  const pages: number[] = [];
  for (let p = Math.floor(rip / PAGE_SIZE); p <= Math.floor((end - 1) / PAGE_SIZE); p++) pages.push(p);
  return new Block(rip, end, ops, insns.map((i) => i.ip), insns, pages);
}
