// SPDX-License-Identifier: MIT
// Guest C programs that profile themselves with LWP (examples/src), built here with
// gcc -mlwp -static and musl-gcc, run under `lwp run`: each checks its own ring
// (counts within ±1 per loop, fields, MissedEvents, LWPINS CF, SLWPCB/LLWPCB(0)).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileStatic, describeEnd, repoRoot, runLwp, stderrTail } from "../helpers/build-guests.js";

const root = repoRoot();
const PROGRAMS = ["selfprof", "phases"] as const;
const COMPILERS = [
  ["gcc", "gcc"],
  ["musl", "musl-gcc"],
] as const;

function build(name: string, compiler: string, cmd: string): string {
  const out = join(root, "build", "lwp-examples", compiler, name);
  compileStatic(cmd, join(root, "examples", "src", `${name}.c`), out, ["-O2", "-mlwp", "-Wall", "-Wextra"]);
  return out;
}

for (const [compiler, cmd] of COMPILERS) {
  for (const name of PROGRAMS) {
    test(
      `§4/§7 ${compiler}/${name} checks its own ring buffer and passes (full and fam15h)`,
      { timeout: 300_000 },
      () => {
        const path = build(name, compiler, cmd);
        for (const cpu of ["full", "fam15h"]) {
          const r = runLwp(path, [], { lwpArgs: ["--cpu", cpu], timeoutMs: 240_000 });
          const out = r.stdout.toString();
          assert.equal(r.status, 0, `${cpu}: ${describeEnd(r)}\n${out}\n${stderrTail(r)}`);
          assert.match(out, new RegExp(`${name}: PASS`));
        }
      },
    );
  }
}

test("§1.3 under --cpu fam15h the program sees only events 1–3 offered by CPUID", { timeout: 300_000 }, () => {
  const path = build("selfprof", "musl", "musl-gcc");
  const fam = runLwp(path, [], { lwpArgs: ["--cpu", "fam15h"] }).stdout.toString();
  assert.match(fam, /supported events: 1 2 3;/);
  const full = runLwp(path, [], { lwpArgs: ["--cpu", "full"] }).stdout.toString();
  assert.match(full, /supported events: 1 2 3 4 5 6;/);
});

test(
  "the prebuilt examples/bin/selfprof runs and prints its own profile; two runs are identical",
  { timeout: 300_000 },
  () => {
    const bin = join(root, "examples", "bin", "selfprof");
    const a = runLwp(bin),
      b = runLwp(bin);
    assert.equal(a.status, 0, stderrTail(a));
    assert.match(a.stdout.toString(), /^profile: \d+ instruction samples/m);
    assert.ok(a.stdout.equals(b.stdout), "deterministic output");
  },
);
