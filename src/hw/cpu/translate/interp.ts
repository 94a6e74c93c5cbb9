// SPDX-License-Identifier: MIT
// Runs a block's packed instructions (packed.ts): one switch per instruction, the
// semantic functions of the instruction table called directly (ADD's `add`, PUSH's
// `push64` ...), so that V8 optimizes this one function once, for every block, and
// inlines them. Each case does what the instruction's closure does, in the same order
// (the memory reads before the register writes, a 64-bit value's low half first), so a
// fault leaves the same state; P_CLOSURE runs the closure itself.
import type { Cpu } from "../cpu.js";
import type { Op } from "./types.js";
import { add, dec, inc, sub } from "../isa/arith.js";
import { and, or, xor } from "../isa/logic.js";
import { canonical } from "../isa/control.js";
import { sar, shl, shr } from "../isa/shift.js";
import { pop64, popAddr, push64, pushAddr, rsp, setRsp } from "../isa/stack-ops.js";
import { CpuException, VEC_GP } from "../exits.js";
import {
  A_ADD,
  A_AND,
  A_CMP,
  A_OR,
  A_SUB,
  A_TEST,
  M_ABSOLUTE,
  M_ADDR32,
  P_ALU_MI,
  P_ALU_MR,
  P_ALU_RI,
  P_ALU_RM,
  P_ALU_RR,
  P_CALL,
  P_CLOSURE,
  P_CALL_M,
  P_CALL_R,
  P_CMOV_RM,
  P_CMOV_RR,
  P_INCDEC,
  P_JCC,
  P_JMP,
  P_JMP_M,
  P_JMP_R,
  P_LEA,
  P_LOAD,
  P_MOVX_M,
  P_MOVX_R,
  P_MOV_RI,
  P_MOV_RR,
  P_POP,
  P_PUSH,
  P_RET,
  P_SETCC,
  P_SHIFT_RC,
  P_SHIFT_RI,
  P_NOP,
  P_CDQE,
  S_SHL,
  S_SHR,
  P_STORE,
  P_STORE_I,
  P_WORDS,
  X_SIGN64,
  X_ZERO,
} from "./packed.js";

const TWO32 = 4294967296;

/**
 * Runs the block whose packed words are `p` and closures `ops`; `end` is its end (RIP
 * already there). Each kind has a function of its own (HANDLERS): V8 optimizes the ones a
 * run makes hot, each small, instead of one switch over every kind (a 15–20 ms compile
 * that a short run paid and did not earn back).
 */
export function runPacked(c: Cpu, p: Int32Array, ops: readonly Op[], end: number): void {
  for (let i = 0, k = 0; i < ops.length; i++, k += P_WORDS) {
    c.ci = i;
    const w0 = p[k]!,
      kind = w0 & 0xff;
    // The commonest kinds are called directly (V8 inlines the small ones), the others
    // through the table.
    switch (kind) {
      case P_CLOSURE:
        ops[i]!(c);
        break;
      case P_LOAD:
        kLoad(c, w0, p[k + 1]!, p[k + 2]!, 0, end);
        break;
      case P_STORE:
        kStore(c, w0, p[k + 1]!, p[k + 2]!, 0, end);
        break;
      case P_MOV_RR:
        kMovRr(c, w0, 0, 0, 0, end);
        break;
      case P_JCC:
        kJcc(c, w0, 0, p[k + 2]!, 0, end);
        break;
      default:
        HANDLERS[kind]!(c, w0, p[k + 1]!, p[k + 2]!, p[k + 3]!, end);
    }
  }
}

type Handler = (c: Cpu, w0: number, w1: number, w2: number, w3: number, end: number) => void;

function kMovRr(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const r = c.r32,
    x = (w0 >> 8) & 0x7f,
    y = (w0 >> 15) & 0x7f,
    sz = 8 << (w0 >>> 29);
  r[x] = r[y]!;
  r[x + 1] = sz === 64 ? r[y + 1]! : 0;
}

function kMovRi(c: Cpu, w0: number, _w1: number, w2: number, w3: number, _end: number): void {
  const r = c.r32,
    x = (w0 >> 8) & 0x7f;
  r[x] = w3;
  r[x + 1] = w2;
}

function kLoad(c: Cpu, w0: number, w1: number, w2: number, _w3: number, end: number): void {
  const x = (w0 >> 8) & 0x7f,
    sz = 8 << (w0 >>> 29);
  load(c, x, sz, ea(c, w1, w2, end));
}

function kStore(c: Cpu, w0: number, w1: number, w2: number, _w3: number, end: number): void {
  const r = c.r32,
    y = (w0 >> 15) & 0x7f,
    sz = 8 << (w0 >>> 29);
  store(c, sz, ea(c, w1, w2, end), sz === 8 ? c.r8[y]! : r[y]!, sz === 64 ? r[y + 1]! : 0);
}

function kStoreI(c: Cpu, w0: number, w1: number, w2: number, w3: number, end: number): void {
  const sz = 8 << (w0 >>> 29);
  store(c, sz, ea(c, w1, w2, end), w3, w3 >> 31);
}

function kMovxR(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const x = (w0 >> 8) & 0x7f,
    y = (w0 >> 15) & 0x7f,
    sz = 8 << (w0 >>> 29);
  movxReg(c, x, sz, w0, y);
}

function kMovxM(c: Cpu, w0: number, w1: number, w2: number, _w3: number, end: number): void {
  const x = (w0 >> 8) & 0x7f,
    sz = 8 << (w0 >>> 29);
  movxMem(c, x, sz, w0, ea(c, w1, w2, end));
}

function kLea(c: Cpu, w0: number, w1: number, w2: number, _w3: number, end: number): void {
  const x = (w0 >> 8) & 0x7f,
    sz = 8 << (w0 >>> 29);
  lea(c, x, sz, w1, w2, end);
}

function kAluRr(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const r = c.r32,
    x = (w0 >> 8) & 0x7f,
    y = (w0 >> 15) & 0x7f,
    sz = 8 << (w0 >>> 29);
  aluReg(c, w0, x, sz, regLo(c, y, sz), sz === 64 ? r[y + 1]! : 0);
}

function kAluRi(c: Cpu, w0: number, _w1: number, _w2: number, w3: number, _end: number): void {
  const x = (w0 >> 8) & 0x7f,
    sz = 8 << (w0 >>> 29);
  aluReg(c, w0, x, sz, w3, sz === 64 ? w3 >> 31 : 0);
}

function kAluRm(c: Cpu, w0: number, w1: number, w2: number, _w3: number, end: number): void {
  const x = (w0 >> 8) & 0x7f,
    sz = 8 << (w0 >>> 29);
  aluRegMem(c, w0, x, sz, ea(c, w1, w2, end));
}

function kAluMr(c: Cpu, w0: number, w1: number, w2: number, _w3: number, end: number): void {
  const r = c.r32,
    y = (w0 >> 15) & 0x7f,
    sz = 8 << (w0 >>> 29);
  aluMem(c, w0, sz, ea(c, w1, w2, end), regLo(c, y, sz), sz === 64 ? r[y + 1]! : 0);
}

function kAluMi(c: Cpu, w0: number, w1: number, w2: number, w3: number, end: number): void {
  const sz = 8 << (w0 >>> 29);
  aluMem(c, w0, sz, ea(c, w1, w2, end), w3, sz === 64 ? w3 >> 31 : 0);
}

function kIncdec(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const x = (w0 >> 8) & 0x7f,
    sz = 8 << (w0 >>> 29);
  incDec(c, w0, x, sz);
}

function kPush(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const r = c.r32,
    x = (w0 >> 8) & 0x7f;
  push64(c, r[x]!, r[x + 1]!);
}

function kPop(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const r = c.r32,
    x = (w0 >> 8) & 0x7f;
  pop64(c);
  r[x] = c.t0;
  r[x + 1] = c.t1;
}

function kCall(c: Cpu, _w0: number, _w1: number, w2: number, w3: number, end: number): void {
  pushAddr(c, end + w3);
  c.rip = end + w2;
}

function kRet(c: Cpu, _w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  ret(c);
}

function kJmp(c: Cpu, _w0: number, _w1: number, w2: number, _w3: number, end: number): void {
  c.rip = end + w2;
}

function kJcc(c: Cpu, w0: number, _w1: number, w2: number, _w3: number, end: number): void {
  if (c.f.cond((w0 >> 22) & 15)) c.rip = end + w2;
}

function kJmpR(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const r = c.r32,
    x = (w0 >> 8) & 0x7f;
  c.rip = canonical(r[x + 1]! * TWO32 + (r[x]! >>> 0));
}

function kJmpM(c: Cpu, _w0: number, w1: number, w2: number, _w3: number, end: number): void {
  c.rip = canonical(read64(c, ea(c, w1, w2, end)));
}

function kCallR(c: Cpu, w0: number, _w1: number, _w2: number, w3: number, end: number): void {
  const r = c.r32,
    x = (w0 >> 8) & 0x7f;
  callTo(c, canonical(r[x + 1]! * TWO32 + (r[x]! >>> 0)), end + w3);
}

function kCallM(c: Cpu, _w0: number, w1: number, w2: number, w3: number, end: number): void {
  callTo(c, canonical(read64(c, ea(c, w1, w2, end))), end + w3);
}

function kCmovRr(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const x = (w0 >> 8) & 0x7f,
    y = (w0 >> 15) & 0x7f,
    sz = 8 << (w0 >>> 29);
  cmovReg(c, w0, x, sz, y);
}

function kCmovRm(c: Cpu, w0: number, w1: number, w2: number, _w3: number, end: number): void {
  const x = (w0 >> 8) & 0x7f,
    sz = 8 << (w0 >>> 29);
  cmovMem(c, w0, x, sz, ea(c, w1, w2, end));
}

function kShiftRi(c: Cpu, w0: number, _w1: number, _w2: number, w3: number, _end: number): void {
  const x = (w0 >> 8) & 0x7f,
    sz = 8 << (w0 >>> 29);
  shiftReg(c, w0, x, sz, w3);
}

function kShiftRc(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const x = (w0 >> 8) & 0x7f,
    sz = 8 << (w0 >>> 29);
  shiftReg(c, w0, x, sz, c.r8[8]! & (sz === 64 ? 63 : 31));
}

function kCdqe(c: Cpu, _w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const r = c.r32;
  r[1] = r[0]! >> 31;
}

function kSetcc(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const x = (w0 >> 8) & 0x7f;
  c.r8[x] = c.f.cond((w0 >> 22) & 15) ? 1 : 0;
}

/** The function of each packed kind (P_CLOSURE runs the closure itself). */
const HANDLERS: Handler[] = [];
HANDLERS[P_MOV_RR] = kMovRr;
HANDLERS[P_MOV_RI] = kMovRi;
HANDLERS[P_LOAD] = kLoad;
HANDLERS[P_STORE] = kStore;
HANDLERS[P_STORE_I] = kStoreI;
HANDLERS[P_MOVX_R] = kMovxR;
HANDLERS[P_MOVX_M] = kMovxM;
HANDLERS[P_LEA] = kLea;
HANDLERS[P_ALU_RR] = kAluRr;
HANDLERS[P_ALU_RI] = kAluRi;
HANDLERS[P_ALU_RM] = kAluRm;
HANDLERS[P_ALU_MR] = kAluMr;
HANDLERS[P_ALU_MI] = kAluMi;
HANDLERS[P_INCDEC] = kIncdec;
HANDLERS[P_PUSH] = kPush;
HANDLERS[P_POP] = kPop;
HANDLERS[P_CALL] = kCall;
HANDLERS[P_RET] = kRet;
HANDLERS[P_JMP] = kJmp;
HANDLERS[P_JCC] = kJcc;
HANDLERS[P_JMP_R] = kJmpR;
HANDLERS[P_JMP_M] = kJmpM;
HANDLERS[P_CALL_R] = kCallR;
HANDLERS[P_CALL_M] = kCallM;
HANDLERS[P_CMOV_RR] = kCmovRr;
HANDLERS[P_CMOV_RM] = kCmovRm;
HANDLERS[P_SHIFT_RI] = kShiftRi;
HANDLERS[P_SHIFT_RC] = kShiftRc;
HANDLERS[P_CDQE] = kCdqe;
HANDLERS[P_SETCC] = kSetcc;
HANDLERS[P_NOP] = () => {};

/**
 * The effective address of word 1's memory operand (translate/operands.ts `eaOf`, in the
 * same order of operations), left in `c.ea` as the closures leave it.
 */
function ea(c: Cpu, w1: number, d: number, end: number): number {
  const r = c.r32,
    b = (w1 & 31) - 1,
    x = ((w1 >> 5) & 31) - 1;
  let a: number;
  if ((w1 & M_ABSOLUTE) !== 0) a = end + d;
  else if (x < 0) a = b < 0 ? d : r[2 * b + 1]! * TWO32 + (r[2 * b]! >>> 0) + d;
  else {
    const ix = (r[2 * x + 1]! * TWO32 + (r[2 * x]! >>> 0)) * (1 << ((w1 >> 10) & 3));
    a = b < 0 ? ix + d : r[2 * b + 1]! * TWO32 + (r[2 * b]! >>> 0) + ix + d;
  }
  if ((w1 & M_ADDR32) !== 0) a = a >>> 0;
  const seg = (w1 >> 12) & 3;
  if (seg === 1) a = c.fsBase + a;
  else if (seg === 2) a = c.gsBase + a;
  c.ea = a;
  return a;
}

/** The low word of a register operand of `sz` bits at slot `y`. */
function regLo(c: Cpu, y: number, sz: number): number {
  return sz === 8 ? c.r8[y]! : c.r32[y]!;
}

function read64(c: Cpu, a: number): number {
  const lo = c.mem.read32(a) >>> 0;
  return c.mem.read32(a + 4) * TWO32 + lo;
}

function load(c: Cpu, x: number, sz: number, a: number): void {
  if (sz === 8) {
    c.r8[x] = c.mem.read8(a);
    return;
  }
  const lo = c.mem.read32(a);
  c.r32[x + 1] = sz === 64 ? c.mem.read32(a + 4) : 0;
  c.r32[x] = lo;
}

function store(c: Cpu, sz: number, a: number, lo: number, hi: number): void {
  if (sz === 64) c.mem.write64(a, lo, hi);
  else if (sz === 32) c.mem.write32(a, lo);
  else c.mem.write8(a, lo & 0xff);
}

/** MOVZX/MOVSX/MOVSXD of `v` (the source, zero-extended from its size) into slot `x`. */
function movx(c: Cpu, x: number, sz: number, w0: number, from: number, v: number): void {
  const ext = (w0 >> 22) & 15;
  const r = c.r32;
  if (ext === X_ZERO) {
    r[x] = v;
    r[x + 1] = 0;
    return;
  }
  const s = from === 0 ? (v << 24) >> 24 : from === 1 ? (v << 16) >> 16 : v | 0;
  r[x] = s;
  r[x + 1] = ext === X_SIGN64 && sz === 64 ? s >> 31 : 0;
}

function movxReg(c: Cpu, x: number, sz: number, w0: number, y: number): void {
  const from = (w0 >> 26) & 7;
  movx(c, x, sz, w0, from, from === 0 ? c.r8[y]! : from === 1 ? c.r16[y]! : c.r32[y]!);
}

function movxMem(c: Cpu, x: number, sz: number, w0: number, a: number): void {
  const from = (w0 >> 26) & 7;
  const v = from === 0 ? c.mem.read8(a) : from === 1 ? c.mem.read16(a) : c.mem.read32(a);
  movx(c, x, sz, w0, from, v);
}

/** LEA: 64-bit arithmetic on halves, no segment base (isa/move.ts `lea`). */
function lea(c: Cpu, x: number, sz: number, w1: number, disp: number, end: number): void {
  const r = c.r32,
    b = (w1 & 31) - 1,
    ix = ((w1 >> 5) & 31) - 1,
    s = 1 << ((w1 >> 10) & 3);
  const d = (w1 & M_ABSOLUTE) !== 0 ? end + disp : disp;
  let lo = d >>> 0,
    hi = Math.floor(d / TWO32);
  if (b >= 0) {
    lo += r[2 * b]! >>> 0;
    hi += r[2 * b + 1]!;
  }
  if (ix >= 0) {
    lo += (r[2 * ix]! >>> 0) * s;
    hi += r[2 * ix + 1]! * s;
  }
  hi += Math.floor(lo / TWO32);
  r[x] = lo | 0;
  r[x + 1] = sz === 64 && (w1 & M_ADDR32) === 0 ? hi | 0 : 0;
}

/** The ALU operation of word 0 on (a, ah) and (b, bh): result in c.t0/c.t1, flags set. */
function alu(c: Cpu, w0: number, a: number, ah: number, b: number, bh: number, sz: number): void {
  switch ((w0 >> 26) & 7) {
    case A_ADD:
      add(c, a, ah, b, bh, sz);
      return;
    case A_SUB:
    case A_CMP:
      sub(c, a, ah, b, bh, sz);
      return;
    case A_AND:
    case A_TEST:
      and(c, a, ah, b, bh, sz);
      return;
    case A_OR:
      or(c, a, ah, b, bh, sz);
      return;
    default:
      xor(c, a, ah, b, bh, sz);
  }
}

/** Whether word 0's ALU operation writes its result (CMP and TEST do not). */
function stores(w0: number): boolean {
  const op = (w0 >> 26) & 7;
  return op !== A_CMP && op !== A_TEST;
}

function aluReg(c: Cpu, w0: number, x: number, sz: number, b: number, bh: number): void {
  const r = c.r32;
  if (sz === 8) alu(c, w0, c.r8[x]!, 0, b, 0, 8);
  else alu(c, w0, r[x]!, sz === 64 ? r[x + 1]! : 0, b, bh, sz);
  if (!stores(w0)) return;
  if (sz === 8) c.r8[x] = c.t0;
  else {
    r[x] = c.t0;
    r[x + 1] = sz === 64 ? c.t1 : 0;
  }
}

function aluRegMem(c: Cpu, w0: number, x: number, sz: number, a: number): void {
  if (sz === 8) {
    aluReg(c, w0, x, 8, c.mem.read8(a), 0);
    return;
  }
  const lo = c.mem.read32(a);
  aluReg(c, w0, x, sz, lo, sz === 64 ? c.mem.read32(a + 4) : 0);
}

function aluMem(c: Cpu, w0: number, sz: number, a: number, b: number, bh: number): void {
  if (sz === 8) alu(c, w0, c.mem.read8(a), 0, b, 0, 8);
  else {
    const lo = c.mem.read32(a);
    alu(c, w0, lo, sz === 64 ? c.mem.read32(a + 4) : 0, b, bh, sz);
  }
  if (stores(w0)) store(c, sz, a, c.t0, c.t1);
}

function incDec(c: Cpu, w0: number, x: number, sz: number): void {
  const r = c.r32;
  if ((w0 >> 26) & 7) dec(c, r[x]!, sz === 64 ? r[x + 1]! : 0, sz);
  else inc(c, r[x]!, sz === 64 ? r[x + 1]! : 0, sz);
  r[x] = c.t0;
  r[x + 1] = sz === 64 ? c.t1 : 0;
}

function cmovReg(c: Cpu, w0: number, x: number, sz: number, y: number): void {
  const r = c.r32;
  if (c.f.cond((w0 >> 22) & 15)) {
    r[x] = r[y]!;
    if (sz === 64) r[x + 1] = r[y + 1]!;
  }
  if (sz === 32) r[x + 1] = 0;
}

function cmovMem(c: Cpu, w0: number, x: number, sz: number, a: number): void {
  const v = c.mem.read32(a);
  const vh = sz === 64 ? c.mem.read32(a + 4) : 0;
  const r = c.r32;
  if (c.f.cond((w0 >> 22) & 15)) {
    r[x] = v;
    if (sz === 64) r[x + 1] = vh;
  }
  if (sz === 32) r[x + 1] = 0;
}

/** SHL/SAL, SHR or SAR of register slot `x` by `n` (masked): isa/shift.ts's semantics. */
function shiftReg(c: Cpu, w0: number, x: number, sz: number, n: number): void {
  const r = c.r32,
    a = sz === 8 ? c.r8[x]! : r[x]!,
    ah = sz === 64 ? r[x + 1]! : 0;
  const op = (w0 >> 26) & 7;
  if (op === S_SHL) shl(c, a, ah, n, sz);
  else if (op === S_SHR) shr(c, a, ah, n, sz);
  else sar(c, a, ah, n, sz);
  if (sz === 8) c.r8[x] = c.t0;
  else {
    r[x] = c.t0;
    r[x + 1] = sz === 64 ? c.t1 : 0;
  }
}

/** CALL: the target was read (and checked) before the return address is pushed. */
function callTo(c: Cpu, t: number, next: number): void {
  pushAddr(c, next);
  c.rip = t;
}

/** RET (isa/control.ts `ret`): a non-canonical return address is #GP with RSP restored. */
function ret(c: Cpu): void {
  const sp = rsp(c);
  const t = popAddr(c);
  if (t >= 2 ** 47 || t < -(2 ** 47)) {
    setRsp(c, sp);
    throw new CpuException(VEC_GP);
  }
  c.rip = t;
}
