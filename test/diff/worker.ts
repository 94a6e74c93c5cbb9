// SPDX-License-Identifier: MIT
// Worker thread of `npm run test:diff`: runs a list of forms (with its own
// native runner process), posting each form's statistics when it completes and
// publishing the case in progress in shared memory for the parent's watchdog.
import { parentPort, workerData } from "node:worker_threads";
import { runForms } from "./harness.js";
import { tiersFromEnv } from "../../src/cli/tiers.js";
import { allForms } from "./forms.js";

interface Job {
  forms: string[];
  seed: number;
  perForm: number;
  where: SharedArrayBuffer;
  dir: string;
}

tiersFromEnv(process.env);
const job = workerData as Job;
const byName = new Map(allForms().map((f) => [f.name, f]));
const forms = job.forms.map((n) => byName.get(n)!);
const where = new Int32Array(job.where);
await runForms(forms, {
  seed: job.seed,
  perForm: job.perForm,
  batchDir: job.dir,
  progress: (done) => parentPort?.postMessage({ kind: "progress", done }),
  formDone: (stats) => parentPort?.postMessage({ kind: "form", stats }),
  running: (f, c) => {
    Atomics.store(where, 0, f);
    Atomics.store(where, 1, c);
  },
});
parentPort?.postMessage({ kind: "done" });
