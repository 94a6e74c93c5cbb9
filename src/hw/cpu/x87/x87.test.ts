// SPDX-License-Identifier: MIT
// x87 differential test: every snippet runs on the host CPU and in the emulator
// from the same FXSAVE image and data page; the FXSAVE64 images, RAX, the
// arithmetic flags and the data page must match (transcendentals: see ULP_OPS).
import { test } from "node:test";
import assert from "node:assert/strict";
import { type Case, type Outcome, assemble, hex, rng, runEmu, runNative } from "./native.testlib.js";

const BIN = ["add", "sub", "subr", "mul", "div", "divr"].flatMap((o) => [
  `f${o} st(0), st(1)`,
  `f${o} st(2), st`,
  `f${o}p st(1), st`,
  `f${o} dword ptr [rdi+32]`,
  `f${o} qword ptr [rdi+16]`,
  `fi${o} word ptr [rdi+40]`,
  `fi${o} dword ptr [rdi+32]`,
]);
const ALL_OPS: readonly string[] = [
  ...BIN,
  "fchs",
  "fabs",
  "fsqrt",
  "frndint",
  "fscale",
  "fxtract",
  "fprem",
  "fprem1",
  "fcom st(1)",
  "fcomp st(2)",
  "fcompp",
  "fucom st(1)",
  "fucomp st(1)",
  "fucompp",
  "fcom dword ptr [rdi+32]",
  "fcomp qword ptr [rdi+16]",
  "ficom word ptr [rdi+40]",
  "ficomp dword ptr [rdi+32]",
  "fcomi st, st(1)",
  "fcomip st, st(1)",
  "fucomi st, st(1)",
  "fucomip st, st(2)",
  "ftst",
  "fxam",
  "fld st(2)",
  "fld dword ptr [rdi+32]",
  "fld qword ptr [rdi+16]",
  "fld tbyte ptr [rdi]",
  "fild word ptr [rdi+40]",
  "fild dword ptr [rdi+32]",
  "fild qword ptr [rdi+48]",
  "fst dword ptr [rdi+64]",
  "fstp qword ptr [rdi+64]",
  "fstp tbyte ptr [rdi+64]",
  "fst st(3)",
  "fstp st(1)",
  "fist word ptr [rdi+64]",
  "fistp dword ptr [rdi+64]",
  "fistp qword ptr [rdi+64]",
  "fisttp word ptr [rdi+64]",
  "fisttp dword ptr [rdi+64]",
  "fisttp qword ptr [rdi+64]",
  "fldz",
  "fld1",
  "fldpi",
  "fldl2e",
  "fldl2t",
  "fldlg2",
  "fldln2",
  "fxch st(3)",
  "cmp eax, edx; fcmovb st, st(1)",
  "cmp eax, edx; fcmovnbe st, st(2)",
  "cmp eax, edx; fcmove st, st(1)",
  "cmp eax, edx; fcmovnu st, st(1)",
  "fnstsw ax",
  "fnstsw [rdi+64]",
  "fnstcw [rdi+64]",
  "fldcw [rdi+40]",
  "fnclex",
  "ffree st(1)",
  "fincstp",
  "fdecstp",
  "fnstenv [rdi+64]",
  "fldenv [rdi+128]",
  "fnsave [rdi+64]",
  "frstor [rdi+128]",
  "fninit",
  "fnop",
  "fwait",
  "fld1; fadd dword ptr [rdi+32]; fstp tbyte ptr [rdi+64]; fnstenv [rdi+80]",
  "f2xm1",
  "fyl2x",
  "fyl2xp1",
  "fpatan",
  "fsin",
  "fcos",
  "fsincos",
  "fptan",
];
const ONLY = process.env["X87_ONLY"];
const OPS = ONLY === undefined ? ALL_OPS : ALL_OPS.filter((o) => o.includes(ONLY));
/** Not correctly rounded on hardware: a difference of one unit in the last place is tallied, not failed. */
const ULP_OPS = new Set(["f2xm1", "fyl2x", "fyl2xp1", "fpatan", "fsin", "fcos", "fsincos", "fptan"]);
const PER_OP = Number(process.env["X87_PER_OP"] ?? 44);

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
function sig64(r: Rand): bigint {
  return (BigInt(int(r, 2 ** 32)) << 32n) | BigInt(int(r, 2 ** 32));
}

/** A random 80-bit pattern from the interesting classes (sign, exponent, significand). */
function value80(r: Rand, op: string): [number, bigint] {
  const s = int(r, 2) << 15,
    k = int(r, 20),
    m = sig64(r);
  const J = 1n << 63n;
  const trig = ULP_OPS.has(op);
  switch (k) {
    case 0:
      return [s, 0n];
    case 1:
      return [s, m >> BigInt(1 + int(r, 63))]; // denormal
    case 2:
      return [s, m | J]; // pseudo-denormal
    case 3:
      return [s | (1 + int(r, 0x7ffe)), m & ~J]; // unnormal
    case 4:
      return [s | 0x7fff, J];
    case 5:
      return [s | 0x7fff, m | J | (1n << 62n)]; // QNaN
    case 6:
      return [s | 0x7fff, (m | J | 1n) & ~(1n << 62n)]; // SNaN
    case 7:
      return [s | (int(r, 2) ? 1 + int(r, 40) : 0x7ffe - int(r, 40)), m | J]; // extreme exponent
    case 8:
      return [s | (16383 + int(r, 64)), (BigInt(int(r, 2 ** 20)) << 43n) | J]; // short integers
    case 9:
      return [s | (16383 + 14 + int(r, 3) + (int(r, 2) ? 16 : 0) + (int(r, 2) ? 32 : 0)), m | J]; // 2^15/2^31/2^63 region
    case 10:
      return [s | (16383 + int(r, 64)), (m & ~0x7ffn) | J]; // double-like
    default:
      return [s | (16383 - (trig ? 8 : 70) + int(r, trig ? 14 : 140)), m | J];
  }
}

function put80(b: Uint8Array, o: number, [se, m]: [number, bigint]): void {
  const v = new DataView(b.buffer, b.byteOffset);
  v.setBigUint64(o, m, true);
  v.setUint16(o + 8, se, true);
}

function makeCase(r: Rand, op: string): Case {
  const image = new Uint8Array(512),
    v = new DataView(image.buffer);
  const unmask = int(r, 8) === 0 ? int(r, 64) : 0;
  const fcw = 0x40 | (0x3f & ~unmask) | (int(r, 4) << 10) | ([0, 2, 3, 3][int(r, 4)]! << 8);
  const top = int(r, 8);
  let tags = 0;
  for (let i = 0; i < 8; i++) {
    const used = i < 3 ? int(r, 12) !== 0 : int(r, 3) === 0;
    if (used) tags |= 1 << ((top + i) & 7);
    put80(image, 32 + 16 * i, value80(r, op));
  }
  v.setUint16(0, fcw, true);
  v.setUint16(2, (top << 11) | (int(r, 4) === 0 ? int(r, 0x40) : 0), true);
  image[4] = tags;
  v.setUint32(24, 0x1f80, true);
  const data = new Uint8Array(1024);
  for (let k = 0; k < 256; k++) data[k] = int(r, 256);
  const dv = new DataView(data.buffer);
  put80(data, 0, value80(r, op));
  const [se, m] = value80(r, op);
  dv.setBigUint64(
    16,
    (BigInt(se & 0x8000) << 48n) |
      (BigInt(Math.max(0, Math.min(0x7ff, (se & 0x7fff) - 16383 + 1023))) << 52n) |
      ((m >> 11n) & ((1n << 52n) - 1n)),
    true,
  );
  if (int(r, 3) === 0) dv.setUint16(40, 0x40 | int(r, 0x10000), true);
  return { asm: op, image, data, rax: int(r, 4), rdx: int(r, 4) };
}

/** The emulated image differs from the host's only by one ulp in one ST slot (and C1). */
function withinUlp(a: Outcome, b: Outcome): boolean {
  const x = Buffer.from(a.image),
    y = Buffer.from(b.image);
  if ((x.readUInt16LE(2) ^ y.readUInt16LE(2)) & ~0x200) return false;
  for (let k = 0; k < 512; k++) {
    if (k === 2 || k === 3 || x[k] === y[k]) continue;
    if (k < 32 || k >= 160) return false;
    const o = 32 + 16 * Math.floor((k - 32) / 16);
    const d = x.readBigUInt64LE(o) - y.readBigUInt64LE(o);
    if (x.readUInt16LE(o + 8) !== y.readUInt16LE(o + 8) || (d !== 1n && d !== -1n)) return false;
  }
  return true;
}

function firstDiff(a: Outcome, b: Outcome): string {
  for (let k = 0; k < 512; k++) if (a.image[k] !== b.image[k]) return `image@${k}`;
  for (let k = 0; k < 1024; k++) if (a.data[k] !== b.data[k]) return `data@${k}`;
  return a.signal !== b.signal ? "signal" : a.rax !== b.rax ? "rax" : "flags";
}

function same(a: Outcome, b: Outcome): boolean {
  return (
    a.signal === b.signal &&
    (a.signal !== 0 ||
      (hex(a.image) === hex(b.image) &&
        a.rax === b.rax &&
        (a.rflags & 0x8d5) === (b.rflags & 0x8d5) &&
        hex(a.data) === hex(b.data)))
  );
}

test("x87 instructions match the host CPU (FXSAVE64 images, RAX, flags, memory)", () => {
  const r = rng(0x87);
  const cases: Case[] = [];
  for (const op of OPS) for (let k = 0; k < PER_OP; k++) cases.push(makeCase(r, op));
  const code = assemble(OPS);
  const codeOf = cases.map((c) => code[OPS.indexOf(c.asm)]!);
  const native = runNative(cases, codeOf);
  const failures: string[] = [];
  const ulp = new Map<string, number>();
  cases.forEach((c, k) => {
    const emu = runEmu(c, codeOf[k]!);
    const host = native[k]!;
    if (same(host, emu)) return;
    if (ULP_OPS.has(c.asm) && process.env["X87_EXACT"] === undefined && host.signal === 0 && withinUlp(host, emu)) {
      ulp.set(c.asm, (ulp.get(c.asm) ?? 0) + 1);
      return;
    }
    failures.push(
      `${c.asm} #${k}: ${firstDiff(host, emu)} in ${hex(c.image, 0, 160)} data ${hex(c.data, 0, 64)}\n  host sig ${host.signal} rax ${host.rax.toString(16)} fl ${(host.rflags & 0x8d5).toString(16)} ${hex(host.image, 0, 160)} ${hex(host.data, 64, 180)}\n  emu  sig ${emu.signal} rax ${emu.rax.toString(16)} fl ${(emu.rflags & 0x8d5).toString(16)} ${hex(emu.image, 0, 160)} ${hex(emu.data, 64, 180)}`,
    );
  });
  const byOp = new Map<string, number>();
  for (const f of failures) byOp.set(f.split(" #")[0]!, (byOp.get(f.split(" #")[0]!) ?? 0) + 1);
  if (ulp.size > 0) {
    console.log(`x87: ${cases.length} cases; 1-ulp differences (of ${PER_OP} each):`, Object.fromEntries(ulp));
  }
  if (failures.length > 0) {
    console.log(Object.fromEntries(byOp), "\n" + failures.slice(0, Number(process.env["X87_SHOW"] ?? 12)).join("\n"));
  }
  assert.equal(failures.length, 0, `${failures.length} of ${cases.length} cases differ`);
});
