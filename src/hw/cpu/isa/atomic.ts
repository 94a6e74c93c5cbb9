// SPDX-License-Identifier: MIT
// Atomic read-modify-write: XADD CMPXCHG CMPXCHG8B CMPXCHG16B (AMD APM Vol. 3).
// The CPU runs one instruction at a time, so a LOCK prefix needs no extra work.
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decode.js";
import { CpuException, VEC_GP } from "../exits.js";
import { ZF } from "../flags.js";
import { type InsnRow, type Op, row } from "../translate/types.js";
import { isMem, prepareEa, reader, readerHi, withEa, writer } from "../translate/operands.js";
import { add, sub } from "./arith.js";

export const ATOMIC_ROWS: readonly InsnRow[] = [
  row("XADD", xadd, { writes: "OSZAPC", lock: true }),
  row("CMPXCHG", cmpxchg, { writes: "OSZAPC", lock: true }),
  row("CMPXCHG8B", cmpxchgWide(8), { writes: "Z", lock: true }),
  row("CMPXCHG16B", cmpxchgWide(16), { writes: "Z", lock: true, cpuid: "CX16" }),
];

/** XADD dst, src: src ← dst, dst ← dst + src. */
function xadd(i: Insn): Op | null {
  const d = i.ops[0]!,
    s = i.ops[1]!,
    sz = d.size;
  const ra = reader(d),
    rah = readerHi(d),
    rb = reader(s),
    rbh = readerHi(s);
  const wd = writer(d),
    ws = writer(s);
  const mem = isMem(d);
  return withEa(prepareEa(i), (c) => {
    const a = ra(c),
      ah = rah(c);
    add(c, a, ah, rb(c), rbh(c), sz);
    if (mem) {
      wd(c, c.t0, c.t1);
      ws(c, a, ah);
    } else {
      const t0 = c.t0,
        t1 = c.t1;
      ws(c, a, ah);
      wd(c, t0, t1);
    }
  });
}

/** CMPXCHG dst, src: if acc = dst then dst ← src else acc ← dst (flags of CMP acc, dst). */
function cmpxchg(i: Insn): Op | null {
  const d = i.ops[0]!,
    s = i.ops[1]!,
    sz = d.size;
  const acc = { ...d, kind: 0, reg: 0, hi8: false, rclass: 0 };
  const ra = reader(d),
    rah = readerHi(d),
    rb = reader(s),
    rbh = readerHi(s);
  const rx = reader(acc),
    rxh = readerHi(acc),
    wd = writer(d),
    wx = writer(acc);
  const mem = isMem(d);
  return withEa(prepareEa(i), (c) => {
    const a = ra(c),
      ah = rah(c);
    sub(c, rx(c), rxh(c), a, ah, sz);
    if (c.f.zf()) wd(c, rb(c), rbh(c));
    else {
      if (mem) wd(c, a, ah); // the destination is written back either way
      wx(c, a, ah);
    }
  });
}

/** CMPXCHG8B m64 / CMPXCHG16B m128: compare rDX:rAX, store rCX:rBX. */
function cmpxchgWide(bytes: number): (i: Insn) => Op | null {
  return (i) => {
    if (i.mem === null) return null;
    const ea = prepareEa(i)!;
    return (c: Cpu) => {
      const a = ea(c);
      if (bytes === 16 && (a & 15) !== 0) throw new CpuException(VEC_GP);
      c.mem.probeWrite(a, bytes);
      const r = c.r32,
        m = c.mem;
      const half = bytes >> 1;
      const x0 = m.read32(a),
        x1 = bytes === 16 ? m.read32(a + 4) : 0;
      const y0 = m.read32(a + half),
        y1 = bytes === 16 ? m.read32(a + half + 4) : 0;
      const eq = x0 === r[0] && y0 === r[4] && (bytes === 8 || (x1 === r[1] && y1 === r[5]));
      const fl = c.f.arith() & ~ZF;
      if (eq) {
        if (bytes === 16) {
          m.write64(a, r[6]!, r[7]!);
          m.write64(a + 8, r[2]!, r[3]!);
        } else m.write64(a, r[6]!, r[2]!);
        c.f.setEager(fl | ZF);
        return;
      }
      r[0] = x0;
      r[1] = x1;
      r[4] = y0;
      r[5] = y1;
      c.f.setEager(fl);
    };
  };
}
