// SPDX-License-Identifier: MIT
// Runs forms through both sides in batches: generate → native runner (its own
// process, so it overlaps with the emulator) → emulator → compare; collects
// per-form statistics and the first few field-level reports per form.
import type { Form } from "./forms.js";
import { type Case, genCase } from "./gen.js";
import { EmuMachine } from "./emu.js";
import { MAX_BATCH, NativeRunner } from "./native.js";
import { agrees, compare, describe } from "./compare.js";
import { IN_REC, OUT_REC } from "./state.js";

export interface FormStats {
  readonly name: string;
  readonly group: string;
  readonly mnemonic: string;
  cases: number;
  failures: number;
  /** Cases for which no encoding could be built. */
  untestable: number;
  /**
   * Cases whose first native run differed from the emulator and whose second, alone,
   * agreed with it: the host's answer did not repeat (on a virtual machine an interrupt
   * between the instruction and the runner's capture of RFLAGS can clear NT), so the
   * first one says nothing about the emulator (docs/testing.md "Host noise").
   */
  hostNoise?: number;
  /** Field-level reports of the first failures. */
  readonly samples: string[];
}

export interface RunOptions {
  readonly seed: number;
  readonly perForm: number;
  /** Reports kept per failing form. */
  readonly samples?: number;
  /** Called after each batch with the number of cases done so far. */
  readonly progress?: (done: number) => void;
  /** Called with each form's statistics once all its cases are compared. */
  readonly formDone?: (s: FormStats) => void;
  /** Directory for the native runner's batch files (default: a fresh one). */
  readonly batchDir?: string;
  /** Called before the emulator runs a case (the watchdog's "where are we"). */
  readonly running?: (formIndex: number, caseIndex: number) => void;
}

function newStats(f: Form): FormStats {
  return { name: f.name, group: f.group, mnemonic: f.row.mnemonic, cases: 0, failures: 0, untestable: 0, samples: [] };
}

/** Runs `perForm` cases of every form; returns statistics keyed by form name. */
export async function runForms(forms: readonly Form[], opts: RunOptions): Promise<Map<string, FormStats>> {
  const stats = new Map<string, FormStats>();
  const native = opts.batchDir === undefined ? new NativeRunner() : new NativeRunner(opts.batchDir);
  const emu = new EmuMachine();
  const keep = opts.samples ?? 3;
  let batch: Case[] = [];
  let done = 0;
  const reported = new Set<string>();
  const formIndex = new Map(forms.map((f, i) => [f.name, i]));
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const cases = batch;
    batch = [];
    const input = new Uint8Array(cases.length * IN_REC);
    cases.forEach((c, i) => input.set(c.rec, i * IN_REC));
    const pending = native.exchange(input, cases.length);
    const emuOut = new Uint8Array(cases.length * OUT_REC);
    for (let i = 0; i < cases.length; i++) {
      opts.running?.(formIndex.get(cases[i]!.form.name)!, cases[i]!.index);
      emu.run(input, i * IN_REC, emuOut, i * OUT_REC);
    }
    const natOut = await pending;
    const nw = new Int32Array(natOut.buffer, natOut.byteOffset, natOut.length / 4);
    const ew = new Int32Array(emuOut.buffer);
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i]!;
      const st = stats.get(c.form.name)!;
      st.cases++;
      if (agrees(c, nw, (i * OUT_REC) / 4, ew, (i * OUT_REC) / 4)) continue;
      const ms = compare(c, natOut, i * OUT_REC, emuOut, i * OUT_REC);
      if (ms.length === 0) continue;
      const again = await native.exchange(input.subarray(i * IN_REC, (i + 1) * IN_REC), 1);
      if (compare(c, again, 0, emuOut, i * OUT_REC).length === 0) {
        st.hostNoise = (st.hostNoise ?? 0) + 1;
        continue;
      }
      st.failures++;
      if (st.samples.length < keep) {
        const crash = ms.some((m) => m.emu.startsWith("1002")) ? `\n  emulator threw: ${emu.lastCrash}` : "";
        st.samples.push(describe(c, ms) + crash);
      }
    }
    done += cases.length;
    opts.progress?.(done);
    for (const st of stats.values()) {
      if (!reported.has(st.name) && st.cases + st.untestable === opts.perForm) {
        reported.add(st.name);
        opts.formDone?.(st);
      }
    }
  };
  try {
    for (const f of forms) {
      const st = newStats(f);
      stats.set(f.name, st);
      for (let i = 0; i < opts.perForm; i++) {
        const c = genCase(f, opts.seed, i);
        if (c === null) {
          st.untestable++;
          continue;
        }
        batch.push(c);
        if (batch.length >= MAX_BATCH) await flush();
      }
    }
    await flush();
    for (const st of stats.values()) if (!reported.has(st.name)) opts.formDone?.(st);
  } finally {
    native.close();
  }
  return stats;
}
