// SPDX-License-Identifier: MIT
// /proc/cpuinfo (arch/x86/kernel/cpu/proc.c show_cpuinfo) of the emulated CPU:
// every value is read from its CPUID leaves, flags named as Linux names the
// feature bits (arch/x86/include/asm/cpufeatures.h, the words CPUID fills).
// The clock is the virtual one: 1 GHz (one retired instruction per ns).
import { cpuid } from "../../hw/cpu/cpuid.js";
import type { Cpu } from "../../hw/cpu/cpu.js";

type Word = readonly (readonly [bit: number, name: string])[];

/** Word 0: CPUID 1 EDX. */
const W0: Word = [
  [0, "fpu"],
  [1, "vme"],
  [2, "de"],
  [3, "pse"],
  [4, "tsc"],
  [5, "msr"],
  [6, "pae"],
  [7, "mce"],
  [8, "cx8"],
  [9, "apic"],
  [11, "sep"],
  [12, "mtrr"],
  [13, "pge"],
  [14, "mca"],
  [15, "cmov"],
  [16, "pat"],
  [17, "pse36"],
  [18, "pn"],
  [19, "clflush"],
  [21, "dts"],
  [22, "acpi"],
  [23, "mmx"],
  [24, "fxsr"],
  [25, "sse"],
  [26, "sse2"],
  [27, "ss"],
  [28, "ht"],
  [29, "tm"],
  [30, "ia64"],
  [31, "pbe"],
];
/** Word 1: CPUID 8000_0001 EDX (the bits AMD mirrors from word 0 are not named twice). */
const W1: Word = [
  [11, "syscall"],
  [19, "mp"],
  [20, "nx"],
  [22, "mmxext"],
  [25, "fxsr_opt"],
  [26, "pdpe1gb"],
  [27, "rdtscp"],
  [29, "lm"],
  [30, "3dnowext"],
  [31, "3dnow"],
];
/** Word 4: CPUID 1 ECX (OSXSAVE is not printed). */
const W4: Word = [
  [0, "pni"],
  [1, "pclmulqdq"],
  [2, "dtes64"],
  [3, "monitor"],
  [4, "ds_cpl"],
  [5, "vmx"],
  [6, "smx"],
  [7, "est"],
  [8, "tm2"],
  [9, "ssse3"],
  [10, "cid"],
  [11, "sdbg"],
  [12, "fma"],
  [13, "cx16"],
  [14, "xtpr"],
  [15, "pdcm"],
  [17, "pcid"],
  [18, "dca"],
  [19, "sse4_1"],
  [20, "sse4_2"],
  [21, "x2apic"],
  [22, "movbe"],
  [23, "popcnt"],
  [24, "tsc_deadline_timer"],
  [25, "aes"],
  [26, "xsave"],
  [28, "avx"],
  [29, "f16c"],
  [30, "rdrand"],
  [31, "hypervisor"],
];
/** Word 6: CPUID 8000_0001 ECX. */
const W6: Word = [
  [0, "lahf_lm"],
  [1, "cmp_legacy"],
  [2, "svm"],
  [3, "extapic"],
  [4, "cr8_legacy"],
  [5, "abm"],
  [6, "sse4a"],
  [7, "misalignsse"],
  [8, "3dnowprefetch"],
  [9, "osvw"],
  [10, "ibs"],
  [11, "xop"],
  [12, "skinit"],
  [13, "wdt"],
  [15, "lwp"],
  [16, "fma4"],
  [17, "tce"],
  [19, "nodeid_msr"],
  [21, "tbm"],
  [22, "topoext"],
  [23, "perfctr_core"],
  [24, "perfctr_nb"],
  [26, "bpext"],
  [27, "ptsc"],
  [28, "perfctr_llc"],
  [29, "mwaitx"],
];
/** Word 10: CPUID 0xD sub-leaf 1 EAX. */
const W10: Word = [
  [0, "xsaveopt"],
  [1, "xsavec"],
  [2, "xgetbv1"],
  [3, "xsaves"],
];

const names = (reg: number, word: Word): string[] => word.filter(([b]) => ((reg >>> b) & 1) !== 0).map(([, n]) => n);

function ascii(regs: readonly number[]): string {
  let s = "";
  for (const r of regs) for (let i = 0; i < 4; i++) s += String.fromCharCode((r >>> (8 * i)) & 0xff);
  return s;
}

/** The text of /proc/cpuinfo for the machine whose CPU is `c` (one processor). */
export function cpuinfoText(c: Cpu): string {
  const [maxLeaf, vb, vc, vd] = cpuid(c, 0, 0);
  const [sig, b1, c1, d1] = cpuid(c, 1, 0);
  const [maxExt] = cpuid(c, 0x80000000, 0);
  const ext = (leaf: number): readonly [number, number, number, number] =>
    maxExt >>> 0 >= leaf ? cpuid(c, leaf, 0) : ([0, 0, 0, 0] as const);
  const [, , ec1, ed1] = ext(0x80000001);
  const brand = ascii([...ext(0x80000002), ...ext(0x80000003), ...ext(0x80000004)])
    .replace(/\0+$/, "")
    .trim();
  const baseFam = (sig >>> 8) & 0xf,
    baseModel = (sig >>> 4) & 0xf;
  const family = baseFam === 0xf ? baseFam + ((sig >>> 20) & 0xff) : baseFam;
  const model = baseFam >= 0x6 ? baseModel | (((sig >>> 16) & 0xf) << 4) : baseModel;
  const l2 = ext(0x80000006);
  const tlb = ((l2[1]! >>> 16) & 0xfff) + (l2[1]! & 0xfff);
  const xsave1 = maxLeaf >>> 0 >= 0xd ? cpuid(c, 0xd, 1)[0] : 0;
  const flags = [
    ...names(d1, W0),
    ...names(ed1, W1),
    "cpuid",
    ...names(c1, W4),
    ...names(ec1, W6),
    ...names(xsave1, W10),
  ];
  const addr = ext(0x80000008)[0]!;
  const clflush = ((b1 >>> 8) & 0xff) * 8;
  const rows: [string, string][] = [
    ["processor", "0"],
    ["vendor_id", ascii([vb, vd, vc])],
    ["cpu family", `${family}`],
    ["model", `${model}`],
    ["model name", brand],
    ["stepping", `${sig & 0xf}`],
    ["cpu MHz", "1000.000"],
    ["cache size", `${l2[2]! >>> 16} KB`],
    ["physical id", "0"],
    ["siblings", "1"],
    ["core id", "0"],
    ["cpu cores", "1"],
    ["apicid", "0"],
    ["initial apicid", "0"],
    ["fpu", d1 & 1 ? "yes" : "no"],
    ["fpu_exception", d1 & 1 ? "yes" : "no"],
    ["cpuid level", `${maxLeaf}`],
    ["wp", "yes"],
    ["flags", flags.join(" ")],
    ["bugs", ""],
    ["bogomips", "2000.00"],
    ...(tlb > 0 ? [["TLB size", `${tlb} 4K pages`] as [string, string]] : []),
    ["clflush size", `${clflush}`],
    ["cache_alignment", `${clflush}`],
    ["address sizes", `${addr & 0xff} bits physical, ${(addr >>> 8) & 0xff} bits virtual`],
  ];
  const line = ([k, v]: [string, string]): string =>
    `${k}${"\t".repeat(k.length < 8 ? 2 : 1)}:${v === "" ? "" : " " + v}\n`;
  return rows.map(line).join("") + "power management:\n\n";
}
