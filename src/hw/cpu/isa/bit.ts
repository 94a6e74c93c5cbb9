// SPDX-License-Identifier: MIT
// Bit instructions: BT BTS BTR BTC, BSF BSR, BSWAP, POPCNT, LZCNT, and TZCNT
// executed as BSF (no BMI1 advertised: F3 0F BC is REP BSF) (AMD APM Vol. 3).
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import { CF, OF, PF, ZF } from "../flags.js";
import { type Builder, type InsnRow, type Op, row } from "../translate/types.js";
import { isImm, isMem, isReg, prepareEa, reader, readerHi, sext, withEa, writer } from "../translate/operands.js";

export const BIT_ROWS: readonly InsnRow[] = [
  row("BT", bitTest(0), { writes: "OSAPC", undefinedFlags: "OSAP" }),
  row("BTS", bitTest(1), { writes: "OSAPC", undefinedFlags: "OSAP", lock: true }),
  row("BTR", bitTest(2), { writes: "OSAPC", undefinedFlags: "OSAP", lock: true }),
  row("BTC", bitTest(3), { writes: "OSAPC", undefinedFlags: "OSAP", lock: true }),
  row("BSF", scan(bsf), { writes: "OSZAPC", undefinedFlags: "OSAPC" }),
  row("TZCNT", scan(bsf), { writes: "OSZAPC", undefinedFlags: "OSAPC" }),
  row("BSR", scan(bsr), { writes: "OSZAPC", undefinedFlags: "OSAPC" }),
  row("LZCNT", scan(lzcnt), { writes: "OSZAPC", undefinedFlags: "OSAP", cpuid: "ABM" }),
  row("POPCNT", scan(popcnt), { writes: "OSZAPC", cpuid: "POPCNT" }),
  row("BSWAP", bswap),
];

// ---- BT family ---------------------------------------------------------------------

/** Applies op (0 BT, 1 BTS, 2 BTR, 3 BTC) to bit k of w; sets CF; returns the new word. */
function bitOp(c: Cpu, w: number, k: number, op: number): number {
  const m = 1 << k;
  c.f.setEager((c.f.arith() & ~CF) | ((w & m) !== 0 ? CF : 0));
  return op === 0 ? w : op === 1 ? w | m : op === 2 ? w & ~m : w ^ m;
}

function bitTest(op: number): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0]!,
      s = i.ops[1]!;
    const sz = d.size;
    if (isReg(d)) {
      const lo = reader(d),
        hi = readerHi(d),
        w = writer(d),
        rk = reader(s, sz);
      return (c) => {
        const k = rk(c) & (sz - 1);
        let l = lo(c),
          h = hi(c);
        if (k >= 32) h = bitOp(c, h, k - 32, op);
        else l = bitOp(c, l, k, op);
        if (op !== 0) w(c, l, h);
      };
    }
    if (!isMem(d)) return null;
    const ea = prepareEa(i)!;
    const wb = sz === 16 ? 16 : 32;
    // Offset: the immediate stays inside the operand; a register offset is signed and
    // selects any word relative to the operand (APM "BT": bit-string addressing).
    const off: (c: Cpu) => number = isImm(s)
      ? (
          (v) => () =>
            v
        )(s.immLo & (sz - 1))
      : sz === 64
        ? (
            (k) => (c: Cpu) =>
              c.r32[k + 1]! * 4294967296 + (c.r32[k]! >>> 0)
          )(2 * s.reg)
        : (
            (rd) => (c: Cpu) =>
              sext(rd(c), sz)
          )(reader(s));
    // With a 67h prefix the bit-string address wraps at 32 bits too.
    const wrap = i.mem!.addr32 || hasAddr32Prefix(i.bytes);
    if (sz === 64) return bitTestMem64(ea, off, op, wrap, isImm(s) ? -1 : s.reg);
    return (c) => {
      const o = off(c);
      let a = ea(c) + Math.floor(o / wb) * (wb >> 3);
      if (wrap) a >>>= 0;
      const k = o - Math.floor(o / wb) * wb;
      const w = wb === 16 ? c.mem.read16(a) : c.mem.read32(a);
      const r = bitOp(c, w, k, op);
      if (op === 0) return;
      if (wb === 16) c.mem.write16(a, r & 0xffff);
      else c.mem.write32(a, r);
    };
  };
}

/** Whether a 67h prefix precedes the opcode (also for base-less absolute operands). */
function hasAddr32Prefix(b: Uint8Array): boolean {
  for (const x of b) {
    if (x === 0x67) return true;
    if (![0x66, 0xf2, 0xf3, 0xf0, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65].includes(x) && (x & 0xf0) !== 0x40) return false;
  }
  return false;
}

/**
 * 64-bit memory form: the quadword at ea + (offset >> 6) * 8 is accessed as
 * one unit. The offset's low bits are taken from the register halves so the
 * 32-bit wrap (67h) stays exact for any 64-bit offset.
 */
function bitTestMem64(ea: (c: Cpu) => number, off: (c: Cpu) => number, op: number, wrap: boolean, reg: number): Op {
  return (c) => {
    let a: number, k: number;
    if (reg >= 0) {
      const lo = c.r32[2 * reg]!,
        hi = c.r32[2 * reg + 1]!;
      k = lo & 63;
      a = wrap ? ea(c) + (((lo >>> 3) | (hi << 29)) & ~7) : ea(c) + Math.floor((hi * 4294967296 + (lo >>> 0)) / 64) * 8;
    } else {
      k = off(c);
      a = ea(c);
    }
    if (wrap) a >>>= 0;
    if (op !== 0) c.mem.probeWrite(a, 8);
    else c.mem.probeRead(a, 8);
    let l = c.mem.read32(a),
      h = c.mem.read32(a + 4);
    if (k >= 32) h = bitOp(c, h, k - 32, op);
    else l = bitOp(c, l, k, op);
    if (op !== 0) c.mem.write64(a, l, h);
  };
}

// ---- scans and counts ----------------------------------------------------------------

/** A scan sets c.t0 to the result, or returns false to leave the destination alone. */
type ScanSem = (c: Cpu, lo: number, hi: number, sz: number) => boolean;

function scan(sem: ScanSem): Builder {
  return (i: Insn): Op | null => {
    const d = i.ops[0]!,
      s = i.ops[1]!;
    const rs = reader(s),
      rsh = readerHi(s),
      w = writer(d);
    const sz = d.size;
    return withEa(prepareEa(i), (c) => {
      if (sem(c, rs(c), rsh(c), sz)) w(c, c.t0, 0);
    });
  };
}

/** AMD after BSF/BSR: ZF = (source = 0), PF from the index found (0 for a zero source), CF OF SF AF cleared. */
function scanFlags(c: Cpu, zero: boolean, r: number): void {
  let p = r & 0xff;
  p ^= p >> 4;
  p ^= p >> 2;
  p ^= p >> 1;
  c.f.setEager((zero ? ZF : 0) | ((p & 1) === 0 ? PF : 0));
}

function bsf(c: Cpu, lo: number, hi: number): boolean {
  if ((lo | hi) === 0) {
    scanFlags(c, true, 0);
    return false;
  }
  const r = lo !== 0 ? 31 - Math.clz32(lo & -lo) : 63 - Math.clz32(hi & -hi);
  c.t0 = r;
  scanFlags(c, false, r);
  return true;
}

function bsr(c: Cpu, lo: number, hi: number): boolean {
  if ((lo | hi) === 0) {
    scanFlags(c, true, 0);
    return false;
  }
  const r = hi !== 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(lo);
  c.t0 = r;
  scanFlags(c, false, r);
  return true;
}

function lzcnt(c: Cpu, lo: number, hi: number, sz: number): boolean {
  const n = sz === 64 ? (hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo)) : Math.clz32(lo) - (32 - sz);
  c.t0 = n;
  // AMD: OF kept, SF AF PF cleared.
  c.f.setEager((c.f.arith() & OF) | (n === sz ? CF : 0) | (n === 0 ? ZF : 0));
  return true;
}

function popcnt(c: Cpu, lo: number, hi: number): boolean {
  c.t0 = pop32(lo) + pop32(hi);
  c.f.setEager((lo | hi) === 0 ? ZF : 0);
  return true;
}

function pop32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

// ---- BSWAP ---------------------------------------------------------------------------

function swap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

function bswap(i: Insn): Op | null {
  const d = i.ops[0]!;
  const k = 2 * d.reg;
  if (d.size === 64) {
    return (c) => {
      const r = c.r32;
      const lo = r[k]!;
      r[k] = swap32(r[k + 1]!);
      r[k + 1] = swap32(lo);
    };
  }
  if (d.size === 32) {
    return (c) => {
      const r = c.r32;
      r[k] = swap32(r[k]!);
      r[k + 1] = 0;
    };
  }
  // 16-bit BSWAP is undefined; AMD clears the low word.
  return (c) => {
    c.r16[2 * k] = 0;
  };
}
