// SPDX-License-Identifier: MIT
// Packed-integer, data-movement and MMX instructions against the host CPU: every
// SSE2 integer op in XMM and MMX forms, shifts by immediate and register counts,
// moves between XMM/MMX/GPR/memory, alignment faults, EMMS and the x87 tag state.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type Case, check } from "./oracle.test-helper.js";
import { lanes32, lanesInt, makeCase, Rng } from "./gen.test-helper.js";

const BINARY = [
  "paddb",
  "paddw",
  "paddd",
  "paddq",
  "psubb",
  "psubw",
  "psubd",
  "psubq",
  "paddsb",
  "paddsw",
  "paddusb",
  "paddusw",
  "psubsb",
  "psubsw",
  "psubusb",
  "psubusw",
  "pmullw",
  "pmulhw",
  "pmulhuw",
  "pmuludq",
  "pmaddwd",
  "psadbw",
  "pavgb",
  "pavgw",
  "pminub",
  "pmaxub",
  "pminsw",
  "pmaxsw",
  "pcmpeqb",
  "pcmpeqw",
  "pcmpeqd",
  "pcmpgtb",
  "pcmpgtw",
  "pcmpgtd",
  "pand",
  "pandn",
  "por",
  "pxor",
  "punpcklbw",
  "punpcklwd",
  "punpckldq",
  "punpckhbw",
  "punpckhwd",
  "punpckhdq",
  "packsswb",
  "packssdw",
  "packuswb",
  "psllw",
  "pslld",
  "psllq",
  "psrlw",
  "psrld",
  "psrlq",
  "psraw",
  "psrad",
];

function smallCount(r: Rng, c: Case): Case {
  if (r.int(2) === 0) return c;
  const v = new DataView(c.xmm.buffer);
  for (const base of [16 * 3, 0]) {
    v.setUint32(base, r.pick([0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65]), true);
    v.setUint32(base + 4, r.int(8) === 0 ? 1 : 0, true);
  }
  const m = new DataView(c.mm.buffer);
  m.setUint32(8 * 3, r.int(70), true);
  m.setUint32(8 * 3 + 4, 0, true);
  const mem = new DataView(c.mem.buffer);
  mem.setUint32(16, r.int(70), true);
  mem.setUint32(20, 0, true);
  mem.setUint32(8, r.int(70), true);
  mem.setUint32(12, 0, true);
  return c;
}

test("SSE2 and MMX packed-integer ops match the host", () => {
  const r = new Rng(5);
  const out: Case[] = [];
  for (const op of BINARY) {
    for (let k = 0; k < 12; k++) {
      const form = [`${op} xmm${k % 3}, xmm3`, `${op} xmm1, [rbx+16]`, `${op} mm${k % 3}, mm3`, `${op} mm2, [rbx+8]`][
        k % 4
      ]!;
      out.push(smallCount(r, makeCase(r, form, lanesInt)));
    }
  }
  for (const op of ["psllw", "pslld", "psllq", "psrlw", "psrld", "psrlq", "psraw", "psrad"]) {
    for (let k = 0; k < 10; k++) {
      out.push(
        makeCase(
          r,
          `${op} ${k % 2 ? "xmm" : "mm"}${k % 8}, ${r.pick([0, 1, 5, 15, 16, 31, 32, 63, 64, 200])}`,
          lanesInt,
        ),
      );
    }
  }
  for (let k = 0; k < 20; k++) {
    const imm = r.int(256);
    out.push(
      makeCase(r, `pshufd xmm${k % 4}, xmm5, ${imm}`, lanesInt),
      makeCase(r, `pshuflw xmm1, [rbx+16], ${imm}`, lanesInt),
      makeCase(r, `pshufhw xmm2, xmm2, ${imm}`, lanesInt),
      makeCase(r, `pshufw mm1, mm2, ${imm}`, lanesInt),
      makeCase(r, `pslldq xmm${k % 16}, ${r.int(20)}`, lanesInt),
      makeCase(r, `psrldq xmm${k % 16}, ${r.int(20)}`, lanesInt),
      makeCase(r, `punpcklqdq xmm1, xmm${k % 16}`, lanesInt),
      makeCase(r, `punpckhqdq xmm1, [rbx]`, lanesInt),
      makeCase(r, `pinsrw xmm${k % 8}, eax, ${r.int(8)}`, lanesInt),
      makeCase(r, `pinsrw mm${k % 8}, word ptr [rbx+2], ${r.int(4)}`, lanesInt),
      makeCase(r, `pextrw ecx, xmm${k % 8}, ${r.int(8)}`, lanesInt),
      makeCase(r, `pextrw rdx, mm${k % 8}, ${r.int(4)}`, lanesInt),
    );
  }
  assert.deepEqual(check(out), []);
});

const MOVES = [
  "movaps xmm1, xmm2",
  "movaps xmm1, [rbx+16]",
  "movaps [rbx+32], xmm3",
  "movaps xmm1, [rbx+8]",
  "movups xmm1, [rbx+4]",
  "movups [rbx+3], xmm9",
  "movapd xmm4, [rbx]",
  "movupd xmm4, [rbx+1]",
  "movdqa xmm12, [rbx+48]",
  "movdqa [rbx+24], xmm1",
  "movdqu xmm5, [rbx+7]",
  "movdqu [rbx+9], xmm5",
  "movss xmm1, xmm2",
  "movss xmm1, [rbx+4]",
  "movss [rbx+8], xmm7",
  "movsd xmm1, xmm2",
  "movsd xmm3, [rbx+8]",
  "movsd [rbx+4], xmm3",
  "movd xmm1, eax",
  "movd xmm1, [rbx+4]",
  "movd ecx, xmm2",
  "movd [rbx+12], xmm2",
  "movq xmm1, rax",
  "movq rdx, xmm3",
  "movq xmm1, xmm2",
  "movq xmm1, [rbx+8]",
  "movq [rbx+8], xmm4",
  "movhps xmm1, [rbx+8]",
  "movhps [rbx+8], xmm1",
  "movlps xmm1, [rbx+8]",
  "movlps [rbx], xmm1",
  "movhpd xmm1, [rbx+8]",
  "movhpd [rbx+8], xmm1",
  "movlpd xmm1, [rbx+8]",
  "movlpd [rbx], xmm1",
  "movhlps xmm1, xmm2",
  "movlhps xmm1, xmm2",
  "movmskps eax, xmm1",
  "movmskpd rcx, xmm2",
  "pmovmskb edx, xmm3",
  "pmovmskb eax, mm3",
  "movnti [rbx+4], eax",
  "movnti [rbx+8], rcx",
  "movntdq [rbx+16], xmm1",
  "movntps [rbx+8], xmm1",
  "movntpd [rbx], xmm2",
  "movd mm1, eax",
  "movd mm1, [rbx+4]",
  "movd ecx, mm2",
  "movd [rbx+12], mm2",
  "movq mm1, rax",
  "movq rdx, mm3",
  "movq mm1, mm2",
  "movq mm1, [rbx+8]",
  "movq [rbx+8], mm4",
  "movntq [rbx+8], mm4",
  "movq2dq xmm1, mm2",
  "movdq2q mm1, xmm2",
  "lea rdi, [rbx+16]; maskmovdqu xmm1, xmm2",
  "lea rdi, [rbx+8]; maskmovq mm1, mm2",
  "emms",
  "paddb mm1, mm2; emms",
  "stmxcsr [rbx+4]",
  "ldmxcsr [rbx+4]",
  "paddb xmm1, [rbx+8]",
  "pxor xmm1, [rbx+4]",
];

test("SSE moves, MMX moves, masks, alignment and MXCSR loads match the host", () => {
  const r = new Rng(31337);
  const out: Case[] = [];
  for (const asm of MOVES) {
    for (let k = 0; k < 12; k++) {
      const c = makeCase(r, asm, k % 2 ? lanes32 : lanesInt);
      if (asm.startsWith("ldmxcsr")) {
        new DataView(c.mem.buffer).setUint32(4, (r.int(3) === 0 ? r.u32() : r.u32() & 0xffff) >>> 0, true);
      }
      out.push(c);
    }
  }
  assert.deepEqual(check(out), []);
});
