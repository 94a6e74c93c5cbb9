// SPDX-License-Identifier: MIT
// The code emitter of the block compiler: one WebAssembly function per region,
// guest registers in i64 locals, operands, effective addresses and memory
// accesses with the software TLB inline (the miss goes to JavaScript), and the
// exit sites through which the region returns to the run loop.
import { type FnBody, I32, I64, OP, SIMD, V128, type ValType } from "../wasm/encoder.js";
import type { Insn, MemRef, Operand } from "../cpu/decode.js";
import { OK_IMM, OK_MEM, OK_REG, RC_GPR } from "../cpu/decode.js";
import { TLB_BYTES, TLB_SIZE, ACCESS_READ, ACCESS_WRITE } from "../memory/address-space.js";
import { CHAIN_HASH, CHAIN_SET_BITS, STATE_FS, STATE_GPR, STATE_GS, chainSet } from "./layout.js";
import { DYN, type FlagsEmitter } from "./flags-emit.js";

/** Why a region stopped at an exit site (the run loop's next step). */
export const EXIT_BRANCH = 0; // continue at `rip` (a static target outside the region, or the limit)
export const EXIT_DYNAMIC = 1; // continue at the 64-bit target in STATE_TARGET (branch at `rip`)
export const EXIT_FAULT = 2; // the instruction at `rip` faulted (the fault is held by the runtime)
export const EXIT_AFTER = 3; // stop after the instruction (a helper's pending exit, code written)
export const EXIT_CPU_RIP = 4; // a helper ran a control transfer: continue at the CPU's rip

/** One way out of a region: the run loop reads it back by index. */
export interface ExitSite {
  readonly kind: number;
  /** The RIP to continue at (EXIT_BRANCH/AFTER), the faulting or branching instruction otherwise. */
  readonly rip: number;
  /** Instructions counted for the current block that did not retire. */
  readonly adj: number;
}

/** Imported function indices every region module has. */
export interface Imports {
  /** (addr f64, access i32, bytes i32) → physical offset, or < 0 on a fault. */
  readonly xlate: number;
  /** () → i32: finishes a page-crossing write; non-zero when translated code was written. */
  readonly commit: number;
  /** (site i32) → i32 status: runs an instruction the compiler does not emit. */
  readonly helper: number;
  /** (kind, size, a, b, r, aux) → RFLAGS arithmetic bits, for flags from an unknown producer. */
  readonly flagBits: number;
  /** (a i64, b i64) → the high 64 bits of the unsigned product. */
  /** (state, site, kind, size, a, b, r, aux, target, branches, region): records how the region left (then it returns). */
  readonly exit: number;
  /** (kind i32, a, b, c i64) → 0: the shadow call stack's CALL (0, return address, slot, site) or RET (1, slot, site). */
  readonly shadow: number;
}

const TWO32 = 4294967296;

/** Parameters of a region's `run`: entry block, slice limit, LWP window, predictor on, retired and branches so far. */
export const PARAM_ENTRY = 0,
  PARAM_LIMIT = 1,
  PARAM_WINDOW = 2,
  PARAM_PREDICT = 3,
  PARAM_N = 4,
  PARAM_BR = 5;

/** Where the region lives among the others: its table slot, the chain cache, the type of `run`. */
interface Chaining {
  readonly slot: number;
  readonly cache: number;
  /** The gateway's `chain` import (gateway.ts): tail-calls the region in a table slot. */
  readonly chain: number;
  /** Byte offset of the region's work counter (f64, work.ts): what it retired, from minus its budget up. */
  readonly work: number;
}

export class Emitter {
  /** Local of each guest register (i64). */
  readonly reg: number[] = [];
  readonly n: number;
  /** `n` when the region was entered, or when its work was last charged (`chargeWork`). */
  readonly n0: number;
  readonly pc: number;
  readonly tgt: number;
  /** Set by a slow-path store that wrote translated code: leave after this instruction. */
  readonly abort: number;
  /** Branches retired (blocks of LWP event-3 weight 1), reported at the exit. */
  readonly br: number;
  /** The exit site being reported (the epilogue's). */
  readonly site: number;
  readonly exits: ExitSite[] = [];
  /** Registers read / written anywhere in the region (prologue loads, epilogue stores). */
  readonly used = new Set<number>();
  readonly written = new Set<number>();
  /** Open structured blocks inside the current block's code. */
  depth = 0;
  /** Depth of the dispatch loop, seen from the current block's code at depth 0. */
  dispatchDepth = 0;
  // The instruction being emitted: its index in the block, the block length.
  insnIndex = 0;
  blockLen = 0;
  insn: Insn | null = null;
  /** Whether the current instruction stored through the slow path (check `abort` after it). */
  slowStore = false;
  /**
   * The arithmetic flags the current instruction produces are all replaced before
   * anything can see them (dead-flags.ts `deadFlags`): an emitter may skip computing
   * them, leaving any record of the right size, but must then read no earlier flags.
   */
  flagsDead = false;
  flags!: FlagsEmitter;
  /**
   * Control transfer at the end of a block, provided by the region compiler: to a
   * static target (inside the region: the dispatch loop; outside: an exit), or to
   * the target in an i64 local (a RET or indirect branch at `ip`).
   */
  goto!: (target: number) => void;
  gotoDynamic!: (target: number, ip: number) => void;
  /** Whether CALL and RET report to the shadow call stack (`lwp record -g`, src/hw/cpu/probes.ts). */
  callStack = false;
  /** Runs the current instruction through its interpreter closure (a slow path: a misaligned SSE operand). */
  helperHere!: () => void;
  private readonly free: Record<number, number[]> = { [I32]: [], [I64]: [], [V128]: [] };
  private readonly busy: [ValType, number][] = [];

  constructor(
    readonly f: FnBody,
    readonly imports: Imports,
    /** Byte offset of the CPU state frame. */
    readonly state: number,
    /** Byte offset of the read TLB (the write TLB follows). */
    readonly tlb: number,
    readonly chaining: Chaining,
  ) {
    for (let r = 0; r < 16; r++) this.reg.push(f.local(I64));
    this.n = f.local(I32);
    this.n0 = f.local(I32);
    this.pc = f.local(I32);
    this.tgt = f.local(I64);
    this.abort = f.local(I32);
    this.br = f.local(I32);
    this.site = f.local(I32);
  }

  // ---- temporaries (valid within one instruction) ---------------------------

  tmp(t: ValType): number {
    const l = this.free[t]!.pop() ?? this.f.local(t);
    this.busy.push([t, l]);
    return l;
  }

  /** Frees every temporary (between instructions). */
  releaseTemps(): void {
    for (const [t, l] of this.busy) this.free[t]!.push(l);
    this.busy.length = 0;
  }

  // ---- structured control flow with depth tracking --------------------------

  open(kind: "block" | "loop" | "if", t = 0x40): void {
    if (kind === "block") this.f.block(t);
    else if (kind === "loop") this.f.loop(t);
    else this.f.if(t);
    this.depth++;
  }

  close(): void {
    this.f.end();
    this.depth--;
  }

  /** Branches to the dispatch loop (the next block is in `pc`). */
  brDispatch(): void {
    this.f.br(this.depth + this.dispatchDepth);
  }

  /**
   * Leaves the region by a new exit site: records it and branches, with the site's
   * index, to the function's one epilogue (`epilogue`), which reports it. The flags'
   * record is written to its locals first when the producer is known at compile
   * time; that changes nothing on the path that goes on, which reads the constants.
   */
  exit(kind: number, rip: number, adj: number): void {
    this.leave(kind, rip, adj, 2);
  }

  /** Records an exit site and branches with its index to the block `out` levels outside the dispatch loop. */
  private leave(kind: number, rip: number, adj: number, out: number): void {
    this.exits.push({ kind, rip, adj });
    this.flags.materialize();
    this.f.i32(this.exits.length - 1).br(this.depth + this.dispatchDepth + out);
  }

  /**
   * Continues at `target` (a constant, or the i64 local when `dynamic`) in the compiled
   * block the chain cache has there, else leaves by a new exit site of `kind` reporting
   * `rip`: the target goes to `tgt` and the site's index to the region's one chain tail
   * (`chainTail`), which looks the cache up. One copy of the lookup per region instead of
   * one per site: the lookup and the flags' record it stores were 15 % of cc1's region
   * code (14,600 sites of about 130 bytes).
   */
  chainExit(kind: number, target: number, dynamic: boolean, rip: number): void {
    this.pushTarget(target, dynamic);
    this.f.set(this.tgt);
    this.leave(kind, rip, 0, 1);
  }

  /**
   * The chain tail, right after the block every `chainExit` branches out of with its
   * site's index (on the stack), the target in `tgt` and the flags' record in its
   * locals: a tail call into the block the chain cache has for the target, else on
   * to the epilogue with the site's index.
   */
  chainTail(): void {
    const f = this.f;
    this.flags.kind = DYN;
    f.set(this.site);
    this.chargeWork();
    // A region whose work reached its budget leaves instead: the run loop compiles it
    // again to be optimized (optimize.ts), then goes on at the target.
    f.i32(0).mem(OP.f64_load, this.chaining.work, 3);
    f.op(OP.f64_const).code.f64(0);
    f.op(OP.f64_lt);
    this.open("if");
    this.chainTo(this.tgt, true);
    this.close();
    f.get(this.site);
  }

  /**
   * Adds the instructions retired in this region since `n0` to its work counter, wherever
   * the run leaves it (the epilogue) or chains on (the chain tail): the counter is what
   * this region ran, not what the chain of regions a run went through ran.
   */
  private chargeWork(): void {
    const f = this.f,
      at = this.chaining.work;
    f.i32(0).i32(0).mem(OP.f64_load, at, 3);
    f.get(this.n).get(this.n0).op(OP.i32_sub).op(OP.f64_convert_i32_u).op(OP.f64_add);
    f.mem(OP.f64_store, at, 3);
    f.get(this.n).set(this.n0);
  }

  /**
   * The shared way out, after the dispatch loop, inside the block every exit
   * branches out of with its site's index: records the exit (site, flags' record,
   * dynamic target, branches) in the state frame and returns the retired count.
   */
  epilogue(): void {
    const f = this.f;
    f.set(this.site);
    this.chargeWork();
    f.i32(this.state).get(this.site);
    this.flags.kind = DYN;
    this.flags.pushRecord();
    f.get(this.tgt).get(this.br).i32(this.chaining.slot).call(this.imports.exit).get(this.n);
  }

  /**
   * Continues at `target` (a constant, or the i64 local when `dynamic`) in the
   * compiled block the chain cache has there, if any: a tail call into its
   * region, which goes on counting from this one's totals. Falls through on a miss.
   */
  private chainTo(target: number, dynamic: boolean): void {
    const f = this.f,
      a = this.tmp(I32),
      c = this.chaining;
    // The set's first entry, else its second (layout.ts).
    if (dynamic) {
      f.get(target).op(OP.i32_wrap_i64).i32(CHAIN_HASH).op(OP.i32_mul);
      f.i32(32 - CHAIN_SET_BITS)
        .op(OP.i32_shr_u)
        .i32(5)
        .op(OP.i32_shl)
        .tee(a);
    } else f.i32(32 * chainSet(target >>> 0)).tee(a);
    f.i32(16).op(OP.i32_add).get(a);
    f.get(a).mem(OP.i64_load, c.cache, 3);
    this.pushTarget(target, dynamic);
    f.op(OP.i64_ne).op(OP.select).tee(a);
    f.mem(OP.i64_load, c.cache, 3);
    this.pushTarget(target, dynamic);
    f.op(OP.i64_eq);
    this.open("if");
    this.flags.store();
    f.get(a).mem(OP.i32_load, c.cache + 12, 2);
    f.get(PARAM_LIMIT).get(PARAM_WINDOW).get(PARAM_PREDICT).get(this.n).get(this.br);
    f.get(a).mem(OP.i32_load, c.cache + 8, 2);
    f.returnCall(c.chain);
    this.close();
  }

  private pushTarget(target: number, dynamic: boolean): void {
    if (dynamic) this.f.get(target);
    else this.constNum(target);
  }

  /** Leaves the region at the current instruction, which did not retire (a fault). */
  exitFault(): void {
    this.exit(EXIT_FAULT, this.insn!.ip, this.blockLen - this.insnIndex);
  }

  /** Leaves after the current instruction retired, continuing at `rip`. */
  exitAfter(rip: number, kind = EXIT_AFTER): void {
    this.exit(kind, rip, this.blockLen - this.insnIndex - 1);
  }

  // ---- registers -------------------------------------------------------------

  /** Pushes register `r` (all 64 bits). */
  getReg(r: number): void {
    this.used.add(r);
    this.f.get(this.reg[r]!);
  }

  /**
   * Pops a 64-bit value into register `r`, writing it through to the state frame:
   * the frame always holds the registers, so the epilogue, a chain into another
   * region and a helper store none (writing them back only there measured no faster,
   * docs/architecture.md "Tried and not kept: dead flag records").
   */
  setReg(r: number): void {
    this.written.add(r);
    const l = this.reg[r]!;
    this.f
      .set(l)
      .i32(0)
      .get(l)
      .mem(OP.i64_store, this.state + STATE_GPR + 8 * r, 3);
  }

  /** Pushes a general-register operand's value (low `size` bits meaningful; AH..BH shifted down). */
  readGpr(o: Operand): void {
    this.getReg(o.reg);
    if (o.hi8) this.f.i64(8).op(OP.i64_shr_u);
  }

  /** Writes the i64 in local `v` to a general-register operand with x86 rules (32-bit writes zero-extend, 8/16 merge). */
  writeGpr(o: Operand, v: number): void {
    const f = this.f,
      r = o.reg;
    switch (o.size) {
      case 64:
        f.get(v);
        break;
      case 32:
        f.get(v).i64(-1, 0).op(OP.i64_and);
        break;
      case 16:
        this.getReg(r);
        f.i64(~0xffff, -1).op(OP.i64_and).get(v).i64(0xffff).op(OP.i64_and).op(OP.i64_or);
        break;
      default:
        this.getReg(r);
        if (o.hi8) {
          f.i64(~0xff00, -1).op(OP.i64_and).get(v).i64(0xff).op(OP.i64_and).i64(8).op(OP.i64_shl).op(OP.i64_or);
        } else f.i64(~0xff, -1).op(OP.i64_and).get(v).i64(0xff).op(OP.i64_and).op(OP.i64_or);
    }
    this.setReg(r);
  }

  /** Pushes the 64-bit constant `v` (a Number, exact). */
  constNum(v: number): void {
    const hi = Math.floor(v / TWO32);
    this.f.i64((v - hi * TWO32) | 0, hi | 0);
  }

  // ---- operands ----------------------------------------------------------------

  /** Whether the compiler handles operand `o` (general registers, immediates, memory). */
  static plain(o: Operand | undefined): boolean {
    return o !== undefined && ((o.kind === OK_REG && o.rclass === RC_GPR) || o.kind === OK_IMM || o.kind === OK_MEM);
  }

  /** Pushes an operand at `size` bits: register, immediate (as encoded, sign-extended), or memory at `addr`. */
  readOp(o: Operand, size: number, addr: number): void {
    if (o.kind === OK_IMM) {
      const lo = size < 32 ? o.immLo & (size === 8 ? 0xff : 0xffff) : o.immLo;
      this.f.i64(lo, size === 64 ? o.immHi : 0);
    } else if (o.kind === OK_MEM) this.load(addr, o.size / 8, false);
    else this.readGpr(o);
  }

  /** Writes local `v` to a register or memory operand. */
  writeOp(o: Operand, v: number, addr: number): void {
    if (o.kind === OK_MEM) this.store(addr, o.size / 8, v);
    else this.writeGpr(o, v);
  }

  /** Computes the instruction's effective address (segment base included) into a new i64 local. */
  ea(m: MemRef): number {
    const f = this.f,
      t = this.tmp(I64);
    let first = true;
    const add = (): void => {
      if (!first) f.op(OP.i64_add);
      first = false;
    };
    if (m.base >= 0) {
      this.getReg(m.base);
      add();
    }
    if (m.index >= 0) {
      this.getReg(m.index);
      if (m.scale > 1) f.i64(Math.log2(m.scale)).op(OP.i64_shl);
      add();
    }
    if (m.disp !== 0 || first) {
      this.constNum(m.disp);
      add();
    }
    if (m.addr32) f.i64(-1, 0).op(OP.i64_and);
    if (m.seg !== 0) {
      f.i32(0).mem(OP.i64_load, this.state + (m.seg === 1 ? STATE_FS : STATE_GS), 3);
      f.op(OP.i64_add);
    }
    f.set(t);
    return t;
  }

  // ---- memory ------------------------------------------------------------------

  /**
   * An access of `bytes` at the address in local `addr`: the TLB hit inline, a
   * miss (or a page-crossing access) through the runtime, which faults the
   * region out or returns the offset to use. `body` emits the access with the
   * physical offset on the stack, once for each path; `result` is the block type.
   *
   * One comparison tests both, as QEMU's softmmu does: the entry is chosen by the
   * page of the first byte and its tag compared with the page of the last, which
   * differs from every tag that entry can hold when the access crosses a page. A hit
   * adds the entry's delta (frame offset − page address, mod 2^32) to the address.
   */
  private access(addr: number, bytes: number, access: number, result: number, body: () => void): void {
    const f = this.f;
    const e = this.tmp(I32),
      off = this.tmp(I32),
      pn = bytes === 1 ? this.tmp(I64) : -1; // a byte's last page is its first
    const base = this.tlb + (access === ACCESS_WRITE ? TLB_BYTES : 0);
    f.get(addr).i64(12).op(OP.i64_shr_u);
    if (pn >= 0) f.tee(pn);
    f.op(OP.i32_wrap_i64)
      .i32(TLB_SIZE - 1)
      .op(OP.i32_and)
      .i32(4)
      .op(OP.i32_shl)
      .tee(e);
    f.mem(OP.i64_load, base, 3);
    if (pn >= 0) {
      f.get(pn);
    } else {
      f.get(addr)
        .i64(bytes - 1)
        .op(OP.i64_add)
        .i64(12)
        .op(OP.i64_shr_u);
    }
    f.op(OP.i64_eq);
    this.open("if", result);
    f.get(addr)
      .op(OP.i32_wrap_i64)
      .get(e)
      .mem(OP.i32_load, base + 8, 2)
      .op(OP.i32_add);
    body();
    f.else();
    f.get(addr).op(OP.f64_convert_i64_s).i32(access).i32(bytes).call(this.imports.xlate).tee(off);
    f.i32(0).op(OP.i32_lt_s);
    this.open("if");
    this.exitFault();
    this.close();
    f.get(off);
    body();
    if (access === ACCESS_WRITE) {
      // The store may have crossed a page (through the scratch area) or hit translated code.
      this.slowStore = true;
      f.call(this.imports.commit).get(this.abort).op(OP.i32_or).set(this.abort);
    }
    this.close();
  }

  /** Pushes `bytes` (1, 2, 4, 8) loaded from the address in local `addr`, zero- or sign-extended to i64. */
  load(addr: number, bytes: number, signed: boolean): void {
    const op =
      bytes === 8
        ? OP.i64_load
        : bytes === 4
          ? signed
            ? OP.i64_load32_s
            : OP.i64_load32_u
          : bytes === 2
            ? signed
              ? OP.i64_load16_s
              : OP.i64_load16_u
            : signed
              ? OP.i64_load8_s
              : OP.i64_load8_u;
    this.access(addr, bytes, ACCESS_READ, I64, () => this.f.mem(op, 0, 0));
  }

  /** Stores the low `bytes` of local `v` at the address in local `addr` (faults before anything is written). */
  store(addr: number, bytes: number, v: number): void {
    const op = bytes === 8 ? OP.i64_store : bytes === 4 ? OP.i64_store32 : bytes === 2 ? OP.i64_store16 : OP.i64_store8;
    this.access(addr, bytes, ACCESS_WRITE, 0x40, () => this.f.get(v).mem(op, 0, 0));
  }

  /** Pushes the 16 bytes at the address in local `addr`. */
  load128(addr: number): void {
    this.access(addr, 16, ACCESS_READ, V128, () => this.f.simdMem(SIMD.v128_load, 0, 0));
  }

  /** Stores the v128 in local `v` at the address in local `addr`. */
  store128(addr: number, v: number): void {
    this.access(addr, 16, ACCESS_WRITE, 0x40, () => this.f.get(v).simdMem(SIMD.v128_store, 0, 0));
  }

  // ---- the whole register file in the state frame ---------------------------------

  /**
   * Loads every register the region reads or writes (the prologue): a register
   * written on one path is stored back at every exit, so its local must hold the
   * register's value on the paths that do not write it.
   */
  reload(): void {
    for (let r = 0; r < 16; r++) {
      if (this.used.has(r) || this.written.has(r)) {
        this.f
          .i32(0)
          .mem(OP.i64_load, this.state + STATE_GPR + 8 * r, 3)
          .set(this.reg[r]!);
      }
    }
  }

  /** Reloads all sixteen registers (after a helper, which may have written any). */
  reloadAll(): void {
    for (let r = 0; r < 16; r++) {
      this.used.add(r);
      this.f
        .i32(0)
        .mem(OP.i64_load, this.state + STATE_GPR + 8 * r, 3)
        .set(this.reg[r]!);
    }
  }
}
