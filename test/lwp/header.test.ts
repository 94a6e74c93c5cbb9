// SPDX-License-Identifier: MIT
// include/lwp.h against the TypeScript definitions it mirrors: every constant and
// layout offset, as the C compiler sees them (test/lwp/header.c prints them).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileStatic, repoRoot, runNative } from "../helpers/build-guests.js";
import { BR_CLASS, BR_FLAG, DC_FLAG, EV } from "../../src/hw/lwp/events.js";
import { CB, FILTER, FLAG_CONT, FLAG_INT, FLAG_PTSC } from "../../src/hw/lwp/lwpcb.js";
import { FULL_LWP, geometry } from "../../src/hw/lwp/caps.js";
import { REC, RECORD_SIZE } from "../../src/hw/lwp/record.js";
import { PR_LWP_DISABLE, PR_LWP_GET, PR_LWP_GET_SIGNAL, PR_LWP_SET_SIGNAL } from "../../src/kernel/syscalls/prctl.js";

const u = (v: number): number => v >>> 0;
const full = geometry(FULL_LWP);

const EXPECTED: Readonly<Record<string, number>> = {
  LWP_EVENT_LWPVAL: EV.VAL,
  LWP_EVENT_INSTRUCTIONS: EV.INSTRUCTIONS,
  LWP_EVENT_BRANCHES: EV.BRANCHES,
  LWP_EVENT_DCACHE: EV.DCACHE,
  LWP_EVENT_CYCLES: EV.CYCLES,
  LWP_EVENT_REF_CYCLES: EV.REF_CYCLES,
  LWP_EVENT_LWPINS: EV.INS,
  LWP_FLAG_CONT: u(FLAG_CONT),
  LWP_FLAG_PTSC: u(FLAG_PTSC),
  LWP_FLAG_INT: u(FLAG_INT),
  "LWP_FLAG_EVENT(3)": 1 << EV.BRANCHES,
  "LWP_FILTER_MIN_LATENCY(0xfff)": FILTER.MIN_LATENCY_MASK,
  LWP_FILTER_NO_L2: FILTER.NO_L2,
  LWP_FILTER_NO_L3: FILTER.NO_L3,
  LWP_FILTER_NO_DRAM: FILTER.NO_DRAM,
  LWP_FILTER_NO_PREDICTED: FILTER.NO_PREDICTED,
  LWP_FILTER_NO_MISPREDICTED: FILTER.NO_MISPREDICTED,
  LWP_FILTER_NO_ABSOLUTE: FILTER.NO_ABSOLUTE,
  LWP_FILTER_NO_CONDITIONAL: FILTER.NO_CONDITIONAL,
  LWP_FILTER_NO_RELATIVE: FILTER.NO_RELATIVE,
  LWP_FILTER_IP: u(FILTER.IP_FILTER),
  LWP_FILTER_IP_INVERT: u(FILTER.IP_INVERT),
  LWP_BR_TAKEN: BR_FLAG.TAKEN,
  LWP_BR_PREDICTED: BR_FLAG.PREDICTED,
  LWP_BR_PREDICTION_VALID: BR_FLAG.PREDICTION_VALID,
  "LWP_BR_CLASS(0x300)": BR_CLASS.ABSOLUTE,
  "LWP_BR_CLASS(0x100)": BR_CLASS.CONDITIONAL,
  "LWP_DC_LEVEL(0xff)": DC_FLAG.LEVEL_MASK,
  LWP_DC_ADDRESS_VALID: DC_FLAG.ADDRESS_VALID,
  LWP_MAX_EVENTS: full.maxEvents,
  LWP_PR_DISABLE: PR_LWP_DISABLE,
  LWP_PR_GET: PR_LWP_GET,
  LWP_PR_SET_SIGNAL: PR_LWP_SET_SIGNAL,
  LWP_PR_GET_SIGNAL: PR_LWP_GET_SIGNAL,
  "lwpcb.Flags": CB.FLAGS,
  "lwpcb.BufferSize": CB.BUFFER_SIZE,
  "lwpcb.BufferBase": CB.BUFFER_BASE,
  "lwpcb.BufferHeadOffset": CB.HEAD,
  "lwpcb.MissedEvents": CB.MISSED,
  "lwpcb.Threshold": CB.THRESHOLD,
  "lwpcb.Filters": CB.FILTERS,
  "lwpcb.BaseIP": CB.BASE_IP,
  "lwpcb.LimitIP": CB.LIMIT_IP,
  "lwpcb.BufferTailOffset": CB.TAIL,
  "lwpcb.Events": full.eventOffset,
  "lwp_record.EventId": REC.EVENT_ID,
  "lwp_record.CoreId": REC.CORE_ID,
  "lwp_record.Flags": REC.FLAGS,
  "lwp_record.Data1": REC.DATA1,
  "lwp_record.InstructionAddress": REC.IP,
  "lwp_record.Data2": REC.DATA2,
  "lwp_record.Data3": REC.DATA3,
  "sizeof(struct lwp_record)": RECORD_SIZE,
};

test("include/lwp.h: every constant and offset equals the TypeScript definition", { timeout: 120_000 }, () => {
  const root = repoRoot();
  const bin = join(root, "build", "lwp", "header");
  compileStatic("gcc", join(root, "test", "lwp", "header.c"), bin, ["-O0", "-mlwp"]);
  const r = runNative(bin);
  assert.equal(r.status, 0);
  const got = new Map(
    r.stdout
      .toString()
      .trim()
      .split("\n")
      .map((l) => {
        const i = l.lastIndexOf(" ");
        return [l.slice(0, i), Number(l.slice(i + 1))] as const;
      }),
  );
  assert.deepEqual([...got.keys()].sort(), Object.keys(EXPECTED).sort(), "header.c and this test list the same names");
  for (const [name, want] of Object.entries(EXPECTED)) assert.equal(got.get(name), want, name);
});
