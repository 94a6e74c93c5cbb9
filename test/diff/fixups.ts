// SPDX-License-Identifier: MIT
// Per-mnemonic steering of generated cases towards the interesting paths:
// non-overflowing divides, shift counts in CL, small bit offsets, CMPXCHG
// equality, string pointers and counts inside the window, branch and return
// targets inside the snippet, POPF images without TF (single-step traps
// are a debugger feature the emulator does not model), and XSAVE masks limited
// to the components both the host and the emulator implement.
import type { Ctx } from "./gen.js";
import { getGpr, pokeWin, setGpr } from "./gen.js";
import { gprIndex, GPR8_HI } from "./regs.js";
import { countEdge, type U64, edgeU64, split } from "./values.js";
import { isStringForm } from "./forms.js";
import { CODE_ADDR, STACK_TOP, WIN_ADDR } from "./state.js";

const RAX = 0,
  RCX = 1,
  RDX = 2,
  RBX = 3,
  RSP = 4,
  RBP = 5,
  RSI = 6,
  RDI = 7;

/** Operand width of the form's first sized operand, from its iced Code name. */
function widthOf(name: string): number {
  const m = /_(?:r|rm|m|r\/m)?(8|16|32|64)(?:_|$)/.exec(name) ?? /(8|16|32|64)/.exec(name);
  return m === null ? 64 : Number(m[1]);
}

/** Writes a register value at a width (the rest of the register keeps its bits). */
function setPart(x: Ctx, r: number, w: number, v: U64, hi8 = false): void {
  const cur = getGpr(x, r);
  const c = (BigInt(cur[1]) << 32n) | BigInt(cur[0]);
  let n = (BigInt(v[1]) << 32n) | BigInt(v[0]);
  const shift = hi8 ? 8n : 0n;
  const m = ((1n << BigInt(w)) - 1n) << shift;
  n = (c & ~m) | ((n << shift) & m);
  setGpr(x, r, split(n));
}

function divide(x: Ctx, signed: boolean): void {
  if (!x.rng.chance(0.6)) return;
  const w = widthOf(x.form.name);
  const lo = getGpr(x, RAX);
  const neg = signed && (w === 64 ? lo[1] >>> 31 : (lo[0] >>> (w - 1)) & 1) === 1;
  const fill: U64 = neg ? [0xffffffff, 0xffffffff] : [0, 0];
  if (w === 8) setPart(x, RAX, 8, fill, true);
  else setPart(x, RDX, w, fill);
}

function target(x: Ctx, len: number): U64 {
  return [CODE_ADDR + len + 2 * x.rng.int(3), 0];
}

/** Indirect JMP/CALL r/m: aim the register or memory operand at a UD2 in the snippet. */
function indirect(x: Ctx, len: number): void {
  const t = target(x, len);
  if (x.memAt >= 0) pokeWin(x, x.memAt, t);
  else if (x.regs[0] !== undefined) setGpr(x, gprIndex(x.regs[0]), t);
}

function stringPointers(x: Ctx): void {
  const mid = (): U64 => [WIN_ADDR + 160 + 8 * x.rng.int(40), 0];
  setGpr(x, RSI, mid());
  setGpr(x, RDI, mid());
  setGpr(x, RBX, mid());
  if (x.rng.chance(0.8)) setGpr(x, RCX, [x.rng.pick([0, 1, 2, 3, 5, 8]), x.rng.chance(0.1) ? 1 : 0]);
}

function bitOffset(x: Ctx): void {
  const r = x.regs[0];
  if (r === undefined) return;
  const w = widthOf(x.form.name);
  if (x.rng.chance(0.3)) {
    // A far bit offset: positive, so the access lands in unmapped memory above the
    // window on both sides (far negative ones would reach the native runner's own
    // image below the window, which the emulator does not have).
    setPart(x, gprIndex(r), w, split(BigInt(x.rng.pick([0x7fffffff, 0x40000000, 0x10000000, 0x8000000]))));
    return;
  }
  const v = BigInt(x.rng.int(4 * w) - 2 * w);
  setPart(x, gprIndex(r), w, split(v));
}

function cmpxchg(x: Ctx): void {
  if (!x.rng.chance(0.5)) return;
  const w = widthOf(x.form.name);
  let v: U64 = edgeU64(x.rng);
  if (x.memAt >= 0) pokeWin(x, x.memAt, v, w / 8);
  else if (x.regs[0] !== undefined) {
    const r = x.regs[0];
    v = getGpr(x, gprIndex(r));
    if (GPR8_HI.includes(r)) v = [v[0] >>> 8, 0];
  }
  setPart(x, RAX, w, v);
}

function cmpxchgPair(x: Ctx, bytes: number): void {
  if (!x.rng.chance(0.5) || x.memAt < 0) return;
  const a = edgeU64(x.rng),
    b = edgeU64(x.rng);
  if (bytes === 8) {
    pokeWin(x, x.memAt, a);
    setPart(x, RAX, 32, [a[0], 0]);
    setPart(x, RDX, 32, [a[1], 0]);
  } else {
    pokeWin(x, x.memAt, a);
    pokeWin(x, x.memAt + 8, b);
    setGpr(x, RAX, a);
    setGpr(x, RDX, b);
  }
}

/**
 * Whether the memory operand's address registers leave the fixups' registers alone where it
 * matters: XSAVE/XRSTOR take RFBM from EDX:EAX, and an address in RAX or RDX would ask the
 * host for its AVX components too (docs/quirks.md Q-CPU-AVX), so such encodings are redrawn.
 */
export function fixupsHold(x: Ctx): boolean {
  if (!/^(XSAVE|XRSTOR)/.test(x.form.row.mnemonic)) return true;
  return !x.addr.some(([r]) => r === RAX || r === RDX);
}

/** Mnemonic-specific adjustments; the memory operand's address registers are applied afterwards. */
export function applyFixups(x: Ctx, len: number): void {
  const m = x.form.row.mnemonic;
  const name = x.form.name;
  const { rng } = x;
  if (m === "DIV" || m === "IDIV") divide(x, m === "IDIV");
  else if (/_CL$/.test(name) && rng.chance(0.7)) setPart(x, RCX, 8, [countEdge(rng), 0]);
  else if (/^(BT|BTS|BTR|BTC)$/.test(m) && /_r(16|32|64)$/.test(name)) bitOffset(x);
  else if (m === "CMPXCHG") cmpxchg(x);
  else if (m === "CMPXCHG8B") cmpxchgPair(x, 8);
  else if (m === "CMPXCHG16B") cmpxchgPair(x, 16);
  else if ((m === "JMP" || m === "CALL") && /_rm(16|64)$/.test(name)) indirect(x, len);
  else if (m === "RET") pokeWin(x, Number(getGpr(x, RSP)[0]), target(x, len));
  else if (m === "LEAVE" || m === "ENTER") setGpr(x, RBP, [STACK_TOP - 16 * rng.int(6), 0]);
  else if (/^(LOOP|LOOPE|LOOPNE|JRCXZ|JECXZ)$/.test(m) && rng.chance(0.6)) {
    setGpr(
      x,
      RCX,
      rng.pick<U64>([
        [0, 0],
        [1, 0],
        [2, 0],
        [0, 1],
        [1, 1],
        [0xffffffff, 0],
      ]),
    );
  } else if (isStringForm(x.form)) stringPointers(x);
  else if (/^XSAVE|^XRSTOR/.test(m)) {
    // RFBM = XCR0 & EDX:EAX: ask for x87|SSE only, the components both sides have
    // (the host's XCR0 also enables AVX, which this CPU does not implement).
    setGpr(x, RAX, [rng.pick([0, 1, 2, 3]), 0]);
    setGpr(x, RDX, [0, 0]);
  } else if (m === "POPF" || m === "POPFQ") {
    const sp = Number(getGpr(x, RSP)[0]);
    pokeWin(x, sp, [(rng.u32() & 0x244fd5 & ~0x100) | 2, 0], m === "POPF" ? 2 : 8);
  }
}
