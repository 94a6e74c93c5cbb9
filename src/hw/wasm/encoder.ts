// SPDX-License-Identifier: MIT
// A WebAssembly binary encoder (WebAssembly Core Specification 2.0, §5 "Binary
// Format"): the module sections the block compiler needs (types, imports,
// functions, exports, code) and a function-body writer with the instructions
// by name. Small and allocation-light: bodies are written into growable byte
// buffers, constants as LEB128 straight from 32-bit halves (no BigInt).

/** Value types (§5.3.1). */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof I64 | 0x7d | typeof F64 | typeof V128;
/** Block type of a block/loop/if without results. */
const VOID = 0x40;

/** Opcodes (§5.4), named as in the text format with `.` → `_`. */
export const OP = {
  unreachable: 0x00,
  nop: 0x01,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  br_table: 0x0e,
  return: 0x0f,
  call: 0x10,
  call_indirect: 0x11,
  drop: 0x1a,
  select: 0x1b,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  global_get: 0x23,
  global_set: 0x24,
  i32_load: 0x28,
  i64_load: 0x29,
  f32_load: 0x2a,
  f64_load: 0x2b,
  i32_load8_s: 0x2c,
  i32_load8_u: 0x2d,
  i32_load16_s: 0x2e,
  i32_load16_u: 0x2f,
  i64_load8_s: 0x30,
  i64_load8_u: 0x31,
  i64_load16_s: 0x32,
  i64_load16_u: 0x33,
  i64_load32_s: 0x34,
  i64_load32_u: 0x35,
  i32_store: 0x36,
  i64_store: 0x37,
  f32_store: 0x38,
  f64_store: 0x39,
  i32_store8: 0x3a,
  i32_store16: 0x3b,
  i64_store8: 0x3c,
  i64_store16: 0x3d,
  i64_store32: 0x3e,
  i32_const: 0x41,
  i64_const: 0x42,
  f64_const: 0x44,
  i32_eqz: 0x45,
  i32_eq: 0x46,
  i32_ne: 0x47,
  i32_lt_s: 0x48,
  i32_lt_u: 0x49,
  i32_gt_s: 0x4a,
  i32_gt_u: 0x4b,
  i32_le_s: 0x4c,
  i32_le_u: 0x4d,
  i32_ge_s: 0x4e,
  i32_ge_u: 0x4f,
  i64_eqz: 0x50,
  i64_eq: 0x51,
  i64_ne: 0x52,
  i64_lt_s: 0x53,
  i64_lt_u: 0x54,
  i64_gt_s: 0x55,
  i64_gt_u: 0x56,
  i64_le_s: 0x57,
  i64_le_u: 0x58,
  i64_ge_s: 0x59,
  i64_ge_u: 0x5a,
  f64_eq: 0x61,
  f64_lt: 0x63,
  i32_clz: 0x67,
  i32_ctz: 0x68,
  i32_popcnt: 0x69,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_mul: 0x6c,
  i32_div_s: 0x6d,
  i32_div_u: 0x6e,
  i32_rem_s: 0x6f,
  i32_rem_u: 0x70,
  i32_and: 0x71,
  i32_or: 0x72,
  i32_xor: 0x73,
  i32_shl: 0x74,
  i32_shr_s: 0x75,
  i32_shr_u: 0x76,
  i32_rotl: 0x77,
  i32_rotr: 0x78,
  i64_clz: 0x79,
  i64_ctz: 0x7a,
  i64_popcnt: 0x7b,
  i64_add: 0x7c,
  i64_sub: 0x7d,
  i64_mul: 0x7e,
  i64_div_s: 0x7f,
  i64_div_u: 0x80,
  i64_rem_s: 0x81,
  i64_rem_u: 0x82,
  i64_and: 0x83,
  i64_or: 0x84,
  i64_xor: 0x85,
  i64_shl: 0x86,
  i64_shr_s: 0x87,
  i64_shr_u: 0x88,
  i64_rotl: 0x89,
  i64_rotr: 0x8a,
  f64_add: 0xa0,
  i32_wrap_i64: 0xa7,
  i64_extend_i32_s: 0xac,
  i64_extend_i32_u: 0xad,
  f64_convert_i32_u: 0xb8,
  f64_convert_i64_s: 0xb9,
  f64_convert_i64_u: 0xba,
  i64_reinterpret_f64: 0xbd,
  f64_reinterpret_i64: 0xbf,
  i32_extend8_s: 0xc0,
  i32_extend16_s: 0xc1,
  i64_extend8_s: 0xc2,
  i64_extend16_s: 0xc3,
  i64_extend32_s: 0xc4,
} as const;

/**
 * Fixed-width SIMD opcodes (WebAssembly Core Specification 2.0 §5.4.8), each
 * encoded after the 0xFD prefix as an unsigned LEB128.
 */
export const SIMD = {
  v128_load: 0x00,
  v128_load64_splat: 0x0a,
  v128_store: 0x0b,
  v128_const: 0x0c,
  i8x16_shuffle: 0x0d,
  i8x16_swizzle: 0x0e,
  i8x16_splat: 0x0f,
  i16x8_splat: 0x10,
  i32x4_splat: 0x11,
  i64x2_splat: 0x12,
  i8x16_extract_lane_u: 0x16,
  i8x16_replace_lane: 0x17,
  i16x8_extract_lane_u: 0x19,
  i16x8_replace_lane: 0x1a,
  i32x4_extract_lane: 0x1b,
  i32x4_replace_lane: 0x1c,
  i64x2_extract_lane: 0x1d,
  i64x2_replace_lane: 0x1e,
  i8x16_eq: 0x23,
  i8x16_gt_s: 0x27,
  i16x8_eq: 0x2d,
  i16x8_gt_s: 0x31,
  i32x4_eq: 0x37,
  i32x4_gt_s: 0x3b,
  v128_not: 0x4d,
  v128_and: 0x4e,
  v128_andnot: 0x4f,
  v128_or: 0x50,
  v128_xor: 0x51,
  v128_load32_zero: 0x5c,
  v128_load64_zero: 0x5d,
  i8x16_bitmask: 0x64,
  i32x4_bitmask: 0xa4,
  i64x2_bitmask: 0xc4,
  i64x2_shr_s: 0xcc,
  i64x2_mul: 0xd5,
  i8x16_narrow_i16x8_s: 0x65,
  i8x16_narrow_i16x8_u: 0x66,
  i8x16_add: 0x6e,
  i8x16_add_sat_s: 0x6f,
  i8x16_add_sat_u: 0x70,
  i8x16_sub: 0x71,
  i8x16_sub_sat_s: 0x72,
  i8x16_sub_sat_u: 0x73,
  i8x16_min_s: 0x76,
  i8x16_min_u: 0x77,
  i8x16_max_s: 0x78,
  i8x16_max_u: 0x79,
  i8x16_avgr_u: 0x7b,
  i16x8_narrow_i32x4_s: 0x85,
  i16x8_narrow_i32x4_u: 0x86,
  i16x8_shl: 0x8b,
  i16x8_shr_s: 0x8c,
  i16x8_shr_u: 0x8d,
  i16x8_add: 0x8e,
  i16x8_add_sat_s: 0x8f,
  i16x8_add_sat_u: 0x90,
  i16x8_sub: 0x91,
  i16x8_sub_sat_s: 0x92,
  i16x8_sub_sat_u: 0x93,
  i16x8_mul: 0x95,
  i16x8_min_s: 0x96,
  i16x8_min_u: 0x97,
  i16x8_max_s: 0x98,
  i16x8_max_u: 0x99,
  i16x8_avgr_u: 0x9b,
  i32x4_shl: 0xab,
  i32x4_shr_s: 0xac,
  i32x4_shr_u: 0xad,
  i32x4_add: 0xae,
  i32x4_sub: 0xb1,
  i32x4_mul: 0xb5,
  i32x4_min_s: 0xb6,
  i32x4_min_u: 0xb7,
  i32x4_max_s: 0xb8,
  i32x4_max_u: 0xb9,
  i64x2_shl: 0xcb,
  i64x2_shr_u: 0xcd,
  i64x2_add: 0xce,
  i64x2_sub: 0xd1,
  i64x2_eq: 0xd6,
} as const;

/** A growable byte buffer. */
const F64_SCRATCH = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64_SCRATCH.buffer);

export class Bytes {
  buf = new Uint8Array(256);
  len = 0;

  byte(b: number): void {
    if (this.len === this.buf.length) this.grow(1);
    this.buf[this.len++] = b;
  }

  /** Makes room for `n` more bytes. */
  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  bytes(b: ArrayLike<number>): void {
    if (this.len + b.length > this.buf.length) this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  u32(v: number): void {
    let x = v >>> 0;
    do {
      const b = x & 0x7f;
      x >>>= 7;
      this.byte(x !== 0 ? b | 0x80 : b);
    } while (x !== 0);
  }

  s32(v: number): void {
    let x = v | 0;
    for (;;) {
      const b = x & 0x7f;
      x >>= 7;
      if ((x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0)) {
        this.byte(b);
        return;
      }
      this.byte(b | 0x80);
    }
  }

  /** Signed LEB128 of the 64-bit value hi·2^32 + lo (lo, hi as int32 halves). */
  s64(lo: number, hi: number): void {
    if ((hi === 0 && lo >= 0) || (hi === -1 && lo < 0)) {
      this.s32(lo);
      return;
    }
    let l = lo >>> 0,
      h = hi | 0;
    for (;;) {
      const b = l & 0x7f;
      // 64-bit arithmetic shift right by 7 on the halves
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>= 7;
      const done = (h === 0 && l === 0 && (b & 0x40) === 0) || (h === -1 && l === 0xffffffff && (b & 0x40) !== 0);
      if (done) {
        this.byte(b);
        return;
      }
      this.byte(b | 0x80);
    }
  }

  /** An IEEE 754 double, little-endian (f64.const's immediate). */
  f64(v: number): void {
    F64_SCRATCH[0] = v;
    this.bytes(F64_BYTES);
  }

  name(s: string): void {
    const e = new TextEncoder().encode(s);
    this.u32(e.length);
    this.bytes(e);
  }

  vec(v: Bytes): void {
    this.bytes(v.buf.subarray(0, v.len));
  }

  result(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** A function body under construction: locals and the instruction stream. */
export class FnBody {
  /** The instruction stream (replaceable: a prologue can be written after the body is known). */
  code = new Bytes();
  private readonly locals: ValType[] = [];

  constructor(readonly params: readonly ValType[]) {}

  /** Declares a local; returns its index (after the parameters). */
  local(t: ValType): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }

  op(code: number): this {
    this.code.byte(code);
    return this;
  }

  i32(v: number): this {
    this.code.byte(OP.i32_const);
    this.code.s32(v);
    return this;
  }

  /** i64.const of hi·2^32 + lo. */
  i64(lo: number, hi = lo < 0 ? -1 : 0): this {
    this.code.byte(OP.i64_const);
    this.code.s64(lo, hi);
    return this;
  }

  get(i: number): this {
    this.code.byte(OP.local_get);
    this.code.u32(i);
    return this;
  }

  set(i: number): this {
    this.code.byte(OP.local_set);
    this.code.u32(i);
    return this;
  }

  tee(i: number): this {
    this.code.byte(OP.local_tee);
    this.code.u32(i);
    return this;
  }

  /** A SIMD instruction (no immediates). */
  simd(code: number): this {
    this.code.byte(0xfd);
    this.code.u32(code);
    return this;
  }

  /** A SIMD load or store with its memory argument. */
  simdMem(code: number, offset = 0, align = 0): this {
    this.simd(code);
    this.code.u32(align);
    this.code.u32(offset);
    return this;
  }

  /** A SIMD lane instruction (extract/replace) with its lane index. */
  lane(code: number, index: number): this {
    this.simd(code);
    this.code.byte(index);
    return this;
  }

  /** i8x16.shuffle with its 16 lane indices (0–15 the first operand, 16–31 the second). */
  shuffle(lanes: readonly number[]): this {
    this.simd(SIMD.i8x16_shuffle);
    this.code.bytes(lanes);
    return this;
  }

  /** v128.const of 16 bytes. */
  v128(bytes: readonly number[]): this {
    this.simd(SIMD.v128_const);
    this.code.bytes(bytes);
    return this;
  }

  /** A load or store with its memory argument (alignment hint log2, constant offset). */
  mem(code: number, offset = 0, align = 0): this {
    this.code.byte(code);
    this.code.u32(align);
    this.code.u32(offset);
    return this;
  }

  block(t: number = VOID): this {
    this.code.byte(OP.block);
    this.code.byte(t);
    return this;
  }

  loop(t: number = VOID): this {
    this.code.byte(OP.loop);
    this.code.byte(t);
    return this;
  }

  if(t: number = VOID): this {
    this.code.byte(OP.if);
    this.code.byte(t);
    return this;
  }

  else(): this {
    return this.op(OP.else);
  }

  end(): this {
    return this.op(OP.end);
  }

  br(depth: number): this {
    this.code.byte(OP.br);
    this.code.u32(depth);
    return this;
  }

  brIf(depth: number): this {
    this.code.byte(OP.br_if);
    this.code.u32(depth);
    return this;
  }

  brTable(depths: readonly number[], dflt: number): this {
    this.code.byte(OP.br_table);
    this.code.u32(depths.length);
    for (const d of depths) this.code.u32(d);
    this.code.u32(dflt);
    return this;
  }

  /** return_call (tail call, WebAssembly 3.0). */
  returnCall(fn: number): this {
    this.code.byte(0x12);
    this.code.u32(fn);
    return this;
  }

  /** return_call_indirect (tail call, WebAssembly 3.0): the callee index is on the stack. */
  returnCallIndirect(type: number, table = 0): this {
    this.code.byte(0x13);
    this.code.u32(type);
    this.code.u32(table);
    return this;
  }

  call(fn: number): this {
    this.code.byte(OP.call);
    this.code.u32(fn);
    return this;
  }

  /** The body as the code section wants it: size, local declarations, instructions, end. */
  encode(): Bytes {
    const b = new Bytes();
    const groups: [number, ValType][] = [];
    for (const t of this.locals) {
      const g = groups[groups.length - 1];
      if (g !== undefined && g[1] === t) g[0]++;
      else groups.push([1, t]);
    }
    b.u32(groups.length);
    for (const [n, t] of groups) {
      b.u32(n);
      b.byte(t);
    }
    b.vec(this.code);
    b.byte(OP.end);
    const out = new Bytes();
    out.u32(b.len);
    out.vec(b);
    return out;
  }
}

interface FuncType {
  params: readonly ValType[];
  results: readonly ValType[];
}

/** A module: imported functions and memory, defined functions, exports. */
export class ModuleBuilder {
  private readonly types: FuncType[] = [];
  private readonly imports: { module: string; name: string; type: number }[] = [];
  private memoryImport: { module: string; name: string; pages: number; shared: boolean } | null = null;
  private tableImport: { module: string; name: string; min: number } | null = null;
  private readonly funcs: { type: number; body: FnBody | null }[] = [];
  private readonly exports: { name: string; func: number }[] = [];

  /** The index of a function type (added if new): for call_indirect. */
  typeIndex(params: readonly ValType[], results: readonly ValType[]): number {
    const key = (t: FuncType): string => `${t.params.join(",")}>${t.results.join(",")}`;
    const k = key({ params, results });
    const i = this.types.findIndex((t) => key(t) === k);
    if (i >= 0) return i;
    this.types.push({ params, results });
    return this.types.length - 1;
  }

  /** Imports a function; imports must all come before the first defined function. Returns its index. */
  importFunc(module: string, name: string, params: readonly ValType[], results: readonly ValType[]): number {
    if (this.funcs.length > 0) throw new Error("imports must precede functions");
    this.imports.push({ module, name, type: this.typeIndex(params, results) });
    return this.imports.length - 1;
  }

  /**
   * Imports the memory (`pages` is its current size: the import's minimum; a shared
   * memory is imported as shared, with that size as its maximum too).
   */
  importMemory(module: string, name: string, pages: number, shared = false): void {
    this.memoryImport = { module, name, pages, shared };
  }

  /** Imports a funcref table (`min` elements at least): table 0. */
  importTable(module: string, name: string, min: number): void {
    this.tableImport = { module, name, min };
  }

  /** Declares a function (its body may be filled later); returns its index. */
  func(params: readonly ValType[], results: readonly ValType[]): { index: number; body: FnBody } {
    const body = new FnBody(params);
    this.funcs.push({ type: this.typeIndex(params, results), body });
    return { index: this.imports.length + this.funcs.length - 1, body };
  }

  exportFunc(name: string, func: number): void {
    this.exports.push({ name, func });
  }

  encode(): Uint8Array {
    const out = new Bytes();
    out.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    section(out, 1, (s) => {
      s.u32(this.types.length);
      for (const t of this.types) {
        s.byte(0x60);
        s.u32(t.params.length);
        s.bytes(t.params);
        s.u32(t.results.length);
        s.bytes(t.results);
      }
    });
    section(out, 2, (s) => {
      const m = this.memoryImport,
        t = this.tableImport;
      s.u32(this.imports.length + (m !== null ? 1 : 0) + (t !== null ? 1 : 0));
      for (const im of this.imports) {
        s.name(im.module);
        s.name(im.name);
        s.byte(0x00);
        s.u32(im.type);
      }
      if (t !== null) {
        s.name(t.module);
        s.name(t.name);
        s.byte(0x01);
        s.byte(0x70); // funcref
        s.byte(0x00);
        s.u32(t.min);
      }
      if (m !== null) {
        s.name(m.module);
        s.name(m.name);
        s.byte(0x02);
        s.byte(m.shared ? 0x03 : 0x00); // limits: min and max, shared; or min only
        s.u32(m.pages);
        if (m.shared) s.u32(m.pages);
      }
    });
    section(out, 3, (s) => {
      s.u32(this.funcs.length);
      for (const f of this.funcs) s.u32(f.type);
    });
    section(out, 7, (s) => {
      s.u32(this.exports.length);
      for (const e of this.exports) {
        s.name(e.name);
        s.byte(0x00);
        s.u32(e.func);
      }
    });
    section(out, 10, (s) => {
      s.u32(this.funcs.length);
      for (const f of this.funcs) s.vec(f.body!.encode());
    });
    return out.result();
  }
}

function section(out: Bytes, id: number, fill: (s: Bytes) => void): void {
  const s = new Bytes();
  fill(s);
  out.byte(id);
  out.u32(s.len);
  out.vec(s);
}
