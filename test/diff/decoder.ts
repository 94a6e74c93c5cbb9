// SPDX-License-Identifier: MIT
// Decoder cross-check: random, opcode-map-biased byte strings (LWP's XOP
// encodings included) decoded by our pipeline (decode.ts decodeRun) and by
// binutils (`objdump -D -b binary -m i386:x86-64 -M intel`) must agree on
// instruction length and mnemonic whenever both accept the bytes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeRun } from "../../src/hw/cpu/decode.js";
import { Rng } from "./values.js";

/** Each string sits in a 32-byte slot padded with NOPs, so objdump resynchronises at every slot. */
const SLOT = 32;
const BODY = 15;

const PREFIXES = [0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36];
/** LWP (AMD LWP spec §3): LLWPCB/SLWPCB (XOP map 9, 12 /0 and /1), LWPINS/LWPVAL (XOP map 10, 12 /0 and /1). */
const LWP_HEADS = [
  [0x8f, 0xe9, 0x78, 0x12],
  [0x8f, 0xe9, 0xf8, 0x12],
  [0x8f, 0xea, 0x78, 0x12],
  [0x8f, 0xea, 0xf8, 0x12],
];

function randomString(rng: Rng): number[] {
  const b: number[] = [];
  const r = rng.int(10);
  if (r === 0) {
    b.push(...rng.pick(LWP_HEADS));
    b[2] = (b[2]! & 0x80) | (rng.int(16) << 3) | 0x0 | (b[2]! & 0x7);
    b.push((rng.int(2) === 0 ? 0xc0 : rng.int(256) & 0xc7) | (rng.int(2) << 3) | rng.int(8));
  } else {
    while (rng.chance(0.3)) b.push(rng.pick(PREFIXES));
    if (rng.chance(0.4)) b.push(0x40 | rng.int(16));
    const map = rng.int(6);
    if (map === 1 || map === 2) b.push(0x0f);
    else if (map === 3) b.push(0x0f, 0x38);
    else if (map === 4) b.push(0x0f, 0x3a);
  }
  while (b.length < BODY) b.push(rng.int(256));
  return b.slice(0, BODY);
}

interface ObjInsn {
  len: number;
  mnemonic: string;
}

const PREFIX_WORDS =
  /^(lock|rep|repz|repnz|repe|repne|data16|data32|addr32|addr16|cs|ds|es|ss|fs|gs|bnd|notrack|xacquire|xrelease|rex(\.[WRXB]+)?|rex)$/;

/** First instruction of every slot per objdump: merged prefix-only lines, its length and mnemonic. */
function objdumpSlots(bin: Uint8Array, slots: number): (ObjInsn | null)[] {
  const dir = mkdtempSync(join(tmpdir(), "lwp-dec-"));
  try {
    const f = join(dir, "s.bin");
    writeFileSync(f, bin);
    const r = spawnSync(
      "objdump",
      ["-D", "-b", "binary", "-m", "i386:x86-64", "-M", "intel", "--no-show-raw-insn", f],
      { encoding: "utf8", maxBuffer: 1 << 28 },
    );
    if (r.status !== 0) throw new Error(`objdump failed: ${r.stderr}`);
    const lines: { at: number; text: string }[] = [];
    for (const l of r.stdout.split("\n")) {
      const m = /^\s*([0-9a-f]+):\s+(.*)$/.exec(l);
      if (m !== null) lines.push({ at: parseInt(m[1]!, 16), text: m[2]!.trim() });
    }
    const out: (ObjInsn | null)[] = new Array<ObjInsn | null>(slots).fill(null);
    for (let i = 0; i < lines.length; i++) {
      const start = lines[i]!.at;
      if (start % SLOT !== 0) continue;
      let j = i;
      let words = lines[j]!.text.split(/\s+/).filter((w) => w !== "");
      while (words.length > 0 && PREFIX_WORDS.test(words[0]!)) {
        words.shift();
        if (words.length === 0 && j + 1 < lines.length) words = lines[++j]!.text.split(/\s+/);
      }
      const end = j + 1 < lines.length ? lines[j + 1]!.at : bin.length;
      out[start / SLOT] = { len: end - start, mnemonic: words[0] ?? "" };
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** objdump spellings that name the same instruction as iced's. */
const ALIAS: Readonly<Record<string, string>> = {
  movabs: "mov",
  xchg: "xchg",
  fwait: "wait",
  pushfq: "pushf",
  popfq: "popf",
  pushfw: "pushf",
  popfw: "popf",
  sal: "shl",
  xlatb: "xlat",
  iretq: "iret",
  iretd: "iret",
  iretw: "iret",
  ljmp: "jmp",
  lcall: "call",
  lret: "retf",
  retq: "ret",
  retw: "ret",
  callq: "call",
  jmpq: "jmp",
  int1: "int1",
  icebp: "int1",
  sysretd: "sysret",
  sysretq: "sysret",
  sysexitd: "sysexit",
  sysexitq: "sysexit",
  retfq: "retf",
  retfw: "retf",
  prefetchw: "prefetch",
  leavew: "leave",
  leaveq: "leave",
  enterw: "enter",
  enterq: "enter",
  "fnsetpm(287": "fnsetpm",
  "fndisi(8087": "fndisi",
  "fneni(8087": "fneni",
  // 0F 18-1F hint space: iced names the reserved NOPs (and newer PREFETCHIT*) apart; binutils says nop or MPX.
  reservednop: "nop",
  prefetchit0: "nop",
  prefetchit1: "nop",
  bndstx: "nop",
  bndldx: "nop",
  bndmov: "nop",
  bndcl: "nop",
  bndcu: "nop",
  bndcn: "nop",
  bndmk: "nop",
};

/**
 * Known, documented decoder divergences: 66h-prefixed near branches, which AMD
 * (and binutils) decode with a 16-bit displacement and the emulator (iced,
 * Intel-style) with a 32-bit one (docs/quirks.md#q-branch-66).
 */
function knownQuirk(s: readonly number[], mnemonic: string): boolean {
  return s.includes(0x66) && /^(j[a-z]+|call|jmp|ret|loop[a-z]*|jrcxz|jecxz)$/.test(mnemonic.toLowerCase());
}

function norm(m: string): string {
  let x = m.toLowerCase().replace(/^\{.*\}$/, "");
  x = ALIAS[x] ?? x;
  x = x.replace(/^cmp(eq|lt|le|unord|neq|nlt|nle|ord)(ps|pd|ss|sd)$/, "cmp$2"); // binutils pseudo-ops
  x = x.replace(/^(pcmp[ei]str[im])(64|q)$/, "$1").replace(/^getsecq$/, "getsec");
  x = x.replace(/^(push|pop)w$/, "$1").replace(/^(fldenv|fnstenv|fstenv|frstor|fnsave|fsave)[wsdl]$/, "$1");
  const str = /^(movs|cmps|stos|lods|scas|ins|outs)[bwdq]?$/.exec(x);
  if (str !== null) return str[1]!;
  return x;
}

/**
 * Spellings that are not decoder disagreements: 66 90 (NOP vs XCHG AX,AX),
 * FWAIT (binutils folds it into the following x87 instruction), 0F 0D with a
 * register operand (binutils prints a truncated PREFETCH), VIA PadLock, and
 * strings with more than one REX prefix or 67h with a moffs MOV, which
 * binutils sizes differently from the hardware (a REX counts only right
 * before the opcode).
 */
function notComparable(ours: string, theirs: string): boolean {
  return (
    (ours === "nop" && theirs === "xchg") ||
    ours === "wait" ||
    (ours === "reservednop" && theirs.startsWith("prefetch")) ||
    ours.startsWith("xstore")
  );
}

function oddPrefixes(s: readonly number[]): boolean {
  let rex = 0,
    i = 0,
    lastRex = -1;
  for (; i < s.length && (PREFIXES.includes(s[i]!) || (s[i]! & 0xf0) === 0x40); i++) {
    if ((s[i]! & 0xf0) === 0x40) {
      rex++;
      lastRex = i;
    }
  }
  const strandedRex = rex > 0 && lastRex !== i - 1;
  return rex > 1 || strandedRex || (s.slice(0, i).includes(0x67) && s[i]! >= 0xa0 && s[i]! <= 0xa3);
}

export interface DecoderResult {
  readonly checked: number;
  /** Strings only one side accepts (reported, not failed: the two disagree on reserved encodings). */
  readonly validityDisagreements: number;
  readonly mismatches: string[];
}

export function decoderCrossCheck(seed: number, n: number): DecoderResult {
  const rng = new Rng(seed ^ 0x5eed);
  const bin = new Uint8Array(n * SLOT).fill(0x90);
  const strings: number[][] = [];
  for (let i = 0; i < n; i++) {
    const s = randomString(rng);
    strings.push(s);
    bin.set(s, i * SLOT);
  }
  const obj = objdumpSlots(bin, n);
  const mismatches: string[] = [];
  let checked = 0,
    validity = 0;
  for (let i = 0; i < n; i++) {
    const s = strings[i]!;
    const ours = decodeRun(Uint8Array.from(s), 0, () => true)[0];
    const theirs = obj[i] ?? null;
    const hex = s.map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const oursOk = ours !== undefined && !ours.invalid;
    const theirsOk = theirs !== null && !theirs.mnemonic.startsWith("(bad)") && theirs.mnemonic !== "";
    if (!oursOk || !theirsOk) {
      if (oursOk !== theirsOk) validity++;
      continue;
    }
    checked++;
    if (knownQuirk(s, ours.name) || notComparable(ours.name.toLowerCase(), theirs.mnemonic) || oddPrefixes(s)) continue;
    if (ours.len !== theirs.len || norm(ours.name) !== norm(theirs.mnemonic)) {
      mismatches.push(`${hex}: ours ${ours.name.toLowerCase()}/${ours.len}, objdump ${theirs.mnemonic}/${theirs.len}`);
    }
  }
  return { checked, validityDisagreements: validity, mismatches };
}
