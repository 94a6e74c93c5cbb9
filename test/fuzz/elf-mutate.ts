// SPDX-License-Identifier: MIT
// Seeded ELF mutations of real binaries (issue 10 item 8, issue 11 item 4):
// header fields, program header fields with the values binfmt_elf treats
// specially, truncations, stripped or broken section tables and byte flips in
// the headers. Each mutant is a whole file; test/fuzz/elf-fuzz.ts executes them.

/** mulberry32: a small seeded PRNG (deterministic mutants for a seed). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const PHDR = 56;
const PT_LOAD = 1;

interface Mutation {
  readonly name: string;
  apply(b: Uint8Array, v: DataView, r: Rand): Uint8Array;
}

function phdrAt(v: DataView, i: number): number {
  return Number(v.getBigUint64(32, true)) + PHDR * i;
}

/** A program header index, PT_LOAD ones twice as likely. */
function somePhdr(v: DataView, r: Rand): number {
  const n = v.getUint16(56, true);
  const loads: number[] = [];
  for (let i = 0; i < n; i++) {
    if (phdrAt(v, i) + PHDR <= v.byteLength && v.getUint32(phdrAt(v, i), true) === PT_LOAD) loads.push(i);
  }
  return loads.length > 0 && r() < 0.67 ? pick(r, loads) : Math.floor(r() * n);
}

const u16 = (off: number, values: readonly number[], name: string): Mutation => ({
  name,
  apply: (b, v, r) => {
    v.setUint16(off, pick(r, values), true);
    return b;
  },
});
const u64 = (off: number, values: readonly bigint[], name: string): Mutation => ({
  name,
  apply: (b, v, r) => {
    v.setBigUint64(off, pick(r, values), true);
    return b;
  },
});

/** A program header field set to one of `values` (functions of the header and file size). */
function phField(
  name: string,
  field: number,
  size: 4 | 8,
  values: (v: DataView, at: number, len: number) => readonly bigint[],
): Mutation {
  return {
    name,
    apply: (b, v, r) => {
      const at = phdrAt(v, somePhdr(v, r));
      if (at + PHDR > b.length) return b;
      const x = pick(r, values(v, at, b.length));
      if (size === 4) v.setUint32(at + field, Number(BigInt.asUintN(32, x)), true);
      else v.setBigUint64(at + field, BigInt.asUintN(64, x), true);
      return b;
    },
  };
}

const KERNEL = 0xffff800000000000n;
const MUTATIONS: readonly Mutation[] = [
  {
    name: "ei_class",
    apply: (b, _v, r) => {
      b[4] = pick(r, [0, 1, 3]);
      return b;
    },
  },
  {
    name: "ei_data",
    apply: (b, _v, r) => {
      b[5] = pick(r, [0, 2]);
      return b;
    },
  },
  {
    name: "ei_version",
    apply: (b, _v, r) => {
      b[6] = pick(r, [0, 2]);
      return b;
    },
  },
  {
    name: "ei_osabi",
    apply: (b, _v, r) => {
      b[7] = Math.floor(r() * 256);
      return b;
    },
  },
  {
    name: "magic",
    apply: (b, _v, r) => {
      const i = Math.floor(r() * 4);
      b[i] = b[i]! ^ 0x20;
      return b;
    },
  },
  u16(16, [0, 1, 2, 3, 4, 0xfe00], "e_type"),
  u16(18, [0, 3, 40, 183, 0x3e00], "e_machine"),
  {
    name: "e_version",
    apply: (b, v) => {
      v.setUint32(20, 0, true);
      return b;
    },
  },
  u64(24, [0n, 1n, KERNEL, 0x800000000000n, 0xfffffffffffff000n], "e_entry"),
  {
    name: "e_phoff",
    apply: (b, v, r) => {
      v.setBigUint64(32, pick(r, [0n, BigInt(b.length), BigInt(b.length - 8), 1n << 63n, 4096n, 65n]), true);
      return b;
    },
  },
  u16(54, [0, 32, 55, 57, 64], "e_phentsize"),
  {
    name: "e_phnum",
    apply: (b, v, r) => {
      v.setUint16(56, pick(r, [0, 1, 2, 73, 74, 0xffff, v.getUint16(56, true) + 1]), true);
      return b;
    },
  },
  u64(40, [0n, 1n, 1n << 62n, 0xffffffffffffffffn], "e_shoff"),
  u16(58, [0, 1, 40], "e_shentsize"),
  u16(60, [0, 1, 0xffff], "e_shnum"),
  u16(62, [0, 0xfff0, 0xffff], "e_shstrndx"),
  u16(52, [0, 1, 0xffff], "e_ehsize"),
  phField("p_type", 0, 4, () => [0n, 1n, 3n, 4n, 6n, 7n, 0x6474e551n, 0x60000000n]),
  phField("p_flags", 4, 4, () => [0n, 4n, 5n, 6n, 7n, 0xffffffffn]),
  phField("p_offset", 8, 8, (v, at, len) => {
    const va = v.getBigUint64(at + 16, true) % 4096n;
    return [
      v.getBigUint64(at + 8, true) + 1n,
      ((BigInt(len) + 0x10000n) & ~0xfffn) + va,
      1n << 62n,
      0xffffffffffffffffn,
    ];
  }),
  phField("p_vaddr", 16, 8, (v, at) => {
    const va = v.getBigUint64(at + 16, true);
    return [
      va + 1n,
      va - 1n,
      KERNEL + (va % 4096n),
      0x800000000000n - 4096n + (va % 4096n),
      0xfffffffffffff000n + (va % 4096n),
      va % 4096n,
    ];
  }),
  phField("p_paddr", 24, 8, () => [0n, 1n, 0xdeadbeefn, 0xffffffffffffffffn]),
  phField("p_filesz", 32, 8, (v, at, len) => {
    const fs = v.getBigUint64(at + 32, true),
      ms = v.getBigUint64(at + 40, true);
    return [0n, ms + 1n, fs + 4096n, BigInt(len) * 4n, 1n << 63n];
  }),
  phField("p_memsz", 40, 8, (v, at) => {
    const fs = v.getBigUint64(at + 32, true);
    return [0n, fs > 0n ? fs - 1n : 0n, 1n << 46n, 1n << 47n, 1n << 63n, 0xffffffffffffffffn];
  }),
  phField("p_align", 48, 8, () => [0n, 1n, 3n, 1n << 21n, 1n << 40n, 0xffffffffffffffffn]),
  { name: "truncate", apply: (b, _v, r) => b.slice(0, Math.floor(r() * b.length)) },
  { name: "truncate-headers", apply: (b, _v, r) => b.slice(0, pick(r, [0, 3, 16, 63, 64, 100, 200, 4096])) },
  {
    name: "strip-sections",
    apply: (b, v) => {
      const shoff = Number(v.getBigUint64(40, true));
      v.setBigUint64(40, 0n, true);
      v.setUint16(60, 0, true);
      v.setUint16(62, 0, true);
      return shoff > 0 && shoff < b.length ? b.slice(0, shoff) : b;
    },
  },
  {
    name: "cut-section-table",
    apply: (b, v, r) => {
      const shoff = Number(v.getBigUint64(40, true));
      return shoff > 0 && shoff < b.length ? b.slice(0, shoff + Math.floor(r() * (b.length - shoff))) : b;
    },
  },
  {
    name: "flip",
    apply: (b, _v, r) => {
      const end = Math.min(b.length, 64 + PHDR * 12);
      for (let k = 1 + Math.floor(r() * 4); k > 0; k--) {
        const i = Math.floor(r() * end);
        b[i] = b[i]! ^ (1 << Math.floor(r() * 8));
      }
      return b;
    },
  },
];

/** One mutant of `seed`: 1–2 mutations; returns its bytes and what was done. */
export function mutate(seed: Uint8Array, r: Rand): { bytes: Uint8Array; what: string } {
  let b: Uint8Array = new Uint8Array(seed);
  const names: string[] = [];
  for (let k = r() < 0.7 ? 1 : 2; k > 0; k--) {
    if (b.length < 64) break;
    const m = pick(r, MUTATIONS);
    b = m.apply(b, new DataView(b.buffer, b.byteOffset, b.byteLength), r);
    names.push(m.name);
  }
  return { bytes: b, what: names.join("+") };
}
