// SPDX-License-Identifier: MIT
// The forms under test: every row of GROUPS (the rows the CPU executes from)
// expanded into the iced-x86 Codes with that mnemonic that exist in 64-bit
// mode with a legacy encoding (and match the row's `forms`), minus the
// explicit exclusions below, each with its reason.
import iced from "iced-x86";
import { GROUPS } from "../../src/hw/cpu/isa/table.js";
import { codeName, mnemonicName } from "../../src/hw/cpu/decode.js";
import type { InsnRow } from "../../src/hw/cpu/translate/types.js";

const { CodeExt, EncodingKind, OpCodeOperandKind: K } = iced;

export interface Form {
  readonly code: number;
  /** iced Code name, e.g. "Add_rm64_r64" (the id used in reports and known-failures). */
  readonly name: string;
  readonly group: string;
  readonly row: InsnRow;
  /** OpCodeOperandKind of each operand. */
  readonly kinds: readonly number[];
  /** Bytes of the memory operand (0 when none or unsized). */
  readonly memBytes: number;
  readonly info: FormInfo;
}

/** The OpCodeInfo facts the generator needs (copied out of the wasm object). */
export interface FormInfo {
  readonly table: number;
  readonly opCode: number;
  readonly opCodeLength: number;
  readonly mandatoryPrefix: number;
  readonly operandSize: number;
  readonly canRep: boolean;
  readonly canRepne: boolean;
}

/** Whole groups not compared against the host, with the reason. */
export const EXCLUDED_GROUPS: Readonly<Record<string, string>> = {
  lwp: 'the host (Zen) has no LWP; LWP is tested against spec vectors (docs/testing.md "Test tiers", 4)',
  privileged:
    "faults, traps and far transfers that end a snippet or leave the runner's frame (IRET, RETF, INT n): compared one by one against the host by the random-code pins (test/fuzz/randcode.test.ts)",
  segments:
    "LFS/LGS/LSS load selectors and clear FS/GS bases: would clobber the native runner's TLS (compared by the random-code pins)",
};

/** Forms (iced Code name patterns) not compared, with the reason. */
export const EXCLUDED_FORMS: readonly (readonly [RegExp, string])[] = [
  [/^Syscall$/, "enters the kernel: the emulator exits to the ABI layer instead"],
  [/^Cpuid$/, "reports the emulated CPU model by design, not the host's"],
  [/^Rdtscp?$/, "time stamp counter: values differ by design"],
  [/^Xgetbv$/, "reports XCR0, which differs by design (the host enables AVX, the emulator LWP)"],
  [
    /_rel8_16|_rel16|^Retnw|^(Call|Jmp)_rm16$/,
    "66h near branches: iced decodes Intel-style (operand size ignored), so the bytes round-trip to the 64-bit form, which is tested; AMD would truncate RIP to 16 bits",
  ],
  [
    /^Tzcnt_/,
    "BMI1 is not advertised, so F3 0F BC runs as BSF (pre-BMI1 AMD); the host has BMI1 and runs TZCNT (docs/quirks.md#q-tzcnt-bsf)",
  ],
  [
    /^(Pop[wq]?_(FS|GS)|Mov_Sreg_)/,
    "loads FS/GS/SS/DS/ES selectors: would clobber the native runner's TLS (arch_prctl territory)",
  ],
];

/** Operand kinds of vector/mask/bound registers and VSIB that have no legacy form we test. */
const UNSUPPORTED_KINDS = new Set<number>([
  K.mem_mpx,
  K.mem_mib,
  K.mem_vsib32x,
  K.mem_vsib64x,
  K.mem_vsib32y,
  K.mem_vsib64y,
  K.mem_vsib32z,
  K.mem_vsib64z,
  K.r32_or_mem_mpx,
  K.r64_or_mem_mpx,
  K.bnd_or_mem_mpx,
  K.bnd_reg,
  K.ymm_or_mem,
  K.zmm_or_mem,
  K.k_or_mem,
  K.k_reg,
  K.kp1_reg,
  K.k_rm,
  K.k_vvvv,
  K.ymm_reg,
  K.ymm_rm,
  K.ymm_vvvv,
  K.zmm_reg,
  K.zmm_rm,
  K.zmm_vvvv,
  K.tmm_reg,
  K.tmm_rm,
  K.tmm_vvvv,
  K.farbr2_2,
  K.farbr4_2,
  K.tr_reg,
  K.sibmem,
]);

const STRING_KINDS = new Set<number>([K.seg_rSI, K.es_rDI, K.seg_rDI, K.seg_rBX_al]);

/** String instructions and XLAT: all operands implicit ([rSI], [rDI], [rBX+AL]). */
export function isStringForm(f: Form): boolean {
  return f.kinds.some((k) => STRING_KINDS.has(k));
}

let cached: Form[] | null = null;
let skipped: { name: string; group: string; reason: string }[] = [];

/** Forms skipped by an exclusion, for the coverage report. */
export function excludedForms(): readonly { name: string; group: string; reason: string }[] {
  allForms();
  return skipped;
}

/** Every form advertised by the instruction table (excluded ones are listed apart). */
export function allForms(): readonly Form[] {
  if (cached !== null) return cached;
  const byMnemonic = new Map<string, { group: string; row: InsnRow }[]>();
  for (const [group, rows] of Object.entries(GROUPS)) {
    for (const row of rows) {
      const l = byMnemonic.get(row.mnemonic) ?? [];
      l.push({ group, row });
      byMnemonic.set(row.mnemonic, l);
    }
  }
  const out: Form[] = [];
  skipped = [];
  const count = Object.values(iced.Code).filter((v) => typeof v === "number").length;
  for (let code = 0; code < count; code++) {
    const oc = CodeExt.opCode(code);
    try {
      if (!oc.isInstruction || !oc.isAvailableInMode(64)) continue;
      if (oc.encoding !== EncodingKind.Legacy && oc.encoding !== EncodingKind.XOP) continue;
      const owners = byMnemonic.get(mnemonicName(oc.mnemonic));
      if (owners === undefined) continue;
      const name = codeName(code);
      const owner = owners.find((o) => o.row.forms === undefined || o.row.forms.test(name));
      if (owner === undefined) continue;
      const kinds: number[] = [];
      for (let i = 0; i < oc.opCount; i++) kinds.push(oc.opKind(i));
      const why =
        EXCLUDED_GROUPS[owner.group] ??
        EXCLUDED_FORMS.find(([re]) => re.test(name))?.[1] ??
        (kinds.some((k) => UNSUPPORTED_KINDS.has(k)) ? "operand kind outside the legacy register set" : undefined) ??
        (oc.encoding !== EncodingKind.Legacy ? "non-legacy encoding" : undefined);
      if (why !== undefined) {
        skipped.push({ name, group: owner.group, reason: why });
        continue;
      }
      out.push({
        code,
        name,
        group: owner.group,
        row: owner.row,
        kinds,
        memBytes: iced.MemorySizeExt.size(oc.memorySize),
        info: {
          table: oc.table,
          opCode: oc.opCode,
          opCodeLength: oc.opCodeLength,
          mandatoryPrefix: oc.mandatoryPrefix,
          operandSize: oc.operandSize,
          canRep: oc.canUseRepPrefix,
          canRepne: oc.canUseRepnePrefix,
        },
      });
    } finally {
      oc.free();
    }
  }
  cached = out;
  return out;
}
