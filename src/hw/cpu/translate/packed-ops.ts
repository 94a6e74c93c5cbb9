// SPDX-License-Identifier: MIT
// The function of each packed instruction kind (packed.ts) that `runPacked` (interp.ts)
// calls. Each does what the instruction's closure does, in the same order (the memory
// reads before any register is written, a 64-bit value's low half first, the address
// computed as translate/operands.ts computes it), so a fault leaves the same state; they
// call the instruction table's semantic functions directly (`add`, `push64` ...).
import type { Cpu } from "../cpu.js";
import { canonical, returnNear } from "../isa/control.js";
import { pop64, push64, pushAddr } from "../isa/stack-ops.js";
import {
  P_ALU_MI,
  P_ALU_MR,
  P_ALU_RI,
  P_ALU_RM,
  P_ALU_RR,
  P_CALL,
  P_CALL_M,
  P_CALL_R,
  P_CDQE,
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
  P_NOP,
  P_POP,
  P_PUSH,
  P_RET,
  P_SETCC,
  P_SHIFT_RC,
  P_SHIFT_RI,
  P_STORE,
  P_STORE_I,
  condOf,
  sizeOf,
  slotX,
  slotY,
} from "./packed.js";

import {
  aluMem,
  aluReg,
  aluRegMem,
  callTo,
  cmovMem,
  cmovReg,
  ea,
  incDec,
  lea,
  load,
  movxMem,
  movxReg,
  read64,
  regLo,
  shiftReg,
  store,
} from "./packed-sem.js";
const TWO32 = 4294967296;

export function kMovRr(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const r = c.r32,
    x = slotX(w0),
    y = slotY(w0),
    sz = sizeOf(w0);
  r[x] = r[y]!;
  r[x + 1] = sz === 64 ? r[y + 1]! : 0;
}

function kMovRi(c: Cpu, w0: number, _w1: number, w2: number, w3: number, _end: number): void {
  const r = c.r32,
    x = slotX(w0);
  r[x] = w3;
  r[x + 1] = w2;
}

export function kLoad(c: Cpu, w0: number, w1: number, w2: number, _w3: number, end: number): void {
  const x = slotX(w0),
    sz = sizeOf(w0);
  load(c, x, sz, ea(c, w1, w2, end));
}

export function kStore(c: Cpu, w0: number, w1: number, w2: number, _w3: number, end: number): void {
  const r = c.r32,
    y = slotY(w0),
    sz = sizeOf(w0);
  store(c, sz, ea(c, w1, w2, end), sz === 8 ? c.r8[y]! : r[y]!, sz === 64 ? r[y + 1]! : 0);
}

function kStoreI(c: Cpu, w0: number, w1: number, w2: number, w3: number, end: number): void {
  const sz = sizeOf(w0);
  store(c, sz, ea(c, w1, w2, end), w3, w3 >> 31);
}

function kMovxR(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const x = slotX(w0),
    y = slotY(w0),
    sz = sizeOf(w0);
  movxReg(c, x, sz, w0, y);
}

function kMovxM(c: Cpu, w0: number, w1: number, w2: number, _w3: number, end: number): void {
  const x = slotX(w0),
    sz = sizeOf(w0);
  movxMem(c, x, sz, w0, ea(c, w1, w2, end));
}

function kLea(c: Cpu, w0: number, w1: number, w2: number, _w3: number, end: number): void {
  const x = slotX(w0),
    sz = sizeOf(w0);
  lea(c, x, sz, w1, w2, end);
}

function kAluRr(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const r = c.r32,
    x = slotX(w0),
    y = slotY(w0),
    sz = sizeOf(w0);
  aluReg(c, w0, x, sz, regLo(c, y, sz), sz === 64 ? r[y + 1]! : 0);
}

function kAluRi(c: Cpu, w0: number, _w1: number, _w2: number, w3: number, _end: number): void {
  const x = slotX(w0),
    sz = sizeOf(w0);
  aluReg(c, w0, x, sz, w3, sz === 64 ? w3 >> 31 : 0);
}

function kAluRm(c: Cpu, w0: number, w1: number, w2: number, _w3: number, end: number): void {
  const x = slotX(w0),
    sz = sizeOf(w0);
  aluRegMem(c, w0, x, sz, ea(c, w1, w2, end));
}

function kAluMr(c: Cpu, w0: number, w1: number, w2: number, _w3: number, end: number): void {
  const r = c.r32,
    y = slotY(w0),
    sz = sizeOf(w0);
  aluMem(c, w0, sz, ea(c, w1, w2, end), regLo(c, y, sz), sz === 64 ? r[y + 1]! : 0);
}

function kAluMi(c: Cpu, w0: number, w1: number, w2: number, w3: number, end: number): void {
  const sz = sizeOf(w0);
  aluMem(c, w0, sz, ea(c, w1, w2, end), w3, sz === 64 ? w3 >> 31 : 0);
}

function kIncdec(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const x = slotX(w0),
    sz = sizeOf(w0);
  incDec(c, w0, x, sz);
}

function kPush(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const r = c.r32,
    x = slotX(w0);
  push64(c, r[x]!, r[x + 1]!);
}

function kPop(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const r = c.r32,
    x = slotX(w0);
  pop64(c);
  r[x] = c.t0;
  r[x + 1] = c.t1;
}

function kCall(c: Cpu, _w0: number, _w1: number, w2: number, w3: number, end: number): void {
  pushAddr(c, end + w3);
  c.rip = end + w2;
}

function kRet(c: Cpu, _w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  returnNear(c, 0);
}

function kJmp(c: Cpu, _w0: number, _w1: number, w2: number, _w3: number, end: number): void {
  c.rip = end + w2;
}

export function kJcc(c: Cpu, w0: number, _w1: number, w2: number, _w3: number, end: number): void {
  if (c.f.cond(condOf(w0))) c.rip = end + w2;
}

function kJmpR(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const r = c.r32,
    x = slotX(w0);
  c.rip = canonical(r[x + 1]! * TWO32 + (r[x]! >>> 0));
}

function kJmpM(c: Cpu, _w0: number, w1: number, w2: number, _w3: number, end: number): void {
  c.rip = canonical(read64(c, ea(c, w1, w2, end)));
}

function kCallR(c: Cpu, w0: number, _w1: number, _w2: number, w3: number, end: number): void {
  const r = c.r32,
    x = slotX(w0);
  callTo(c, canonical(r[x + 1]! * TWO32 + (r[x]! >>> 0)), end + w3);
}

function kCallM(c: Cpu, _w0: number, w1: number, w2: number, w3: number, end: number): void {
  callTo(c, canonical(read64(c, ea(c, w1, w2, end))), end + w3);
}

function kCmovRr(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const x = slotX(w0),
    y = slotY(w0),
    sz = sizeOf(w0);
  cmovReg(c, w0, x, sz, y);
}

function kCmovRm(c: Cpu, w0: number, w1: number, w2: number, _w3: number, end: number): void {
  const x = slotX(w0),
    sz = sizeOf(w0);
  cmovMem(c, w0, x, sz, ea(c, w1, w2, end));
}

function kShiftRi(c: Cpu, w0: number, _w1: number, _w2: number, w3: number, _end: number): void {
  const x = slotX(w0),
    sz = sizeOf(w0);
  shiftReg(c, w0, x, sz, w3);
}

function kShiftRc(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const x = slotX(w0),
    sz = sizeOf(w0);
  shiftReg(c, w0, x, sz, c.r8[8]! & (sz === 64 ? 63 : 31));
}

function kCdqe(c: Cpu, _w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const r = c.r32;
  r[1] = r[0]! >> 31;
}

function kSetcc(c: Cpu, w0: number, _w1: number, _w2: number, _w3: number, _end: number): void {
  const x = slotX(w0);
  c.r8[x] = c.f.cond(condOf(w0)) ? 1 : 0;
}

export type Handler = (c: Cpu, w0: number, w1: number, w2: number, w3: number, end: number) => void;

/** The function of each packed kind (P_CLOSURE runs the closure itself). */
export const HANDLERS: Handler[] = [];
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
