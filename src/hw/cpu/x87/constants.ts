// SPDX-License-Identifier: MIT
// The x87 constant-load values (AMD APM Vol. 3 "FLDPI", "FLDL2E", "FLDL2T",
// "FLDLG2", "FLDLN2"): computed once to 192 bits and rounded under FCW.RC.
import { type F80, FMT80, fenv, round80 } from "./float80.js";
import { div, ln, ln2, pi } from "./fixed.js";

const P = 192;
const PI = pi(P);
const LN2 = ln2(P);
const LN10 = ln(10n, 0, P);
const ONE = 1n << BigInt(P);

function rounded(v: bigint): () => F80 {
  return () => {
    const saved = fenv.flags;
    const r = round80(0, v, -P, FMT80);
    fenv.flags = saved;
    fenv.up = false; // the host leaves C1 clear even when the constant was rounded up
    return r;
  };
}

export const CONSTANTS = {
  pi: rounded(PI),
  l2e: rounded(div(ONE, LN2, P)),
  l2t: rounded(div(LN10, LN2, P)),
  lg2: rounded(div(LN2, LN10, P)),
  ln2: rounded(LN2),
} as const;
