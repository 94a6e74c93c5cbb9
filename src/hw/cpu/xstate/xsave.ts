// SPDX-License-Identifier: MIT
// FXSAVE/FXRSTOR and the standard-format XSAVE/XSAVEOPT/XRSTOR over the
// component table (AMD APM Vol. 2 §11.5.4–11.5.6; Vol. 4 "FXSAVE", "FXRSTOR").
// Exported for the kernel too (signal frames, context switches).
import type { Cpu } from "../cpu.js";
import { CpuException, VEC_GP } from "../exits.js";
import { components, hasBit, areaSize } from "./components.js";
import { mxcsrIn, restoreX87, restoreXmm, saveMxcsr, saveX87, saveXmm } from "./legacy.js";
import { unmodified } from "./modified.js";

/** XSAVE header: XSTATE_BV at +0, XCOMP_BV at +8 (64 bytes at offset 512). */
const XSAVE_HEADER = 512;

function gp(): never {
  throw new CpuException(VEC_GP);
}

export function fxsave(c: Cpu, a: number, wide: boolean): void {
  if (a % 16 !== 0) gp();
  probeArea(c, a, 512, true); // the host checks the whole 512-byte image, last byte first
  saveX87(c, a, wide);
  saveMxcsr(c, a);
  saveXmm(c, a);
}

export function fxrstor(c: Cpu, a: number, wide: boolean): void {
  if (a % 16 !== 0) gp();
  probeArea(c, a, 512, false);
  const mx = mxcsrIn(c, a);
  if (mx < 0) gp();
  restoreX87(c, a, wide);
  c.mxcsr = mx;
  restoreXmm(c, a);
}

/** Checks the area; like the host, a fault reports the area's last byte when that page is the bad one. */
function probeArea(c: Cpu, a: number, n: number, write: boolean): void {
  if (write) {
    c.mem.probeWrite(a + n - 1, 1);
    c.mem.probeWrite(a, n);
  } else {
    c.mem.probeRead(a + n - 1, 1);
    c.mem.probeRead(a, n);
  }
}

/** Requested-feature bitmap RFBM = XCR0 & EDX:EAX, as halves. */
function rfbm(c: Cpu): [number, number] {
  return [c.xcr0Lo & c.r32[0]!, c.xcr0Hi & c.r32[4]!];
}

/**
 * XSAVE (standard form); `opt` = XSAVEOPT, which skips components in their
 * initial configuration (the init optimisation) and those unmodified since an
 * XRSTOR from the same area (the modified optimisation, xstate/modified.ts);
 * MXCSR is still written.
 */
export function xsave(c: Cpu, a: number, wide: boolean, opt: boolean, mask = rfbm(c)): void {
  const [lo, hi] = mask;
  if (a % 64 !== 0) gp();
  probeArea(c, a, areaSize(lo, hi), true);
  let bvLo = c.mem.read32(a + XSAVE_HEADER),
    bvHi = c.mem.read32(a + XSAVE_HEADER + 4);
  for (const r of components()) {
    if (!hasBit(lo, hi, r.bit)) continue;
    const used = r.inUse(c);
    if (!opt || (used && !unmodified(c, a, r.bit))) r.save(c, a, wide);
    const m = 1 << (r.bit & 31);
    if (r.bit < 32) bvLo = used ? bvLo | m : bvLo & ~m;
    else bvHi = used ? bvHi | m : bvHi & ~m;
  }
  if (hasBit(lo, hi, 1)) saveMxcsr(c, a);
  c.mem.write32(a + XSAVE_HEADER, bvLo);
  c.mem.write32(a + XSAVE_HEADER + 4, bvHi);
}

/** XRSTOR (standard form): checks everything first, then loads or initialises each requested component. */
export function xrstor(c: Cpu, a: number, wide: boolean, mask = rfbm(c)): void {
  const [lo, hi] = mask;
  if (a % 64 !== 0) gp();
  const m = c.mem;
  m.probeRead(a + XSAVE_HEADER, 64); // the host reads the header first: a fault there reports it
  m.probeRead(a, areaSize(lo, hi));
  const h = a + XSAVE_HEADER;
  const bvLo = m.read32(h),
    bvHi = m.read32(h + 4);
  if ((bvLo & ~c.xcr0Lo) !== 0 || (bvHi & ~c.xcr0Hi) !== 0) gp();
  for (let k = 8; k < 24; k += 4) if (m.read32(h + k) !== 0) gp();
  let mx = c.mxcsr;
  if (hasBit(lo, hi, 1)) {
    mx = mxcsrIn(c, a);
    if (mx < 0) gp();
  }
  for (const r of components()) {
    if (!hasBit(lo, hi, r.bit)) continue;
    if (hasBit(bvLo, bvHi, r.bit)) r.restore(c, a, wide);
    else r.init(c);
  }
  c.mxcsr = mx;
}
