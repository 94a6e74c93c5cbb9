// SPDX-License-Identifier: MIT
// The random-code differential runner: test/fuzz/randcode.c runs seeded random
// snippets natively and under `lwp run`, one line per snippet (the signal that
// ends it, si_code, si_addr, RIP); this compares the lines and sorts each
// difference into a class of docs/quirks.md, or leaves it unexplained.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import iced from "iced-x86";
import { compileStatic, lwpCli, repoRoot } from "../helpers/build-guests.js";

const { Decoder, DecoderOptions } = iced;

/** Where a snippet starts: the end of its page (randcode.c CODE_PAGE + 0x1000 - len). */
const PAGE = 4096;

export interface Mismatch {
  index: number;
  bytes: string;
  native: string;
  lwp: string;
  /** The docs/quirks.md entry that explains it, or null. */
  quirk: string | null;
}

export interface CodeFuzzResult {
  cases: number;
  mismatches: Mismatch[];
  /** CPU seconds of the lwp runs and of the native runs (children included). */
  lwpSeconds: number;
  nativeSeconds: number;
}

export function buildRandcode(): string {
  const root = repoRoot();
  const out = join(root, "build", "fuzz", "randcode");
  compileStatic("gcc", join(root, "test", "fuzz", "randcode.c"), out, ["-O1", "-Wall", "-Wextra"]);
  return out;
}

// ---- the snippet stream, as randcode.c draws it --------------------------------

const M64 = (1n << 64n) - 1n;

function splitmix(state: { s: bigint }): bigint {
  state.s = (state.s + 0x9e3779b97f4a7c15n) & M64;
  let z = state.s;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}

function forbidden(b: Uint8Array): boolean {
  for (let i = 0; i + 1 < b.length; i++) {
    if (b[i] === 0xcd && b[i + 1] === 0x80) return true;
    if (b[i] !== 0x0f) continue;
    const o = b[i + 1]!;
    if ([0x05, 0x34, 0xa2, 0x31, 0xc7].includes(o)) return true;
    if (o === 0x01 && i + 2 < b.length && [0xd0, 0xf9, 0xee].includes(b[i + 2]!)) return true;
  }
  return false;
}

/** Snippet `index` of `seed` (randcode.c `snippet`). */
export function snippet(seed: number, index: number, len: number): Uint8Array {
  const st = { s: BigInt(seed) ^ ((BigInt(index) * 0xd1342543de82ef95n) & M64) };
  st.s = splitmix(st);
  const out = new Uint8Array(len);
  do {
    for (let i = 0; i < len; i++) out[i] = Number(splitmix(st) & 0xffn);
  } while (forbidden(out));
  return out;
}

// ---- running and comparing ---------------------------------------------------------

interface Batch {
  lines: Map<number, string>;
  seconds: number;
}

function runBatch(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Batch {
  const r = spawnSync("/usr/bin/time", ["-f", "%U %S", cmd, ...args], {
    env,
    maxBuffer: 64 << 20,
    timeout: 1_800_000,
    killSignal: "SIGKILL",
  });
  const lines = new Map<number, string>();
  for (const l of r.stdout.toString().split("\n")) {
    const m = /^(\d+) (.*)$/.exec(l);
    if (m !== null) lines.set(Number(m[1]), m[2]!);
  }
  const t = /([\d.]+) ([\d.]+)\s*$/.exec(r.stderr.toString());
  return { lines, seconds: t === null ? 0 : Number(t[1]) + Number(t[2]) };
}

/** Runs snippets first..first+count-1 of `seed` natively and under lwp, in batches of `batch`. */
export function fuzzCode(
  seed: number,
  first: number,
  count: number,
  opts: { len?: number; batch?: number; progress?: (r: CodeFuzzResult) => void } = {},
): CodeFuzzResult {
  const bin = resolve(buildRandcode());
  const len = opts.len ?? 32,
    batch = opts.batch ?? 500;
  const out: CodeFuzzResult = { cases: 0, mismatches: [], lwpSeconds: 0, nativeSeconds: 0 };
  for (let at = first; at < first + count; at += batch) {
    const n = Math.min(batch, first + count - at);
    const args = [String(seed), String(at), String(n), String(len)];
    const native = runBatch(bin, args);
    const emu = runBatch(process.execPath, [lwpCli(), "run", "--", bin, ...args]);
    out.nativeSeconds += native.seconds;
    out.lwpSeconds += emu.seconds;
    for (let i = at; i < at + n; i++) {
      out.cases++;
      const a = native.lines.get(i) ?? "(no line)",
        b = emu.lines.get(i) ?? "(no line)";
      if (a === b) continue;
      const bytes = snippet(seed, i, len);
      out.mismatches.push({
        index: i,
        bytes: Buffer.from(bytes).toString("hex"),
        native: a,
        lwp: b,
        quirk: classify(bytes, a, b) ?? reran(bin, [String(seed), String(i), "1", String(len)], i, a, b),
      });
    }
    opts.progress?.(out);
  }
  return out;
}

/** The timer a snippet that timed out only under lwp gets when it runs again there: 5 × 10⁹ instructions. */
const LONG_TIMER_MS = 5000;

/**
 * Q-VIRTUAL-TIME: a snippet timed out under lwp (its 100 ms are 10⁸ instructions of
 * virtual time) but ended natively (the host runs a few times that in 100 ms). Whether,
 * run again under lwp (randcode `args`, which print it as line `line`) with a timer of
 * LONG_TIMER_MS, it ends as it did natively.
 */
export function endsGivenTime(bin: string, args: string[], line: number, native: string, lwp: string): boolean {
  if (lwp !== "timeout" || native === "timeout" || parse(native) === null) return false;
  const env = { ...process.env, RANDCODE_TIMER_MS: String(LONG_TIMER_MS) };
  return runBatch(process.execPath, [lwpCli(), "run", "--", bin, ...args], env).lines.get(line) === native;
}

/**
 * Q-FAULT-RSP: natively a #GP (SIGSEGV, SI_KERNEL) where lwp goes on (to the #SS of a
 * stack access, or to whatever the snippet does next): the host took a page fault on the
 * first touch of a scratch page while the snippet's RSP was not canonical, and its return
 * to the snippet ended in #GP; lwp takes no page fault for the guest's first touch.
 * Whether, run again natively with the scratch pages touched first (RANDCODE_PREFAULT),
 * the snippet ends as it did under lwp.
 */
export function endsPrefaulted(bin: string, args: string[], line: number, native: string, lwp: string): boolean {
  const n = parse(native);
  if (n === null || parse(lwp) === null || n.sig !== 11 || n.code !== 128) return false;
  return runBatch(bin, args, { ...process.env, RANDCODE_PREFAULT: "1" }).lines.get(line) === lwp;
}

/** The class of a difference that running the snippet again explains, or null. */
function reran(bin: string, args: string[], line: number, native: string, lwp: string): string | null {
  if (endsGivenTime(bin, args, line, native, lwp)) return "Q-VIRTUAL-TIME";
  return endsPrefaulted(bin, args, line, native, lwp) ? "Q-FAULT-RSP" : null;
}

// ---- classes of known differences (docs/quirks.md) -----------------------------

interface End {
  sig: number;
  code: number;
  addr: string;
  rip: string;
}

function parse(line: string): End | null {
  const m = /^sig=(\d+) code=(-?\d+) addr=(\S+) rip=(\S+)$/.exec(line);
  return m === null ? null : { sig: Number(m[1]), code: Number(m[2]), addr: m[3]!, rip: m[4]! };
}

/** The instruction at a reported RIP inside the snippet, or null. */
function insnAt(bytes: Uint8Array, rip: string): { head: number[]; mnemonic: number } | null {
  const m = /^code\+(\d+)$/.exec(rip);
  if (m === null) return null;
  const off = Number(m[1]) - (PAGE - bytes.length);
  if (off < 0 || off >= bytes.length) return null;
  const d = new Decoder(64, bytes.subarray(off), DecoderOptions.None);
  const i = d.decode();
  return { head: [...bytes.subarray(off, off + i.length)], mnemonic: i.mnemonic };
}

const LEGACY_PREFIXES = [0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65];

/** The bytes after legacy and REX prefixes. */
function stripPrefixes(head: number[]): number[] {
  let k = 0;
  while (k < head.length && LEGACY_PREFIXES.includes(head[k]!)) k++;
  while (k < head.length && (head[k]! & 0xf0) === 0x40) k++;
  return head.slice(k);
}

/** VEX (C4/C5) or EVEX (62) after legacy and REX prefixes: AVX, AVX2, AVX-512 and friends. */
function isVex(head: number[]): boolean {
  return [0xc4, 0xc5, 0x62].includes(stripPrefixes(head)[0] ?? 0);
}

/** RETF imm16, RETF, IRET. */
const FAR_RETURNS = new Set([0xca, 0xcb, 0xcf]);

/** Whether a 66h prefix precedes a near branch opcode somewhere in the snippet (docs/quirks.md Q-BRANCH-66). */
function hasBranch66(b: Uint8Array): boolean {
  for (let i = 0; i + 1 < b.length; i++) {
    if (b[i] !== 0x66) continue;
    const o = b[i + 1]!;
    if (
      o === 0xe8 ||
      o === 0xe9 ||
      o === 0xeb ||
      (o >= 0x70 && o <= 0x7f) ||
      (o >= 0xe0 && o <= 0xe3) ||
      o === 0xc2 ||
      o === 0xc3 ||
      o === 0xff
    ) {
      return true;
    }
    if (o === 0x0f && i + 2 < b.length && b[i + 2]! >= 0x80 && b[i + 2]! <= 0x8f) return true;
  }
  return false;
}

/** The INT vectors this host's virtual machine answers itself (docs/quirks.md Q-INT-VMM). */
const VMM_VECTORS = new Set([0x17, 0x19, 0x1a, 0x1b]);

/** Whether lwp's end is the #GP of an `INT n` the host's virtual machine handles otherwise. */
function vmmInt(bytes: Uint8Array, e: End): boolean {
  if (e.sig !== 11 || e.code !== 128) return false;
  const at = insnAt(bytes, e.rip);
  if (at === null) return false;
  const op = stripPrefixes(at.head);
  return op[0] === 0xcd && VMM_VECTORS.has(op[1] ?? -1);
}

/** Which documented difference explains native `a` vs lwp `b`, or null. */
export function classify(bytes: Uint8Array, a: string, b: string): string | null {
  const n = parse(a),
    e = parse(b);
  // Q-CPU-AVX: lwp's CPU has no AVX; the host runs VEX/EVEX instructions lwp rejects (#UD).
  if (e !== null && e.sig === 4) {
    const at = insnAt(bytes, e.rip);
    if (at !== null && isVex(at.head)) return "Q-CPU-AVX";
  }
  // Q-BRANCH-66: a near branch with a 66h prefix; AMD takes a rel16 and truncates the target to 16 bits, lwp does not.
  if (n !== null && /^0x[0-9a-f]{1,4}$/.test(n.rip) && hasBranch66(bytes)) return "Q-BRANCH-66";
  if (n !== null && e !== null && n.rip === e.rip && n.sig === 11 && e.sig === 11) {
    // Q-FAR-RETURN: RETF/IRET whose frame is unreadable or whose selector is bad fault differently.
    const at = insnAt(bytes, n.rip);
    if (at !== null && FAR_RETURNS.has(stripPrefixes(at.head)[0] ?? 0)) return "Q-FAR-RETURN";
  }
  // Q-INT-VMM: INT 17h/19h/1Ah/1Bh, which the host's hypervisor answers instead of the #GP Linux's IDT gives.
  if (e !== null && vmmInt(bytes, e)) return "Q-INT-VMM";
  // Q-UD-FETCH: an undefined opcode whose operand bytes run past the mapped code: the host fetches them first (#PF).
  if (n !== null && e !== null && e.sig === 4 && n.sig === 11 && n.addr === `code+${PAGE}` && n.rip === e.rip) {
    return "Q-UD-FETCH";
  }
  return null;
}
