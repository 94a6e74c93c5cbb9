// SPDX-License-Identifier: MIT
// Runs shards of forms on worker threads with a watchdog: a worker that makes
// no progress for `stallMs` (an emulator instruction that never finishes) is
// terminated, the case it was on is recorded as a divergence, and a new
// worker continues with the forms that had not completed.
import { rmSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { batchDir } from "./native.js";
import type { Form } from "./forms.js";
import type { FormStats } from "./harness.js";

export interface PoolOptions {
  readonly seed: number;
  readonly perForm: number;
  readonly stallMs: number;
  readonly onProgress: (cases: number) => void;
  /** Variables set for the workers beside the process's own (LWP_TIER forces a tier). */
  readonly env?: Readonly<Record<string, string>>;
}

interface Msg {
  kind: string;
  done?: number;
  stats?: FormStats;
}

function runOnce(
  forms: readonly Form[],
  o: PoolOptions,
  done: Map<string, FormStats>,
): Promise<{ hung: [number, number] | null }> {
  const where = new SharedArrayBuffer(8);
  const at = new Int32Array(where).fill(-1);
  const dir = batchDir(); // made here so that it is removed even when the worker is terminated
  const w = new Worker(new URL("./worker.js", import.meta.url), {
    workerData: { forms: forms.map((f) => f.name), seed: o.seed, perForm: o.perForm, where, dir },
    env: { ...process.env, ...o.env },
  });
  w.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  let last = Date.now();
  let base = 0;
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (Date.now() - last < o.stallMs) return;
      clearInterval(timer);
      const hung: [number, number] = [Atomics.load(at, 0), Atomics.load(at, 1)];
      void w.terminate().then(() => resolve({ hung }));
    }, 1000);
    w.on("message", (m: Msg) => {
      last = Date.now();
      if (m.kind === "progress") {
        o.onProgress((m.done ?? 0) - base);
        base = m.done ?? 0;
      } else if (m.kind === "form" && m.stats !== undefined) done.set(m.stats.name, m.stats);
      else if (m.kind === "done") {
        clearInterval(timer);
        resolve({ hung: null });
      }
    });
    w.on("error", (e) => {
      clearInterval(timer);
      reject(e);
    });
  });
}

/** Runs every form of `forms` on one worker at a time, restarting past stalls; returns all statistics. */
export async function runShard(forms: readonly Form[], o: PoolOptions): Promise<FormStats[]> {
  const done = new Map<string, FormStats>();
  let todo = [...forms];
  while (todo.length > 0) {
    const { hung } = await runOnce(todo, o, done);
    if (hung === null) break;
    const f = todo[hung[0]];
    if (f !== undefined && !done.has(f.name)) {
      done.set(f.name, {
        name: f.name,
        group: f.group,
        mnemonic: f.row.mnemonic,
        cases: 1,
        failures: 1,
        untestable: 0,
        samples: [
          `${f.name}#${o.seed}:${hung[1]}  the emulator did not finish this case within ${o.stallMs / 1000} s (hang); other cases of the form were not run`,
        ],
      });
    }
    todo = todo.filter((x) => !done.has(x.name));
  }
  return forms.map((f) => done.get(f.name)).filter((s): s is FormStats => s !== undefined);
}
