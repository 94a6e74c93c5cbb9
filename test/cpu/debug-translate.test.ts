// SPDX-License-Identifier: MIT
// An instruction builder that throws still yields #UD (translation never crashes
// the emulator), but its message reaches `lwp run --debug-translate`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeRun } from "../../src/hw/cpu/decode.js";
import { buildErrors, translateInsn } from "../../src/hw/cpu/translate/block.js";
import { CpuException, VEC_UD } from "../../src/hw/cpu/exits.js";
import { Machine } from "../../src/kernel/machine.js";
import type { Host } from "../../src/kernel/host.js";

/** `add eax, ecx` with its second operand turned into a kind no builder knows. */
function brokenAdd() {
  const [i] = decodeRun(Uint8Array.of(0x01, 0xc8), 0x401000, () => true);
  assert.ok(i !== undefined && i.name === "ADD");
  return { ...i, bytes: i.bytes, ops: i.ops.map((o, k) => (k === 1 ? { ...o, kind: 99 } : o)) };
}

test("a builder's exception is reported with the instruction, and the op raises #UD", () => {
  const seen: string[] = [];
  buildErrors.report = (i, e) =>
    seen.push(`${i.name}@${i.ip.toString(16)}: ${e instanceof Error ? e.message : String(e)}`);
  try {
    const op = translateInsn(brokenAdd());
    assert.equal(seen.length, 1);
    assert.match(seen[0]!, /^ADD@401000: /);
    assert.throws(
      () => op(null as never),
      (e: unknown) => e instanceof CpuException && e.vector === VEC_UD,
    );
  } finally {
    buildErrors.report = null;
  }
});

test("without --debug-translate the exception is only a #UD; with it the machine reports on stderr", () => {
  const lines: string[] = [];
  const host = {
    write: (_fd: number, b: Uint8Array) => {
      lines.push(new TextDecoder().decode(b));
      return b.length;
    },
  } as unknown as Host;
  new Machine(host, {});
  assert.equal(buildErrors.report, null);
  translateInsn(brokenAdd());
  new Machine(host, { debugTranslate: true });
  translateInsn(brokenAdd());
  buildErrors.report = null;
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^lwp: cannot translate ADD at 0x401000 \(01 c8\), executing it raises #UD: /);
});
