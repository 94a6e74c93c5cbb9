// SPDX-License-Identifier: MIT
// XSAVEOPT's modified optimisation (AMD APM Vol. 2 §11.5.6, "XSAVEOPT"): after
// an XRSTOR of the standard form, the processor remembers the area's address
// and which state components instructions have modified since; an XSAVEOPT to
// the same address skips the components still unmodified (their image there is
// still right). The host does this; lwp models "modified" by value: a component
// is modified when its state differs from what that XRSTOR left (docs/quirks.md
// Q-XSAVEOPT-MODIFIED). The kernel forgets the tracking wherever Linux's own
// XRSTOR/XRSTORS runs at CPL 0 (context switches, signal delivery, sigreturn).
import type { Cpu } from "../cpu.js";

/** The x87 state as compared: control, status, tags, pointers and the eight registers. */
function x87Image(c: Cpu): Float64Array {
  const x = c.x87;
  const v = new Float64Array(6 + 80);
  v[0] = x.fcw;
  v[1] = x.status;
  v[2] = x.tags;
  v[3] = x.fop;
  v[4] = x.fip;
  v[5] = x.fdp;
  for (let k = 0; k < 80; k++) v[6 + k] = x.raw[k]!;
  return v;
}

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** What the last user-mode XRSTOR left: its address and, per component (0 x87, 1 SSE), the state it loaded. */
interface Tracking {
  address: number;
  readonly images: (ArrayLike<number> | null)[];
}

const tracking = new WeakMap<Cpu, Tracking>();

/** Component images taken now, by XCR0 bit (x87 and SSE: the components with an unmodified state). */
const IMAGERS: readonly ((c: Cpu) => ArrayLike<number>)[] = [x87Image, (c) => c.x32.slice()];

/** After an XRSTOR instruction at `address` with RFBM (low half) `rfbm`: the loaded components are unmodified. */
export function noteXrstor(c: Cpu, address: number, rfbm: number): void {
  let t = tracking.get(c);
  if (t === undefined) tracking.set(c, (t = { address, images: [null, null] }));
  t.address = address;
  IMAGERS.forEach((image, bit) => {
    if (((rfbm >>> bit) & 1) !== 0) t.images[bit] = image(c);
  });
}

/** Linux's XRSTOR at CPL 0 (or any state load lwp's kernel does): nothing is tracked any more. */
export function forgetXrstor(c: Cpu): void {
  tracking.delete(c);
}

/** Whether XSAVEOPT to `address` may skip component `bit` (in use, unmodified since an XRSTOR from there). */
export function unmodified(c: Cpu, address: number, bit: number): boolean {
  const t = tracking.get(c);
  if (t === undefined || t.address !== address || bit >= IMAGERS.length) return false;
  const before = t.images[bit];
  return before !== null && before !== undefined && same(before, IMAGERS[bit]!(c));
}
