// SPDX-License-Identifier: MIT
// The x87 constant-load values (AMD APM Vol. 3 "FLDPI", "FLDL2E", "FLDL2T",
// "FLDLG2", "FLDLN2"): computed once to 192 bits (at first use) and rounded under FCW.RC.
import { type F80, FMT80, fenv, round80 } from "./float80.js";
import { div, ln, ln2, pi } from "./fixed.js";

const P = 192;
const ONE = 1n << BigInt(P);

/** The loader of a constant: `value` computed at its first load (not by every start-up), then rounded under FCW.RC. */
function rounded(value: () => bigint): () => F80 {
  let v: bigint | null = null;
  return () => {
    v ??= value();
    const saved = fenv.flags;
    const r = round80(0, v, -P, FMT80);
    fenv.flags = saved;
    fenv.up = false; // the host leaves C1 clear even when the constant was rounded up
    return r;
  };
}

const ln10 = (): bigint => ln(10n, 0, P);

export const CONSTANTS = {
  pi: rounded(() => pi(P)),
  l2e: rounded(() => div(ONE, ln2(P), P)),
  l2t: rounded(() => div(ln10(), ln2(P), P)),
  lg2: rounded(() => div(ln2(P), ln10(), P)),
  ln2: rounded(() => ln2(P)),
} as const;
