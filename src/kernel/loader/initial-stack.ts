// SPDX-License-Identifier: MIT
// The initial process stack (System V x86-64 ABI §3.4.1, Linux
// fs/binfmt_elf.c create_elf_tables): argc, argv, envp, auxv, then the strings.
import type { AddressSpace } from "../../hw/memory/address-space.js";

const AT_NULL = 0;
export const AT_PHDR = 3;
export const AT_PHENT = 4;
export const AT_PHNUM = 5;
export const AT_PAGESZ = 6;
export const AT_BASE = 7;
export const AT_FLAGS = 8;
export const AT_ENTRY = 9;
export const AT_UID = 11;
export const AT_EUID = 12;
export const AT_GID = 13;
export const AT_EGID = 14;
const AT_PLATFORM = 15;
export const AT_HWCAP = 16;
export const AT_CLKTCK = 17;
export const AT_SECURE = 23;
export const AT_RANDOM = 25;
export const AT_HWCAP2 = 26;
export const AT_EXECFN = 31;
export const AT_MINSIGSTKSZ = 51;

interface StackSpec {
  argv: Uint8Array[];
  envp: Uint8Array[];
  execfn: Uint8Array;
  random: Uint8Array;
  /** Auxiliary vector entries other than AT_RANDOM/AT_EXECFN/AT_PLATFORM/AT_NULL. */
  aux: [number, number][];
}

/** Where exec left the strings and the auxiliary vector (mm->arg_start..env_end, saved_auxv: /proc/PID/cmdline, environ, auxv). */
export interface StackLayout {
  /** The initial RSP (pointing at argc). */
  readonly sp: number;
  readonly argStart: number;
  readonly argEnd: number;
  readonly envStart: number;
  readonly envEnd: number;
  /** The auxiliary vector as written, AT_NULL included. */
  readonly auxv: readonly (readonly [number, number])[];
}

/**
 * Writes the initial stack below `top` as Linux lays it out: 8 zero bytes at
 * the top, the file name, the environment and argument strings in ascending
 * order (argv[0] lowest), the platform string and AT_RANDOM's bytes, then the
 * 16-byte aligned table of argc, argv, envp and auxv.
 */
export function buildInitialStack(mem: AddressSpace, top: number, spec: StackSpec): StackLayout {
  let sp = top - 8;
  const put = (bytes: Uint8Array): number => {
    sp -= bytes.length + 1;
    mem.writeBytes(sp, bytes);
    mem.write8(sp + bytes.length, 0);
    return sp;
  };
  const execfn = put(spec.execfn);
  const envEnd = sp;
  const envPtrs = [...spec.envp].reverse().map(put).reverse();
  const argEnd = sp;
  const argPtrs = [...spec.argv].reverse().map(put).reverse();
  const argStart = sp;
  sp -= sp % 16;
  const platform = put(new TextEncoder().encode("x86_64"));
  sp -= 16;
  const random = sp;
  mem.writeBytes(random, spec.random);
  const aux: [number, number][] = [
    ...spec.aux,
    [AT_RANDOM, random],
    [AT_EXECFN, execfn],
    [AT_PLATFORM, platform],
    [AT_NULL, 0],
  ];
  const words: number[] = [spec.argv.length, ...argPtrs, 0, ...envPtrs, 0];
  for (const [k, v] of aux) words.push(k, v);
  sp -= words.length * 8;
  sp -= sp % 16;
  words.forEach((w, i) => {
    const a = sp + i * 8;
    mem.write64(a, w >>> 0, Math.floor(w / 4294967296));
  });
  return { sp, argStart, argEnd, envStart: argEnd, envEnd, auxv: aux };
}
