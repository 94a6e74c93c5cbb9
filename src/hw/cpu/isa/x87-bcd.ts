// SPDX-License-Identifier: MIT
// x87 packed decimal (AMD APM Vol. 3 "FBLD", "FBSTP"; Vol. 1 §6.2.4.3): an
// 80-bit operand of 18 BCD digits, two per byte, least significant byte first,
// and the sign in bit 79.
import type { Insn } from "../decode.js";
import { type InsnRow, type Op, row } from "../translate/types.js";
import { prepareEa, withEa } from "../translate/operands.js";
import { C_NORMAL, IE, classify, fenv, fromInteger, toInteger, zero } from "../x87/float80.js";
import { begin, finish, operand, siteOf } from "../x87/frame.js";
import { SW_C1 } from "../x87/state.js";

export const X87_BCD_ROWS: readonly InsnRow[] = [
  row("FBLD", fbld, { undefinedFpu: "023" }),
  row("FBSTP", fbstp, { undefinedFpu: "023" }),
];

const LIMIT = 10n ** 18n;

/** FBLD m80: pushes the decimal integer (digits above 9 weigh as their nibble value). */
function fbld(i: Insn): Op | null {
  const site = siteOf(i);
  return withEa(prepareEa(i), (c) => {
    const x = begin(c, false, true);
    const a = c.ea;
    c.mem.probeRead(a, 10);
    let v = 0n;
    for (let k = 8; k >= 0; k--) {
      const b = c.mem.read8(a + k);
      v = v * 100n + BigInt((b >> 4) * 10 + (b & 15));
    }
    const negative = (c.mem.read8(a + 9) & 0x80) !== 0;
    x.fsw &= ~SW_C1;
    x.push(v === 0n ? zero(negative ? 1 : 0) : fromInteger(negative ? -v : v), fenv);
    finish(c, site);
  });
}

/**
 * FBSTP m80: ST(0) rounded under RC to 18 decimal digits, then popped; NaN,
 * infinity, an empty ST(0) or |value| ≥ 10^18 store the packed-decimal
 * indefinite (FFFF C000 0000 0000 0000h) with #IA.
 */
function fbstp(i: Insn): Op | null {
  const site = siteOf(i);
  return withEa(prepareEa(i), (c) => {
    c.mem.probeWrite(c.ea, 10);
    const x = begin(c);
    const v = operand(x, 0);
    const k = classify(v);
    let out: Uint8Array | null = null;
    if ((fenv.flags & IE) === 0 && k <= C_NORMAL) {
      const saved = fenv.flags;
      const n = toInteger(v, false);
      const m = n < 0n ? -n : n;
      if (m < LIMIT) out = packed(m, v.sign !== 0);
      else {
        fenv.flags = saved | IE;
        fenv.up = false;
      }
    } else fenv.flags |= IE;
    if (!finish(c, site)) return;
    const bytes = out ?? Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff);
    for (let b = 0; b < 10; b++) c.mem.write8(c.ea + b, bytes[b]!);
    x.pop();
  });
}

function packed(m: bigint, negative: boolean): Uint8Array {
  const out = new Uint8Array(10);
  for (let b = 0; b < 9; b++) {
    const lo = Number(m % 10n);
    m /= 10n;
    const hi = Number(m % 10n);
    m /= 10n;
    out[b] = (hi << 4) | lo;
  }
  out[9] = negative ? 0x80 : 0;
  return out;
}
